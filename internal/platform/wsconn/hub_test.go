package wsconn

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// clientResult is what a reading client saw until the close frame.
type clientResult struct {
	msgs  []string
	close *websocket.CloseError
	err   error
}

// readInBackground reads ws until its close frame, without failing from a
// goroutine other than the test's.
func readInBackground(ws *websocket.Conn) <-chan clientResult {
	done := make(chan clientResult, 1)
	go func() {
		var res clientResult
		for {
			_, data, err := ws.ReadMessage()
			if err == nil {
				res.msgs = append(res.msgs, string(data))
				continue
			}
			res.close, _ = errors.AsType[*websocket.CloseError](err)
			res.err = err
			done <- res
			return
		}
	}()
	return done
}

func waitResult(t *testing.T, ch <-chan clientResult) clientResult {
	t.Helper()
	select {
	case res := <-ch:
		if res.close == nil {
			t.Fatalf("client: want a close frame, got %v", res.err)
		}
		return res
	case <-time.After(patience):
		t.Fatal("client: no close frame")
		return clientResult{}
	}
}

func TestShutdownClosesEveryConnectionWith1001AndRefusesNewOnes(t *testing.T) {
	rec := echoRecorder()
	env := newTestEnv(t, Options{}, rec)

	const conns, queued = 3, 50
	var results []<-chan clientResult
	for range conns {
		ws := env.dial(t)
		c := rec.waitOpened(t)
		for range queued {
			if err := c.SendText([]byte("queued")); err != nil {
				t.Fatalf("queue before shutdown: %v", err)
			}
		}
		results = append(results, readInBackground(ws))
	}

	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := env.hub.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: want nil once every client answered, got %v", err)
	}
	for i, ch := range results {
		res := waitResult(t, ch)
		if len(res.msgs) != queued {
			t.Errorf("client %d: want its %d queued frames before the close, got %d", i, queued, len(res.msgs))
		}
		if res.close.Code != CloseGoingAway || res.close.Text != "server shutting down" {
			t.Errorf("client %d: want close 1001 \"server shutting down\", got %d %q", i, res.close.Code, res.close.Text)
		}
	}
	for range conns {
		if ev := rec.waitClosed(t); ev.code != CloseGoingAway {
			t.Errorf("OnClose: want 1001, got %d", ev.code)
		}
	}
	if n := openConnections(env.hub, testAPI); n != 0 {
		t.Fatalf("open connections after Shutdown: want 0, got %d", n)
	}

	_, resp, err := websocket.DefaultDialer.Dial(env.url, nil)
	if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Shutdown: want 503 before the upgrade, got %v", err)
	}
	_ = resp.Body.Close()

	// Serve's error is the refusal the client got.
	w := httptest.NewRecorder()
	_, err = env.hub.Serve(w, httptest.NewRequest(http.MethodGet, "/ws", nil), Options{API: testAPI}, rec, nil)
	var refusal *Refusal
	if !errors.As(err, &refusal) || refusal.Status != http.StatusServiceUnavailable || w.Code != refusal.Status {
		t.Fatalf("Serve after Shutdown: want a 503 *Refusal answered with 503, got %v and %d", err, w.Code)
	}
}

func TestShutdownFlushesFramesStuckInTheQueue(t *testing.T) {
	// Frames big enough to fill the socket buffers, so most of them are
	// still in the send queue when Shutdown starts.
	const frames = 60
	big := []byte(strings.Repeat("q", 256<<10))
	rec := newRecorder()
	env := newTestEnv(t, Options{SendQueue: 64, WriteWait: patience}, rec)
	ws := env.dial(t)
	c := rec.waitOpened(t)
	for i := range frames {
		if err := c.SendText(big); err != nil {
			t.Fatalf("queue frame %d: %v", i, err)
		}
	}

	shutdown := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		shutdown <- env.hub.Shutdown(ctx)
	}()
	res := waitResult(t, readInBackground(ws))
	if len(res.msgs) < frames || res.close.Code != CloseGoingAway {
		t.Fatalf("want all %d queued frames then 1001, got %d frames then %d", frames, len(res.msgs), res.close.Code)
	}
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestShutdownGivesUpWhenTheContextEnds(t *testing.T) {
	rec := newRecorder()
	env := newTestEnv(t, Options{CloseGrace: time.Hour}, rec)
	_ = env.dial(t) // never reads, so never answers the close frame
	rec.waitOpened(t)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := env.hub.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a silent client: want DeadlineExceeded, got %v", err)
	}
	if ev := rec.waitClosed(t); ev.code != CloseGoingAway {
		t.Fatalf("OnClose: want 1001 (the close the server began), got %d", ev.code)
	}
}

