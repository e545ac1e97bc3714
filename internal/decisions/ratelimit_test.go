package decisions_test

import (
	"testing"
	"time"

	"github.com/sessionhub/server/internal/decisions"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestFailureLimiterFixedWindow(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)}
	l := decisions.NewFailureLimiter(decisions.Limits{MaxFailures: 3, Window: time.Minute, Now: clock.now})

	// Errors that are not credential failures never count.
	for i := 0; i < 10; i++ {
		l.Record(decisions.ErrInvalid)
		l.Record(decisions.ErrChecksumTaken)
		l.Record(nil)
	}
	if _, limited := l.Check(); limited {
		t.Fatal("limited after non-credential errors")
	}

	l.Record(decisions.ErrInvalidToken) // the window starts here
	clock.advance(10 * time.Second)
	l.Record(decisions.ErrNotRegistered)
	if _, limited := l.Check(); limited {
		t.Fatal("limited after 2 of 3 allowed failures")
	}
	clock.advance(5 * time.Second)
	l.Record(decisions.ErrInvalidAPIKey)
	wait, limited := l.Check()
	if !limited || wait != 45*time.Second {
		t.Fatalf("after 3 failures: limited=%v wait=%s, want limited for the 45s left of the window", limited, wait)
	}
	clock.advance(44 * time.Second)
	if wait, limited := l.Check(); !limited || wait != time.Second {
		t.Fatalf("1s before the window ends: limited=%v wait=%s", limited, wait)
	}
	clock.advance(time.Second)
	if _, limited := l.Check(); limited {
		t.Fatal("still limited after the window ended")
	}

	// A new window begins with the next failure and counts from zero.
	l.Record(decisions.ErrInvalidToken)
	l.Record(decisions.ErrInvalidToken)
	if _, limited := l.Check(); limited {
		t.Fatal("the old window's failures were carried over")
	}
	l.Record(decisions.ErrInvalidToken)
	if _, limited := l.Check(); !limited {
		t.Fatal("not limited after 3 failures in the new window")
	}
}

func TestDefaultLimitsAreTheSpecs(t *testing.T) {
	if l := decisions.DefaultLimits(); l.MaxFailures != 10 || l.Window != 60*time.Second {
		t.Fatalf("default limits = %+v, want 10 failures per 60s", l)
	}
}
