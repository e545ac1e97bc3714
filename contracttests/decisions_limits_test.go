package contracttests

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	decisionsgen "github.com/sessionhub/server/gen/decisions"
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
	ts := newServer(t)
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
		ts := newServer(t)
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
