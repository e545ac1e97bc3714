package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// phaseRunner runs one timed phase of a closed loop for d.
type phaseRunner func(d time.Duration) phaseResult

// summary is the median over rounds of one side of a comparison.
type summary struct {
	rate     float64 // operations per second
	p50, p99 time.Duration
	errors   int
	firstErr error
}

// comparison is the server and its bare baseline, measured alternately.
type comparison struct {
	server, baseline summary
}

func (c comparison) ratio() float64 { return c.server.rate / c.baseline.rate }

// rounds says how a comparison is run.
type rounds struct {
	count  int           // alternating rounds
	phase  time.Duration // each side's time per round
	warmup time.Duration // each side's untimed time before the first round
	log    io.Writer
}

// compare warms both sides up, then runs them alternately for r.count rounds
// (baseline first in odd rounds, server first in even ones, so a drift in
// the machine's load falls on both) and keeps the median of each figure.
func compare(name string, server, baseline phaseRunner, r rounds) comparison {
	if r.warmup > 0 {
		baseline(r.warmup)
		server(r.warmup)
	}
	var s, b []phaseResult
	for i := range r.count {
		sides := []struct {
			label string
			run   phaseRunner
			into  *[]phaseResult
		}{{"bare", baseline, &b}, {"server", server, &s}}
		if i%2 == 1 {
			slices.Reverse(sides)
		}
		for _, side := range sides {
			res := side.run(r.phase)
			*side.into = append(*side.into, res)
			fmt.Fprintf(r.log, "  %s round %d %-6s %8.0f/s  p50 %-9s p99 %-9s errors %d\n", name, i+1, side.label,
				res.rate(), fmtDuration(res.latency.Percentile(0.50)), fmtDuration(res.latency.Percentile(0.99)), res.errors)
		}
	}
	return comparison{server: summarize(s), baseline: summarize(b)}
}

func summarize(phases []phaseResult) summary {
	var rates []float64
	var p50s, p99s []time.Duration
	var sum summary
	for _, p := range phases {
		rates = append(rates, p.rate())
		p50s = append(p50s, p.latency.Percentile(0.50))
		p99s = append(p99s, p.latency.Percentile(0.99))
		sum.errors += p.errors
		if sum.firstErr == nil {
			sum.firstErr = p.firstErr
		}
	}
	sum.rate, sum.p50, sum.p99 = median(rates), median(p50s), median(p99s)
	return sum
}

// median of an odd count is the middle value; of an even count, the lower
// of the two middle ones (no averaging of latencies).
func median[T float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
