package wsconn

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"time"
)

// Limits are the hub's ceilings on open connections, over every API, each
// counted from the admission before the upgrade until the connection is
// gone. Zero means no ceiling.
type Limits struct {
	// MaxConnections bounds the connections of this process; one more
	// upgrade is refused with 503.
	MaxConnections int
	// MaxConnectionsPerAddress bounds the connections of one client address
	// (an IPv4 address, or an IPv6 /64); one more is refused with 429.
	MaxConnectionsPerAddress int
	// WriteWait bounds the write of one frame on every connection whose
	// Options.WriteWait is 0 (0: DefaultWriteWait): how long a peer that
	// stopped reading holds its connection's writer.
	WriteWait time.Duration
	// SendBuffer, when set, is each connection's kernel send buffer
	// (SO_SNDBUF, which Linux doubles), instead of the one the kernel grows
	// on its own up to several MiB: with the send queue, what a peer that
	// stopped reading holds before it is disconnected with 4008.
	SendBuffer int
}

// RefusalRetryAfter is the Retry-After of a refusal at a ceiling: long
// enough for connections to end, short enough for a client to get back.
const RefusalRetryAfter = 5 * time.Second

// Refusal is an upgrade request answered with an HTTP error instead of
// 101 Switching Protocols.
type Refusal struct {
	// Status is 503 (shutting down, or the server's ceiling), 429 (the
	// address's ceiling) or 500 (the upgrade handler failed).
	Status int
	// Code is the API's code for the refusal; empty: the code every API
	// documents for Status (see StatusCode).
	Code string
	// Message is the documented wording, safe to show the client.
	Message string
	// RetryAfter, when not zero, is also sent as the Retry-After header.
	RetryAfter time.Duration
}

// Error makes a refusal of Hub.Serve its error: the client got Status and
// Message.
func (r *Refusal) Error() string {
	return "wsconn: upgrade refused with " + strconv.Itoa(r.Status) + ": " + r.Message
}

// writeRefusal answers r with the API's documented body (Options.Refuse)
// after the headers every refusal carries.
func writeRefusal(w http.ResponseWriter, opts Options, r Refusal) {
	if r.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((r.RetryAfter+time.Second-1)/time.Second)))
	}
	if r.Status != http.StatusInternalServerError {
		// The client is told to go away for now: do not keep the TCP
		// connection it would otherwise reuse for the next try.
		w.Header().Set("Connection", "close")
	}
	if opts.Refuse == nil {
		http.Error(w, r.Message, r.Status)
		return
	}
	opts.Refuse(w, r)
}

// statusCodes are the codes every API's specification gives the refusals
// of the connection layer, by status.
var statusCodes = map[int]string{
	http.StatusUnauthorized:       "UNAUTHORIZED",
	http.StatusTooManyRequests:    "TOO_MANY_CONNECTIONS",
	http.StatusServiceUnavailable: "SERVICE_UNAVAILABLE",
}

// StatusCode is r.Code, or the code documented for r.Status
// (INTERNAL_ERROR for a status without one of its own).
func (r Refusal) StatusCode() string {
	if r.Code != "" {
		return r.Code
	}
	if code, ok := statusCodes[r.Status]; ok {
		return code
	}
	return "INTERNAL_ERROR"
}

// JSONRefusal returns an Options.Refuse that answers with the API's
// documented JSON body, which body builds from the refusal.
func JSONRefusal(body func(r Refusal) any) func(http.ResponseWriter, Refusal) {
	return func(w http.ResponseWriter, refusal Refusal) {
		raw, _ := json.Marshal(body(refusal))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(refusal.Status)
		_, _ = w.Write(raw)
	}
}

// RefuseOnPanic, deferred first thing in an API's upgrade handler, answers a
// panic before the upgrade with the API's own 500 refusal (Options.Refuse)
// instead of whatever recovery sits further out. Once the connection is
// upgraded the pumps have their own recovery (close 1011). net/http's
// ErrAbortHandler is passed on.
func RefuseOnPanic(w http.ResponseWriter, opts Options) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler { // the sentinel itself, as passed to panic
		panic(p)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Error("websocket upgrade handler panicked", "api", opts.API, "panic", p, "stack", string(debug.Stack()))
	writeRefusal(w, opts, Refusal{Status: http.StatusInternalServerError, Message: "Internal error"})
}

// clientAddress is what the per-address ceiling counts by.
type clientAddress struct {
	prefix netip.Prefix
	raw    string // RemoteAddr when it is not an IP and port
}

// clientAddressOf is the peer's IPv4 address, or the /64 of its IPv6
// address (one subscriber's usual allocation, so a client cannot escape
// its ceiling by hopping through its own addresses). It is the TCP peer:
// behind a reverse proxy every client shares the proxy's address.
func clientAddressOf(r *http.Request) clientAddress {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return clientAddress{raw: r.RemoteAddr}
	}
	ip := ap.Addr().Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	prefix, _ := ip.WithZone("").Prefix(bits)
	return clientAddress{prefix: prefix}
}
