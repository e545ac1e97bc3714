package wsconn

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// patience bounds every wait in these tests: generous, so a loaded CI machine
// under -race does not flake, yet a hang fails instead of timing out the run.
const patience = 10 * time.Second

const testAPI = "testapi"

// closeEvent is one OnClose call.
type closeEvent struct {
	conn   *Conn
	code   int
	reason string
}

// recorder is a Handler that reports what happened on channels, with
// optional hooks for the behaviour under test.
type recorder struct {
	onOpen    func(c *Conn) error
	onMessage func(c *Conn, data []byte)

	opened     chan *Conn
	closed     chan closeEvent
	closeCalls atomic.Int32
}

func newRecorder() *recorder {
	return &recorder{opened: make(chan *Conn, 64), closed: make(chan closeEvent, 64)}
}

// echoRecorder echoes every message back.
func echoRecorder() *recorder {
	rec := newRecorder()
	rec.onMessage = func(c *Conn, data []byte) { _ = c.SendText(data) }
	return rec
}

func (r *recorder) OnOpen(c *Conn) error {
	r.opened <- c
	if r.onOpen != nil {
		return r.onOpen(c)
	}
	return nil
}

func (r *recorder) OnMessage(c *Conn, data []byte) {
	if r.onMessage != nil {
		r.onMessage(c, data)
	}
}

func (r *recorder) OnClose(c *Conn, code int, reason string) {
	r.closeCalls.Add(1)
	r.closed <- closeEvent{conn: c, code: code, reason: reason}
}

func (r *recorder) waitOpened(t testing.TB) *Conn {
	t.Helper()
	return receive(t, r.opened, "OnOpen was not called")
}

func (r *recorder) waitClosed(t testing.TB) closeEvent {
	t.Helper()
	return receive(t, r.closed, "OnClose was not called")
}

// receive waits for the next value on ch; missing says what did not happen.
func receive[T any](t testing.TB, ch <-chan T, missing string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatal(missing)
		var zero T
		return zero
	}
}

// testEnv is a hub serving one API on an httptest server on 127.0.0.1.
type testEnv struct {
	hub *Hub
	reg *prometheus.Registry
	srv *httptest.Server
	url string
}

// newTestEnv serves rec at /ws. Cleanup shuts the hub down, closes the server
// and then fails the test if any connection goroutine is left.
func newTestEnv(t testing.TB, opts Options, rec Handler) *testEnv {
	t.Helper()
	t.Cleanup(func() { assertNoConnGoroutines(t) })
	if opts.API == "" {
		opts.API = testAPI
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	reg := prometheus.NewRegistry()
	env := &testEnv{hub: NewHub(reg, Limits{}), reg: reg}
	env.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = env.hub.Serve(w, r, opts, rec, nil)
	}))
	env.url = "ws" + strings.TrimPrefix(env.srv.URL, "http") + "/ws"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		if err := env.hub.Shutdown(ctx); err != nil {
			t.Errorf("hub shutdown at cleanup: %v", err)
		}
		env.srv.Close()
	})
	return env
}

// dial opens a client connection; it is closed at cleanup.
func (e *testEnv) dial(t testing.TB) *websocket.Conn {
	t.Helper()
	dialer := websocket.Dialer{HandshakeTimeout: patience}
	ws, resp, err := dialer.Dial(e.url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", e.url, err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = ws.Close() })
	_ = ws.SetReadDeadline(time.Now().Add(patience))
	return ws
}

// readText reads one data message, failing the test on anything else.
func readText(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	typ, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("client read: want a message, got %v", err)
	}
	if typ != websocket.TextMessage {
		t.Fatalf("client read: want a text frame, got type %d", typ)
	}
	return string(data)
}

// readUntilClose reads data messages until the server's close frame and
// returns them with that frame.
func readUntilClose(t *testing.T, ws *websocket.Conn) ([]string, *websocket.CloseError) {
	t.Helper()
	var msgs []string
	for {
		_, data, err := ws.ReadMessage()
		if err == nil {
			msgs = append(msgs, string(data))
			continue
		}
		if ce, ok := errors.AsType[*websocket.CloseError](err); ok {
			return msgs, ce
		}
		t.Fatalf("client read: want a close frame after %d messages, got %v", len(msgs), err)
		return nil, nil
	}
}

func writeText(t *testing.T, ws *websocket.Conn, msg string) {
	t.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatalf("client write %q: %v", msg, err)
	}
}

// assertNoConnGoroutines fails when a pump or a Shutdown waiter of this
// package outlives its connection.
func assertNoConnGoroutines(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		leaked := connGoroutines()
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connection goroutine(s) leaked:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func connGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var leaked []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "wsconn.(*Conn)") || strings.Contains(g, "wsconn.(*Hub)") {
			leaked = append(leaked, g)
		}
	}
	return leaked
}

// openConnections is what the hub's websocket_connections_open gauge says
// for api.
func openConnections(h *Hub, api string) int {
	return int(testutil.ToFloat64(h.metrics.open.WithLabelValues(api)))
}
