package petchatws

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	gen "github.com/sessionhub/server/gen/petchat"
	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/platform/wsconn"
)

// deliveryTopic carries every delivery of this API. All server processes
// sharing the database receive each bus message once (pubsub's guarantee)
// and hand its deliveries to their own connections of the named users, so
// one NOTIFY serves a whole batch of messages however their participants
// are spread over processes. The process that stored the batch has already
// handed it to its own connections, without waiting for the bus's round
// trip, and drops it when the bus brings it back.
const deliveryTopic = "petchat.delivery"

// delivery is one server frame, the users whose connections get it, and
// the one connection that got the reply instead.
type delivery struct {
	To    []string        `json:"to"`
	Skip  string          `json:"skip,omitempty"`
	Frame json.RawMessage `json:"frame"`
}

// deliveries is what travels over the bus: the deliveries of one batch,
// in the order they were stored, and the process that stored them (Origin
// comes first, so that process recognises its own batch by the prefix).
type deliveries struct {
	Origin string     `json:"origin"`
	List   []delivery `json:"deliveries"`
}

// Router is the domain's petchat.Notifier: it publishes what happened on
// the bus, knows this process's connections per user and delivers what
// the bus brings to them. Delivery never blocks: a connection whose
// bounded send queue is full is closed with 4008 by wsconn and the others
// go on.
type Router struct {
	bus         pubsub.Bus
	unsubscribe func()
	origin      string // names this process's Router on the bus, random
	ownPrefix   []byte // how the batches this process publishes begin
	mu          sync.RWMutex
	byUser      map[string]map[*wsconn.Conn]struct{}
}

var _ petchat.Notifier = (*Router)(nil)

// NewRouter subscribes to the deliveries on bus; Close ends that.
func NewRouter(bus pubsub.Bus) *Router {
	r := &Router{bus: bus, origin: rand.Text(), byUser: map[string]map[*wsconn.Conn]struct{}{}}
	r.ownPrefix = []byte(`{"origin":"` + r.origin + `"`)
	r.unsubscribe = bus.Subscribe(deliveryTopic, r.deliver)
	return r
}

// join queues hello on conn and makes conn receive the deliveries for user,
// both under the router's lock: a delivery either finds conn and so comes
// after hello, or took its recipients before conn joined. A client that has
// read hello misses nothing sent to it after that.
func (r *Router) join(user string, conn *wsconn.Conn, hello []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := conn.SendText(hello); err != nil {
		return err
	}
	if r.byUser[user] == nil {
		r.byUser[user] = map[*wsconn.Conn]struct{}{}
	}
	r.byUser[user][conn] = struct{}{}
	return nil
}

// leave stops deliveries to conn at once.
func (r *Router) leave(user string, conn *wsconn.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byUser[user], conn)
	if len(r.byUser[user]) == 0 {
		delete(r.byUser, user)
	}
}

// MessagesSent publishes a stored batch as new_message deliveries, in one
// bus message. The messages are stored, so a failed publish is logged, not
// reported to their senders.
func (r *Router) MessagesSent(ctx context.Context, batch []petchat.Sent) {
	list := make([]delivery, len(batch))
	for i, s := range batch {
		frame, err := wsconn.MarshalFrame(gen.NewMessage{Event: gen.NewMessageEventValue, Data: toWireMessage(s.Message)})
		if err != nil {
			logDeliveryFailure(err)
			return
		}
		list[i] = delivery{To: s.Participants, Skip: s.Origin, Frame: frame}
	}
	r.publish(ctx, list)
}

// ConversationCreated publishes conversation_created to the participants.
func (r *Router) ConversationCreated(ctx context.Context, c petchat.Conversation, origin string) {
	frame, err := wsconn.MarshalFrame(gen.ConversationCreated{Event: gen.ConversationCreatedEventValue, Data: toWireCreated(c)})
	if err != nil {
		logDeliveryFailure(err)
		return
	}
	r.publish(ctx, []delivery{{To: c.Participants(), Skip: origin, Frame: frame}})
}

// publish hands list to this process's connections, then to the other
// processes over the bus.
func (r *Router) publish(ctx context.Context, list []delivery) {
	r.send(list)
	payload, err := wsconn.MarshalFrame(deliveries{Origin: r.origin, List: list})
	if err == nil {
		err = r.bus.Publish(ctx, deliveryTopic, payload)
	}
	if err != nil {
		logDeliveryFailure(fmt.Errorf("publish %d deliveries: %w", len(list), err))
	}
}

// deliver hands what another process published to this process's
// connections.
func (r *Router) deliver(payload []byte) {
	if bytes.HasPrefix(payload, r.ownPrefix) {
		return // sent to this process's connections when it was published
	}
	var ds deliveries
	if err := json.Unmarshal(payload, &ds); err != nil {
		slog.Error("petchat: malformed delivery dropped", "err", err)
		return
	}
	r.send(ds.List)
}

func (r *Router) send(list []delivery) {
	for _, d := range list {
		for _, conn := range r.recipients(d) {
			_ = conn.SendText(d.Frame) // ErrClosed / ErrSlowConsumer concern that connection only
		}
	}
}

// recipients are this process's connections of d.To, each once.
func (r *Router) recipients(d delivery) []*wsconn.Conn {
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

// Close stops receiving deliveries.
func (r *Router) Close() error {
	r.unsubscribe()
	return nil
}
