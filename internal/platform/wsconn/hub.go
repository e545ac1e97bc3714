package wsconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// readBufferSize is each connection's read buffer. The APIs' frames are
// small JSON documents (a few hundred bytes) and an idle connection keeps
// its buffer, so it is 1 KiB rather than the HTTP server's 4 KiB; a larger
// frame (an avatar voice chunk) is read straight into the message past it.
const readBufferSize = 1 << 10

// Hub tracks every live connection of every API and shuts them down
// together.
type Hub struct {
	metrics     hubMetrics
	limits      Limits
	writeBuffer sync.Pool // shared write buffers: idle connections hold none

	mu           sync.Mutex
	shuttingDown bool
	conns        map[*Conn]struct{}
	// admitted counts connections from the admission before the upgrade
	// until they are gone, in all and per client address: what the
	// ceilings of Limits are checked against.
	admitted          int
	admittedByAddress map[clientAddress]int

	// live counts connections from the accepted upgrade until OnClose has
	// returned; Shutdown waits for it.
	live sync.WaitGroup
}

// NewHub creates a hub with the ceilings of limits and registers its
// collectors on reg (nil: none): the gauge websocket_connections_open{api},
// the counters websocket_messages_total{api,direction},
// websocket_server_closes_total{api,code},
// websocket_client_closes_total{api,code} and
// websocket_upgrades_refused_total{api,status}.
func NewHub(reg prometheus.Registerer, limits Limits) *Hub {
	return &Hub{
		metrics:           newHubMetrics(reg),
		limits:            limits,
		conns:             make(map[*Conn]struct{}),
		admittedByAddress: make(map[clientAddress]int),
	}
}

// Serve upgrades the request and runs the connection's pumps in their own
// goroutines; it returns once the upgrade is done. Before the upgrade it
// refuses, through Options.Refuse, with 503 after Shutdown or at
// Limits.MaxConnections and with 429 at Limits.MaxConnectionsPerAddress,
// and returns that *Refusal as the error; when the upgrade fails, the
// client got gorilla's 4xx answer.
// responseHeader is added to the 101 response (cookies, subprotocol).
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, opts Options, handler Handler, responseHeader http.Header) (*Conn, error) {
	if handler == nil || opts.API == "" {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return nil, errors.New("wsconn: Serve needs a Handler and Options.API")
	}
	if opts.WriteWait <= 0 {
		opts.WriteWait = h.limits.WriteWait
	}
	opts = opts.withDefaults()

	addr := clientAddressOf(r)
	if refusal := h.admit(addr); refusal != nil {
		h.metrics.refused.WithLabelValues(opts.API, strconv.Itoa(refusal.Status)).Inc()
		// Debug: a client hammering a ceiling would flood the log; the
		// websocket_upgrades_refused_total counter shows it.
		opts.Logger.Debug("websocket upgrade refused", "api", opts.API, "status", refusal.Status, "reason", refusal.Message)
		writeRefusal(w, opts, *refusal)
		return nil, refusal
	}
	// The read buffer is the connection's own for its whole life; the write
	// buffer is borrowed from the pool per message.
	upgrader := websocket.Upgrader{CheckOrigin: opts.CheckOrigin, ReadBufferSize: readBufferSize, WriteBufferPool: &h.writeBuffer}
	ws, err := upgrader.Upgrade(w, r, responseHeader)
	if err != nil {
		h.release(addr)
		h.live.Done()
		return nil, fmt.Errorf("wsconn: upgrade: %w", err)
	}

	if tcp, ok := ws.NetConn().(*net.TCPConn); ok && h.limits.SendBuffer > 0 {
		_ = tcp.SetWriteBuffer(h.limits.SendBuffer) // the kernel's own buffer is still a working one
	}
	c := newConn(h, r, ws, opts, handler)
	c.address = addr
	shuttingDown := h.add(c)
	c.log().Debug("websocket opened")
	c.schedulePing()
	c.startReading()
	c.runOnOpen()
	go c.readPump()
	if shuttingDown {
		// Shutdown began during the upgrade and did not see this connection.
		c.Close(CloseGoingAway, reasonShutdown)
	}
	return c, nil
}

// admit counts a connection about to be upgraded from addr, or says why it
// is refused.
func (h *Hub) admit(addr clientAddress) *Refusal {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.shuttingDown:
		return &Refusal{Status: http.StatusServiceUnavailable, Message: "Server shutting down"}
	case h.limits.MaxConnections > 0 && h.admitted >= h.limits.MaxConnections:
		return &Refusal{
			Status:     http.StatusServiceUnavailable,
			Message:    fmt.Sprintf("Too many open WebSocket connections on this server (limit %d); retry later", h.limits.MaxConnections),
			RetryAfter: RefusalRetryAfter,
		}
	case h.limits.MaxConnectionsPerAddress > 0 && h.admittedByAddress[addr] >= h.limits.MaxConnectionsPerAddress:
		return &Refusal{
			Status:     http.StatusTooManyRequests,
			Message:    fmt.Sprintf("Too many open WebSocket connections from your address (limit %d); close one or retry later", h.limits.MaxConnectionsPerAddress),
			RetryAfter: RefusalRetryAfter,
		}
	}
	h.admitted++
	h.admittedByAddress[addr]++
	h.live.Add(1)
	return nil
}

// release gives back what admit counted.
func (h *Hub) release(addr clientAddress) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.admitted--
	if h.admittedByAddress[addr]--; h.admittedByAddress[addr] <= 0 {
		delete(h.admittedByAddress, addr)
	}
}

// Shutdown refuses new connections, closes every connection with 1001
// "server shutting down" after its queued frames, and waits until all are
// gone. When ctx ends first, the remaining connections are dropped without
// waiting further and ctx's error is returned.
func (h *Hub) Shutdown(ctx context.Context) error {
	for _, c := range h.beginShutdown() {
		c.Close(CloseGoingAway, reasonShutdown)
	}
	allGone := make(chan struct{})
	go func() {
		h.live.Wait()
		close(allGone)
	}()
	select {
	case <-allGone:
		return nil
	case <-ctx.Done():
		for _, c := range h.snapshot() {
			c.abort("server shutdown timed out")
		}
		return ctx.Err()
	}
}

// add registers c and reports whether Shutdown has begun meanwhile.
func (h *Hub) add(c *Conn) (shuttingDown bool) {
	h.mu.Lock()
	h.conns[c] = struct{}{}
	shuttingDown = h.shuttingDown
	h.mu.Unlock()
	h.metrics.open.WithLabelValues(c.api).Inc()
	return shuttingDown
}

func (h *Hub) remove(c *Conn) {
	h.mu.Lock()
	if _, ok := h.conns[c]; !ok {
		h.mu.Unlock()
		return
	}
	delete(h.conns, c)
	h.mu.Unlock()
	h.release(c.address)
	h.metrics.open.WithLabelValues(c.api).Dec()
}

// ShuttingDown reports whether Shutdown has begun: what a handler's OnClose
// asks to tell the server going away from a peer that closed with 1001 (a
// peer can send any code and reason).
func (h *Hub) ShuttingDown() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.shuttingDown
}

func (h *Hub) beginShutdown() []*Conn {
	h.mu.Lock()
	h.shuttingDown = true
	h.mu.Unlock()
	return h.snapshot()
}

func (h *Hub) snapshot() []*Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	conns := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	return conns
}
