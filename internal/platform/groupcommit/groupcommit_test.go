package groupcommit

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func TestEveryItemIsCommittedOnceAndTold(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	failing := errors.New("disk full")
	w := New(2, 8, func(batch []int) error {
		if len(batch) > 8 {
			t.Errorf("batch of %d items, want at most 8", len(batch))
		}
		mu.Lock()
		defer mu.Unlock()
		for _, n := range batch {
			seen[n]++
		}
		if batch[0] < 0 {
			return failing
		}
		return nil
	})
	var callers sync.WaitGroup
	for n := range 100 {
		callers.Go(func() {
			if err := w.Submit(context.Background(), n); err != nil {
				t.Errorf("Submit(%d) = %v, want nil", n, err)
			}
		})
	}
	callers.Wait()
	if err := w.Submit(context.Background(), -1); !errors.Is(err, failing) {
		t.Errorf("Submit of a failing batch = %v, want the commit's error", err)
	}
	w.Close()
	for n := range 100 {
		if seen[n] != 1 {
			t.Errorf("item %d committed %d times, want once", n, seen[n])
		}
	}
}

func TestCloseCommitsWhatWasQueuedAndRefusesTheRest(t *testing.T) {
	release := make(chan struct{})
	var committed []int
	w := New(1, 4, func(batch []int) error {
		<-release
		committed = append(committed, batch...)
		return nil
	})
	results := make(chan error, 3)
	for n := range 3 {
		go func() { results <- w.Submit(context.Background(), n) }()
	}
	closed := make(chan struct{})
	go func() { w.Close(); close(closed) }()
	close(release)
	written := 0
	for range 3 {
		switch err := <-results; {
		case err == nil:
			written++
		case !errors.Is(err, ErrStopped):
			t.Errorf("Submit around Close = %v, want nil or ErrStopped", err)
		}
	}
	<-closed
	if err := w.Submit(context.Background(), 9); !errors.Is(err, ErrStopped) {
		t.Errorf("Submit after Close = %v, want ErrStopped", err)
	}
	if len(committed) != written {
		t.Errorf("committed %v, but %d callers were told their item was written", committed, written)
	}
}
