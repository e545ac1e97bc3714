package wsconn

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bytedance/sonic"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// Handler is one API's behaviour on its connections.
type Handler interface {
	// OnOpen runs after the upgrade, before any message is read (send a
	// greeting here). Returning an error closes with CloseInternal.
	OnOpen(c *Conn) error
	// OnMessage runs on the connection's read goroutine for every text or
	// binary message, one at a time, in order. data is the handler's to keep.
	OnMessage(c *Conn, data []byte)
	// OnClose runs exactly once when the connection is gone, whatever the
	// reason, after which Send is a no-op returning ErrClosed.
	OnClose(c *Conn, code int, reason string)
}

// outFrame is one queued data frame.
type outFrame struct {
	messageType int
	data        []byte
}

// closeMode is how the writer ends the connection.
type closeMode uint8

const (
	modeOpen     closeMode = iota
	modeFlush              // write the queued frames, then the close frame
	modeCloseNow           // drop the queued frames, write the close frame
	modeAbort              // the transport is gone: no close frame
)

// Conn is one live WebSocket connection. All methods are safe to call from
// any goroutine.
type Conn struct {
	id      string
	api     string
	address clientAddress // what the hub's per-address ceiling counts
	ws      *websocket.Conn
	hub     *Hub
	opts    Options
	handler Handler
	opened  time.Time

	ctx    context.Context
	cancel context.CancelFunc

	drained   chan struct{} // the writer brought the queue down to highWater
	highWater int           // queue length above which the read pump waits
	closing   chan struct{} // closed when the close begins
	readDone  chan struct{}
	writeDone chan struct{} // closed when the writer is gone for good
	pingTimer *time.Timer

	readDeadline time.Time        // the read deadline set last; the read pump's alone
	limited      io.LimitedReader // bounds the message being read; the read pump's alone

	mu          sync.Mutex // guards the fields below and enqueueing
	queue       []outFrame // frames waiting for the writer; nil when none
	pongDue     bool       // a pong for the latest ping is to be written
	pongPayload []byte
	pingDue     bool // the periodic ping is to be written
	writing     bool // a writer is running (a goroutine of its own, or the read pump after Reply)
	replyQueued bool // Reply queued a frame and left the writing to the read pump
	writerDone  bool // the writer finished the close (or failed): no more writes
	mode        closeMode
	closeCode   int    // reported to OnClose
	closeReason string // reported to OnClose
	closeFrame  []byte // payload of the close frame to send

	messagesIn  prometheus.Counter
	messagesOut prometheus.Counter
	closes      *prometheus.CounterVec // closes the server began
	peerCloses  *prometheus.CounterVec // closes the client began
}

func newConn(h *Hub, r *http.Request, ws *websocket.Conn, opts Options, handler Handler) *Conn {
	id := rand.Text()
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	return &Conn{
		id:          id,
		api:         opts.API,
		ws:          ws,
		hub:         h,
		opts:        opts,
		handler:     handler,
		opened:      time.Now(),
		ctx:         ctx,
		cancel:      cancel,
		drained:     make(chan struct{}, 1),
		highWater:   opts.SendQueue / 2,
		closing:     make(chan struct{}),
		readDone:    make(chan struct{}),
		writeDone:   make(chan struct{}),
		messagesIn:  h.metrics.messages.WithLabelValues(opts.API, directionIn),
		messagesOut: h.metrics.messages.WithLabelValues(opts.API, directionOut),
		closes:      h.metrics.closes,
		peerCloses:  h.metrics.peerCloses,
	}
}

// log is the connection's logger. It is made when a line is written, not
// kept: most connections log nothing before they close, and an idle one
// should hold no more than it must.
func (c *Conn) log() *slog.Logger { return c.opts.Logger.With("api", c.api, "conn_id", c.id) }

// ID is the connection's random unique id.
func (c *Conn) ID() string { return c.id }

// Context keeps the upgrade request's values and is cancelled when the
// connection starts closing.
func (c *Conn) Context() context.Context { return c.ctx }

// SendJSON marshals v and queues it as one text frame. It never blocks; see
// SendText for the errors.
func (c *Conn) SendJSON(v any) error {
	return c.enqueueJSON(v, true)
}

// Reply queues v as the answer to the frame OnMessage is handling. The read
// pump writes it itself once OnMessage returns, unless a writer is running
// (which writes it in its turn), so a reply costs no hand-off to another
// goroutine. Call it only from OnMessage; frames sent after it start a
// writer as usual. It fails as SendJSON does.
func (c *Conn) Reply(v any) error {
	return c.enqueueJSON(v, false)
}

