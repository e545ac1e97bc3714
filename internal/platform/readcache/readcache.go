// Package readcache keeps recently read records in memory, so a read that
// would cost a database round trip each time costs none while the record
// is unchanged.
//
// Every write of a cached record goes through the API's store, which calls
// Changed once the write is committed: the entry is dropped in this process
// before the write returns (a process reads its own writes) and a message
// on the bus drops it in every other process sharing the database: the
// cache's own, or one the records' owner publishes anyway (NewFollowing). Another
// process may serve the old record until that message arrives (the bus's
// delivery delay, milliseconds), or for at most MaxAge when the message was
// lost (publishing failed). While the bus is interrupted (pubsub.LostTopic)
// nothing is cached: what was published meanwhile arrives late or not at
// all.
package readcache

import (
	"context"
	"encoding/json"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/sessionhub/server/internal/platform/pubsub"
)

// MaxAge bounds how long an entry is served without being read again: the
// staleness of a record whose change message was lost.
const MaxAge = 30 * time.Second

// Size is how many records one cache holds; the least recently used go.
const Size = 10_000

// shards spread the change counters, so a change of one record rarely
// stops another from being cached while it is read.
const shards = 256

// Bus carries change messages between the processes (pubsub.Bus).
type Bus interface {
	Publish(ctx context.Context, topic string, payload []byte) error
	Subscribe(topic string, fn func(payload []byte)) (unsubscribe func())
}

// Cache holds records of one kind by key.
type Cache[V any] struct {
	name  string
	bus   Bus
	topic string
	// announces: Changed publishes the change on topic; otherwise the
	// records' owner already publishes every change there (NewFollowing).
	announces bool
	now       func() time.Time
	lru       *lru.Cache[string, entry[V]]
	seed      maphash.Seed
	live      atomic.Bool // the bus delivers every change message
	unsub     []func()

	// mu orders filling against changes: a record read before a change
	// is not stored after it.
	mu      sync.Mutex
	changes [shards]uint64 // per shard, under mu
	flushes uint64         // under mu
}

type entry[V any] struct {
	value   V
	expires time.Time
}

// change is the bus message: the changed keys, or all of them.
type change struct {
	Keys []string `json:"keys,omitempty"`
	All  bool     `json:"all,omitempty"`
}

// New returns a cache whose change messages travel on the bus under
// "readcache."+name.
func New[V any](name string, bus Bus) *Cache[V] {
	c := newCache[V](name, bus, "readcache."+name)
	c.announces = true
	c.listen(c.onChange)
	return c
}

// NewFollowing returns a cache of records whose owner already publishes
// every change on topic: keysOf names the records a message changed (ok
// false: it cannot tell, and every record goes). Changed then drops records
// in this process only; the owner's message, published after the write
// like Changed's would be, drops them everywhere.
func NewFollowing[V any](name string, bus Bus, topic string, keysOf func(payload []byte) (keys []string, ok bool)) *Cache[V] {
	c := newCache[V](name, bus, topic)
	c.listen(func(payload []byte) {
		keys, ok := keysOf(payload)
		if !ok {
			c.forgetAll()
			return
		}
		c.forget(keys)
	})
	return c
}

func newCache[V any](name string, bus Bus, topic string) *Cache[V] {
	store, err := lru.New[string, entry[V]](Size)
	if err != nil {
		panic(err) // only for a size below 1
	}
	c := &Cache[V]{name: name, bus: bus, topic: topic, now: time.Now, lru: store, seed: maphash.MakeSeed()}
	c.live.Store(true)
	return c
}

// listen drops records on the change messages, and keeps none while the
// bus is interrupted.
func (c *Cache[V]) listen(onChange func([]byte)) {
	c.unsub = []func(){
		c.bus.Subscribe(c.topic, onChange),
		c.bus.Subscribe(pubsub.LostTopic, func([]byte) { c.live.Store(false); c.forgetAll() }),
		c.bus.Subscribe(pubsub.ResumedTopic, func([]byte) { c.forgetAll(); c.live.Store(true) }),
	}
}

// Close stops listening for changes.
func (c *Cache[V]) Close() {
	for _, u := range c.unsub {
		u()
	}
}

// Read returns the cached record of key, or load's and keeps it.
// Errors are not kept.
func (c *Cache[V]) Read(key string, load func() (V, error)) (V, error) {
	if e, ok := c.lru.Get(key); ok && c.now().Before(e.expires) {
		return e.value, nil
	}
	shard := c.shard(key)
	c.mu.Lock()
	before, flushes := c.changes[shard], c.flushes
	c.mu.Unlock()
	v, err := load()
	if err != nil || !c.live.Load() {
		return v, err
	}
	c.mu.Lock()
	if c.changes[shard] == before && c.flushes == flushes && c.live.Load() {
		c.lru.Add(key, entry[V]{value: v, expires: c.now().Add(MaxAge)})
	}
	c.mu.Unlock()
	return v, nil
}

// Changed drops the records of keys here and, through the bus, in every
// other process (a following cache leaves that to the owner's message).
// Call it after the write is committed, whether or not the caller knows
// that it changed anything.
func (c *Cache[V]) Changed(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	c.forget(keys)
	c.publish(ctx, change{Keys: keys})
}

// ChangedAll drops every record, here and in every other process: for
// writes that change records the caller cannot name.
func (c *Cache[V]) ChangedAll(ctx context.Context) {
	c.forgetAll()
	c.publish(ctx, change{All: true})
}

func (c *Cache[V]) publish(ctx context.Context, ch change) {
	if !c.announces {
		return
	}
	payload, err := json.Marshal(ch)
	if err == nil {
		err = c.bus.Publish(context.WithoutCancel(ctx), c.topic, payload)
	}
	if err != nil {
		// The other processes serve the old record for at most MaxAge.
		slog.Warn("readcache: publishing a change failed", "cache", c.name, "err", err)
	}
}

func (c *Cache[V]) onChange(payload []byte) {
	var ch change
	if err := json.Unmarshal(payload, &ch); err != nil {
		slog.Error("readcache: malformed change message; dropping everything", "cache", c.name, "err", err)
		ch.All = true
	}
	if ch.All {
		c.forgetAll()
		return
	}
	c.forget(ch.Keys)
}

func (c *Cache[V]) forget(keys []string) {
	c.mu.Lock()
	for _, k := range keys {
		c.changes[c.shard(k)]++
		c.lru.Remove(k)
	}
	c.mu.Unlock()
}

func (c *Cache[V]) forgetAll() {
	c.mu.Lock()
	c.flushes++
	c.lru.Purge()
	c.mu.Unlock()
}

func (c *Cache[V]) shard(key string) int {
	return int(maphash.String(c.seed, key) % shards)
}
