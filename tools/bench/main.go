// Command bench measures the server as issue 11 asks, in one run: it starts
// the built server (-server) on SQLite and on PostgreSQL (a container
// started with testcontainers-go, as the contract suite does), seeds what
// the operations read through the public APIs, and prints one Markdown table:
// each operation's rate and p50/p99 on the server and on a bare baseline
// started in this process (a Gin handler returning a body of the same size,
// or a gorilla/websocket echo), measured alternately, with the ratio; the
// pet-care chat scenario of tools/chatload; resident memory per idle
// WebSocket connection; the avatar streaming scenario of tools/avatarload;
// each next to its target in issue 11 and whether it is met.
//
// Progress goes to stderr, the table to stdout. Everything dials 127.0.0.1.
//
//	make bench
//	make bench BENCH_FLAGS='-databases sqlite -phase 1s -rounds 1 -only rest,ws'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Scenarios -only can name.
var allScenarios = []string{"rest", "ws", "chat", "idle", "avatar"}

type options struct {
	server    string
	databases []database
	only      map[string]bool
	pgImage   string

	rounds      int
	phase       time.Duration
	warmup      time.Duration
	restClients int
	wsConns     int

	chatClients          int
	chatConversations    int
	chatMessages         int
	chatInFlight         int
	chatInFlightMessages int
	chatTimeout          time.Duration

	idleConns  int
	idleSettle time.Duration

	avatarSessions int
	avatarDuration time.Duration
	avatarWarmup   time.Duration
}

func parseFlags() (options, error) {
	var o options
	var databases, only string
	flag.StringVar(&o.server, "server", "bin/server", "the server binary to measure (make bench builds it)")
	flag.StringVar(&databases, "databases", "sqlite,postgres", "comma-separated: sqlite, postgres")
	flag.StringVar(&only, "only", strings.Join(allScenarios, ","), "comma-separated scenarios to run: "+strings.Join(allScenarios, ", "))
	flag.StringVar(&o.pgImage, "pg-image", envOr("CONTRACT_PG_IMAGE", defaultPGImage), "PostgreSQL image (default $CONTRACT_PG_IMAGE, as the contract suite)")
	flag.IntVar(&o.rounds, "rounds", 5, "alternating server/baseline rounds per comparison (the median is kept)")
	flag.DurationVar(&o.phase, "phase", 3*time.Second, "time per side per round")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "untimed time per side before the first round")
	flag.IntVar(&o.restClients, "rest-clients", 32, "keep-alive clients of the REST comparisons")
	flag.IntVar(&o.wsConns, "ws-conns", 50, "connections of the WebSocket comparisons")
	flag.IntVar(&o.chatClients, "chat-clients", 1000, "pet-care chat clients")
	flag.IntVar(&o.chatConversations, "chat-conversations", 500, "conversations the chat clients are spread over")
	flag.IntVar(&o.chatMessages, "chat-messages", 20, "messages each chat client sends when all send at once")
	flag.IntVar(&o.chatInFlight, "chat-in-flight", 16, "messages in flight in the chat latency run")
	flag.IntVar(&o.chatInFlightMessages, "chat-in-flight-messages", 5, "messages each chat client sends in the latency run")
	flag.DurationVar(&o.chatTimeout, "chat-timeout", 5*time.Minute, "give up a chat run after this long")
	flag.IntVar(&o.idleConns, "idle-conns", 5000, "idle pet-care connections for the memory figure")
	flag.DurationVar(&o.idleSettle, "idle-settle", 3*time.Second, "wait after connecting before reading memory")
	flag.IntVar(&o.avatarSessions, "avatar-sessions", 200, "streaming avatar sessions")
	flag.DurationVar(&o.avatarDuration, "avatar-duration", 30*time.Second, "measured avatar streaming time")
	flag.DurationVar(&o.avatarWarmup, "avatar-warmup", 5*time.Second, "avatar streaming time before measuring")
	flag.Parse()
	if flag.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	for _, d := range strings.Split(databases, ",") {
		switch db := database(strings.TrimSpace(d)); db {
		case sqliteDB, postgresDB:
			o.databases = append(o.databases, db)
		default:
			return o, fmt.Errorf("-databases: unknown %q (sqlite, postgres)", d)
		}
	}
	o.only = map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		s = strings.TrimSpace(s)
		if !strings.Contains(","+strings.Join(allScenarios, ",")+",", ","+s+",") {
			return o, fmt.Errorf("-only: unknown scenario %q (%s)", s, strings.Join(allScenarios, ", "))
		}
		o.only[s] = true
	}
	if o.rounds < 1 || o.phase <= 0 || o.warmup < 0 || o.restClients < 1 || o.wsConns < 1 || o.idleConns < 1 {
		return o, errors.New("need -rounds ≥ 1, -phase > 0, -warmup ≥ 0, and at least one client, connection and idle connection")
	}
	if _, err := os.Stat(o.server); err != nil {
		return o, fmt.Errorf("-server: %w (build it with `make build`)", err)
	}
	return o, nil
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cleanup cleanups
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		// Interrupted: the servers and the container must not outlive us.
		<-signals
		cancel()
		fmt.Fprintln(os.Stderr, "bench: interrupted; stopping the servers and PostgreSQL")
		cleanup.run()
		os.Exit(130)
	}()
	err = run(ctx, o, &cleanup)
	if ctx.Err() != nil {
		select {} // the interrupt handler is stopping everything and exits
	}
	cleanup.run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// cleanups are the stop functions of what the bench started; each is safe
// to call more than once.
type cleanups struct {
	mu  sync.Mutex
	fns []func()
}

func (c *cleanups) add(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fns = append(c.fns, fn)
}

func (c *cleanups) run() {
	c.mu.Lock()
	fns := c.fns
	c.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

func run(ctx context.Context, o options, cleanup *cleanups) error {
	m := describeMachine()
	log := os.Stderr
	start := time.Now()
	var rep report
	var pg *postgresEngine
	for _, db := range o.databases {
		b := &bench{o: o, db: db, log: log, rep: &rep, cleanup: cleanup, name: "SQLite", start: start}
		if db == postgresDB {
			fmt.Fprintf(log, "[%s] starting PostgreSQL (%s)\n", clock(start), o.pgImage)
			var err error
			if pg, err = startPostgres(ctx, o.pgImage); err != nil {
				return err
			}
			cleanup.add(pg.stop)
			b.pg, b.name = pg, pg.version
		}
		if err := b.runAll(ctx); err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		if pg != nil {
			pg.stop()
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(log, "[%s] bench finished\n\n", clock(start))
	pgVersion := ""
	if pg != nil {
		pgVersion = pg.version
	}
	for _, l := range m.header(o, pgVersion) {
		fmt.Println(l)
	}
	fmt.Println()
	rep.print(os.Stdout)
	return nil
}

// clock is the time since start as m:ss, for progress lines.
func clock(start time.Time) string {
	d := time.Since(start).Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
