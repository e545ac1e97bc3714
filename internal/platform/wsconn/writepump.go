package wsconn

import (
	"errors"
	"time"

	"github.com/gorilla/websocket"
)

// writePump is the connection's only writer: queued frames in order, pings,
// pongs, and the close frame last.
func (c *Conn) writePump() {
	defer close(c.writeDone)
	ping := time.NewTicker(c.opts.PingPeriod)
	defer ping.Stop()

	for {
		select {
		case f := <-c.sendQueue:
			if c.queueDropped() {
				c.writeClose()
				return
			}
			if !c.writeFrame(f) {
				return
			}
		case payload := <-c.pongQueue:
			if !c.writeControl(websocket.PongMessage, payload) {
				return
			}
		case <-ping.C:
			if !c.writeControl(websocket.PingMessage, nil) {
				return
			}
		case <-c.closing:
			c.writeClose()
			return
		}
	}
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
		c.log.Debug("websocket peer did not answer the close frame", "close_grace", c.opts.CloseGrace)
	}
	_ = c.ws.NetConn().Close()
}

// queueDropped reports whether the close under way discards queued frames
// (a slow consumer, a peer's close), so none may be written any more.
func (c *Conn) queueDropped() bool {
	if !c.isClosing() {
		return false
	}
	mode, _, _, _ := c.closeState()
	return mode != modeFlush
}

// flushQueue writes what was queued before the close began. Nothing can be
// queued after that, so draining until empty is complete.
func (c *Conn) flushQueue() bool {
	for {
		select {
		case f := <-c.sendQueue:
			if !c.writeFrame(f) {
				return false
			}
		default:
			return true
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
	if len(c.sendQueue) <= c.highWater {
		select {
		case c.drained <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return true
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
		c.log.Debug("websocket write failed", "error", err)
	}
	c.abort("write failed: peer gone or not reading")
}
