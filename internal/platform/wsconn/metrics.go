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
	m := hubMetrics{
		open: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "websocket_connections_open",
			Help: "WebSocket connections currently open, by API.",
		}, []string{"api"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "websocket_messages_total",
			Help: "WebSocket data messages, by API and direction (in = read from clients, out = written to clients).",
		}, []string{"api", "direction"}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "websocket_server_closes_total",
			Help: "Connections the server began to close, by API and close code (4008 = slow consumer, 1009 = frame too big, 1006 = transport dropped).",
		}, []string{"api", "code"}),
		peerCloses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "websocket_client_closes_total",
			Help: "Connections the client began to close, by API and close code; the codes clients choose freely are counted per range (3xxx, 4xxx).",
		}, []string{"api", "code"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "websocket_upgrades_refused_total",
			Help: "Upgrade requests refused by the connection layer, by API and HTTP status (503 = shutting down or the server's ceiling, 429 = the address's ceiling).",
		}, []string{"api", "status"}),
	}
	if reg != nil {
		m.open = registerOrReuse(reg, m.open)
		m.messages = registerOrReuse(reg, m.messages)
		m.closes = registerOrReuse(reg, m.closes)
		m.peerCloses = registerOrReuse(reg, m.peerCloses)
		m.refused = registerOrReuse(reg, m.refused)
	}
	return m
}

// registerOrReuse lets several hubs share one registry (the collectors then
// count all of them) instead of panicking on the second registration.
func registerOrReuse[C prometheus.Collector](reg prometheus.Registerer, c C) C {
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
