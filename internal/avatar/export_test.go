package avatar

import "context"

// AttachedElsewhere runs what the event of another process's attach runs,
// without the bus, so a test can deliver one late.
func AttachedElsewhere(s *Service, ctx context.Context, id string) { s.attachedElsewhere(ctx, id) }
