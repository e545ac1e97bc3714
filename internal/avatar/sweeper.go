package avatar

import (
	"context"
	"time"
)

// LeaseTTL is how long a server process's lease lasts without renewal;
// after that it counts as gone (it died) and its sessions as not connected.
const LeaseTTL = 15 * time.Second

// Sweep is one idle check, run by every server process at least once per
// second: it renews this process's lease, ends the sessions past their
// idle deadline and announces each ending so the process holding the
// socket closes it (each session is ended by exactly one process), and
// marks the sessions of a process that is gone as not connected. Those
// stay active: their client reconnects to another process, or idles out.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.now()
	if err := s.store.Lease(ctx, s.instance, now); err != nil {
		return err
	}
	idle, err := s.store.EndIdle(ctx, now)
	if err != nil {
		return err
	}
	for _, id := range idle {
		s.announceEnded(ctx, id, EndedByIdleTimeout)
	}
	return s.store.ReleaseOrphaned(ctx, now.Add(-LeaseTTL))
}

// RunSweeper sweeps every interval until ctx ends, starting at once (so
// this process's lease exists before its first connection).
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration) {
	if interval <= 0 || interval > time.Second {
		interval = time.Second
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("avatar: idle check failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// Shutdown gives up this process's lease (its connections were closed and
// detached before) and stops listening for session events.
func (s *Service) Shutdown(ctx context.Context) error {
	s.unsubscribe()
	s.writer.stop()
	return s.store.DropLease(ctx, s.instance)
}

// ShutdownQuietly is Shutdown for a server that must stop anyway: a
// failure (the database is gone) leaves the lease to expire by itself.
func (s *Service) ShutdownQuietly(ctx context.Context) {
	if err := s.Shutdown(ctx); err != nil {
		s.log.Warn("avatar: give up the instance lease; it expires by itself", "err", err, "lease_ttl", LeaseTTL)
	}
}
