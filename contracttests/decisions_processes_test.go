package contracttests

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	decisionsgen "github.com/sessionhub/server/gen/decisions"
)

// Tokens, users and decisions live in the database, so every server
// process sharing it honours the others' tokens and revocations at once.
func TestDecisionsTokensWorkAcrossProcesses(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	a, b := startServer(t, dsn, nil), startServer(t, dsn, nil)
	onA, onB := dialDecisions(t, a), dialDecisions(t, b)

	tokenA := registerDecisionUser(t, onA, "shared")
	takeDecision(t, onB, tokenA, "taken on B")
	tokenB := connectDecisionUser(t, onB, "shared")
	takeDecision(t, onA, tokenB, "taken on A")
	if got, _ := decisionPage(t, onA, tokenA, nil); fmt.Sprint(got) != "[taken on A taken on B]" {
		t.Fatalf("decisions read on A = %v, want both, newest first", got)
	}

	// Registering again on the other process is a new token for the same user.
	onB.send(map[string]any{"action": "Register", "API_KEY": testDecisionKey, "checksum": "shared", "name": "again"})
	again := onB.expect(decisionsgen.MsgRegisterSuccess)
	if got, _ := decisionPage(t, onA, tokenOf(t, again), nil); again["created"] != false || len(got) != 2 {
		t.Fatalf("Register again on B: %v, decisions read with its token on A = %v; want created false and the user's two decisions", again, got)
	}

	onB.send(map[string]any{"action": "Disconnect", "token": tokenA})
	onB.expect(decisionsgen.MsgDisconnectSuccess)
	onA.send(map[string]any{"action": "TakeDecision", "token": tokenA, "message": "revoked on B"})
	expectDecisionError(t, onA, "INVALID_TOKEN", "Invalid or revoked token", "TakeDecision")

	// Both processes register the same new checksum at once: both get a
	// token for one user, and exactly one reply says it created the user.
	var wg sync.WaitGroup
	names := make([]string, 2)
	replies := make([]map[string]any, 2)
	for i, c := range []*wsClient{onA, onB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.send(map[string]any{"action": "Register", "API_KEY": testDecisionKey, "checksum": "race", "name": "n"})
			names[i], replies[i] = c.recv()
		}()
	}
	wg.Wait()
	if names[0] != decisionsgen.MsgRegisterSuccess || names[1] != decisionsgen.MsgRegisterSuccess || replies[0]["created"] == replies[1]["created"] {
		t.Fatalf("concurrent Register on two processes: %v %v, want two successes, exactly one with created true", names, replies)
	}
	takeDecision(t, onA, tokenOf(t, replies[0]), "raced")
	if got, _ := decisionPage(t, onB, tokenOf(t, replies[1]), nil); fmt.Sprint(got) != "[raced]" {
		t.Fatalf("decisions read with the other racer's token = %v, want the same user's [raced]", got)
	}

	// And after a restart of both (closing the clients first, so shutdown
	// need not wait for close echoes from sockets nobody reads).
	_ = onA.conn.Close()
	_ = onB.conn.Close()
	a.shutdown(t)
	b.shutdown(t)
	c := dialDecisions(t, startServer(t, dsn, nil))
	if got, _ := decisionPage(t, c, tokenB, nil); len(got) != 2 {
		t.Fatalf("after restart: %v, want the two decisions", got)
	}
}

// /ws is this API's, /ws/ the pet-care API's: neither may redirect to the
// other (gin's trailing-slash redirect applies only to unregistered paths).
func TestDecisionsPathIsExactlyWs(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/ws", "/ws/"} {
		resp, err := client.Get(ts.baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			t.Errorf("GET %s: HTTP %d to %q; want it served on its own path", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	c := dialDecisions(t, ts)
	registerDecisionUser(t, c, "on /ws")
}
