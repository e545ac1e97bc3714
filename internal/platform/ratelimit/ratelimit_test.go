package ratelimit

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/platform/clocktest"
)

func TestWindowIsFixedFromTheFirstEvent(t *testing.T) {
	c := clocktest.New()
	w := NewWindow(Rule{Max: 2, Window: time.Minute})
	if _, ok := w.Take(c.Now()); !ok {
		t.Fatal("first event refused")
	}
	c.Advance(20 * time.Second)
	if _, ok := w.Take(c.Now()); !ok {
		t.Fatal("second event refused")
	}
	c.Advance(10 * time.Second)
	if wait, ok := w.Take(c.Now()); ok || wait != 30*time.Second {
		t.Fatalf("third event: ok=%v wait=%s, want refused for the 30s left", ok, wait)
	}
	if wait, blocked := w.Blocked(c.Now()); !blocked || wait != 30*time.Second {
		t.Fatalf("a refused event was counted or moved the window: blocked=%v wait=%s", blocked, wait)
	}
	c.Advance(30 * time.Second)
	if _, ok := w.Take(c.Now()); !ok {
		t.Fatal("refused after the window ended")
	}
}

func TestZeroMaxIsNoLimit(t *testing.T) {
	c := clocktest.New()
	w, counter := NewWindow(Rule{Window: time.Minute}), NewCounter(Rule{Window: time.Minute}, c.Now)
	for i := 0; i < 1000; i++ {
		if _, ok := w.Take(c.Now()); !ok {
			t.Fatal("a window without Max refused an event")
		}
		if _, ok := counter.Take("k"); !ok {
			t.Fatal("a counter without Max refused an event")
		}
	}
}

func TestCounterTakesAllKeysOrNone(t *testing.T) {
	c := clocktest.New()
	counter := NewCounter(Rule{Max: 2, Window: time.Minute}, c.Now)
	counter.Add("provider")
	c.Advance(15 * time.Second)
	counter.Add("provider")
	c.Advance(5 * time.Second)
	if wait, ok := counter.Take("creator", "provider"); ok || wait != 40*time.Second {
		t.Fatalf("Take with a full key: ok=%v wait=%s, want refused for 40s", ok, wait)
	}
	if _, blocked := counter.Blocked("creator"); blocked {
		t.Fatal("a refused Take counted the other key")
	}
	counter.Add("creator")
	if _, ok := counter.Take("creator", "other"); !ok {
		t.Fatal("Take refused keys with room")
	}
	if wait, blocked := counter.Blocked("creator"); !blocked || wait != time.Minute {
		t.Fatalf("creator after 2 events: blocked=%v wait=%s", blocked, wait)
	}
}

func TestCounterMemoryIsBounded(t *testing.T) {
	c := clocktest.New()
	counter := NewCounter(Rule{Max: 1, Window: time.Minute}, c.Now)
	counter.maxKeys = 10
	for i := 0; i < 10; i++ {
		counter.Add(fmt.Sprint("addr-", i))
	}
	// Beyond the bound, new keys share one window: limited together.
	if _, ok := counter.Take("addr-new-1"); !ok {
		t.Fatal("first key beyond the bound refused")
	}
	if _, ok := counter.Take("addr-new-2"); ok {
		t.Fatal("keys beyond the bound are not limited together")
	}
	if n := counter.keys(); n > 11 {
		t.Fatalf("%d keys tracked, want at most 11", n)
	}
	// Once the windows ended, the table is swept and keys count alone.
	c.Advance(time.Minute)
	if _, ok := counter.Take("addr-new-3"); !ok {
		t.Fatal("refused after the windows ended")
	}
	if n := counter.keys(); n != 1 {
		t.Fatalf("%d keys after the sweep, want 1", n)
	}
}

func TestRetryAfterSecondsRoundsUpToAWholeSecond(t *testing.T) {
	for wait, want := range map[time.Duration]int64{
		0: 1, time.Millisecond: 1, time.Second: 1, time.Second + time.Nanosecond: 2, 59*time.Second + 500*time.Millisecond: 60,
	} {
		if got := RetryAfterSeconds(wait); got != want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", wait, got, want)
		}
	}
}

func TestLimitedErrorIsErrLimitedWithItsRetryAfter(t *testing.T) {
	type scope int
	err := fmt.Errorf("create: %w", &LimitedError[scope]{Scope: 2, RetryAfter: 1500 * time.Millisecond})
	var limited *LimitedError[scope]
	if !errors.Is(err, ErrLimited) || !errors.As(err, &limited) || limited.Scope != 2 || limited.RetryAfterSeconds() != 2 {
		t.Fatalf("%v: want a LimitedError of scope 2 that is ErrLimited, retry_after 2", err)
	}
}

// keys is how many keys are tracked.
func (c *Counter) keys() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.windows)
}
