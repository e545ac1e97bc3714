package contracttests

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	decisionsgen "github.com/sessionhub/server/gen/decisions"
)

var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

func dialDecisions(t *testing.T, ts *testServer) *wsClient {
	t.Helper()
	return decisionsWS.dial(t, decisionsgen.ChannelWs, ts.wsURL(decisionsgen.ChannelWs), nil)
}

// registerDecisionUser registers checksum and returns the token, checking
// that both documented reply forms carry it.
func registerDecisionUser(t *testing.T, c *wsClient, checksum string) string {
	t.Helper()
	c.send(map[string]any{"action": "Register", "API_KEY": testDecisionKey, "checksum": remote.subject(t, checksum), "name": "tom", "prompt": "juste le boss"})
	return tokenOf(t, c.expect(decisionsgen.MsgRegisterSuccess))
}

func connectDecisionUser(t *testing.T, c *wsClient, checksum string) string {
	t.Helper()
	c.send(map[string]any{"action": "Connection", "checksum": remote.subject(t, checksum)})
	return tokenOf(t, c.expect(decisionsgen.MsgConnectionSuccess))
}

func tokenOf(t *testing.T, reply map[string]any) string {
	t.Helper()
	token, _ := reply["token"].(string)
	if !tokenPattern.MatchString(token) || reply["data"] != token {
		t.Fatalf("reply %v: want the same 43-character token as token and data", reply)
	}
	return token
}

func takeDecision(t *testing.T, c *wsClient, token, message string) map[string]any {
	t.Helper()
	c.send(map[string]any{"action": "TakeDecision", "token": token, "message": message})
	d := c.expect(decisionsgen.MsgTakeDecisionSuccess)["data"].(map[string]any)
	if d["message"] != message {
		t.Fatalf("recorded decision %v, want message %q", d, message)
	}
	return d
}

// decisionPage reads one GetDecisions page and returns the messages and the cursor.
func decisionPage(t *testing.T, c *wsClient, token string, extra map[string]any) ([]string, any) {
	t.Helper()
	req := map[string]any{"action": "GetDecisions", "token": token}
	for k, v := range extra {
		req[k] = v
	}
	c.send(req)
	data := c.expect(decisionsgen.MsgGetDecisionsSuccess)["data"].(map[string]any)
	var messages []string
	for _, d := range data["decisions"].([]any) {
		messages = append(messages, d.(map[string]any)["message"].(string))
	}
	return messages, data["next_cursor"]
}

// expectDecisionError reads an error reply and checks its code, message
// (when given) and echoed action.
func expectDecisionError(t *testing.T, c *wsClient, code, message string, action any) map[string]any {
	t.Helper()
	reply := c.expect(decisionsgen.MsgError)
	if reply["code"] != code || (message != "" && reply["message"] != message) || reply["action"] != action {
		t.Fatalf("reply = %v, want code %s message %q action %v", reply, code, message, action)
	}
	return reply
}

