package wsconn

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// jsonRefusal is a test API's refusal body.
func jsonRefusal(w http.ResponseWriter, r Refusal) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": r.Status, "message": r.Message})
}

// dialRefused dials env from localIP and requires a refusal with status,
// returning its response.
func dialRefused(t *testing.T, env *testEnv, localIP string, status int) (*http.Response, map[string]any) {
	t.Helper()
	ws, resp, err := dialerFrom(localIP).Dial(env.url, nil)
	if err == nil {
		_ = ws.Close()
		t.Fatalf("dial from %s: upgraded, want HTTP %d", localIP, status)
	}
	if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != status {
		t.Fatalf("dial from %s: want HTTP %d before the upgrade, got %v", localIP, status, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("refusal body is not the API's JSON: %s", raw)
	}
	return resp, body
}

// dialerFrom dials from localIP, a loopback address of this machine.
func dialerFrom(localIP string) *websocket.Dialer {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
	return &websocket.Dialer{HandshakeTimeout: patience, NetDialContext: d.DialContext}
}

func dialFrom(t *testing.T, env *testEnv, localIP string) *websocket.Conn {
	t.Helper()
	ws, _, err := dialerFrom(localIP).Dial(env.url, nil)
	if err != nil {
		t.Fatalf("dial from %s: %v", localIP, err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return ws
}

func newLimitedEnv(t *testing.T, limits Limits, rec Handler) *testEnv {
	t.Helper()
	env := newTestEnv(t, Options{Refuse: jsonRefusal}, rec)
	env.hub.limits = limits
	return env
}

// TestCeilingsRefuseAndGiveThePlaceBack: the server's ceiling counts
// connections of every address (503), the address's ceiling only its own
// (429, another address still gets in); a connection that ends gives its
// place back.
func TestCeilingsRefuseAndGiveThePlaceBack(t *testing.T) {
	tests := []struct {
		name     string
		limits   Limits
		fill     [2]string // the addresses of the two connections that reach the ceiling
		refused  string    // the address refused next
		status   int
		message  string
		admitted string // an address still let in at the ceiling ("": none)
	}{
		{"server", Limits{MaxConnections: 2}, [2]string{"127.0.0.1", "127.0.0.2"}, "127.0.0.3", http.StatusServiceUnavailable,
			"Too many open WebSocket connections on this server (limit 2); retry later", ""},
		{"address", Limits{MaxConnections: 10, MaxConnectionsPerAddress: 2}, [2]string{"127.0.0.1", "127.0.0.1"}, "127.0.0.1", http.StatusTooManyRequests,
			"Too many open WebSocket connections from your address (limit 2); close one or retry later", "127.0.0.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			env := newLimitedEnv(t, tc.limits, rec)
			first := dialFrom(t, env, tc.fill[0])
			rec.waitOpened(t)
			dialFrom(t, env, tc.fill[1])
			rec.waitOpened(t)

			resp, body := dialRefused(t, env, tc.refused, tc.status)
			if resp.Header.Get("Retry-After") != "5" || body["message"] != tc.message {
				t.Fatalf("refusal: Retry-After %q, body %v; want 5 and %q", resp.Header.Get("Retry-After"), body, tc.message)
			}
			if tc.admitted != "" {
				dialFrom(t, env, tc.admitted)
				rec.waitOpened(t)
			}

			_ = first.Close()
			rec.waitClosed(t)
			dialFrom(t, env, tc.refused)
			rec.waitOpened(t)
		})
	}
}

// TestRefusedAndFailedUpgradesGiveTheirPlaceBack: a plain GET that the
// upgrader refuses must not hold a place.
func TestRefusedAndFailedUpgradesGiveTheirPlaceBack(t *testing.T) {
	rec := newRecorder()
	env := newLimitedEnv(t, Limits{MaxConnections: 1, MaxConnectionsPerAddress: 1}, rec)
	for range 3 {
		resp, err := http.Get(env.srv.URL + "/ws")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("plain GET: want the upgrader's 400, got %d", resp.StatusCode)
		}
	}
	dialFrom(t, env, "127.0.0.1")
	rec.waitOpened(t)
	env.hub.mu.Lock()
	got := env.hub.admittedByAddress[clientAddressOf(&http.Request{RemoteAddr: "127.0.0.1:1"})]
	env.hub.mu.Unlock()
	if got != 1 {
		t.Fatalf("admitted from 127.0.0.1: %d, want 1", got)
	}
}

func TestClientAddressGroupsIPv6By64(t *testing.T) {
	addr := func(remote string) clientAddress { return clientAddressOf(&http.Request{RemoteAddr: remote}) }
	same := [][2]string{
		{"192.0.2.1:1000", "192.0.2.1:2000"},
		{"[::ffff:192.0.2.1]:1000", "192.0.2.1:2000"},
		{"[2001:db8:1:2::1]:1000", "[2001:db8:1:2:ffff::9]:2000"},
		{"[fe80::1%eth0]:1000", "[fe80::2%eth1]:2000"},
	}
	for _, p := range same {
		if addr(p[0]) != addr(p[1]) {
			t.Errorf("%s and %s must count as one client address", p[0], p[1])
		}
	}
	different := [][2]string{
		{"192.0.2.1:1000", "192.0.2.2:1000"},
		{"[2001:db8:1:2::1]:1000", "[2001:db8:1:3::1]:1000"},
		{"@", "192.0.2.1:1000"},
	}
	for _, p := range different {
		if addr(p[0]) == addr(p[1]) {
			t.Errorf("%s and %s must count as different client addresses", p[0], p[1])
		}
	}
}

// TestRefuseOnPanicAnswersTheAPIsBody: a panic before the upgrade is the
// API's own 500 refusal; net/http's abort sentinel is passed on.
func TestRefuseOnPanicAnswersTheAPIsBody(t *testing.T) {
	opts := Options{API: testAPI, Refuse: jsonRefusal, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	w := httptest.NewRecorder()
	func() {
		defer RefuseOnPanic(w, opts)
		panic("upgrade handler bug")
	}()
	if w.Code != http.StatusInternalServerError || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("panic: want the API's 500, got %d %q", w.Code, w.Body.String())
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["message"] != "Internal error" {
		t.Fatalf("panic: body %s", w.Body.String())
	}

	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Fatalf("ErrAbortHandler must be re-panicked, got %v", p)
		}
	}()
	func() {
		defer RefuseOnPanic(httptest.NewRecorder(), opts)
		panic(http.ErrAbortHandler)
	}()
}

