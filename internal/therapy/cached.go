package therapy

import (
	"context"
	"sync"
	"time"

	"github.com/sessionhub/server/internal/platform/readcache"
)

// SessionView is what GET /sessions/{id} shows: the session with its
// results.
type SessionView struct {
	Session Session
	Results Results
}

// CachedStore serves SessionWithResults from memory while the session is
// unchanged. Every method of Store that writes what that read shows is
// overridden here to report the change once committed; one that is not
// overridden passes through and must only read, or write nothing the read
// shows (Heartbeat moves a lease).
type CachedStore struct {
	Store
	views *readcache.Cache[SessionView]

	mu   sync.Mutex
	jobs map[string]string // job id → session id, of the jobs this process claimed
}

var _ Store = (*CachedStore)(nil)

// NewCachedStore wraps store, keeping what it reads in views.
func NewCachedStore(store Store, views *readcache.Cache[SessionView]) *CachedStore {
	return &CachedStore{Store: store, views: views, jobs: map[string]string{}}
}

func (c *CachedStore) SessionWithResults(ctx context.Context, owner, id string) (Session, Results, error) {
	v, err := c.views.Read(id, func() (SessionView, error) {
		s, r, err := c.Store.SessionWithResults(ctx, owner, id)
		return SessionView{s, r}, err
	})
	if err == nil && v.Session.Owner != owner {
		// Cached for its owner; to anybody else it does not exist.
		return Session{}, Results{}, ErrNotFound
	}
	return v.Session, v.Results, err
}

func (c *CachedStore) UpdateSession(ctx context.Context, owner, id string, change func(*Session) error) error {
	defer c.views.Changed(ctx, id)
	return c.Store.UpdateSession(ctx, owner, id, change)
}

func (c *CachedStore) DeleteSession(ctx context.Context, owner, id string) ([]Content, error) {
	defer c.views.Changed(ctx, id)
	return c.Store.DeleteSession(ctx, owner, id)
}

func (c *CachedStore) AddContent(ctx context.Context, content Content, admit StorageCheck) (AnalysisState, error) {
	defer c.views.Changed(ctx, content.SessionID)
	return c.Store.AddContent(ctx, content, admit)
}

func (c *CachedStore) ClaimJob(ctx context.Context, worker string, lease time.Duration) (Job, bool, error) {
	job, ok, err := c.Store.ClaimJob(ctx, worker, lease)
	if ok {
		c.mu.Lock()
		c.jobs[job.Content.ID] = job.Content.SessionID
		c.mu.Unlock()
		c.views.Changed(ctx, job.Content.SessionID)
	}
	return job, ok, err
}

func (c *CachedStore) SetProgress(ctx context.Context, jobID, worker string, progress float64, lease time.Duration) error {
	defer c.jobChanged(ctx, jobID, false)
	return c.Store.SetProgress(ctx, jobID, worker, progress, lease)
}

func (c *CachedStore) AddEmotion(ctx context.Context, worker string, e Emotion, lease time.Duration) error {
	defer c.views.Changed(ctx, e.SessionID)
	return c.Store.AddEmotion(ctx, worker, e, lease)
}

func (c *CachedStore) AddTopic(ctx context.Context, worker string, t Topic, lease time.Duration) error {
	defer c.views.Changed(ctx, t.SessionID)
	return c.Store.AddTopic(ctx, worker, t, lease)
}

func (c *CachedStore) AddInsight(ctx context.Context, worker string, i Insight, lease time.Duration) error {
	defer c.views.Changed(ctx, i.SessionID)
	return c.Store.AddInsight(ctx, worker, i, lease)
}

func (c *CachedStore) FinishJob(ctx context.Context, jobID, worker, status string, progress float64, errMsg string, hold time.Duration) error {
	defer c.jobChanged(ctx, jobID, true)
	return c.Store.FinishJob(ctx, jobID, worker, status, progress, errMsg, hold)
}

func (c *CachedStore) ReleaseJob(ctx context.Context, jobID, worker string) error {
	defer c.jobChanged(ctx, jobID, true)
	return c.Store.ReleaseJob(ctx, jobID, worker)
}

func (c *CachedStore) RecoverJobs(ctx context.Context) error {
	defer c.views.ChangedAll(ctx)
	return c.Store.RecoverJobs(ctx)
}

// jobChanged reports the change of a job's session; a job this process
// did not claim (which its writes refuse anyway) changes them all.
func (c *CachedStore) jobChanged(ctx context.Context, jobID string, done bool) {
	c.mu.Lock()
	sessionID, ok := c.jobs[jobID]
	if done {
		delete(c.jobs, jobID)
	}
	c.mu.Unlock()
	if !ok {
		c.views.ChangedAll(ctx)
		return
	}
	c.views.Changed(ctx, sessionID)
}
