package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sessionhub/server/tools/loadgen/avatar"
	"github.com/sessionhub/server/tools/loadgen/chat"
)

// bench runs the scenarios on one database.
type bench struct {
	o       options
	db      database
	name    string          // "SQLite", "PostgreSQL 15.14"
	pg      *postgresEngine // nil on SQLite
	log     io.Writer
	start   time.Time // of the whole bench, for progress lines
	rep     *report
	cleanup *cleanups
}

// runAll runs each scenario the issue has a target for on this database.
// Memory figures get a server of their own, so that nothing measured before
// has grown its heap; the rest share one.
func (b *bench) runAll(ctx context.Context) error {
	if b.o.only["idle"] && hasTarget(idleBytesTarget, b.db) {
		if err := b.withServer(ctx, "idle connections", b.idle); err != nil {
			return err
		}
	}
	if b.o.only["rest"] || b.o.only["ws"] || b.o.only["chat"] {
		err := b.withServer(ctx, "request/reply and chat", func(srv *serverProcess) error {
			if b.o.only["rest"] || b.o.only["ws"] {
				b.step("  seeding a therapy session (waiting for its analysis), an avatar session and a VR session")
				f, err := seed(ctx, srv)
				if err != nil {
					return err
				}
				if err := b.rest(f); err != nil {
					return err
				}
				if err := b.ws(f); err != nil {
					return err
				}
			}
			if b.o.only["chat"] {
				return b.chat(srv)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if b.o.only["avatar"] && hasTarget(avatarReference, b.db) {
		return b.withServer(ctx, "avatar streaming", b.avatar)
	}
	return nil
}

func hasTarget[T any](targets map[database]T, db database) bool {
	_, ok := targets[db]
	return ok
}

// withServer starts a server on a fresh database, runs fn and stops it.
func (b *bench) withServer(ctx context.Context, purpose string, fn func(*serverProcess) error) error {
	dsn := ""
	if b.pg != nil {
		var err error
		if dsn, err = b.pg.newDatabase(ctx); err != nil {
			return err
		}
	}
	srv, err := startServer(ctx, b.o.server, dsn)
	if err != nil {
		return err
	}
	b.cleanup.add(srv.stop)
	defer srv.stop()
	b.step("%s: server pid %d on %s for %s", b.name, srv.pid(), srv.addr, purpose)
	if err := fn(srv); err != nil {
		return fmt.Errorf("%w\n%s", err, srv.logTail())
	}
	return nil
}

// step writes a progress line with the time since the bench started.
func (b *bench) step(format string, args ...any) {
	fmt.Fprintf(b.log, "[%s] %s\n", clock(b.start), fmt.Sprintf(format, args...))
}

func (b *bench) rounds() rounds {
	return rounds{count: b.o.rounds, phase: b.o.phase, warmup: b.o.warmup, log: b.log}
}

// rest compares the two REST reads with a bare Gin handler returning as
// many bytes.
func (b *bench) rest(f fixtures) error {
	if !b.o.only["rest"] {
		return nil
	}
	cases := []struct {
		kind    int
		label   string
		url     string
		header  map[string][]string
		targets map[database]float64
	}{
		{rowTherapy, "therapy `GET /api/v1/sessions/{id}`", f.therapyURL, f.therapyHeader, therapyRatioTarget},
		{rowAvatarStatus, "avatar `GET /session/{id}/status`", f.avatarURL, f.avatarHeader, avatarStatusRatioTarget},
	}
	for _, c := range cases {
		target, ok := c.targets[b.db]
		if !ok {
			continue
		}
		server, err := newHTTPEndpoint(c.url, c.header, b.o.restClients)
		if err != nil {
			return err
		}
		bareURL, stopBare, err := startBareGin(server.bodySize)
		if err != nil {
			return err
		}
		bare, err := newHTTPEndpoint(bareURL, nil, b.o.restClients)
		if err != nil {
			stopBare()
			return err
		}
		operation := fmt.Sprintf("%s (%d-byte body), %d keep-alive clients", c.label, server.bodySize, b.o.restClients)
		b.step("  %s vs bare Gin", operation)
		cmp := compare(c.label, server.phase(b.o.restClients), bare.phase(b.o.restClients), b.rounds())
		server.close()
		bare.close()
		stopBare()
		b.noteErrors(cmp)
		b.rep.add(comparisonRow(c.kind, operation, b.name, "Gin", cmp, target))
	}
	return nil
}

// ws compares the VR replies with a bare gorilla/websocket echo of the same
// requests.
func (b *bench) ws(f fixtures) error {
	if !b.o.only["ws"] {
		return nil
	}
	echoURL, stopEcho, err := startBareEcho()
	if err != nil {
		return err
	}
	defer stopEcho()
	cases := []struct {
		kind     int
		label    string
		exchange wsExchange
		targets  map[database]float64
	}{
		{rowVRGet, "VR `get_session_json` of one session", f.vrGet, vrGetRatioTarget},
		{rowWSNoDatabase, "WebSocket reply without database work (VR unknown command)", f.vrUnknown, wsNoDatabaseRatioTarget},
	}
	for _, c := range cases {
		target, ok := c.targets[b.db]
		if !ok {
			continue
		}
		echo := wsExchange{url: echoURL, request: c.exchange.request, reply: c.exchange.request}
		operation := fmt.Sprintf("%s, %d connections", c.label, b.o.wsConns)
		b.step("  %s vs bare echo", operation)
		cmp := compare(c.label, c.exchange.phase(b.o.wsConns), echo.phase(b.o.wsConns), b.rounds())
		b.noteErrors(cmp)
		b.rep.add(comparisonRow(c.kind, operation, b.name, "echo", cmp, target))
	}
	return nil
}

func (b *bench) noteErrors(c comparison) {
	for _, s := range []summary{c.server, c.baseline} {
		if s.firstErr != nil {
			fmt.Fprintf(b.log, "  errors: %d, the first: %v\n", s.errors, s.firstErr)
		}
	}
}

// chat runs tools/chatload's scenario twice: every client sending at once,
// then with a few messages in flight.
func (b *bench) chat(srv *serverProcess) error {
	o := chat.Options{
		Addr: srv.addr, Clients: b.o.chatClients, Conversations: b.o.chatConversations,
		Settle: 500 * time.Millisecond, Timeout: b.o.chatTimeout, Log: indented(b.log),
	}
	if target, ok := chatAllSendingTarget[b.db]; ok {
		o.Messages, o.InFlight = b.o.chatMessages, 0
		b.step("  chat: %d clients in %d conversations, %d messages each, all sending", o.Clients, o.Conversations, o.Messages)
		r, err := chat.Run(o)
		if err != nil {
			return fmt.Errorf("chat: %w", err)
		}
		r.Print(indented(b.log))
		p99 := r.Latency.Percentile(0.99)
		b.rep.add(row{
			kind: rowChatAllSending, database: b.name,
			operation: fmt.Sprintf("pet-care chat (tools/chatload), %s clients in %s conversations, all sending", fmtRate(float64(o.Clients)), fmtRate(float64(o.Conversations))),
			server:    fmtRate(r.MessagesPerSecond()) + " msg/s", p50: fmtDuration(r.Latency.Percentile(0.50)), p99: fmtDuration(p99),
			target: fmt.Sprintf("≥ %s msg/s stored, acknowledged and delivered; delivery p99 ≤ %s", fmtRate(target.messagesPerSecond), fmtDuration(target.deliveryP99)),
			met:    verdictOf(criterion{"msg/s", r.MessagesPerSecond() >= target.messagesPerSecond}, criterion{"p99", p99 <= target.deliveryP99}),
		})
	}
	if target, ok := chatInFlightP99Target[b.db]; ok {
		o.Messages, o.InFlight = b.o.chatInFlightMessages, b.o.chatInFlight
		b.step("  chat: %d clients, %d messages each, %d in flight", o.Clients, o.Messages, o.InFlight)
		r, err := chat.Run(o)
		if err != nil {
			return fmt.Errorf("chat: %w", err)
		}
		r.Print(indented(b.log))
		p99 := r.Latency.Percentile(0.99)
		b.rep.add(row{
			kind: rowChatInFlight, database: b.name,
			operation: fmt.Sprintf("pet-care chat, %d messages in flight", o.InFlight),
			server:    fmtRate(r.MessagesPerSecond()) + " msg/s", p50: fmtDuration(r.Latency.Percentile(0.50)), p99: fmtDuration(p99),
			target: "delivery p99 ≤ " + fmtDuration(target), met: verdict(p99 <= target),
		})
	}
	return nil
}

func (b *bench) idle(srv *serverProcess) error {
	m, err := measureIdle(srv, b.o.idleConns, b.o.idleSettle, b.log)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.log, "  server RSS %.1f MiB → %.1f MiB, goroutines +%.2f per connection\n",
		m.before.ResidentBytes/(1<<20), m.after.ResidentBytes/(1<<20), m.goroutinesEach)
	target := idleBytesTarget[b.db]
	b.rep.add(row{
		kind: rowIdle, database: b.name,
		operation: fmt.Sprintf("resident memory per idle WebSocket connection (%s on `/ws/`)", fmtRate(float64(m.conns))),
		server:    fmt.Sprintf("%s, %.2f goroutines", fmtKiB(m.bytesPerConn), m.goroutinesEach), target: "≤ " + fmtKiB(target), met: verdict(m.bytesPerConn <= target),
	})
	return nil
}

// avatar runs tools/avatarload's scenario and compares it with the
// published figures.
func (b *bench) avatar(srv *serverProcess) error {
	r, err := avatar.Run(avatar.Options{
		Addr: srv.addr, Key: benchAvatarKey, Sessions: b.o.avatarSessions,
		Duration: b.o.avatarDuration, Warmup: b.o.avatarWarmup, Frame: 20 * time.Millisecond, SampleRate: 24000, Probe: 5,
		ServerPID: srv.pid(), Log: indented(b.log),
	})
	if err != nil {
		return fmt.Errorf("avatar: %w", err)
	}
	r.Print(indented(b.log))
	ref := avatarReference[b.db]
	cpu, rss, p99 := r.CPUPerSession(), r.ResidentBytesPerSession(), r.Latency.Percentile(0.99)
	met := verdictOf(criterion{"CPU", cpu <= ref.cpuPerSession}, criterion{"RSS", rss <= ref.bytesPerSession}, criterion{"p99", p99 <= ref.frameP99})
	if r.Errors > 0 {
		met = fmt.Sprintf("no (%d error replies)", r.Errors)
	}
	b.rep.add(row{
		kind: rowAvatarStreaming, database: b.name,
		operation: fmt.Sprintf("avatar (tools/avatarload), %d sessions streaming: server CPU and RSS per session; frame latency", b.o.avatarSessions),
		server:    fmt.Sprintf("%.2f %% CPU, %s", 100*cpu, fmtKiB(rss)), p50: fmtDuration(r.Latency.Percentile(0.50)), p99: fmtDuration(p99),
		target: fmt.Sprintf("no regression: ≤ %.2f %%, ≤ %s, p99 ≤ %s (README, 2026-11)", 100*ref.cpuPerSession, fmtKiB(ref.bytesPerSession), fmtDuration(ref.frameP99)),
		met:    met,
	})
	return nil
}

// indented prefixes every line written to w with two spaces, so that the
// load tools' own lines sit under the bench's headings.
func indented(w io.Writer) io.Writer { return &indentWriter{w: w, atLineStart: true} }

type indentWriter struct {
	w           io.Writer
	atLineStart bool
}

func (iw *indentWriter) Write(p []byte) (int, error) {
	var out []byte
	for _, c := range p {
		if iw.atLineStart {
			out = append(out, ' ', ' ')
		}
		out = append(out, c)
		iw.atLineStart = c == '\n'
	}
	if _, err := iw.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
