package decisionws_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sessionhub/server/internal/decisions"
	"github.com/sessionhub/server/internal/decisions/decisionstore"
	"github.com/sessionhub/server/internal/decisions/decisionws"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/clocktest"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
	"github.com/sessionhub/server/internal/platform/wsconn"
)

func dial(t *testing.T, limits decisions.Limits) *websocket.Conn {
	t.Helper()
	return connect(t, serve(t, limits))
}

// serve starts the API and returns its WebSocket URL.
func serve(t *testing.T, limits decisions.Limits) string {
	t.Helper()
	db := dbtest.SQLite(t, decisionstore.Migrate)
	hub := wsconn.NewHub(nil, wsconn.Limits{})
	api, err := decisionws.New(decisions.NewService(decisionstore.New(db), auth.NewKeySet([]string{"k"})), hub, limits)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + api.Path()
}

func connect(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func roundTrip(t *testing.T, conn *websocket.Conn, frame string) map[string]any {
	t.Helper()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatal(err)
	}
	var reply map[string]any
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := conn.ReadJSON(&reply); err != nil {
		t.Fatal(err)
	}
	return reply
}

func TestRateLimitEndsWithTheWindow(t *testing.T) {
	c := clocktest.New()
	conn := dial(t, decisions.Limits{MaxFailures: 2, Window: 30 * time.Second, Now: c.Now})
	badToken := `{"action":"TakeDecision","token":"nope","message":"m"}`

	for i := 0; i < 2; i++ {
		if r := roundTrip(t, conn, badToken); r["code"] != "INVALID_TOKEN" {
			t.Fatalf("failure %d: %v, want INVALID_TOKEN", i+1, r)
		}
	}
	c.Advance(10*time.Second + 300*time.Millisecond)
	r := roundTrip(t, conn, `{"action":"Connection","checksum":"x"}`)
	if r["code"] != "RATE_LIMITED" || r["retry_after"] != float64(20) || r["action"] != "Connection" {
		t.Fatalf("third attempt: %v, want RATE_LIMITED with retry_after 20 (19.7s rounded up)", r)
	}
	// Frames without a known action are still answered as usual.
	if r := roundTrip(t, conn, `{"action":"connection"}`); r["code"] != "UNKNOWN_ACTION" {
		t.Fatalf("unknown action while limited: %v", r)
	}
	if r := roundTrip(t, conn, `{`); r["code"] != "INVALID_JSON" {
		t.Fatalf("bad JSON while limited: %v", r)
	}

	c.Advance(20 * time.Second)
	r = roundTrip(t, conn, `{"action":"Register","API_KEY":"k","checksum":"azerty","name":"tom"}`)
	if r["status"] != "success" || r["token"] == nil || r["token"] != r["data"] {
		t.Fatalf("after the window: %v, want Register to succeed", r)
	}
}

func TestRateLimitCountsOnlyCredentialFailures(t *testing.T) {
	conn := dial(t, decisions.Limits{MaxFailures: 1, Window: time.Minute})
	for _, frame := range []string{
		`{"action":"Register","API_KEY":"k","checksum":"azerty","name":"tom"}`,
		`{"action":"Register","API_KEY":"k","checksum":"azerty","name":"tom"}`, // registered again: a new token
		`{"action":"Register","API_KEY":"k","checksum":""}`,                    // VALIDATION_ERROR
		`not json`, `{}`, `{"action":"Nope"}`,
	} {
		if r := roundTrip(t, conn, frame); r["code"] == "RATE_LIMITED" {
			t.Fatalf("%s: rate-limited although no credential check failed", frame)
		}
	}
	if r := roundTrip(t, conn, `{"action":"Register","API_KEY":"wrong","checksum":"b","name":"n"}`); r["code"] != "INVALID_API_KEY" {
		t.Fatalf("wrong key: %v", r)
	}
	if r := roundTrip(t, conn, `{"action":"Connection","checksum":"azerty"}`); r["code"] != "RATE_LIMITED" {
		t.Fatalf("after one failure with MaxFailures 1: %v, want RATE_LIMITED", r)
	}
}

// TestReconnectingKeepsTheAddressLimit: the failures of one connection stay
// with its client address, so a new connection is refused at once.
func TestReconnectingKeepsTheAddressLimit(t *testing.T) {
	url := serve(t, decisions.Limits{MaxFailures: 10, MaxFailuresPerAddress: 3, Window: time.Minute})
	first := connect(t, url)
	for i := 0; i < 3; i++ {
		if r := roundTrip(t, first, `{"action":"Connection","checksum":"guess"}`); r["code"] != "NOT_REGISTERED" {
			t.Fatalf("guess %d: %v", i+1, r)
		}
	}
	_ = first.Close()
	again := connect(t, url)
	r := roundTrip(t, again, `{"action":"Connection","checksum":"guess"}`)
	if r["code"] != "RATE_LIMITED" || r["message"] != "Too many failed attempts from this address; retry later" || r["retry_after"] != float64(60) {
		t.Fatalf("first guess after reconnecting: %v, want RATE_LIMITED for this address", r)
	}
}

// TestServerCeilingPausesGuessesButNotTokens: once the process's failed
// guesses reach the ceiling, Register and Connection wait for everyone,
// while an action with a valid token goes on.
func TestServerCeilingPausesGuessesButNotTokens(t *testing.T) {
	url := serve(t, decisions.Limits{MaxFailures: 10, MaxFailedGuesses: 2, Window: time.Minute})
	holder := connect(t, url)
	token := roundTrip(t, holder, `{"action":"Register","API_KEY":"k","checksum":"azerty","name":"tom"}`)["token"].(string)
	attacker := connect(t, url)
	for i := 0; i < 2; i++ {
		roundTrip(t, attacker, `{"action":"Connection","checksum":"guess"}`)
	}
	r := roundTrip(t, holder, `{"action":"Connection","checksum":"azerty"}`)
	if r["code"] != "RATE_LIMITED" || r["message"] != "Too many failed attempts on this server; Register and Connection resume later" {
		t.Fatalf("Connection after the ceiling: %v, want RATE_LIMITED for the server", r)
	}
	if r := roundTrip(t, holder, `{"action":"TakeDecision","token":"`+token+`","message":"still here"}`); r["status"] != "success" {
		t.Fatalf("TakeDecision with a valid token after the ceiling: %v", r)
	}
}
