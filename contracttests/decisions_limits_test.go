package contracttests

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	decisionsgen "github.com/sessionhub/server/gen/decisions"
	"github.com/sessionhub/server/internal/platform/config"
)

func TestDecisionsRateLimitPerConnection(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	setup := dialDecisions(t, ts)
	token := registerDecisionUser(t, setup, "victim")

	attacker := dialDecisions(t, ts)
	// Non-credential errors are not counted.
	for i := 0; i < 6; i++ {
		attacker.send(map[string]any{"action": "Register", "API_KEY": testDecisionKey, "checksum": "victim"})
		expectDecisionError(t, attacker, "VALIDATION_ERROR", "Missing required field: name", "Register")
		attacker.send(map[string]any{"action": "Connection", "checksum": ""})
		expectDecisionError(t, attacker, "VALIDATION_ERROR", "", "Connection")
	}
	// Ten failed credential checks, of every kind, are answered as such...
	for i := 0; i < 10; i++ {
		switch i % 3 {
		case 0:
			attacker.send(map[string]any{"action": "Connection", "checksum": "guess-" + string(rune('a'+i))})
			expectDecisionError(t, attacker, "NOT_REGISTERED", "Unknown checksum", "Connection")
		case 1:
			attacker.send(map[string]any{"action": "TakeDecision", "token": strings.Repeat("A", 43), "message": "m"})
			expectDecisionError(t, attacker, "INVALID_TOKEN", "", "TakeDecision")
		default:
			attacker.send(map[string]any{"action": "Register", "API_KEY": "guess", "checksum": "c", "name": "n"})
			expectDecisionError(t, attacker, "INVALID_API_KEY", "", "Register")
		}
	}
	// ...then every action is refused until the window ends, even a correct one.
	for _, req := range []map[string]any{
		{"action": "Connection", "checksum": "victim"},
		{"action": "GetDecisions", "token": token},
	} {
		attacker.send(req)
		reply := expectDecisionError(t, attacker, "RATE_LIMITED", "Too many failed attempts; retry later", req["action"])
		if wait, _ := reply["retry_after"].(float64); wait < 1 || wait > 60 {
			t.Fatalf("retry_after = %v, want 1..60 seconds", reply["retry_after"])
		}
	}
	// Frames without a known action are still answered as usual.
	attacker.sendRaw([]byte(`{"action": "Connect"}`))
	expectDecisionError(t, attacker, "UNKNOWN_ACTION", "Unknown action: Connect", "Connect")
	attacker.sendRaw([]byte(`nope`))
	expectDecisionError(t, attacker, "INVALID_JSON", "JSON decoding error", nil)

	// Other connections are not affected.
	other := dialDecisions(t, ts)
	if got, _ := decisionPage(t, other, token, nil); len(got) != 0 {
		t.Fatalf("decisions = %v", got)
	}
}

func TestDecisionsInternalErrorHidesDetails(t *testing.T) {
	t.Parallel()
	ts := ownServer(t, "drops a table")
	c := dialDecisions(t, ts)
	token := registerDecisionUser(t, c, "azerty")
	if err := ts.srv.DB().Exec("DROP TABLE decisions").Error; err != nil {
		t.Fatal(err)
	}
	c.send(map[string]any{"action": "TakeDecision", "token": token, "message": "lost"})
	expectDecisionError(t, c, "INTERNAL_ERROR", "Internal error", "TakeDecision")
	// The connection survives and the other tables still work.
	connectDecisionUser(t, c, "azerty")
}

func TestDecisionsCloseCodes(t *testing.T) {
	t.Parallel()
	t.Run("1000 echoes a client close", func(t *testing.T) {
		c := dialDecisions(t, newServer(t))
		_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
		c.expectClose(websocket.CloseNormalClosure)
	})
	t.Run("1009 for a frame over the read limit", func(t *testing.T) {
		c := dialDecisions(t, newServer(t))
		big := `{"action":"TakeDecision","message":"` + strings.Repeat("x", int(decisionsgen.Channels[0].ReadLimit)) + `"}`
		_ = c.conn.WriteMessage(websocket.TextMessage, []byte(big))
		c.expectClose(websocket.CloseMessageTooBig)
	})
	t.Run("1001 on graceful shutdown", func(t *testing.T) {
		ts := ownServer(t, "shuts the server down")
		c := dialDecisions(t, ts)
		registerDecisionUser(t, c, "before shutdown")
		go ts.shutdown(t)
		c.expectClose(websocket.CloseGoingAway)
	})
	t.Run("a client that never reads is paced, not dropped", func(t *testing.T) {
		// The spec lists no 4008 for /ws: the server reads a client's next
		// frame only while its send queue has room, so a client that sends
		// far more than the queue holds before reading anything is slowed
		// down by TCP, never closed.
		ts := newServer(t)
		c := dialDecisions(t, ts)
		token := registerDecisionUser(t, c, "pipeliner")
		for i := 0; i < 5; i++ {
			takeDecision(t, c, token, strings.Repeat("d", 10000))
		}
		const frames = 600 // each reply is ~50 KB: 30 MB, far beyond the queue and socket buffers
		written := make(chan error, 1)
		go func() {
			for i := 0; i < frames; i++ {
				if err := c.conn.WriteMessage(websocket.TextMessage, []byte(`{"action":"GetDecisions","token":"`+token+`","limit":5}`)); err != nil {
					written <- err
					return
				}
			}
			written <- nil
		}()
		if err := <-written; err != nil { // all requests are out before any reply is read
			t.Fatalf("write: %v", err)
		}
		for i := 0; i < frames; i++ {
			c.expect(decisionsgen.MsgGetDecisionsSuccess)
		}
	})
}

