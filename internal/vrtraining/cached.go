package vrtraining

import (
	"context"

	"github.com/sessionhub/server/internal/platform/readcache"
)

// CachedStore serves Get from memory while the session is unchanged.
// Update, the only write of an existing session, reports the change once
// committed.
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
