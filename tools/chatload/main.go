// Command chatload measures pet-care chat fan-out end to end through a
// server on this machine: it connects -clients anonymous clients to /ws/,
// groups them into -conversations conversations (the first member of each is
// the client, the others its providers), then every client sends -messages
// messages to its conversation, one at a time (the next after message_sent).
// Every message is delivered as new_message to the other members; the tool
// reports messages and deliveries per second, the delivery latency (send →
// new_message, p50/p99/max) and the server's memory per idle connection
// (process_resident_memory_bytes and go_memstats_heap_inuse_bytes from
// /metrics, before and after connecting). It only dials loopback addresses
// and its work is bounded by -clients × -messages and -timeout.
//
//	go run ./tools/chatload -addr 127.0.0.1:8080 -clients 1000 -conversations 500 -messages 20
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"sync"
	"time"
)

type options struct {
	addr          string
	clients       int
	conversations int
	messages      int
	inFlight      int
	settle        time.Duration
	timeout       time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "server address (loopback only)")
	flag.IntVar(&o.clients, "clients", 1000, "connected clients (at most 20000)")
	flag.IntVar(&o.conversations, "conversations", 500, "conversations the clients are spread over")
	flag.IntVar(&o.messages, "messages", 20, "messages each client sends (at most 10000)")
	flag.IntVar(&o.inFlight, "in-flight", 0, "messages in flight at once across all clients (0: every client sends at once)")
	flag.DurationVar(&o.settle, "settle", 3*time.Second, "idle time before reading memory after connecting")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up after this long")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "chatload:", err)
		os.Exit(1)
	}
}

func (o options) validate() error {
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return errors.New("-addr must be a loopback IP address, e.g. 127.0.0.1:8080")
	}
	switch {
	case o.clients < 2 || o.clients > 20000:
		return errors.New("-clients must be 2..20000")
	case o.conversations < 1 || o.clients/o.conversations < 2:
		return errors.New("-conversations must leave at least 2 clients per conversation")
	case o.messages < 1 || o.messages > 10000:
		return errors.New("-messages must be 1..10000")
	}
	return nil
}

func run(o options) error {
	if err := o.validate(); err != nil {
		return err
	}
	deadline := time.Now().Add(o.timeout)
	base := "http://" + o.addr
	before, err := scrape(base)
	if err != nil {
		return fmt.Errorf("read /metrics: %w", err)
	}

	start := time.Now()
	clients, err := connectAll("ws://"+o.addr+"/ws/", o.clients)
	if err != nil {
		return err
	}
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	fmt.Printf("connected %d clients in %s\n", len(clients), time.Since(start).Round(time.Millisecond))
	time.Sleep(o.settle)
	after, err := scrape(base)
	if err != nil {
		return fmt.Errorf("read /metrics: %w", err)
	}
	n := float64(len(clients))
	fmt.Printf("memory per idle connection: RSS %.1f KiB, Go heap in use %.1f KiB, goroutines %.1f\n",
		(after.rss-before.rss)/n/1024, (after.heap-before.heap)/n/1024, (after.goroutines-before.goroutines)/n)

	groups := group(clients, o.conversations)
	if err := createConversations(groups, deadline); err != nil {
		return err
	}
	inFlight := o.inFlight
	if inFlight <= 0 {
		inFlight = len(clients)
	}
	result, err := exchange(groups, o.messages, inFlight, deadline)
	if err != nil {
		return err
	}
	result.print()
	return nil
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

type result struct {
	sent, delivered, inFlight int
	elapsed                   time.Duration
	latencies                 []time.Duration
}

// exchange has every client send its messages and waits for every delivery.
// At most inFlight messages await their message_sent at any moment.
func exchange(groups [][]*client, perClient, inFlight int, deadline time.Time) (result, error) {
	var all []*client
	want := 0
	for _, g := range groups {
		all = append(all, g...)
		want += len(g) * perClient * (len(g) - 1)
	}
	start := time.Now()
	slots := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	errs := make(chan error, len(all))
	for _, c := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
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
		return result{}, err
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
			return result{}, fmt.Errorf("only %d of %d deliveries arrived", got, want)
		}
		time.Sleep(time.Millisecond)
	}
	r := result{sent: len(all) * perClient, delivered: want, inFlight: inFlight, elapsed: time.Since(start)}
	for _, c := range all {
		r.latencies = append(r.latencies, c.latencies()...)
	}
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	return r, nil
}

func (r result) print() {
	secs := r.elapsed.Seconds()
	pct := func(p float64) time.Duration { return r.latencies[int(p*float64(len(r.latencies)-1))] }
	fmt.Printf("sent %d messages (at most %d in flight), %d deliveries in %s\n", r.sent, r.inFlight, r.delivered, r.elapsed.Round(time.Millisecond))
	fmt.Printf("throughput: %.0f messages/s stored and acknowledged, %.0f deliveries/s\n", float64(r.sent)/secs, float64(r.delivered)/secs)
	fmt.Printf("delivery latency: p50 %s, p99 %s, max %s\n", pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), r.latencies[len(r.latencies)-1].Round(10*time.Microsecond))
}