func TestDecisionsLifecycle(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := dialDecisions(t, ts)

	registered := registerDecisionUser(t, c, "azerty")
	connected := connectDecisionUser(t, c, "azerty")
	if connected == registered {
		t.Fatal("Connection returned the Register token; want a new one")
	}

	hello := takeDecision(t, c, registered, "Hello World")
	if _, err := uuid.Parse(hello["decision_id"].(string)); err != nil {
		t.Fatalf("decision_id %v is not a UUID", hello["decision_id"])
	}
	at, err := time.Parse(time.RFC3339Nano, hello["recorded_at"].(string))
	if err != nil || time.Since(at) > time.Minute || time.Until(at) > time.Minute {
		t.Fatalf("recorded_at %v: want the server's current time", hello["recorded_at"])
	}
	takeDecision(t, c, connected, "Approve the budget") // both tokens are the same user's
	takeDecision(t, c, registered, "Hire Alice")

	if got, next := decisionPage(t, c, connected, nil); fmt.Sprint(got) != "[Hire Alice Approve the budget Hello World]" || next != nil {
		t.Fatalf("decisions = %v (next %v), want all three newest first and no cursor", got, next)
	}
	first, next := decisionPage(t, c, registered, map[string]any{"limit": 2})
	if fmt.Sprint(first) != "[Hire Alice Approve the budget]" || next == nil {
		t.Fatalf("first page = %v (next %v), want the newest two and a cursor", first, next)
	}
	second, last := decisionPage(t, c, registered, map[string]any{"limit": 2, "before": next})
	if fmt.Sprint(second) != "[Hello World]" || last != nil {
		t.Fatalf("second page = %v (next %v), want the oldest and no cursor", second, last)
	}

	c.send(map[string]any{"action": "Disconnect", "token": registered})
	if reply := c.expect(decisionsgen.MsgDisconnectSuccess); reply["data"] != "disconnected" || reply["message"] != "Token revoked" {
		t.Fatalf("disconnect reply = %v", reply)
	}
	// The revoked token is refused everywhere; the other token and the
	// WebSocket itself live on.
	for _, req := range []map[string]any{
		{"action": "TakeDecision", "token": registered, "message": "too late"},
		{"action": "GetDecisions", "token": registered},
		{"action": "Disconnect", "token": registered},
	} {
		c.send(req)
		expectDecisionError(t, c, "INVALID_TOKEN", "Invalid or revoked token", req["action"])
	}
	if got, _ := decisionPage(t, c, connected, nil); len(got) != 3 {
		t.Fatalf("after revoking the other token: %v, want the three decisions, unchanged", got)
	}

	// A token outlives its WebSocket.
	again := dialDecisions(t, ts)
	takeDecision(t, again, connected, "From a new socket")
}

// The seed's client registers on every start (the seed shows it nothing
// else), so from its second run on a Register of its checksum must answer a
// new token for the same user instead of an error.
func TestDecisionsRegisterAgainIssuesANewToken(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	register := func(c *wsClient, key, name string) {
		c.send(map[string]any{"action": "Register", "API_KEY": key, "checksum": remote.subject(t, "azerty"), "name": name, "prompt": name + "'s prompt"})
	}

	firstRun := dialDecisions(t, ts)
	register(firstRun, testDecisionKey, "tom")
	first := firstRun.expect(decisionsgen.MsgRegisterSuccess)
	firstToken := tokenOf(t, first)
	takeDecision(t, firstRun, firstToken, "Hello World")
	_ = firstRun.conn.Close()

	secondRun := dialDecisions(t, ts)
	register(secondRun, testDecisionKey, "someone else")
	second := secondRun.expect(decisionsgen.MsgRegisterSuccess)
	secondToken := tokenOf(t, second)
	if secondToken == firstToken || first["created"] != true || second["created"] != false {
		t.Fatalf("Register replies %v then %v: want created true, then created false with a new token", first, second)
	}
	// The same user, as after a Connection: the new token reads the first
	// run's decision and the first token still works.
	if got, _ := decisionPage(t, secondRun, secondToken, nil); fmt.Sprint(got) != "[Hello World]" {
		t.Fatalf("decisions through the new token = %v, want the first run's", got)
	}
	takeDecision(t, secondRun, firstToken, "Still mine")

	// Fields sent again are checked as in any Register, and never stored.
	register(secondRun, testDecisionKey, "")
	expectDecisionError(t, secondRun, "VALIDATION_ERROR", "Invalid value for field: name (must not be empty)", "Register")
	remote.skip(t, "reads the database") // what follows checks what was stored
	var users []struct{ Name, Prompt string }
	if err := ts.srv.DB().Raw("SELECT name, prompt FROM decision_users").Scan(&users).Error; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(users) != "[{tom tom's prompt}]" {
		t.Fatalf("stored users = %v, want the first Register's name and prompt only", users)
	}

	// A missing or wrong key is refused before the checksum is looked at,
	// and counts toward the rate limit as before.
	guesser := dialDecisions(t, ts)
	for i := 0; i < 10; i++ {
		if i%2 == 0 {
			guesser.send(map[string]any{"action": "Register", "checksum": "azerty", "name": "tom"})
		} else {
			register(guesser, "API_KEY1234", "tom")
		}
		expectDecisionError(t, guesser, "INVALID_API_KEY", "Invalid API key", "Register")
	}
	register(guesser, testDecisionKey, "tom")
	expectDecisionError(t, guesser, "RATE_LIMITED", "Too many failed attempts; retry later", "Register")

	var tokens int64
	if err := ts.srv.DB().Table("decision_tokens").Count(&tokens).Error; err != nil {
		t.Fatal(err)
	}
	if tokens != 2 {
		t.Fatalf("%d tokens stored, want 2: refused Registers issue none", tokens)
	}
}

