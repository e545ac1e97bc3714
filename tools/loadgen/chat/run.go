// Package chat measures pet-care chat fan-out end to end through a server on
// this machine: it connects Clients anonymous clients to /ws/, groups them
// into Conversations conversations (the first member of each is the client,
// the others its providers), then every client sends Messages messages to its
// conversation, one at a time (the next after message_sent). Every message is
// delivered as new_message to the other members; the result holds messages
// and deliveries per second, the delivery latency (send → new_message) and
// the server's memory per idle connection (from /metrics, before and after
// connecting). It only dials loopback addresses and its work is bounded by
// Clients × Messages and Timeout.
package chat

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sessionhub/server/tools/loadgen"
)

// Options say what to run.
type Options struct {
	Addr          string // server host:port, loopback only
	Clients       int    // connected clients, 2..20000
	Conversations int    // conversations the clients are spread over
	Messages      int    // messages each client sends, 1..10000
	// InFlight bounds the messages awaiting message_sent at once across all
	// clients; 0 lets every client send at once.
	InFlight int
	Settle   time.Duration // idle time before reading memory after connecting
	Timeout  time.Duration // give up after this long
	Log      io.Writer     // progress lines; nil for none
}

func (o Options) validate() error {
	if err := loadgen.CheckLoopback(o.Addr); err != nil {
		return err
	}
	switch {
	case o.Clients < 2 || o.Clients > 20000:
		return errors.New("clients must be 2..20000")
	case o.Conversations < 1 || o.Clients/o.Conversations < 2:
		return errors.New("conversations must leave at least 2 clients per conversation")
	case o.Messages < 1 || o.Messages > 10000:
		return errors.New("messages must be 1..10000")
	case o.InFlight < 0:
		return errors.New("in-flight must be 0 or more")
	case o.Timeout <= 0:
		return errors.New("timeout must be positive")
	}
	return nil
}

// IdleMemory is the growth of the server's process per connected idle client.
type IdleMemory struct {
	ResidentBytes float64
	HeapInUse     float64
	Goroutines    float64
}

// Result is what one run observed.
type Result struct {
	Connected  int
	ConnectFor time.Duration
	Idle       IdleMemory
	Sent       int // messages stored and acknowledged
	Delivered  int // new_message frames received
	InFlight   int
	Elapsed    time.Duration // from the first send to the last delivery
	Latency    loadgen.Latencies
}

// MessagesPerSecond counts messages stored, acknowledged and delivered.
func (r Result) MessagesPerSecond() float64 { return float64(r.Sent) / r.Elapsed.Seconds() }

// DeliveriesPerSecond counts new_message frames received.
func (r Result) DeliveriesPerSecond() float64 { return float64(r.Delivered) / r.Elapsed.Seconds() }

// Print writes the result as chatload always has.
func (r Result) Print(w io.Writer) {
	n := float64(r.Connected)
	fmt.Fprintf(w, "memory per idle connection: RSS %.1f KiB, Go heap in use %.1f KiB, goroutines %.1f\n",
		r.Idle.ResidentBytes/n/1024, r.Idle.HeapInUse/n/1024, r.Idle.Goroutines/n)
	fmt.Fprintf(w, "sent %d messages (at most %d in flight), %d deliveries in %s\n", r.Sent, r.InFlight, r.Delivered, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "throughput: %.0f messages/s stored and acknowledged, %.0f deliveries/s\n", r.MessagesPerSecond(), r.DeliveriesPerSecond())
	fmt.Fprintf(w, "delivery latency: p50 %s, p99 %s, max %s\n", r.Latency.Percentile(0.50).Round(10*time.Microsecond),
		r.Latency.Percentile(0.99).Round(10*time.Microsecond), r.Latency.Max().Round(10*time.Microsecond))
}

// Run connects the clients, has them exchange their messages and closes them.
func Run(o Options) (Result, error) {
	if err := o.validate(); err != nil {
		return Result{}, err
	}
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format, args...)
		}
	}
	deadline := time.Now().Add(o.Timeout)
	base := "http://" + o.Addr
	before, err := loadgen.ScrapeMetrics(base)
	if err != nil {
		return Result{}, fmt.Errorf("read /metrics: %w", err)
	}

	start := time.Now()
	clients, err := connectAll("ws://"+o.Addr+"/ws/", o.Clients)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	var r Result
	r.Connected, r.ConnectFor = len(clients), time.Since(start)
	logf("connected %d clients in %s\n", len(clients), r.ConnectFor.Round(time.Millisecond))
	time.Sleep(o.Settle)
	after, err := loadgen.ScrapeMetrics(base)
	if err != nil {
		return Result{}, fmt.Errorf("read /metrics: %w", err)
	}
	r.Idle = IdleMemory{
		ResidentBytes: after.ResidentBytes - before.ResidentBytes,
		HeapInUse:     after.HeapInUse - before.HeapInUse,
		Goroutines:    after.Goroutines - before.Goroutines,
	}

	groups := group(clients, o.Conversations)
	if err := createConversations(groups, deadline); err != nil {
		return Result{}, err
	}
	r.InFlight = o.InFlight
	if r.InFlight == 0 {
		r.InFlight = len(clients)
	}
	if err := exchange(groups, o.Messages, &r, deadline); err != nil {
		return Result{}, err
	}
	return r, nil
}

// group splits clients into n conversations of (nearly) equal size.
func group(clients []*client, n int) [][]*client {
	groups := make([][]*client, n)
	for i, c := range clients {
		groups[i%n] = append(groups[i%n], c)
	}
	return groups
}

// createConversations has the first member of each group create it with the
// others as providers; every provider must be told.
func createConversations(groups [][]*client, deadline time.Time) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(groups))
	for _, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conv, err := g[0].newConversation(g[1:], deadline)
			if err != nil {
				errs <- err
				return
			}
			for _, p := range g[1:] {
				if err := p.awaitConversation(conv, deadline); err != nil {
					errs <- err
					return
				}
			}
			for _, c := range g {
				c.conversation = conv
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// exchange has every client send its messages and waits for every delivery.
// At most r.InFlight messages await their message_sent at any moment.
func exchange(groups [][]*client, perClient int, r *Result, deadline time.Time) error {
	var all []*client
	want := 0
	for _, g := range groups {
		all = append(all, g...)
		want += len(g) * perClient * (len(g) - 1)
	}
	start := time.Now()
	slots := make(chan struct{}, r.InFlight)
	var wg sync.WaitGroup
	errs := make(chan error, len(all))
	for _, c := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perClient {
				slots <- struct{}{}
				err := c.sendMessage(deadline)
				<-slots
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	for {
		got := 0
		for _, c := range all {
			got += c.deliveries()
		}
		if got >= want {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d deliveries arrived", got, want)
		}
		time.Sleep(time.Millisecond)
	}
	r.Sent, r.Delivered, r.Elapsed = len(all)*perClient, want, time.Since(start)
	var latencies []time.Duration
	for _, c := range all {
		latencies = append(latencies, c.latencies()...)
	}
	r.Latency = loadgen.SortLatencies(latencies)
	return nil
}