// TestHubWriteWaitIsItsConnectionsDefault: Limits.WriteWait is the write
// deadline of every connection whose Options leave it 0; Options win.
func TestHubWriteWaitIsItsConnectionsDefault(t *testing.T) {
	for _, tc := range []struct{ hub, opts, want time.Duration }{
		{0, 0, DefaultWriteWait},
		{time.Minute, 0, time.Minute},
		{time.Minute, time.Second, time.Second},
	} {
		t.Run(fmt.Sprintf("hub %v options %v", tc.hub, tc.opts), func(t *testing.T) {
			rec := newRecorder()
			env := newTestEnv(t, Options{WriteWait: tc.opts}, rec)
			env.hub.limits = Limits{WriteWait: tc.hub}
			env.dial(t)
			if got := rec.waitOpened(t).opts.WriteWait; got != tc.want {
				t.Errorf("write wait %v, want %v", got, tc.want)
			}
		})
	}
}

// TestHubSendBufferIsTheSocketsBuffer: Limits.SendBuffer is set on every
// accepted socket (Linux reports it doubled).
func TestHubSendBufferIsTheSocketsBuffer(t *testing.T) {
	const size = 32 << 10
	rec := newRecorder()
	env := newTestEnv(t, Options{}, rec)
	env.hub.limits = Limits{SendBuffer: size}
	env.dial(t)
	raw, err := rec.waitOpened(t).ws.NetConn().(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got int
	var getErr error
	if err := raw.Control(func(fd uintptr) { got, getErr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF) }); err != nil {
		t.Fatal(err)
	}
	if getErr != nil {
		t.Fatal(getErr)
	}
	if got != size && got != 2*size {
		t.Errorf("SO_SNDBUF %d, want %d (or twice that)", got, size)
	}
}