func TestDecisionsSecretsAreStoredOnlyAsHashes(t *testing.T) {
	t.Parallel()
	ts := ownServer(t, "reads the database")
	c := dialDecisions(t, ts)
	token := registerDecisionUser(t, c, "my-secret-checksum")
	var hashes []string
	if err := ts.srv.DB().Raw("SELECT hash FROM decision_tokens").Scan(&hashes).Error; err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(token))
	if len(hashes) != 1 || hashes[0] != hex.EncodeToString(sum[:]) {
		t.Fatalf("stored token hashes = %v, want exactly the SHA-256 of the issued token", hashes)
	}
	for _, table := range []string{"decision_users", "decision_tokens"} {
		var rows []map[string]any
		if err := ts.srv.DB().Table(table).Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if dump := fmt.Sprint(rows); strings.Contains(dump, token) || strings.Contains(dump, "my-secret-checksum") {
			t.Fatalf("%s holds a secret in clear: %s", table, dump)
		}
	}
}

func TestDecisionsErrors(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	setup := dialDecisions(t, ts)
	token := registerDecisionUser(t, setup, "taken")
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name, frame, code, message string
		action                     any // the echoed action; nil when absent
	}{
		{"malformed JSON", `{"action": "Register",`, "INVALID_JSON", "JSON decoding error", nil},
		{"the seed's Register example, missing its comma", `{ "action": "Register", "API_KEY": "API_KEY1234" "checksum": "azerty", "name": "tom", "prompt": "juste le boss" }`, "INVALID_JSON", "JSON decoding error", nil},
		{"not an object", `["Register"]`, "MISSING_ACTION", "Missing action field", nil},
		{"no action", `{"checksum": "azerty"}`, "MISSING_ACTION", "Missing action field", nil},
		{"action not a string", `{"action": 1}`, "MISSING_ACTION", "Missing action field", nil},
		{"actions are case-sensitive", `{"action": "register", "API_KEY": "` + testDecisionKey + `", "checksum": "c", "name": "n"}`, "UNKNOWN_ACTION", "Unknown action: register", "register"},
		{"unknown action", `{"action": "takeDecision"}`, "UNKNOWN_ACTION", "Unknown action: takeDecision", "takeDecision"},
		{"the seed's bare Register", `{ "action": "Register" }`, "INVALID_API_KEY", "Invalid API key", "Register"},
		{"wrong API key", `{"action": "Register", "API_KEY": "API_KEY1234", "checksum": "c", "name": "n"}`, "INVALID_API_KEY", "Invalid API key", "Register"},
		{"API key not a string", `{"action": "Register", "API_KEY": 1234, "checksum": "c", "name": "n"}`, "INVALID_API_KEY", "Invalid API key", "Register"},
		{"Register without checksum", `{"action": "Register", "API_KEY": "` + testDecisionKey + `", "name": "n"}`, "VALIDATION_ERROR", "Missing required field: checksum", "Register"},
		{"Register with a 201-character name", `{"action": "Register", "API_KEY": "` + testDecisionKey + `", "checksum": "c", "name": "` + long(201) + `"}`, "VALIDATION_ERROR", "Invalid value for field: name (must be at most 200 characters)", "Register"},
		{"Register with a numeric prompt", `{"action": "Register", "API_KEY": "` + testDecisionKey + `", "checksum": "c", "name": "n", "prompt": 5}`, "VALIDATION_ERROR", "Invalid value for field: prompt (must be a string)", "Register"},
		{"Connection of an unknown checksum", `{"action": "Connection", "checksum": "Taken"}`, "NOT_REGISTERED", "Unknown checksum", "Connection"},
		{"Connection with an empty checksum", `{"action": "Connection", "checksum": ""}`, "VALIDATION_ERROR", "Invalid value for field: checksum (must not be empty)", "Connection"},
		{"TakeDecision without a token", `{"action": "TakeDecision", "message": "Hello World"}`, "INVALID_TOKEN", "Invalid or revoked token", "TakeDecision"},
		{"TakeDecision with the seed's placeholder token", `{"action": "TakeDecision", "token": "<TOKEN>", "message": "Hello World"}`, "INVALID_TOKEN", "Invalid or revoked token", "TakeDecision"},
		{"TakeDecision with an unknown well-formed token", `{"action": "TakeDecision", "token": "` + long(43) + `", "message": "Hello World"}`, "INVALID_TOKEN", "Invalid or revoked token", "TakeDecision"},
		{"TakeDecision with a numeric token", `{"action": "TakeDecision", "token": 42, "message": "Hello World"}`, "INVALID_TOKEN", "Invalid or revoked token", "TakeDecision"},
		{"TakeDecision without a message", `{"action": "TakeDecision", "token": "` + token + `"}`, "VALIDATION_ERROR", "Missing required field: message", "TakeDecision"},
		{"TakeDecision with a 10001-character message", `{"action": "TakeDecision", "token": "` + token + `", "message": "` + long(10001) + `"}`, "VALIDATION_ERROR", "Invalid value for field: message (must be at most 10000 characters)", "TakeDecision"},
		{"Disconnect without a token", `{"action": "Disconnect"}`, "INVALID_TOKEN", "Invalid or revoked token", "Disconnect"},
		{"GetDecisions with limit 0", `{"action": "GetDecisions", "token": "` + token + `", "limit": 0}`, "VALIDATION_ERROR", "Invalid value for field: limit (must be at least 1)", "GetDecisions"},
		{"GetDecisions with limit 101", `{"action": "GetDecisions", "token": "` + token + `", "limit": 101}`, "VALIDATION_ERROR", "Invalid value for field: limit (must be at most 100)", "GetDecisions"},
		{"GetDecisions with a fractional limit", `{"action": "GetDecisions", "token": "` + token + `", "limit": 2.5}`, "VALIDATION_ERROR", "Invalid value for field: limit (must be an integer)", "GetDecisions"},
		{"GetDecisions with a foreign cursor", `{"action": "GetDecisions", "token": "` + token + `", "before": "YjFjMmQzZTQtZjVhNi00YjdjLThkOWUtMGYxYTJiM2M0ZDVl"}`, "VALIDATION_ERROR", "Invalid value for field: before (not a cursor issued for this user)", "GetDecisions"},
		{"GetDecisions with a garbage cursor", `{"action": "GetDecisions", "token": "` + token + `", "before": "%%%"}`, "VALIDATION_ERROR", "Invalid value for field: before (not a cursor issued for this user)", "GetDecisions"},
		{"GetDecisions without a token", `{"action": "GetDecisions"}`, "INVALID_TOKEN", "Invalid or revoked token", "GetDecisions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialDecisions(t, ts) // its own connection: credential failures count per connection
			c.sendRaw([]byte(tt.frame))
			expectDecisionError(t, c, tt.code, tt.message, tt.action)
			// The connection stays usable.
			if got, _ := decisionPage(t, c, token, nil); len(got) != 0 {
				t.Fatalf("decisions after a refused frame = %v, want none", got)
			}
		})
	}
	// A binary frame is read like a text frame; unknown fields are ignored.
	c := dialDecisions(t, ts)
	_ = c.conn.WriteMessage(2, []byte(`{"action": "TakeDecision", "token": "`+token+`", "message": "binary", "extra": true}`))
	c.expect(decisionsgen.MsgTakeDecisionSuccess)
}
