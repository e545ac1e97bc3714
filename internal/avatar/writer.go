package avatar

import (
	"context"
	"errors"
	"sync"
	"time"
)

// maxBatch bounds the sessions written in one transaction.
const maxBatch = 256

// errWriterStopped: the service is shutting down.
var errWriterStopped = errors.New("avatar: record writer stopped")

// recordWriter writes the sessions' counts and activity from one goroutine
// in batches, one transaction each (group commit): hundreds of streaming
// sessions cost a few transactions per second and one database connection,
// instead of one connection each at the moments they happen to coincide.
type recordWriter struct {
	store Store
	jobs  chan recordJob
	done  chan struct{}
	once  sync.Once
}

type recordJob struct {
	Recorded
	result chan error
}

func newRecordWriter(store Store) *recordWriter {
	w := &recordWriter{store: store, jobs: make(chan recordJob, maxBatch), done: make(chan struct{})}
	go w.run()
	return w
}

// write queues d and waits until it is written.
func (w *recordWriter) write(ctx context.Context, sessionID string, d Delta) error {
	job := recordJob{Recorded: Recorded{SessionID: sessionID, Delta: d}, result: make(chan error, 1)}
	select {
	case w.jobs <- job:
	case <-w.done:
		return errWriterStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-job.result:
		return err
	case <-w.done:
		return errWriterStopped
	}
}

func (w *recordWriter) run() {
	for {
		var batch []recordJob
		select {
		case job := <-w.jobs:
			batch = append(batch, job)
		case <-w.done:
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case job := <-w.jobs:
				batch = append(batch, job)
			default:
				break collect
			}
		}
		records := make([]Recorded, len(batch))
		for i, job := range batch {
			records[i] = job.Recorded
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := w.store.Record(ctx, records)
		cancel()
		for _, job := range batch {
			job.result <- err
		}
	}
}

func (w *recordWriter) stop() { w.once.Do(func() { close(w.done) }) }