// frameJSON encodes outbound messages byte for byte as encoding/json does
// (FuzzEncodeMatchesEncodingJSON holds them equal on every message type of
// every spec), with sonic, at a fraction of encoding/json's reflection
// cost: every reply and event of every socket passes through it. Unlike
// sonic.ConfigStd it compacts what a json.Marshaler writes, as
// encoding/json does.
var frameJSON = sonic.Config{EscapeHTML: true, SortMapKeys: true, CopyString: true, ValidateString: true}.Froze()

// MarshalFrame encodes v as the text of one frame, byte for byte as
// encoding/json would; what carries frames elsewhere (the pet-care bus
// payload) uses it too.
func MarshalFrame(v any) ([]byte, error) { return frameJSON.Marshal(v) }

func (c *Conn) enqueueJSON(v any, kick bool) error {
	data, err := MarshalFrame(v)
	if err != nil {
		return fmt.Errorf("wsconn: marshal outbound message: %w", err)
	}
	return c.enqueue(outFrame{messageType: websocket.TextMessage, data: data}, kick)
}

// SendText queues b as one text frame; b must not be modified afterwards. It
// never blocks: it returns ErrClosed once the connection is closing, and
// ErrSlowConsumer (closing the connection with 4008) when the queue is full.
func (c *Conn) SendText(b []byte) error {
	return c.enqueue(outFrame{messageType: websocket.TextMessage, data: b}, true)
}

// enqueue queues f and, when kick is set, starts the writer; otherwise the
// read pump writes it after OnMessage (Reply).
func (c *Conn) enqueue(f outFrame, kick bool) error {
	c.mu.Lock()
	if c.mode != modeOpen {
		c.mu.Unlock()
		return ErrClosed
	}
	if len(c.queue) < c.opts.SendQueue {
		c.queue = append(c.queue, f)
		if kick {
			c.kickLocked()
		} else {
			c.replyQueued = true
		}
		c.mu.Unlock()
		return nil
	}
	c.beginCloseLocked(CloseSlowConsumer, reasonSlowConsumer, modeCloseNow, byServer)
	c.mu.Unlock()
	c.cancel()
	c.log().Warn("websocket slow consumer disconnected", "send_queue", c.opts.SendQueue)
	return ErrSlowConsumer
}

// Close sends a close frame with code and reason after the frames already
// queued, then closes the connection. Only the first call counts; it never
// blocks, so it is safe inside OnMessage. A code that may not be sent
// (1005, 1006, 1015, outside 1000–4999) becomes CloseInternal; the reason is
// cut to 123 bytes.
func (c *Conn) Close(code int, reason string) {
	if !sendableCode(code) {
		c.log().Error("websocket close with a reserved code, sending 1011 instead", "code", code)
		code = CloseInternal
	}
	c.beginClose(code, trimReason(reason), modeFlush)
}

// beginClose records why the connection ends and wakes the writer.
// It reports whether this call was the one that started the close.
func (c *Conn) beginClose(code int, reason string, mode closeMode) bool {
	c.mu.Lock()
	started := c.beginCloseLocked(code, reason, mode, byServer)
	c.mu.Unlock()
	if started {
		c.cancel()
	}
	return started
}

// Who began a close, for the metrics.
const (
	byServer = false
	byPeer   = true
)

func (c *Conn) beginCloseLocked(code int, reason string, mode closeMode, peer bool) bool {
	if c.mode != modeOpen {
		return false
	}
	c.mode = mode
	c.closeCode = code
	c.closeReason = reason
	if peer {
		c.peerCloses.WithLabelValues(c.api, peerCodeLabel(code)).Inc()
	} else {
		c.closes.WithLabelValues(c.api, strconv.Itoa(code)).Inc()
	}
	if mode != modeAbort {
		// Echoing a peer's empty close frame (1005) yields an empty payload.
		c.closeFrame = websocket.FormatCloseMessage(code, reason)
	}
	close(c.closing)
	c.kickLocked() // the writer finishes the close
	return true
}

// abort drops the transport at once: no close frame, nothing more written.
func (c *Conn) abort(reason string) {
	c.beginClose(CloseAbnormal, reason, modeAbort)
	_ = c.ws.NetConn().Close()
}

func (c *Conn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

func (c *Conn) closeState() (mode closeMode, code int, reason string, frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mode, c.closeCode, c.closeReason, c.closeFrame
}
