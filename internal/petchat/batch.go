package petchat

import (
	"context"
	"errors"
	"sync"
	"time"
)

// maxBatch bounds the messages stored in one transaction.
const maxBatch = 1024

// writers is how many batches may be in flight at once: with a database
// whose commit waits for the disk, a second transaction fills the wait.
const writers = 2

// errStopped: the service is shutting down.
var errStopped = errors.New("petchat: message writer stopped")

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

// messageWriter stores messages in batches, one transaction each (group
// commit): the messages that arrive while a batch is being written form
// the next one, so a lone message is written at once and a burst from many
// connections costs a few transactions instead of one each. A sender
// waits only until its batch is durable; the batch is then handed to the
// notifier on a goroutine of its own, without holding the next batch or
// the senders. A batch is queued for the notifier before its senders are
// answered, so a sender's next message (sent after the answer) is always
// told after this one, whichever writer stores it.
type messageWriter struct {
	store    Store
	notifier Notifier
	jobs     chan sendJob
	notify   chan []Sent
	stop     chan struct{}
	written  chan struct{} // closed when the writers have answered their last job
	writing  sync.WaitGroup
	stopped  sync.WaitGroup
	once     sync.Once
}

type sendJob struct {
	sent   Sent
	result chan error
}

func newMessageWriter(store Store, notifier Notifier) *messageWriter {
	w := &messageWriter{
		store: store, notifier: notifier,
		jobs: make(chan sendJob, maxBatch), notify: make(chan []Sent, 64), stop: make(chan struct{}), written: make(chan struct{}),
	}
	w.writing.Add(writers)
	for range writers {
		go w.write()
	}
	w.stopped.Add(2)
	go func() { // the last writer out closes the way to the notifier
		defer w.stopped.Done()
		w.writing.Wait()
		close(w.written)
		close(w.notify)
	}()
	go w.tell()
	return w
}

// submit queues s and waits until it is stored.
func (w *messageWriter) submit(ctx context.Context, s Sent) error {
	job := sendJob{sent: s, result: make(chan error, 1)}
	select {
	case w.jobs <- job:
	case <-w.stop:
		return errStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the job is written even if the sender leaves: wait for
	// the outcome so the reply tells the truth.
	select {
	case err := <-job.result:
		return err
	case <-w.written:
		select { // answered by the last drain, or queued after it
		case err := <-job.result:
			return err
		default:
			return errStopped
		}
	}
}

func (w *messageWriter) write() {
	defer w.writing.Done()
	for {
		var batch []sendJob
		select {
		case job := <-w.jobs:
			batch = append(batch, job)
		case <-w.stop:
			w.drain()
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case job := <-w.jobs:
				batch = append(batch, job)
			default:
				break collect
			}
		}
		w.commit(batch)
	}
}

// drain writes what was queued before the stop.
func (w *messageWriter) drain() {
	for {
		var batch []sendJob
		for len(batch) < maxBatch {
			select {
			case job := <-w.jobs:
				batch = append(batch, job)
				continue
			default:
			}
			break
		}
		if len(batch) == 0 {
			return
		}
		w.commit(batch)
	}
}

func (w *messageWriter) commit(batch []sendJob) {
	msgs := make([]Message, len(batch))
	sent := make([]Sent, len(batch))
	for i, job := range batch {
		msgs[i], sent[i] = job.sent.Message, job.sent
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := w.store.AddMessages(ctx, msgs)
	cancel()
	if err == nil {
		w.notify <- sent
	}
	for _, job := range batch {
		job.result <- err
	}
}

// tell hands stored batches to the notifier, in order.
func (w *messageWriter) tell() {
	defer w.stopped.Done()
	for batch := range w.notify {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		w.notifier.MessagesSent(ctx, batch)
		cancel()
	}
}

// close stores what is queued, tells it, and stops.
func (w *messageWriter) close() {
	w.once.Do(func() { close(w.stop) })
	w.stopped.Wait()
}
