package vrtraining

import (
	"context"
	"encoding/json"

	"github.com/sessionhub/server/internal/platform/readcache"
)

// CachedStore serves Get from memory while the session is unchanged.
// Update, the only write of an existing session, drops it here once
// committed; the Change the service then publishes on ChangesTopic drops it
// in every process (the cache follows ChangedSessions).
type CachedStore struct {
	Store
	Sessions *readcache.Cache[Session] // what Get read
}

func (c *CachedStore) Get(ctx context.Context, id string) (Session, error) {
	return c.Sessions.Read(id, func() (Session, error) { return c.Store.Get(ctx, id) })
}

func (c *CachedStore) Update(ctx context.Context, id string, fn func(*Session) error) (Session, error) {
	defer c.Sessions.Changed(ctx, id)
	return c.Store.Update(ctx, id, fn)
}

// ChangedSessions names the session a ChangesTopic message changed, for a
// cache following the topic.
func ChangedSessions(payload []byte) ([]string, bool) {
	var c Change
	if err := json.Unmarshal(payload, &c); err != nil || c.Session.ID == "" {
		return nil, false
	}
	return []string{c.Session.ID}, true
}
