package wsconn

import (
	"errors"
	"time"

	"github.com/gorilla/websocket"
)

// The connection's writer exists only while it has something to write: an
// idle connection holds no writer goroutine and no queue buffer, only its
// read pump. Whatever needs writing (a queued frame, a pong, the periodic
// ping, the close) marks itself under c.mu and starts the writer when none
// is running (kickLocked); the writer writes until nothing is left, then
// ends. There is never more than one writer, so writes stay in order and
// gorilla sees one writer at a time.

// kickLocked starts the writer unless one is running. Call with c.mu held.
func (c *Conn) kickLocked() {
	if c.writing || c.writerDone {
		return
	}
	c.writing = true
	go c.write()
}

// schedulePing arms the next ping; the timer holds no goroutine while it
// waits.
func (c *Conn) schedulePing() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pingTimer = time.AfterFunc(c.opts.PingPeriod, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.mode != modeOpen {
			return
		}
		c.pingDue = true
		c.kickLocked()
		c.pingTimer.Reset(c.opts.PingPeriod)
	})
}

// writeJob is one thing the writer takes from the connection's state.
type writeJob struct {
	frame   outFrame
	isFrame bool   // frame is a queued data frame to write
	control int    // websocket.PingMessage or PongMessage unless isFrame
	payload []byte // the control frame's payload
	close   bool   // the close began: finish it
}

// next takes the writer's next job, or reports that there is none and
// lets the writer end (writing = false) in the same critical section, so a
// job marked afterwards starts a new writer.
func (c *Conn) next() (writeJob, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.mode != modeOpen:
		return writeJob{close: true}, true
	case c.pongDue:
		c.pongDue = false
		payload := c.pongPayload
		c.pongPayload = nil
		return writeJob{control: websocket.PongMessage, payload: payload}, true
	case c.pingDue:
		c.pingDue = false
		return writeJob{control: websocket.PingMessage}, true
	case len(c.queue) > 0:
		return writeJob{frame: c.popLocked(), isFrame: true}, true
	}
	c.writing = false
	return writeJob{}, false
}

// popLocked takes the oldest queued frame; an emptied queue gives its
// buffer back, so an idle connection holds none.
func (c *Conn) popLocked() outFrame {
	f := c.queue[0]
	c.queue[0] = outFrame{}
	c.queue = c.queue[1:]
	if len(c.queue) == 0 {
		c.queue = nil
	}
	return f
}

// write is the writer: queued frames in order, pongs for the peer's pings,
// the periodic ping, and the close frame last.
func (c *Conn) write() { c.writeUntilIdle(false) }

// writeUntilIdle writes until nothing is left. On the read pump (a reply's
// writer) it hands a close to a writer goroutine, which keeps writing.
func (c *Conn) writeUntilIdle(onReadPump bool) {
	for {
		job, ok := c.next()
		switch {
		case !ok:
			return
		case job.close && onReadPump:
			go c.write()
			return
		case job.close:
			c.writeClose()
			c.finishWriting()
			return
		case job.isFrame:
			if !c.writeFrame(job.frame) {
				c.finishWriting()
				return
			}
		default:
			if !c.writeControl(job.control, job.payload) {
				c.finishWriting()
				return
			}
		}
	}
}

// finishWriting marks the writer gone for good: nothing is written after
// the close (or a failed write), and the read pump's finish may go on.
func (c *Conn) finishWriting() {
	c.mu.Lock()
	c.writing = false
	c.writerDone = true
	c.queue = nil
	if c.pingTimer != nil {
		c.pingTimer.Stop()
	}
	c.mu.Unlock()
	close(c.writeDone)
}

// writeClose ends the connection the way beginClose decided, then lingers
// for the peer's close (the read pump ending) before dropping the transport.
func (c *Conn) writeClose() {
	mode, _, _, frame := c.closeState()
	if mode == modeAbort {
		return
	}
	if mode == modeFlush && !c.flushQueue() {
		return
	}
	if !c.writeControl(websocket.CloseMessage, frame) {
		return
	}
	grace := time.NewTimer(c.opts.CloseGrace)
	defer grace.Stop()
	select {
	case <-c.readDone:
	case <-grace.C:
		c.log().Debug("websocket peer did not answer the close frame", "close_grace", c.opts.CloseGrace)
	}
	_ = c.ws.NetConn().Close()
}

// flushQueue writes what was queued before the close began. Nothing can be
// queued after that, so draining until empty is complete.
func (c *Conn) flushQueue() bool {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.mu.Unlock()
			return true
		}
		f := c.popLocked()
		c.mu.Unlock()
		if !c.writeFrame(f) {
			return false
		}
	}
}

// writeFrame writes one queued message as exactly one WebSocket frame.
func (c *Conn) writeFrame(f outFrame) bool {
	_ = c.ws.SetWriteDeadline(time.Now().Add(c.opts.WriteWait))
	if err := c.ws.WriteMessage(f.messageType, f.data); err != nil {
		c.writeFailed(err)
		return false
	}
	c.messagesOut.Inc()
	if c.queueLen() <= c.highWater {
		select {
		case c.drained <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return true
}

func (c *Conn) queueLen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

func (c *Conn) writeControl(messageType int, payload []byte) bool {
	err := c.ws.WriteControl(messageType, payload, time.Now().Add(c.opts.WriteWait))
	if messageType == websocket.CloseMessage && errors.Is(err, websocket.ErrCloseSent) {
		// gorilla already answered a protocol error with its own close frame.
		return true
	}
	if err != nil {
		c.writeFailed(err)
		return false
	}
	return true
}

// writeFailed gives up on a transport that cannot take writes (peer gone or
// not reading within WriteWait); the read pump then fails too.
func (c *Conn) writeFailed(err error) {
	if !c.isClosing() {
		c.log().Debug("websocket write failed", "error", err)
	}
	c.abort("write failed: peer gone or not reading")
}
