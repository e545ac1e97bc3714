// Package groupcommit writes items in batches, one transaction each (group
// commit): the items that arrive while a batch is being written form the
// next one, so a lone item is written at once and a burst from many callers
// costs a few transactions instead of one each.
package groupcommit

import (
	"context"
	"errors"
	"sync"
)

// ErrStopped: the writer was closed before the item was queued.
var ErrStopped = errors.New("groupcommit: writer stopped")

// Writer hands batches of at most max items to commit from a fixed number
// of goroutines. A caller of Submit waits until its batch is committed.
type Writer[T any] struct {
	commit  func([]T) error
	max     int
	jobs    chan job[T]
	stop    chan struct{}
	written chan struct{} // closed when the writers have answered their last job
	writing sync.WaitGroup
	once    sync.Once
}

type job[T any] struct {
	item   T
	result chan error
}

// New starts writers goroutines that each call commit with up to max
// queued items. commit is called from several goroutines when writers > 1;
// the error it returns is every item's result.
func New[T any](writers, max int, commit func(batch []T) error) *Writer[T] {
	w := &Writer[T]{
		commit: commit, max: max,
		jobs: make(chan job[T], max), stop: make(chan struct{}), written: make(chan struct{}),
	}
	w.writing.Add(writers)
	for range writers {
		go w.write()
	}
	go func() {
		w.writing.Wait()
		close(w.written)
	}()
	return w
}

// Submit queues item and waits until its batch is committed.
func (w *Writer[T]) Submit(ctx context.Context, item T) error {
	j := job[T]{item: item, result: make(chan error, 1)}
	select {
	case w.jobs <- j:
	case <-w.stop:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the item is written even if the caller leaves: wait for
	// the outcome so the caller is told the truth.
	select {
	case err := <-j.result:
		return err
	case <-w.written:
		select { // answered by the last drain, or queued after it
		case err := <-j.result:
			return err
		default:
			return ErrStopped
		}
	}
}

// Close stops taking items, commits what was queued and returns when the
// last commit is done.
func (w *Writer[T]) Close() {
	w.once.Do(func() { close(w.stop) })
	<-w.written
}

func (w *Writer[T]) write() {
	defer w.writing.Done()
	for {
		var batch []job[T]
		select {
		case j := <-w.jobs:
			batch = append(batch, j)
		case <-w.stop:
			w.drain()
			return
		}
		w.commitBatch(w.fill(batch))
	}
}

// fill adds to batch what is queued now, up to max, without waiting.
func (w *Writer[T]) fill(batch []job[T]) []job[T] {
	for len(batch) < w.max {
		select {
		case j := <-w.jobs:
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

// drain commits what was queued before the stop.
func (w *Writer[T]) drain() {
	for {
		batch := w.fill(nil)
		if len(batch) == 0 {
			return
		}
		w.commitBatch(batch)
	}
}

func (w *Writer[T]) commitBatch(batch []job[T]) {
	items := make([]T, len(batch))
	for i, j := range batch {
		items[i] = j.item
	}
	err := w.commit(items)
	for _, j := range batch {
		j.result <- err
	}
}
