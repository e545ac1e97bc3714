package wsconn

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Close codes this package sends or reports. Codes 4000–4999 are reserved for
// applications by RFC 6455 §7.4.2.
const (
	CloseNormal         = 1000
	CloseGoingAway      = 1001
	CloseAbnormal       = 1006 // never sent; reported to OnClose when the transport broke without a close frame
	CloseInvalidPayload = 1007 // a text message that is not valid UTF-8
	CloseTooBig         = 1009
	CloseInternal       = 1011
	CloseSlowConsumer   = 4008
)

// Defaults applied by Options when a field is zero.
const (
	DefaultReadLimit  = 64 << 10
	DefaultSendQueue  = 256
	DefaultWriteWait  = 10 * time.Second
	DefaultPongWait   = 30 * time.Second
	DefaultCloseGrace = 5 * time.Second
)

// Close reasons sent by this package; the APIs document them as they are.
const (
	reasonShutdown     = "server shutting down"
	reasonSlowConsumer = "slow consumer"
	reasonInternal     = "internal error"
	reasonInvalidUTF8  = "text message is not valid UTF-8"
)

// maxCloseReasonBytes is what fits in a close frame: a control frame carries at
// most 125 bytes, two of which are the code.
const maxCloseReasonBytes = 123

// Options are the limits of one API's connections. The zero value of every
// field means its default.
type Options struct {
	// API labels metrics and logs, e.g. "vrtraining". Required.
	API string
	// ReadLimit is the largest inbound message in bytes; a bigger one closes
	// the connection with CloseTooBig (default 64 KiB).
	ReadLimit int64
	// SendQueue bounds the outbound frames waiting for the writer
	// (default 256); overflowing it closes with CloseSlowConsumer.
	SendQueue int
	// WriteWait is the deadline for writing one frame (default the hub's
	// Limits.WriteWait, else 10s).
	WriteWait time.Duration
	// PongWait is how long the connection may stay silent: the read deadline,
	// renewed by every pong, ping and inbound frame (default 30s).
	PongWait time.Duration
	// PingPeriod is the interval between pings (default PongWait*9/10).
	PingPeriod time.Duration
	// CheckOrigin decides whether to accept the upgrade's Origin. The default
	// allows every origin: these APIs serve non-browser clients too.
	CheckOrigin func(*http.Request) bool
	// CloseGrace is how long, after sending a close frame, to wait for the
	// peer's echo before dropping the TCP connection (default 5s).
	CloseGrace time.Duration
	// Logger receives the connection's log lines (default slog.Default()).
	Logger *slog.Logger
	// Refuse writes a refused upgrade's body in the API's documented error
	// shape; the status and the Retry-After header are the refusal's, and
	// Refuse must write the status. Default: a plain-text body.
	Refuse func(w http.ResponseWriter, refusal Refusal)
}

func (o Options) withDefaults() Options {
	if o.ReadLimit <= 0 {
		o.ReadLimit = DefaultReadLimit
	}
	if o.SendQueue <= 0 {
		o.SendQueue = DefaultSendQueue
	}
	if o.WriteWait <= 0 {
		o.WriteWait = DefaultWriteWait
	}
	if o.PongWait <= 0 {
		o.PongWait = DefaultPongWait
	}
	if o.PingPeriod <= 0 {
		o.PingPeriod = o.PongWait * 9 / 10
	}
	if o.CheckOrigin == nil {
		o.CheckOrigin = allowAnyOrigin
	}
	if o.CloseGrace <= 0 {
		o.CloseGrace = DefaultCloseGrace
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

func allowAnyOrigin(*http.Request) bool { return true }

// sendableCode reports whether code may appear in a close frame we send
// (RFC 6455 §7.4; 1004–1006 and 1015 are reserved for reporting only).
func sendableCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// trimReason makes reason fit a close frame: valid UTF-8, at most 123 bytes,
// cut at a rune boundary.
func trimReason(reason string) string {
	reason = strings.ToValidUTF8(reason, "")
	if len(reason) <= maxCloseReasonBytes {
		return reason
	}
	cut := maxCloseReasonBytes
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut]
}
