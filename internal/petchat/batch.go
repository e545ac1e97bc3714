package petchat

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/sessionhub/server/internal/platform/groupcommit"
)

// maxBatch bounds the messages stored in one transaction.
const maxBatch = 1024

// concurrentBatches is how many batches are stored at once, unless the
// database has fewer writers (Limits.Writers). Each is a lane of its own
// conversations (by a hash of the id), so two batches stored at once never
// share a conversation and never wait for each other's row locks.
const concurrentBatches = 2

// Sent is a stored message with who to tell: its conversation's
// participants, except the connection it came from (Origin), which is told
// by the reply to its send.
type Sent struct {
	Message      Message
	Participants []string
	Origin       string
}

// Notifier tells the participants' other connections, on every server
// process, what happened. The service calls it from one goroutine, in the
// order things were stored; it must not block on a slow recipient.
type Notifier interface {
	MessagesSent(ctx context.Context, batch []Sent)
	ConversationCreated(ctx context.Context, c Conversation, origin string)
}

// messageWriter stores messages in batches (group commit, see
// groupcommit). A sender waits only until its batch is durable; the batch
// is then handed to the notifier on a goroutine of its own, without
// holding the next batch or the senders. A batch is queued for the
// notifier before its senders are answered, so a sender's next message
// (sent after the answer) is always told after this one, whichever writer
// stores it.
type messageWriter struct {
	store    Store
	notifier Notifier
	lanes    []*groupcommit.Writer[Sent] // by conversation (lane)
	seed     maphash.Seed
	notify   chan []Sent
	told     chan struct{} // closed when the notifier has been handed the last batch
	once     sync.Once
}

func newMessageWriter(store Store, notifier Notifier, writers int) *messageWriter {
	concurrent := concurrentBatches
	if writers > 0 {
		concurrent = min(concurrent, writers)
	}
	w := &messageWriter{store: store, notifier: notifier, seed: maphash.MakeSeed(), notify: make(chan []Sent, 64), told: make(chan struct{})}
	w.lanes = make([]*groupcommit.Writer[Sent], concurrent)
	for i := range w.lanes {
		w.lanes[i] = groupcommit.New(1, maxBatch, w.commit)
	}
	go w.tell()
	return w
}

// submit queues s in its conversation's lane and waits until it is stored.
func (w *messageWriter) submit(ctx context.Context, s Sent) error {
	lane := maphash.String(w.seed, s.Message.ConversationID) % uint64(len(w.lanes))
	return w.lanes[lane].Submit(ctx, s)
}

func (w *messageWriter) commit(sent []Sent) error {
	msgs := make([]Message, len(sent))
	for i, s := range sent {
		msgs[i] = s.Message
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := w.store.AddMessages(ctx, msgs)
	cancel()
	if err == nil {
		w.notify <- sent
	}
	return err
}

// tell hands stored batches to the notifier, in order.
func (w *messageWriter) tell() {
	defer close(w.told)
	for batch := range w.notify {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		w.notifier.MessagesSent(ctx, batch)
		cancel()
	}
}

// close stores what is queued, tells it, and stops.
func (w *messageWriter) close() {
	w.once.Do(func() {
		for _, l := range w.lanes {
			l.Close()
		}
		close(w.notify)
	})
	<-w.told
}