func TestOnCloseRunsExactlyOnce(t *testing.T) {
	tests := []struct {
		name       string
		onOpen     func(c *Conn) error
		client     func(t *testing.T, ws *websocket.Conn, c *Conn, hub *Hub)
		wantCode   int
		wantReason string
	}{
		{
			name: "client closes",
			client: func(t *testing.T, ws *websocket.Conn, _ *Conn, _ *Hub) {
				_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(CloseNormal, "bye"))
				readUntilClose(t, ws)
			},
			wantCode: CloseNormal, wantReason: "bye",
		},
		{
			name: "server closes",
			client: func(t *testing.T, ws *websocket.Conn, c *Conn, _ *Hub) {
				c.Close(4000, "kicked")
				readUntilClose(t, ws)
			},
			wantCode: 4000, wantReason: "kicked",
		},
		{
			name:     "client drops the TCP connection",
			client:   func(_ *testing.T, ws *websocket.Conn, _ *Conn, _ *Hub) { _ = ws.NetConn().Close() },
			wantCode: CloseAbnormal, wantReason: "connection closed without a close frame",
		},
		{
			name:     "OnOpen fails",
			onOpen:   func(*Conn) error { return errors.New("no") },
			client:   func(t *testing.T, ws *websocket.Conn, _ *Conn, _ *Hub) { readUntilClose(t, ws) },
			wantCode: CloseInternal, wantReason: reasonInternal,
		},
		{
			name: "everything at once",
			client: func(t *testing.T, ws *websocket.Conn, c *Conn, hub *Hub) {
				var wg sync.WaitGroup
				for i := range 10 {
					wg.Go(func() { c.Close(4000+i, "racing") })
				}
				wg.Go(func() { _ = hub.Shutdown(context.Background()) })
				wg.Go(func() {
					_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(CloseNormal, ""))
				})
				readUntilClose(t, ws)
				wg.Wait()
			},
			wantCode: -1, // whichever won
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			rec.onOpen = tc.onOpen
			env := newTestEnv(t, Options{}, rec)
			ws := env.dial(t)
			c := rec.waitOpened(t)

			tc.client(t, ws, c, env.hub)
			ev := rec.waitClosed(t)
			if tc.wantCode != -1 && (ev.code != tc.wantCode || ev.reason != tc.wantReason) {
				t.Fatalf("OnClose: want %d %q, got %d %q", tc.wantCode, tc.wantReason, ev.code, ev.reason)
			}
			// Once the pumps are gone nothing can call OnClose again.
			_ = ws.Close()
			assertNoConnGoroutines(t)
			c.Close(CloseNormal, "late")
			if n := rec.closeCalls.Load(); n != 1 {
				t.Fatalf("OnClose ran %d times, want exactly once", n)
			}
		})
	}
}

