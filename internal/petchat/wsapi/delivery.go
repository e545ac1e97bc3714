package wsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/platform/wsconn"
)

// deliveryTopic carries every delivery of this API. All server processes
// sharing the database receive each delivery once (pubsub's guarantee) and
// hand it to their own connections of the named users, so one NOTIFY serves
// a whole conversation however its participants are spread over processes.
const deliveryTopic = "petchat.delivery"

// maxConcurrentPublishes bounds the publishes in progress, so that a burst
// of messages from many connections waits here instead of opening a
// PostgreSQL connection per NOTIFY and running into max_connections.
const maxConcurrentPublishes = 16

// delivery is what travels over the bus: a server frame, the users whose
// connections get it, and the one connection that got the reply instead.
type delivery struct {
	To    []string        `json:"to"`
	Skip  string          `json:"skip,omitempty"`
	Frame json.RawMessage `json:"frame"`
}

// router knows this process's connections per user and delivers what the
// bus brings to them. Delivery never blocks: a connection whose bounded send
// queue is full is closed with 4008 by wsconn and the others go on.
type router struct {
	bus         pubsub.Bus
	unsubscribe func()
	publishing  chan struct{} // bounds concurrent publishes (each a NOTIFY on PostgreSQL)

	mu     sync.RWMutex
	byUser map[string]map[*wsconn.Conn]struct{}
}

func newRouter(bus pubsub.Bus) *router {
	r := &router{bus: bus, publishing: make(chan struct{}, maxConcurrentPublishes), byUser: map[string]map[*wsconn.Conn]struct{}{}}
	r.unsubscribe = bus.Subscribe(deliveryTopic, r.deliver)
	return r
}

// join makes conn receive the deliveries for user.
func (r *router) join(user string, conn *wsconn.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byUser[user] == nil {
		r.byUser[user] = map[*wsconn.Conn]struct{}{}
	}
	r.byUser[user][conn] = struct{}{}
}

// leave stops deliveries to conn at once.
func (r *router) leave(user string, conn *wsconn.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byUser[user], conn)
	if len(r.byUser[user]) == 0 {
		delete(r.byUser, user)
	}
}

// publish sends frame to every connection of the users in to, on every
// server process, except skip (the connection that got it as its reply).
func (r *router) publish(ctx context.Context, to []string, skip *wsconn.Conn, frame any) error {
	raw, err := json.Marshal(frame)
	if err != nil {
		return fmt.Errorf("marshal delivery: %w", err)
	}
	payload, err := json.Marshal(delivery{To: to, Skip: skip.ID(), Frame: raw})
	if err != nil {
		return fmt.Errorf("marshal delivery: %w", err)
	}
	select {
	case r.publishing <- struct{}{}:
		defer func() { <-r.publishing }()
	case <-ctx.Done():
		return ctx.Err()
	}
	return r.bus.Publish(ctx, deliveryTopic, payload)
}

func (r *router) deliver(payload []byte) {
	var d delivery
	if err := json.Unmarshal(payload, &d); err != nil {
		slog.Error("petchat: malformed delivery dropped", "err", err)
		return
	}
	for _, conn := range r.recipients(d) {
		_ = conn.SendText(d.Frame) // ErrClosed / ErrSlowConsumer concern that connection only
	}
}

// recipients are this process's connections of d.To, each once.
func (r *router) recipients(d delivery) []*wsconn.Conn {
	r.mu.RLock()
	defer r.mu.RUnlock()
	seen := make(map[*wsconn.Conn]bool)
	var out []*wsconn.Conn
	for _, user := range d.To {
		for conn := range r.byUser[user] {
			if !seen[conn] && conn.ID() != d.Skip {
				seen[conn] = true
				out = append(out, conn)
			}
		}
	}
	return out
}

// connections is the number of this process's connections in delivery.
func (r *router) connections() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := 0
	for _, conns := range r.byUser {
		n += len(conns)
	}
	return n
}

func (r *router) close() { r.unsubscribe() }
