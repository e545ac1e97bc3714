package decisions

import "time"

// Limits bound brute force on one connection: after MaxFailures failed
// credential checks within Window (a fixed window starting at the first
// failure), every further action is refused until the window ends.
type Limits struct {
	MaxFailures int
	Window      time.Duration
	// Now is the clock (time.Now when nil); tests pass their own.
	Now func() time.Time
}

// DefaultLimits are the spec's: 10 failures per 60 seconds.
func DefaultLimits() Limits { return Limits{MaxFailures: 10, Window: 60 * time.Second} }

// FailureLimiter counts one connection's credential failures. It is not
// safe for concurrent use: a connection handles its frames one at a time.
type FailureLimiter struct {
	limits   Limits
	start    time.Time // when the current window began (first failure)
	failures int
}

// NewFailureLimiter returns a limiter with no failures recorded.
func NewFailureLimiter(l Limits) *FailureLimiter {
	if l.Now == nil {
		l.Now = time.Now
	}
	return &FailureLimiter{limits: l}
}

// Check reports whether the connection is limited now and, if so, how long
// until its window ends.
func (l *FailureLimiter) Check() (retryAfter time.Duration, limited bool) {
	now := l.limits.Now()
	l.expire(now)
	if l.failures < l.limits.MaxFailures {
		return 0, false
	}
	return l.start.Add(l.limits.Window).Sub(now), true
}

// Record counts err if it is a credential failure; other errors and
// successes change nothing.
func (l *FailureLimiter) Record(err error) {
	if !IsCredentialFailure(err) {
		return
	}
	now := l.limits.Now()
	l.expire(now)
	if l.failures == 0 {
		l.start = now
	}
	l.failures++
}

// expire starts over once the window has passed.
func (l *FailureLimiter) expire(now time.Time) {
	if l.failures > 0 && !now.Before(l.start.Add(l.limits.Window)) {
		l.failures = 0
	}
}
