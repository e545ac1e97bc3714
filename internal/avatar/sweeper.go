package avatar

import (
	"context"
	"time"
)

// LeaseTTL is how long a server process's lease lasts without renewal;
// after that its connected sessions count as orphaned (the process died).
const LeaseTTL = 15 * time.Second

// Sweep is one idle check, run by every server process at least once per
// second: it renews this process's lease, ends the sessions past their
// idle deadline and the sessions whose WebSocket was held by a process
// that is gone, and announces each ending so the process holding the
// socket closes it. Each session is ended by exactly one process.
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
	orphaned, err := s.store.EndOrphaned(ctx, now.Add(-LeaseTTL), now)
	if err != nil {
		return err
	}
	for _, id := range orphaned {
		s.announceEnded(ctx, id, EndedByRestart)
	}
	return nil
}

// RunSweeper sweeps every interval until ctx ends, starting at once (so a
// restarted server ends the sessions its previous run left connected).
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

// Shutdown gives up this process's lease, so the sessions it held
// connected are ended by the next check of any process (or of this server
// when it starts again), and stops listening for session events.
func (s *Service) Shutdown(ctx context.Context) error {
	s.unsubscribe()
	s.writer.stop()
	return s.store.DropLease(ctx, s.instance)
}

// ShutdownQuietly is Shutdown for a server that must stop anyway: a
// failure (the database is gone) only delays the ending of the sessions
// this process held until its lease expires.
func (s *Service) ShutdownQuietly(ctx context.Context) {
	if err := s.Shutdown(ctx); err != nil {
		s.log.Warn("avatar: give up the instance lease; its sessions end when the lease expires", "err", err, "lease_ttl", LeaseTTL)
	}
}
