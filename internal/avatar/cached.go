package avatar

import (
	"context"
	"time"

	"github.com/sessionhub/server/internal/platform/readcache"
)

// CachedStore serves Get (the status endpoint) from memory while the
// session is unchanged. Every method of Store that writes a session is
// overridden here to report the change once committed; one that is not
// overridden passes through and must only read or write leases.
type CachedStore struct {
	Store
	Sessions *readcache.Cache[Session] // what Get read
}

func (c *CachedStore) Get(ctx context.Context, fingerprint, id string) (Session, error) {
	s, err := c.Sessions.Read(id, func() (Session, error) { return c.Store.Get(ctx, fingerprint, id) })
	if err == nil && s.KeyFingerprint != fingerprint {
		// Cached for the key that started it; to any other it does not exist.
		return Session{}, ErrNotFound
	}
	return s, err
}

func (c *CachedStore) End(ctx context.Context, fingerprint, id string, reason EndReason, at time.Time) error {
	defer c.Sessions.Changed(ctx, id)
	return c.Store.End(ctx, fingerprint, id, reason, at)
}

func (c *CachedStore) Configure(ctx context.Context, id string, cfg Config, deadline *time.Time) (bool, error) {
	defer c.Sessions.Changed(ctx, id)
	return c.Store.Configure(ctx, id, cfg, deadline)
}

func (c *CachedStore) Connect(ctx context.Context, id, instance string) error {
	defer c.Sessions.Changed(ctx, id)
	return c.Store.Connect(ctx, id, instance)
}

func (c *CachedStore) Disconnect(ctx context.Context, id, instance string) error {
	defer c.Sessions.Changed(ctx, id)
	return c.Store.Disconnect(ctx, id, instance)
}

func (c *CachedStore) Record(ctx context.Context, batch []Recorded) error {
	ids := make([]string, len(batch))
	for i, r := range batch {
		ids[i] = r.SessionID
	}
	defer c.Sessions.Changed(ctx, ids...)
	return c.Store.Record(ctx, batch)
}

func (c *CachedStore) EndIdle(ctx context.Context, now time.Time) ([]string, error) {
	ended, err := c.Store.EndIdle(ctx, now)
	c.Sessions.Changed(ctx, ended...)
	return ended, err
}

func (c *CachedStore) ReleaseOrphaned(ctx context.Context, staleBefore time.Time) error {
	defer c.Sessions.ChangedAll(ctx)
	return c.Store.ReleaseOrphaned(ctx, staleBefore)
}