func TestMetricsFollowConnections(t *testing.T) {
	rec := echoRecorder()
	env := newTestEnv(t, Options{}, rec)
	open := env.hub.metrics.open.WithLabelValues(testAPI)
	in := env.hub.metrics.messages.WithLabelValues(testAPI, directionIn)
	out := env.hub.metrics.messages.WithLabelValues(testAPI, directionOut)

	ws1, ws2 := env.dial(t), env.dial(t)
	rec.waitOpened(t)
	rec.waitOpened(t)
	if got := testutil.ToFloat64(open); got != 2 {
		t.Fatalf("websocket_connections_open{api=%q}: want 2, got %v", testAPI, got)
	}
	for _, msg := range []string{"a", "b", "c"} {
		writeText(t, ws1, msg)
		readText(t, ws1)
	}

	_ = ws1.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(CloseNormal, ""))
	readUntilClose(t, ws1)
	rec.waitClosed(t)
	if got := testutil.ToFloat64(open); got != 1 {
		t.Fatalf("websocket_connections_open after one close: want 1, got %v", got)
	}
	if gotIn, gotOut := testutil.ToFloat64(in), testutil.ToFloat64(out); gotIn != 3 || gotOut != 3 {
		t.Fatalf("websocket_messages_total: want in=3 out=3, got in=%v out=%v", gotIn, gotOut)
	}

	_ = ws2.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(CloseNormal, ""))
	readUntilClose(t, ws2)
	rec.waitClosed(t)
	if got := testutil.ToFloat64(open); got != 0 {
		t.Fatalf("websocket_connections_open after both closed: want 0, got %v", got)
	}
	if n, err := testutil.GatherAndCount(env.reg, "websocket_connections_open", "websocket_messages_total"); err != nil || n != 3 {
		t.Fatalf("registry: want the gauge and 2 counter series, got %d (%v)", n, err)
	}
}

func TestHubsShareARegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := NewHub(reg, Limits{}), NewHub(reg, Limits{})
	if a.metrics.open != b.metrics.open {
		t.Fatal("a second hub on the same registry must reuse the registered gauge")
	}
	_ = NewHub(nil, Limits{}) // no registry: metrics kept, not exported
}

func TestOpenConnectionsArePerAPI(t *testing.T) {
	t.Cleanup(func() { assertNoConnGoroutines(t) })
	hub := NewHub(prometheus.NewRegistry(), Limits{})
	rec := newRecorder()
	mux := http.NewServeMux()
	for _, api := range []string{"alpha", "beta"} {
		mux.HandleFunc("/"+api, func(w http.ResponseWriter, r *http.Request) {
			_, _ = hub.Serve(w, r, Options{API: api}, rec, http.Header{"X-Api": {api}})
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base := "ws" + strings.TrimPrefix(srv.URL, "http")

	for _, api := range []string{"alpha", "alpha", "beta"} {
		ws, resp, err := websocket.DefaultDialer.Dial(base+"/"+api, nil)
		if err != nil {
			t.Fatalf("dial %s: %v", api, err)
		}
		if got := resp.Header.Get("X-Api"); got != api {
			t.Fatalf("responseHeader: want X-Api %s on the 101, got %q", api, got)
		}
		t.Cleanup(func() { _ = ws.Close() })
		rec.waitOpened(t)
		readInBackground(ws) // answers the shutdown's close frame
	}
	if a, b, c := openConnections(hub, "alpha"), openConnections(hub, "beta"), openConnections(hub, "gamma"); a != 2 || b != 1 || c != 0 {
		t.Fatalf("open connections: want alpha=2 beta=1 gamma=0, got %d %d %d", a, b, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := hub.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestServeRefusalsLeaveNothingBehind(t *testing.T) {
	rec := newRecorder()
	env := newTestEnv(t, Options{}, rec)

	resp, err := http.Get(env.srv.URL + "/ws") // not an upgrade request
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("plain GET: want 400 from the upgrader, got %d", resp.StatusCode)
	}

	w := httptest.NewRecorder()
	if _, err := env.hub.Serve(w, httptest.NewRequest(http.MethodGet, "/ws", nil), Options{}, rec, nil); err == nil || w.Code != http.StatusInternalServerError {
		t.Fatalf("Serve without Options.API: want an error and 500, got %v and %d", err, w.Code)
	}
	if n := openConnections(env.hub, testAPI); n != 0 {
		t.Fatalf("open connections: want 0, got %d", n)
	}
	// Cleanup's Shutdown returns at once only if the refused upgrade was
	// not counted as a live connection.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := env.hub.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown after refusals: %v", err)
	}
}
