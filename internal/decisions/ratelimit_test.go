package decisions_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/decisions"
	"github.com/sessionhub/server/internal/platform/clocktest"
)

// limitedFor requires err to be a refusal of scope for wait.
func limitedFor(t *testing.T, err error, scope decisions.Scope, wait time.Duration) {
	t.Helper()
	var limited *decisions.RateLimitedError
	if !errors.As(err, &limited) || limited.Scope != scope || limited.RetryAfter != wait {
		t.Fatalf("Check = %v, want a refusal of scope %d for %s", err, scope, wait)
	}
}

func TestFailureLimiterFixedWindow(t *testing.T) {
	clock := clocktest.New()
	l := decisions.NewGuard(decisions.Limits{MaxFailures: 3, Window: time.Minute, Now: clock.Now}).ForConnection("")

	// Errors that are not credential failures never count.
	for i := 0; i < 10; i++ {
		l.Record(decisions.ErrInvalid)
		l.Record(decisions.ErrChecksumTaken)
		l.Record(nil)
	}
	if err := l.Check(true); err != nil {
		t.Fatalf("limited after non-credential errors: %v", err)
	}

	l.Record(decisions.ErrInvalidToken) // the window starts here
	clock.Advance(10 * time.Second)
	l.Record(decisions.ErrNotRegistered)
	if err := l.Check(true); err != nil {
		t.Fatalf("limited after 2 of 3 allowed failures: %v", err)
	}
	clock.Advance(5 * time.Second)
	l.Record(decisions.ErrInvalidAPIKey)
	limitedFor(t, l.Check(false), decisions.ScopeConnection, 45*time.Second)
	clock.Advance(44 * time.Second)
	limitedFor(t, l.Check(false), decisions.ScopeConnection, time.Second)
	clock.Advance(time.Second)
	if err := l.Check(false); err != nil {
		t.Fatalf("still limited after the window ended: %v", err)
	}

	// A new window begins with the next failure and counts from zero.
	l.Record(decisions.ErrInvalidToken)
	l.Record(decisions.ErrInvalidToken)
	if err := l.Check(false); err != nil {
		t.Fatalf("the old window's failures were carried over: %v", err)
	}
	l.Record(decisions.ErrInvalidToken)
	if err := l.Check(false); !errors.Is(err, decisions.ErrRateLimited) {
		t.Fatalf("not limited after 3 failures in the new window: %v", err)
	}
}

// TestAddressLimitSurvivesReconnecting: a new connection from the same
// address starts with the address's failures; other addresses are apart.
func TestAddressLimitSurvivesReconnecting(t *testing.T) {
	clock := clocktest.New()
	guard := decisions.NewGuard(decisions.Limits{MaxFailures: 10, MaxFailuresPerAddress: 4, Window: time.Minute, Now: clock.Now})
	for i := 0; i < 4; i++ { // four connections, one failure each
		guard.ForConnection("203.0.113.7").Record(decisions.ErrInvalidToken)
		clock.Advance(time.Second)
	}
	limitedFor(t, guard.ForConnection("203.0.113.7").Check(false), decisions.ScopeAddress, 56*time.Second)
	if err := guard.ForConnection("203.0.113.8").Check(true); err != nil {
		t.Fatalf("another address is limited: %v", err)
	}
	clock.Advance(56 * time.Second)
	if err := guard.ForConnection("203.0.113.7").Check(true); err != nil {
		t.Fatalf("still limited after the address's window: %v", err)
	}
}

// TestGuessesInFlightCannotPassTheAddressLimit: twenty connections from
// one address guessing at once get the address's three failures, no more;
// token actions are not held back by them.
func TestGuessesInFlightCannotPassTheAddressLimit(t *testing.T) {
	guard := decisions.NewGuard(decisions.Limits{MaxFailures: 10, MaxFailuresPerAddress: 3, Window: time.Minute})
	var ran atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = guard.ForConnection("203.0.113.9").Run(true, func() (any, error) {
				ran.Add(1)
				time.Sleep(10 * time.Millisecond) // the checksum's lookup, in flight
				return nil, decisions.ErrNotRegistered
			})
		}()
	}
	wg.Wait()
	if n := ran.Load(); n != 3 {
		t.Fatalf("guesses checked: %d, want the address's 3", n)
	}
	reply, err := guard.ForConnection("203.0.113.10").Run(false, func() (any, error) { return "done", nil })
	if err != nil || reply != "done" {
		t.Fatalf("a token action of another address: %v, %v", reply, err)
	}
}

// TestServerCeilingHoldsBackGuessesFromEveryAddress: failed checksum and
// API-key checks from many addresses add up; then Register and Connection
// wait for everyone, while token actions (and token failures) do not count.
func TestServerCeilingHoldsBackGuessesFromEveryAddress(t *testing.T) {
	clock := clocktest.New()
	guard := decisions.NewGuard(decisions.Limits{MaxFailures: 10, MaxFailuresPerAddress: 2, MaxFailedGuesses: 6, Window: time.Minute, Now: clock.Now})
	for i := 0; i < 20; i++ {
		guard.ForConnection(fmt.Sprint("198.51.100.", i)).Record(decisions.ErrInvalidToken)
	}
	if err := guard.ForConnection("192.0.2.1").Check(true); err != nil {
		t.Fatalf("token failures reached the guess ceiling: %v", err)
	}
	for i := 0; i < 3; i++ { // three addresses, two failed guesses each: six in all
		c := guard.ForConnection(fmt.Sprint("192.0.2.", 10+i))
		c.Record(decisions.ErrNotRegistered)
		c.Record(decisions.ErrInvalidAPIKey)
	}
	fresh := guard.ForConnection("192.0.2.99")
	limitedFor(t, fresh.Check(true), decisions.ScopeServer, time.Minute)
	if err := fresh.Check(false); err != nil {
		t.Fatalf("a token action was held back by the guess ceiling: %v", err)
	}
	clock.Advance(time.Minute)
	if err := fresh.Check(true); err != nil {
		t.Fatalf("guesses still held back after the window: %v", err)
	}
}

// TestTheLimitThatEndsLastIsReported: retry_after must not send a client
// back while another limit still holds it.
func TestTheLimitThatEndsLastIsReported(t *testing.T) {
	clock := clocktest.New()
	guard := decisions.NewGuard(decisions.Limits{MaxFailures: 1, MaxFailuresPerAddress: 2, Window: time.Minute, Now: clock.Now})
	guard.ForConnection("a").Record(decisions.ErrInvalidToken)
	clock.Advance(30 * time.Second)
	c := guard.ForConnection("a")
	c.Record(decisions.ErrInvalidToken) // the connection's window starts now; the address's ends in 30s
	limitedFor(t, c.Check(false), decisions.ScopeConnection, time.Minute)
}

func TestDefaultLimitsAreTheSpecs(t *testing.T) {
	l := decisions.DefaultLimits()
	if l.MaxFailures != 10 || l.MaxFailuresPerAddress != 30 || l.MaxFailedGuesses != 600 || l.Window != 60*time.Second {
		t.Fatalf("default limits = %+v, want 10 per connection, 30 per address, 600 guesses per process, per 60s", l)
	}
}
