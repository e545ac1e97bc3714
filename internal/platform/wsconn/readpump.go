package wsconn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// errTooBig marks an inbound message over Options.ReadLimit.
var errTooBig = errors.New("message over the read limit")

// readPump is the connection's only reader: it dispatches messages until
// the connection ends, then tears it down and runs OnClose. OnOpen ran
// before it started (Hub.Serve runs it on the upgrading goroutine), so an
// idle connection is this goroutine blocked in gorilla's NextReader with
// the smallest stack the runtime gives (2 KiB): a stack, once grown by a
// handler's work, does not shrink back below 4 KiB.
func (c *Conn) readPump() {
	defer c.finish()
	for {
		messageType, r, err := c.nextMessage()
		if err != nil {
			c.readFailed(err)
			return
		}
		if !c.handle(messageType, r) {
			return
		}
	}
}

//go:noinline
func (c *Conn) nextMessage() (int, io.Reader, error) { return c.ws.NextReader() }

func (c *Conn) startReading() {
	// The limit is enforced here, not with SetReadLimit: gorilla would answer
	// an oversized frame itself with a reason-less 1009, and we want the peer
	// to learn the limit.
	c.ws.SetPingHandler(c.onPing)
	c.ws.SetPongHandler(func(string) error { c.extendReadDeadline(); return nil })
	c.ws.SetCloseHandler(c.onPeerClose)
	c.extendReadDeadline()
}

// handle reads one message and hands it to OnMessage; false ends the read
// loop (the transport failed).
//
//go:noinline
func (c *Conn) handle(messageType int, r io.Reader) bool {
	c.extendReadDeadline()
	data, err := c.readMessage(r)
	switch {
	case errors.Is(err, errTooBig):
		c.log().Info("websocket message over the read limit", "read_limit", c.opts.ReadLimit)
		c.Close(CloseTooBig, fmt.Sprintf("message too big: the limit is %d bytes", c.opts.ReadLimit))
		// Keep reading (and discarding) until the peer echoes the close,
		// so it receives our close frame rather than a TCP reset.
		return true
	case err != nil:
		c.readFailed(err)
		return false
	case messageType == websocket.TextMessage && !utf8.Valid(data):
		// RFC 6455 §8.1: a text message that is not UTF-8 fails the
		// connection with 1007; decoding it anyway would hand the
		// handler U+FFFD in place of what the client meant.
		c.log().Info("websocket text message is not valid UTF-8")
		c.Close(CloseInvalidPayload, reasonInvalidUTF8)
		return true
	}
	c.extendReadDeadline()
	if c.isClosing() {
		return true // the connection is ending: the handler is done with it
	}
	c.messagesIn.Inc()
	c.waitForQueueRoom()
	c.runOnMessage(data)
	return true
}

