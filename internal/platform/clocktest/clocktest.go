// Package clocktest is a clock a test moves by hand, safe to read from the
// goroutines of the code under test.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a settable time source; its Now is what the code under test is
// given instead of time.Now.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock stopped at a fixed instant.
func New() *Clock { return &Clock{now: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
