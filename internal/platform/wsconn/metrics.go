package wsconn

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Values of the direction label of websocket_messages_total.
const (
	directionIn  = "in"  // messages read from clients
	directionOut = "out" // frames written to clients
)

type hubMetrics struct {
	open     *prometheus.GaugeVec
	messages *prometheus.CounterVec
	closes   *prometheus.CounterVec
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
	}
	if reg != nil {
		m.open = registerOrReuse(reg, m.open)
		m.messages = registerOrReuse(reg, m.messages)
		m.closes = registerOrReuse(reg, m.closes)
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
