package readcache

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/platform/pubsub"
)

// source is the database a cache reads through: a value per key and how
// many times it was read.
type source struct {
	values map[string]int
	loads  int
}

func (s *source) load(key string) func() (int, error) {
	return func() (int, error) {
		s.loads++
		v, ok := s.values[key]
		if !ok {
			return 0, errors.New("not found")
		}
		return v, nil
	}
}

func testCache(t *testing.T, bus *pubsub.Local) *Cache[int] {
	t.Helper()
	c := New[int]("test", bus)
	t.Cleanup(c.Close)
	return c
}

func read(t *testing.T, c *Cache[int], src *source, key string) int {
	t.Helper()
	v, err := c.Read(key, src.load(key))
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return v
}

func TestReadKeepsWhatItLoadedUntilChanged(t *testing.T) {
	c := testCache(t, pubsub.NewLocal())
	src := &source{values: map[string]int{"a": 1, "b": 2}}
	read(t, c, src, "a")
	read(t, c, src, "b")
	if v := read(t, c, src, "a"); v != 1 || src.loads != 2 {
		t.Fatalf("second read of a: value %d after %d loads, want 1 after 2", v, src.loads)
	}
	src.values["a"] = 10
	c.Changed(context.Background(), "a")
	if v := read(t, c, src, "a"); v != 10 {
		t.Fatalf("read after Changed: %d, want 10", v)
	}
	if v := read(t, c, src, "b"); v != 2 || src.loads != 3 {
		t.Fatalf("b: value %d after %d loads; a change of a must leave b cached", v, src.loads)
	}
}

func TestErrorsAreNotKept(t *testing.T) {
	c := testCache(t, pubsub.NewLocal())
	src := &source{values: map[string]int{}}
	for range 2 {
		if _, err := c.Read("x", src.load("x")); err == nil {
			t.Fatal("read of a missing key succeeded")
		}
	}
	src.values["x"] = 5
	if v := read(t, c, src, "x"); v != 5 || src.loads != 3 {
		t.Fatalf("value %d after %d loads, want 5 after 3", v, src.loads)
	}
}

// A record read before a change and returned after it must not be kept:
// the next read would serve what the change replaced.
func TestAReadOverlappingAChangeIsNotKept(t *testing.T) {
	for name, change := range map[string]func(c *Cache[int]){
		"that key": func(c *Cache[int]) { c.Changed(context.Background(), "a") },
		"all":      func(c *Cache[int]) { c.ChangedAll(context.Background()) },
	} {
		t.Run(name, func(t *testing.T) {
			c := testCache(t, pubsub.NewLocal())
			src := &source{values: map[string]int{"a": 1}}
			v, err := c.Read("a", func() (int, error) {
				old, _ := src.load("a")()
				src.values["a"] = 2
				change(c) // committed while the old value is on its way
				return old, nil
			})
			if err != nil || v != 1 {
				t.Fatalf("overlapping read: %d, %v", v, err)
			}
			if v := read(t, c, src, "a"); v != 2 {
				t.Fatalf("read after the change: %d, want 2", v)
			}
		})
	}
}

// Two caches on one bus stand for two processes sharing a database.
func TestAChangeReachesEveryProcess(t *testing.T) {
	bus := pubsub.NewLocal()
	here, there := testCache(t, bus), testCache(t, bus)
	other := New[int]("other", bus) // another kind of record is not touched
	t.Cleanup(other.Close)
	src := &source{values: map[string]int{"a": 1}}
	read(t, there, src, "a")
	read(t, other, src, "a")
	src.values["a"] = 2
	here.Changed(context.Background(), "a")
	if v := read(t, there, src, "a"); v != 2 {
		t.Fatalf("the other process reads %d after the change, want 2", v)
	}
	if v := read(t, other, src, "a"); v != 1 {
		t.Fatalf("a cache of another kind reads %d, want its kept 1", v)
	}
	src.values["a"] = 3
	here.ChangedAll(context.Background())
	if v := read(t, there, src, "a"); v != 3 {
		t.Fatalf("the other process reads %d after ChangedAll, want 3", v)
	}
}

func TestNothingIsKeptWhileTheBusIsInterrupted(t *testing.T) {
	bus := pubsub.NewLocal()
	c := testCache(t, bus)
	src := &source{values: map[string]int{"a": 1}}
	read(t, c, src, "a")
	_ = bus.Publish(context.Background(), pubsub.LostTopic, nil)
	src.values["a"] = 2 // a change whose message is not delivered
	for range 2 {
		if v := read(t, c, src, "a"); v != 2 {
			t.Fatalf("read while interrupted: %d, want 2", v)
		}
	}
	if src.loads != 3 {
		t.Fatalf("%d loads, want every read while interrupted to load", src.loads)
	}
	_ = bus.Publish(context.Background(), pubsub.ResumedTopic, nil)
	read(t, c, src, "a")
	read(t, c, src, "a")
	if src.loads != 4 {
		t.Fatalf("%d loads after resuming, want the record kept again", src.loads)
	}
}

func TestEntriesExpire(t *testing.T) {
	c := testCache(t, pubsub.NewLocal())
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	src := &source{values: map[string]int{"a": 1}}
	read(t, c, src, "a")
	now = now.Add(MaxAge - time.Second)
	read(t, c, src, "a")
	now = now.Add(time.Second)
	read(t, c, src, "a")
	if src.loads != 2 {
		t.Fatalf("%d loads, want a reload once MaxAge passed", src.loads)
	}
}

func TestAMalformedChangeMessageDropsEverything(t *testing.T) {
	bus := pubsub.NewLocal()
	c := testCache(t, bus)
	src := &source{values: map[string]int{"a": 1}}
	read(t, c, src, "a")
	_ = bus.Publish(context.Background(), "readcache.test", []byte(`{"keys":"a"}`))
	read(t, c, src, "a")
	if src.loads != 2 {
		t.Fatalf("%d loads, want the record dropped", src.loads)
	}
}

// A following cache drops what its owner's own change messages name, and
// publishes nothing itself.
func TestAFollowingCacheListensToItsOwnersMessages(t *testing.T) {
	bus := pubsub.NewLocal()
	published := 0
	bus.Subscribe("owner.changes", func([]byte) { published++ })
	keysOf := func(payload []byte) ([]string, bool) {
		if string(payload) == `"?"` {
			return nil, false
		}
		return []string{strings.Trim(string(payload), `"`)}, true
	}
	c := NewFollowing[int]("follow", bus, "owner.changes", keysOf)
	t.Cleanup(c.Close)
	src := &source{values: map[string]int{"a": 1, "b": 2}}
	read(t, c, src, "a")
	read(t, c, src, "b")
	src.values["a"], src.values["b"] = 10, 20
	c.Changed(context.Background(), "a") // this process's write
	if published != 0 {
		t.Fatalf("a following cache published %d change messages", published)
	}
	if v := read(t, c, src, "a"); v != 10 {
		t.Fatalf("read after Changed: %d, want 10", v)
	}
	_ = bus.Publish(context.Background(), "owner.changes", []byte(`"b"`)) // another process's write
	if v := read(t, c, src, "b"); v != 20 {
		t.Fatalf("read after the owner's message: %d, want 20", v)
	}
	src.values["a"] = 100
	_ = bus.Publish(context.Background(), "owner.changes", []byte(`"?"`)) // a message naming nothing
	if v := read(t, c, src, "a"); v != 100 {
		t.Fatalf("read after a message naming no key: %d, want 100", v)
	}
}
