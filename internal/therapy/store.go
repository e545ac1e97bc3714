package therapy

import (
	"context"
	"time"
)

// Store keeps sessions, contents, jobs and results. Every method that takes
// an owner answers ErrNotFound for another user's session.
type Store interface {
	// CreateSession stores s and, when first is set, that content and its
	// job, once admit accepts the owner's stored total.
	CreateSession(ctx context.Context, s Session, first *Content, admit StorageCheck) error
	GetSession(ctx context.Context, owner, id string) (Session, error)
	ListSessions(ctx context.Context, owner string, q ListQuery) (SessionPage, error)
	// UpdateSession loads the session, lets change edit it and saves it.
	UpdateSession(ctx context.Context, owner, id string, change func(*Session) error) error
	// DeleteSession removes the session, its contents, jobs and results and
	// returns the contents so their files can be removed.
	DeleteSession(ctx context.Context, owner, id string) ([]Content, error)
	// AddContent stores c and queues its job, once admit accepts the owner's
	// stored total; the session's analysis becomes pending. It returns the
	// session's analysis state afterwards.
	AddContent(ctx context.Context, c Content, admit StorageCheck) (AnalysisState, error)
	// StoredBytes is the size of all the content owner stores.
	StoredBytes(ctx context.Context, owner string) (int64, error)

	// SessionWithResults reads the caller's session and all its results
	// in one snapshot.
	SessionWithResults(ctx context.Context, owner, id string) (Session, Results, error)
	// Emotions, Topics and Insights list the results of the caller's
	// session; ErrNotFound when the session is not theirs.
	Emotions(ctx context.Context, owner, sessionID string, f Filter) ([]Emotion, error)
	Topics(ctx context.Context, owner, sessionID string, f Filter) ([]Topic, error)
	Insights(ctx context.Context, owner, sessionID string, f Filter) ([]Insight, error)

	JobStore
}

// StorageCheck decides whether content may be added given the bytes its
// owner already stores. The store calls it inside the transaction that adds
// the content, with the owner's additions serialized, so concurrent uploads
// cannot together pass a quota that each alone respects.
type StorageCheck func(stored int64) error

// Job is one claimed analysis job.
type Job struct {
	Content  Content
	Attempts int // including this run
}

// JobStore is the durable job queue. A job is held by one worker (its lease
// owner) until it finishes or its lease runs out; every write of a running
// job checks and extends the lease, so a worker that lost its job cannot
// write results.
type JobStore interface {
	// ClaimJob takes the oldest runnable job (pending, or processing with an
	// expired lease, and no older job in its session unfinished or still
	// held by FinishJob), marks it
	// processing with progress 0, clears the results of earlier runs and
	// returns it; ok is false when there is none.
	ClaimJob(ctx context.Context, worker string, lease time.Duration) (job Job, ok bool, err error)
	// Heartbeat extends the lease; ErrLeaseLost when the job is no longer
	// this worker's.
	Heartbeat(ctx context.Context, jobID, worker string, lease time.Duration) error
	SetProgress(ctx context.Context, jobID, worker string, progress float64, lease time.Duration) error
	AddEmotion(ctx context.Context, worker string, e Emotion, lease time.Duration) error
	AddTopic(ctx context.Context, worker string, t Topic, lease time.Duration) error
	AddInsight(ctx context.Context, worker string, i Insight, lease time.Duration) error
	// FinishJob records the final state (completed or failed). The job
	// keeps its session's turn for hold, or until JobAnnounced: the
	// session's next job starts only after this one's final event is out.
	FinishJob(ctx context.Context, jobID, worker, status string, progress float64, errMsg string, hold time.Duration) error
	// JobAnnounced gives a finished job's turn back: its final event is out.
	JobAnnounced(ctx context.Context, jobID string) error
	// ReleaseJob gives a job back (pending) so any worker may run it again.
	ReleaseJob(ctx context.Context, jobID, worker string) error
	// RecoverJobs makes every processing job pending again and ends every
	// finished job's hold: for the single SQLite process at start, when no
	// other process can hold a lease.
	RecoverJobs(ctx context.Context) error
}