// readBuffers are where messages are read before they are copied out at
// their exact size: reading straight into a new slice (io.ReadAll) starts
// at 512 bytes and grows by doubling, several times a frame's size in
// garbage for every inbound message.
var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readMessage reads one whole message from r, at most Options.ReadLimit
// bytes (errTooBig past it). The reader that stops one byte past the limit
// is the connection's, so reading allocates none.
func (c *Conn) readMessage(r io.Reader) ([]byte, error) {
	c.limited = io.LimitedReader{R: r, N: c.opts.ReadLimit + 1}
	buf := readBuffers.Get().(*bytes.Buffer)
	defer func() {
		c.limited.R = nil
		if buf.Cap() <= maxPooledReadBuffer {
			buf.Reset()
			readBuffers.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(&c.limited); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > c.opts.ReadLimit {
		return nil, errTooBig
	}
	return bytes.Clone(buf.Bytes()), nil
}

// maxPooledReadBuffer keeps the buffers of rare large messages (uploads of
// audio, up to the read limit) out of the pool.
const maxPooledReadBuffer = 16 << 10

// waitForQueueRoom paces inbound messages by outbound progress: while the
// send queue is over half full, the next message waits (and TCP pushes back
// on the client). A client that pipelines requests faster than the write
// pump can answer is slowed down instead of overflowing the queue with its
// own replies; only frames sent from elsewhere (broadcasts) can overflow it.
func (c *Conn) waitForQueueRoom() {
	if c.queueLen() <= c.highWater {
		return
	}
	for c.queueLen() > c.highWater {
		select {
		case <-c.drained:
		case <-c.closing:
			return
		}
	}
	// The writer made progress, so the peer is alive even if its pongs
	// sat unread while we waited.
	c.extendReadDeadline()
}

// extendReadDeadline moves the read deadline to PongWait from now. Moving
// it costs a runtime timer update, so a deadline less than PongWait/32 old
// is kept: under load the read pump moves it about once a second (at the
// default 30 s) instead of twice per message, and a silent peer is still
// given at least 31/32 of PongWait, more than the ping period plus a pong's
// way back. Only the read pump calls it (pong and ping handlers run there).
func (c *Conn) extendReadDeadline() {
	next := time.Now().Add(c.opts.PongWait)
	if next.Sub(c.readDeadline) < c.opts.PongWait/32 {
		return
	}
	c.readDeadline = next
	_ = c.ws.SetReadDeadline(next)
}

// onPing renews the deadline and leaves the pong to the writer, the only
// writer. A pong still waiting is replaced: RFC 6455 §5.5.3 allows answering
// only the latest ping.
func (c *Conn) onPing(appData string) error {
	c.extendReadDeadline()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mode == modeOpen {
		c.pongDue, c.pongPayload = true, []byte(appData)
		c.kickLocked()
	}
	return nil
}

// onPeerClose runs when the peer's close frame arrives. The echo (same code,
// no reason) is written by the writer, ahead of any still-queued frames:
// the peer has stopped reading data.
func (c *Conn) onPeerClose(code int, text string) error {
	c.mu.Lock()
	started := c.beginCloseLocked(code, text, modeCloseNow, byPeer)
	if started {
		c.closeFrame = websocket.FormatCloseMessage(code, "")
	}
	c.mu.Unlock()
	if started {
		c.cancel()
	}
	return nil
}

// readFailed ends the read loop. A close frame was handled by onPeerClose
// and the writer finishes the handshake; any other error (gorilla reports
// an EOF as a CloseError with 1006) means the transport is gone or the read
// deadline passed.
func (c *Conn) readFailed(err error) {
	if ce, ok := errors.AsType[*websocket.CloseError](err); ok && ce.Code != CloseAbnormal {
		return
	}
	if !c.isClosing() {
		c.log().Debug("websocket read failed", "error", err)
	}
	c.abort(abnormalReason(err))
}

// abnormalReason describes a broken transport for OnClose without leaking
// addresses or payloads.
func abnormalReason(err error) string {
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return "read timeout: no pong or message within the pong wait"
	}
	if ce, ok := errors.AsType[*websocket.CloseError](err); ok && ce.Code == CloseAbnormal ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "connection closed without a close frame"
	}
	// What remains: the transport failed, or the peer broke the protocol
	// (gorilla has then sent it a 1002 close frame itself).
	return "connection lost or protocol violated"
}

func (c *Conn) runOnOpen() {
	defer c.recoverHandler("OnOpen")
	if err := c.handler.OnOpen(c); err != nil {
		c.log().Error("websocket OnOpen failed", "error", err)
		c.Close(CloseInternal, reasonInternal)
	}
}

func (c *Conn) runOnMessage(data []byte) {
	c.callOnMessage(data)
	c.writeReply()
}

func (c *Conn) callOnMessage(data []byte) {
	defer c.recoverHandler("OnMessage")
	c.handler.OnMessage(c, data)
}

// writeReply writes what Reply queued when no writer is running: on the read
// pump, which reads the peer's next frame only after it. A close that began
// meanwhile goes to a writer goroutine, since the close lingers for the read
// pump to see the peer's answer.
func (c *Conn) writeReply() {
	c.mu.Lock()
	queued := c.replyQueued
	c.replyQueued = false
	if !queued || c.writing || c.writerDone {
		c.mu.Unlock()
		return
	}
	c.writing = true
	if c.mode != modeOpen {
		go c.write()
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.writeUntilIdle(true)
}

// recoverHandler keeps a handler's panic from taking the process down: the
// pumps run outside net/http's per-request recovery.
func (c *Conn) recoverHandler(where string) {
	if p := recover(); p != nil {
		c.log().Error("websocket handler panicked", "handler", where, "panic", p, "stack", string(debug.Stack()))
		c.Close(CloseInternal, reasonInternal)
	}
}

// finish runs once the read loop is over: it waits for the writer, frees
// the connection and reports it closed.
func (c *Conn) finish() {
	close(c.readDone)
	<-c.writeDone
	_ = c.ws.NetConn().Close()
	c.cancel()
	c.hub.remove(c)

	_, code, reason, _ := c.closeState()
	level := slogLevelFor(code)
	c.log().Log(c.ctx, level, "websocket closed", "code", code, "reason", reason,
		"duration", time.Since(c.opened).Round(time.Millisecond))
	func() {
		defer func() {
			if p := recover(); p != nil {
				c.log().Error("websocket handler panicked", "handler", "OnClose", "panic", p, "stack", string(debug.Stack()))
			}
		}()
		c.handler.OnClose(c, code, reason)
	}()
	c.hub.live.Done()
}

// slogLevelFor keeps routine closes out of the default log level.
func slogLevelFor(code int) slog.Level {
	switch code {
	case CloseNormal, CloseGoingAway, websocket.CloseNoStatusReceived:
		return slog.LevelDebug
	case CloseInternal:
		return slog.LevelWarn // the cause was logged as an error already
	default:
		return slog.LevelInfo
	}
}