// dialDecisionsFrom opens /ws from the loopback address source (Linux
// routes all of 127.0.0.0/8 to lo), so a test can be several clients.
func dialDecisionsFrom(t *testing.T, ts *testServer, source string) *wsClient {
	t.Helper()
	d := websocket.Dialer{NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}).DialContext}
	conn, _, err := d.Dial(ts.wsURL(decisionsgen.ChannelWs), nil)
	if err != nil {
		t.Fatalf("dial from %s: %v", source, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &wsClient{t: t, contract: decisionsWS, channel: decisionsgen.ChannelWs, conn: conn}
}

// TestDecisionsRateLimitSurvivesReconnecting: with the default limits, an
// address that failed 30 times in a minute (10 per connection, on three
// connections) is refused on its next connection from the first frame;
// another address is not.
func TestDecisionsRateLimitSurvivesReconnecting(t *testing.T) {
	t.Parallel()
	ts := ownServer(t, "counts failures against the default per-address limit (a remote server runs without it)")
	for conn := 0; conn < 3; conn++ {
		c := dialDecisionsFrom(t, ts, "127.0.0.1")
		for i := 0; i < 10; i++ {
			c.send(map[string]any{"action": "Connection", "checksum": fmt.Sprintf("guess-%d-%d", conn, i)})
			expectDecisionError(t, c, "NOT_REGISTERED", "Unknown checksum", "Connection")
		}
		_ = c.conn.Close()
	}
	again := dialDecisionsFrom(t, ts, "127.0.0.1")
	again.send(map[string]any{"action": "Connection", "checksum": "guess-again"})
	reply := expectDecisionError(t, again, "RATE_LIMITED", "Too many failed attempts from this address; retry later", "Connection")
	if wait, _ := reply["retry_after"].(float64); wait < 1 || wait > 60 {
		t.Fatalf("retry_after = %v, want 1..60 seconds", reply["retry_after"])
	}
	other := dialDecisionsFrom(t, ts, "127.0.0.2")
	other.send(map[string]any{"action": "Connection", "checksum": "guess-elsewhere"})
	expectDecisionError(t, other, "NOT_REGISTERED", "Unknown checksum", "Connection")
}

// TestDecisionsServerCeilingOnFailedGuesses: failed checksum guesses from
// many addresses reach the server's ceiling; then Register and Connection
// wait for everyone, while a client holding a token goes on.
func TestDecisionsServerCeilingOnFailedGuesses(t *testing.T) {
	t.Parallel()
	ts := startServer(t, createDatabase(t), func(cfg *config.Config) { cfg.RateLimits.DecisionFailedGuesses = 6 })
	holder := dialDecisionsFrom(t, ts, "127.0.0.9")
	token := registerDecisionUser(t, holder, "the-holder")
	for addr := 0; addr < 3; addr++ { // two guesses from each of three addresses
		c := dialDecisionsFrom(t, ts, fmt.Sprintf("127.0.0.%d", 20+addr))
		for i := 0; i < 2; i++ {
			c.send(map[string]any{"action": "Connection", "checksum": fmt.Sprintf("guess-%d-%d", addr, i)})
			expectDecisionError(t, c, "NOT_REGISTERED", "Unknown checksum", "Connection")
		}
	}
	const paused = "Too many failed attempts on this server; Register and Connection resume later"
	newcomer := dialDecisionsFrom(t, ts, "127.0.0.30")
	newcomer.send(map[string]any{"action": "Register", "API_KEY": testDecisionKey, "checksum": "new", "name": "n"})
	expectDecisionError(t, newcomer, "RATE_LIMITED", paused, "Register")
	holder.send(map[string]any{"action": "Connection", "checksum": "the-holder"})
	reply := expectDecisionError(t, holder, "RATE_LIMITED", paused, "Connection")
	if wait, _ := reply["retry_after"].(float64); wait < 1 || wait > 60 {
		t.Fatalf("retry_after = %v, want 1..60 seconds", reply["retry_after"])
	}
	takeDecision(t, holder, token, "tokens still work")
}
