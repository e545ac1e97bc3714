package loadgen

import (
	"slices"
	"time"
)

// Latencies is a sorted set of observed durations.
type Latencies []time.Duration

// SortLatencies sorts d in place and returns it as Latencies.
func SortLatencies(d []time.Duration) Latencies {
	slices.Sort(d)
	return Latencies(d)
}

// Percentile is the p-quantile (0 ≤ p ≤ 1) by the nearest-rank-below rule,
// 0 when nothing was observed.
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[int(p*float64(len(l)-1))]
}

// Max is the largest observation, 0 when nothing was observed.
func (l Latencies) Max() time.Duration { return l.Percentile(1) }
