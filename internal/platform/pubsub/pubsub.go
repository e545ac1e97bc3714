// Package pubsub delivers small JSON messages to every subscriber of a topic:
// in this process (Local, for the embedded SQLite database, where there is
// only one process), or in every server process that shares a PostgreSQL
// database (Postgres, over LISTEN/NOTIFY).
//
// Each published message reaches each live subscriber exactly once, in
// publish order (on PostgreSQL: the order messages were committed, across
// publishers, including after a listener reconnects, within the
// retention). Subscribers run on the bus's delivery goroutine and must not
// block (queue the work, e.g. with wsconn's SendJSON).
package pubsub

import (
	"context"
	"sync"
)

// Bus is a topic-based publish/subscribe channel.
type Bus interface {
	// Publish sends payload (a JSON document) to the topic's subscribers.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe calls fn with every payload later published to topic until
	// the returned function is called.
	Subscribe(topic string, fn func(payload []byte)) (unsubscribe func())
	// Close stops delivery.
	Close() error
}

// LostTopic and ResumedTopic are delivered in this process only, with an
// empty payload: when the bus stopped receiving (its PostgreSQL listener
// lost its connection; what is published meanwhile is delivered after the
// reconnect, or never when older than the retention) and when it receives
// again, caught up. State kept only from deliveries, such as a read cache,
// cannot be trusted in between. The local bus never loses anything.
const (
	LostTopic    = "pubsub.lost"
	ResumedTopic = "pubsub.resumed"
)

// registry is the in-process half every Bus shares: who listens to what.
type registry struct {
	mu     sync.RWMutex
	topics map[string]map[int]func([]byte)
	nextID int
}

func newRegistry() *registry { return &registry{topics: map[string]map[int]func([]byte){}} }

func (r *registry) subscribe(topic string, fn func([]byte)) func() {
	r.mu.Lock()
	id := r.nextID
	r.nextID++
	if r.topics[topic] == nil {
		r.topics[topic] = map[int]func([]byte){}
	}
	r.topics[topic][id] = fn
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			delete(r.topics[topic], id)
			if len(r.topics[topic]) == 0 {
				delete(r.topics, topic)
			}
			r.mu.Unlock()
		})
	}
}

func (r *registry) deliver(topic string, payload []byte) {
	r.mu.RLock()
	subs := make([]func([]byte), 0, len(r.topics[topic]))
	for _, fn := range r.topics[topic] {
		subs = append(subs, fn)
	}
	r.mu.RUnlock()
	for _, fn := range subs {
		fn(payload)
	}
}

// Local is the single-process bus.
type Local struct{ reg *registry }

// NewLocal returns a bus that delivers within this process.
func NewLocal() *Local { return &Local{reg: newRegistry()} }

func (l *Local) Publish(_ context.Context, topic string, payload []byte) error {
	l.reg.deliver(topic, payload)
	return nil
}

func (l *Local) Subscribe(topic string, fn func([]byte)) func() { return l.reg.subscribe(topic, fn) }

func (l *Local) Close() error { return nil }
