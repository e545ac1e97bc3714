package avatar

import (
	"context"
	"time"

	"github.com/sessionhub/server/internal/platform/groupcommit"
)

// maxBatch bounds the sessions written in one transaction.
const maxBatch = 256

// recordWriter writes the sessions' counts and activity from one goroutine
// in batches, one transaction each (group commit): hundreds of streaming
// sessions cost a few transactions per second and one database connection,
// instead of one connection each at the moments they happen to coincide.
type recordWriter struct {
	batches *groupcommit.Writer[Recorded]
}

func newRecordWriter(store Store) *recordWriter {
	return &recordWriter{batches: groupcommit.New(1, maxBatch, func(records []Recorded) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return store.Record(ctx, records)
	})}
}

// write queues d and waits until it is written.
func (w *recordWriter) write(ctx context.Context, sessionID string, d Delta) error {
	return w.batches.Submit(ctx, Recorded{SessionID: sessionID, Delta: d})
}

// stop writes what is queued and stops.
func (w *recordWriter) stop() { w.batches.Close() }
