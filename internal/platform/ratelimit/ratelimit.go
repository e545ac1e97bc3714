// Package ratelimit counts events in fixed windows: at most Max events per
// Window, a window starting with its subject's first event and ending Window
// later, when counting starts over. A refused event is not counted, and the
// wait until the window ends is what the APIs send as retry_after.
//
// Counts live in the memory of one server process: with several processes
// behind one address, each counts on its own, so a client that reaches
// several of them gets the limit once per process.
package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Rule is a limit: at most Max events per Window. Max 0 means no limit.
type Rule struct {
	Max    int
	Window time.Duration
}

// PerMinute is the rule of max events a minute.
func PerMinute(max int) Rule { return Rule{Max: max, Window: time.Minute} }

// Window counts one subject's events (a connection's, say). It is not safe
// for concurrent use; Counter is.
type Window struct {
	rule  Rule
	start time.Time
	count int
}

// NewWindow returns an empty window for rule.
func NewWindow(rule Rule) *Window { return &Window{rule: rule} }

// Blocked reports whether the subject has used up its window at now and,
// if so, how long until the window ends.
func (w *Window) Blocked(now time.Time) (time.Duration, bool) {
	w.expire(now)
	if w.rule.Max <= 0 || w.count < w.rule.Max {
		return 0, false
	}
	return w.start.Add(w.rule.Window).Sub(now), true
}

// Add counts one event at now.
func (w *Window) Add(now time.Time) {
	if w.rule.Max <= 0 {
		return
	}
	w.expire(now)
	if w.count == 0 {
		w.start = now
	}
	w.count++
}

// Take counts one event at now unless the window is used up.
func (w *Window) Take(now time.Time) (time.Duration, bool) {
	if wait, blocked := w.Blocked(now); blocked {
		return wait, false
	}
	w.Add(now)
	return 0, true
}

func (w *Window) expire(now time.Time) {
	if w.count > 0 && !now.Before(w.start.Add(w.rule.Window)) {
		w.count = 0
	}
}

func (w *Window) idle(now time.Time) bool {
	w.expire(now)
	return w.count == 0
}

// DefaultMaxKeys bounds how many keys a Counter tracks at once.
const DefaultMaxKeys = 100_000

// overflowKey is where keys beyond maxKeys are counted, together: a flood of
// new keys (addresses, user ids) cannot grow memory without bound, and the
// keys it crowds out stay limited rather than becoming unlimited.
const overflowKey = "\x00overflow"

// Counter counts events per key (a client address, a user id); it is safe
// for concurrent use. Keys whose window ended are forgotten.
type Counter struct {
	rule    Rule
	now     func() time.Time
	maxKeys int

	mu      sync.Mutex
	windows map[string]*Window
	sweptAt time.Time
}

// NewCounter returns a Counter for rule; now is the clock (time.Now when nil).
func NewCounter(rule Rule, now func() time.Time) *Counter {
	if now == nil {
		now = time.Now
	}
	return &Counter{rule: rule, now: now, maxKeys: DefaultMaxKeys, windows: map[string]*Window{}}
}

// Blocked reports whether key has used up its window now and how long until
// it ends.
func (c *Counter) Blocked(key string) (time.Duration, bool) {
	if c.rule.Max <= 0 {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.windows[c.tracked(key)]
	if !ok {
		return 0, false
	}
	return w.Blocked(c.now())
}

// Add counts one event for key.
func (c *Counter) Add(key string) {
	if c.rule.Max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.window(key, now).Add(now)
}

// Take counts one event for each key when none of them has used up its
// window; otherwise it counts nothing and reports the longest wait.
func (c *Counter) Take(keys ...string) (time.Duration, bool) {
	if c.rule.Max <= 0 {
		return 0, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	var longest time.Duration
	blocked := false
	for _, key := range keys {
		if w, ok := c.windows[c.tracked(key)]; ok {
			if wait, full := w.Blocked(now); full {
				blocked = true
				longest = max(longest, wait)
			}
		}
	}
	if blocked {
		return longest, false
	}
	for _, key := range keys {
		c.window(key, now).Add(now)
	}
	return 0, true
}

// tracked is the key under which key is counted.
func (c *Counter) tracked(key string) string {
	if _, ok := c.windows[key]; ok {
		return key
	}
	if len(c.windows) >= c.maxKeys {
		return overflowKey
	}
	return key
}

// window finds or makes key's window, forgetting idle ones when the table
// is full (at most once a second: the sweep walks every key).
func (c *Counter) window(key string, now time.Time) *Window {
	if w, ok := c.windows[key]; ok {
		return w
	}
	if len(c.windows) >= c.maxKeys && now.Sub(c.sweptAt) >= time.Second {
		c.sweptAt = now
		for k, w := range c.windows {
			if w.idle(now) {
				delete(c.windows, k)
			}
		}
	}
	key = c.tracked(key)
	w, ok := c.windows[key]
	if !ok {
		w = NewWindow(c.rule)
		c.windows[key] = w
	}
	return w
}

// RetryAfterSeconds is wait as the retry_after the APIs document: whole
// seconds, rounded up, at least 1 (a client told 0 would retry at once).
func RetryAfterSeconds(wait time.Duration) int64 {
	return max(int64(math.Ceil(wait.Seconds())), 1)
}

// ErrLimited is what every *LimitedError is (errors.Is).
var ErrLimited = errors.New("rate limited")

// LimitedError refuses an event until RetryAfter has passed; Scope says
// which of its API's limits refused it, in that API's own terms.
type LimitedError[Scope ~int] struct {
	Scope      Scope
	RetryAfter time.Duration
}

func (e *LimitedError[Scope]) Error() string {
	return fmt.Sprintf("rate limited (scope %d) for %s", e.Scope, e.RetryAfter)
}

// Is makes errors.Is(err, ErrLimited) hold.
func (e *LimitedError[Scope]) Is(target error) bool { return target == ErrLimited }

// RetryAfterSeconds is the error's wait as the retry_after the APIs document.
func (e *LimitedError[Scope]) RetryAfterSeconds() int64 { return RetryAfterSeconds(e.RetryAfter) }
