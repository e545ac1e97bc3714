package wsconn

import (
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Values of the direction label of websocket_messages_total.
const (
	directionIn  = "in"  // messages read from clients
	directionOut = "out" // frames written to clients
)

type hubMetrics struct {
	open       *prometheus.GaugeVec
	messages   *prometheus.CounterVec
	closes     *prometheus.CounterVec
	peerCloses *prometheus.CounterVec
	refused    *prometheus.CounterVec
}

func newHubMetrics(reg prometheus.Registerer) hubMetrics {
	return hubMetrics{
		open: registerOrReuse(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "websocket_connections_open",
			Help: "WebSocket connections currently open, by API.",
		}, []string{"api"})),
		messages: counter(reg, "websocket_messages_total",
			"WebSocket data messages, by API and direction (in = read from clients, out = written to clients).", "direction"),
		closes: counter(reg, "websocket_server_closes_total",
			"Connections the server began to close, by API and close code (4008 = slow consumer, 1009 = frame too big, 1006 = transport dropped).", "code"),
		peerCloses: counter(reg, "websocket_client_closes_total",
			"Connections the client began to close, by API and close code; the codes clients choose freely are counted per range (3xxx, 4xxx).", "code"),
		refused: counter(reg, "websocket_upgrades_refused_total",
			"Upgrade requests refused by the connection layer, by API and HTTP status (503 = shutting down or the server's ceiling, 429 = the address's ceiling).", "status"),
	}
}

// counter is a counter by API and label, registered with reg (when not nil).
func counter(reg prometheus.Registerer, name, help, label string) *prometheus.CounterVec {
	return registerOrReuse(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"api", label}))
}

// registerOrReuse lets several hubs share one registry (the collectors then
// count all of them) instead of panicking on the second registration.
// A nil reg leaves c unregistered.
func registerOrReuse[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	if err == nil {
		return c
	}
	if already, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(err)
}

// peerCodeLabel is the code label of a close the client began. The codes
// RFC 6455 defines keep their value; a client may pick any of the 2,000
// codes of 3000–4999, so those are counted per range: every distinct label
// value is a series the registry keeps for the life of the process.
func peerCodeLabel(code int) string {
	switch {
	case code >= 1000 && code <= 1015:
		return strconv.Itoa(code)
	case code >= 3000 && code <= 3999:
		return "3xxx"
	case code >= 4000 && code <= 4999:
		return "4xxx"
	}
	return "other"
}
