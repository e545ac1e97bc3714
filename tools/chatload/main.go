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
// and its work is bounded by -clients × -messages and -timeout. The scenario
// itself is tools/loadgen/chat, which tools/bench runs too.
//
//	go run ./tools/chatload -addr 127.0.0.1:8080 -clients 1000 -conversations 500 -messages 20
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sessionhub/server/tools/loadgen/chat"
)

func main() {
	o := chat.Options{Log: os.Stdout}
	flag.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "server address (loopback only)")
	flag.IntVar(&o.Clients, "clients", 1000, "connected clients (at most 20000)")
	flag.IntVar(&o.Conversations, "conversations", 500, "conversations the clients are spread over")
	flag.IntVar(&o.Messages, "messages", 20, "messages each client sends (at most 10000)")
	flag.IntVar(&o.InFlight, "in-flight", 0, "messages in flight at once across all clients (0: every client sends at once)")
	flag.DurationVar(&o.Settle, "settle", 3*time.Second, "idle time before reading memory after connecting")
	flag.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "give up after this long")
	flag.Parse()
	r, err := chat.Run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatload:", err)
		os.Exit(1)
	}
	r.Print(os.Stdout)
}
