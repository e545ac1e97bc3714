package main

import (
	"sync"
	"time"

	"github.com/sessionhub/server/tools/loadgen"
)

// phaseResult is one timed phase of a closed loop: every worker sends its
// next request only after the previous reply.
type phaseResult struct {
	ops      int
	errors   int
	elapsed  time.Duration
	latency  loadgen.Latencies
	firstErr error
}

func (r phaseResult) rate() float64 { return float64(r.ops) / r.elapsed.Seconds() }

// closedLoop runs workers goroutines that each repeat op (given its worker
// index) for d, and gathers their latencies. A worker whose op fails stops;
// its failures are counted, never timed.
func closedLoop(workers int, d time.Duration, op func(worker int) error) phaseResult {
	latencies := make([][]time.Duration, workers)
	errs := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			end := time.Now().Add(d)
			for time.Now().Before(end) {
				t0 := time.Now()
				if err := op(w); err != nil {
					errs[w] = err
					return
				}
				latencies[w] = append(latencies[w], time.Since(t0))
			}
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	r := phaseResult{elapsed: time.Since(t0)}
	var all []time.Duration
	for w, l := range latencies {
		all = append(all, l...)
		if errs[w] != nil {
			r.errors++
			if r.firstErr == nil {
				r.firstErr = errs[w]
			}
		}
	}
	r.ops = len(all)
	r.latency = loadgen.SortLatencies(all)
	return r
}
