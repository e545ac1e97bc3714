package contracttests

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	vrgen "github.com/sessionhub/server/gen/vrtraining"
)

func dialVR(t *testing.T, ts *testServer) *wsClient {
	t.Helper()
	return vrWS.dial(t, vrgen.ChannelWsSessions, ts.wsURL(vrgen.ChannelWsSessions), nil)
}

// createVR creates a session and returns its data.
func createVR(t *testing.T, c *wsClient, scenario string) map[string]any {
	t.Helper()
	c.send(map[string]any{"command": "create_session", "data": map[string]any{"scenarioId": scenario, "avatarId": "avatar-1", "observerId": "observer-1"}})
	reply := c.expect(vrgen.MsgCreateSessionSuccess)
	return reply["data"].(map[string]any)
}

func updateVR(t *testing.T, c *wsClient, id, status string, extra map[string]any) map[string]any {
	t.Helper()
	data := map[string]any{"sessionId": id, "status": status}
	for k, v := range extra {
		data[k] = v
	}
	c.send(map[string]any{"command": "update_session", "data": data})
	_, reply := c.recv()
	return reply
}

// listVR sends a list command (with data, when not nil: the seed sends
// none) and returns every session id it lists, following next_cursor.
func listVR(t *testing.T, c *wsClient, command string, data map[string]any) []string {
	t.Helper()
	frame := map[string]any{"command": command}
	if data != nil {
		frame["data"] = data
	}
	name := vrgen.MsgGetActiveSessionsSuccess
	if command == "get_session_json" {
		name = vrgen.MsgGetSessionJSONSuccessAll
	}
	c.send(frame)
	reply := c.expect(name)
	ids := sessionIDs(reply["data"])
	for reply["next_cursor"] != nil {
		c.send(map[string]any{"command": command, "data": map[string]any{"after": reply["next_cursor"], "limit": 500}})
		reply = c.expect(name)
		ids = append(ids, sessionIDs(reply["data"])...)
	}
	return ids
}

func sessionIDs(list any) []string {
	var ids []string
	for _, s := range list.([]any) {
		ids = append(ids, s.(map[string]any)["sessionId"].(string))
	}
	return ids
}

func TestVRSessionLifecycle(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := dialVR(t, ts)

	s := createVR(t, c, "fire-drill")
	id := s["sessionId"].(string)
	if s["status"] != "running" || s["scenarioId"] != "fire-drill" || s["avatarId"] != "avatar-1" || s["observerId"] != "observer-1" {
		t.Fatalf("created session = %v, want running with the given ids", s)
	}

	reply := updateVR(t, c, id, "paused", map[string]any{"notes": "trainee hesitated", "score": 72.5})
	if reply["response_type"] != "success" || reply["command"] != "update_session" {
		t.Fatalf("update reply = %v", reply)
	}
	data := reply["data"].(map[string]any)
	if data["status"] != "paused" || data["notes"] != "trainee hesitated" || data["score"] != 72.5 {
		t.Fatalf("updated session = %v, want paused with notes and score", data)
	}

	// VR sessions are shared by every client: on a remote server, other
	// clients' sessions are listed too.
	if ids := listVR(t, c, "get_active_sessions", nil); !slices.Contains(ids, id) || len(ids) != 1 && !remote.enabled() {
		t.Fatalf("active = %v, want [%s]", ids, id)
	}

	reply = updateVR(t, c, id, "completed", nil)
	done := reply["data"].(map[string]any)
	if done["status"] != "completed" || done["endedAt"] == nil || done["notes"] != "trainee hesitated" {
		t.Fatalf("completed session = %v, want endedAt set and notes kept", done)
	}
	if ids := listVR(t, c, "get_active_sessions", map[string]any{}); slices.Contains(ids, id) || len(ids) != 0 && !remote.enabled() {
		t.Fatalf("active after completion = %v, want none", ids)
	}

	reply = updateVR(t, c, id, "running", nil)
	if reply["code"] != "SESSION_FINAL" || reply["command"] != "update_session" || !strings.Contains(reply["message"].(string), id) {
		t.Fatalf("update of a completed session = %v, want SESSION_FINAL naming it", reply)
	}

	c.send(map[string]any{"command": "get_session_json", "data": map[string]any{"sessionId": id}})
	one := c.expect(vrgen.MsgGetSessionJSONSuccessOne)
	if one["data"].(map[string]any)["status"] != "completed" {
		t.Fatalf("get_session_json one = %v", one)
	}
	other := createVR(t, c, "evacuation")
	all := listVR(t, c, "get_session_json", nil)
	if remote.enabled() { // only this test's two, in the order listed
		all = slices.DeleteFunc(all, func(s string) bool { return s != id && s != other["sessionId"] })
	}
	if len(all) != 2 || all[0] != id || all[1] != other["sessionId"] {
		t.Fatalf("get_session_json all = %v, want both sessions oldest first", all)
	}
}

func TestVRSessionsAreSharedAndDurable(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	first := startServer(t, dsn, nil)
	a := dialVR(t, first)
	id := createVR(t, a, "shared")["sessionId"].(string)

	b := dialVR(t, first)
	b.send(map[string]any{"command": "get_session_json", "data": map[string]any{"sessionId": id}})
	b.expect(vrgen.MsgGetSessionJSONSuccessOne)

	first.shutdown(t)
	second := startServer(t, dsn, nil)
	c := dialVR(t, second)
	c.send(map[string]any{"command": "get_active_sessions"})
	if ids := sessionIDs(c.expect(vrgen.MsgGetActiveSessionsSuccess)["data"]); len(ids) != 1 || ids[0] != id {
		t.Fatalf("after restart, active = %v, want [%s]", ids, id)
	}
}

func TestVRErrors(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := dialVR(t, ts)
	id := createVR(t, c, "s")["sessionId"].(string)
	unknown := "6f0f4c2e-8a59-4a39-9a57-0b8f1d0c2e11"
	tests := []struct {
		name, frame, code, message string
		echoes                     bool // the reply carries the request's command
	}{
		{"malformed JSON", `{"command": "create_session",`, "INVALID_JSON", "Invalid JSON", false},
		{"not an object", `["create_session"]`, "VALIDATION_ERROR", "", false},
		{"no command", `{"data": {}}`, "VALIDATION_ERROR", "Missing required field: command", false},
		{"command not a string", `{"command": 7}`, "VALIDATION_ERROR", "", false},
		{"unknown command", `{"command": "delete_session"}`, "UNKNOWN_COMMAND", "Unknown command: delete_session", true},
		{"commands are case-sensitive", `{"command": "Create_Session", "data": {"scenarioId": "a", "avatarId": "b", "observerId": "c"}}`, "UNKNOWN_COMMAND", "Unknown command: Create_Session", true},
		{"create without data", `{"command": "create_session"}`, "VALIDATION_ERROR", "Missing required field: data", true},
		{"create without scenarioId", `{"command": "create_session", "data": {"avatarId": "b", "observerId": "c"}}`, "VALIDATION_ERROR", "Missing required field: data.scenarioId", true},
		{"create with empty avatarId", `{"command": "create_session", "data": {"scenarioId": "a", "avatarId": "", "observerId": "c"}}`, "VALIDATION_ERROR", "", true},
		{"create with a 201-character id", `{"command": "create_session", "data": {"scenarioId": "` + strings.Repeat("x", 201) + `", "avatarId": "b", "observerId": "c"}}`, "VALIDATION_ERROR", "", true},
		{"update with unknown status", `{"command": "update_session", "data": {"sessionId": "` + id + `", "status": "stopped"}}`, "VALIDATION_ERROR", "Invalid value for field: data.status (must be one of running, paused, completed, failed)", true},
		{"update without status", `{"command": "update_session", "data": {"sessionId": "` + id + `"}}`, "VALIDATION_ERROR", "Missing required field: data.status", true},
		{"update with a non-numeric score", `{"command": "update_session", "data": {"sessionId": "` + id + `", "status": "paused", "score": "high"}}`, "VALIDATION_ERROR", "", true},
		{"update with score 1e999 (no float64 holds it)", `{"command": "update_session", "data": {"sessionId": "` + id + `", "status": "paused", "score": 1e999}}`, "VALIDATION_ERROR", "Invalid value for field: data.score (must be at most 1.7976931348623157e+308)", true},
		{"update with score -1e999", `{"command": "update_session", "data": {"sessionId": "` + id + `", "status": "paused", "score": -1e999}}`, "VALIDATION_ERROR", "Invalid value for field: data.score (must be at least -1.7976931348623157e+308)", true},
		{"update with a malformed id", `{"command": "update_session", "data": {"sessionId": "nope", "status": "paused"}}`, "VALIDATION_ERROR", "", true},
		{"update of an unknown session", `{"command": "update_session", "data": {"sessionId": "` + unknown + `", "status": "paused"}}`, "SESSION_NOT_FOUND", "Session not found: " + unknown, true},
		{"get of an unknown session", `{"command": "get_session_json", "data": {"sessionId": "` + unknown + `"}}`, "SESSION_NOT_FOUND", "Session not found: " + unknown, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.sendRaw([]byte(tt.frame))
			reply := c.expect(vrgen.MsgError)
			if reply["code"] != tt.code || (tt.message != "" && reply["message"] != tt.message) {
				t.Fatalf("reply = %v, want code %s message %q", reply, tt.code, tt.message)
			}
			if _, has := reply["command"]; has != tt.echoes {
				t.Fatalf("reply = %v: command echoed = %v, want %v", reply, has, tt.echoes)
			}
		})
	}
	// After every error the connection still works and nothing was changed.
	c.send(map[string]any{"command": "get_session_json", "data": map[string]any{"sessionId": id}})
	if s := c.expect(vrgen.MsgGetSessionJSONSuccessOne)["data"].(map[string]any); s["status"] != "running" {
		t.Fatalf("session after rejected updates = %v, want unchanged (running)", s)
	}
}

func TestVRWatchers(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	watcher, actor := dialVR(t, ts), dialVR(t, ts)
	// Every VR session is shared: on a remote server the watcher also sees
	// other clients' sessions change, which are not this test's concern.
	mine := map[string]bool{}
	watcher.foreign = func(name string, frame map[string]any) bool {
		data, _ := frame["data"].(map[string]any)
		return remote.enabled() && name == vrgen.MsgSessionChanged && !mine[fmt.Sprint(data["sessionId"])]
	}

	watcher.send(map[string]any{"command": "watch_sessions"})
	if ack := watcher.expect(vrgen.MsgWatchSessionsSuccess); ack["data"].(map[string]any)["watching"] != true {
		t.Fatalf("watch ack = %v", ack)
	}
	id := createVR(t, actor, "watched")["sessionId"].(string)
	mine[id] = true
	ev := watcher.expect(vrgen.MsgSessionChanged)
	if ev["message"] != "created" || ev["data"].(map[string]any)["sessionId"] != id {
		t.Fatalf("event = %v, want created %s", ev, id)
	}
	updateVR(t, actor, id, "paused", nil)
	if ev := watcher.expect(vrgen.MsgSessionChanged); ev["message"] != "updated" || ev["data"].(map[string]any)["status"] != "paused" {
		t.Fatalf("event = %v, want updated/paused", ev)
	}

	// A watcher's own command: the reply comes before the event it caused.
	watcher.send(map[string]any{"command": "update_session", "data": map[string]any{"sessionId": id, "status": "running"}})
	watcher.expect(vrgen.MsgUpdateSessionSuccess)
	watcher.expect(vrgen.MsgSessionChanged)

	watcher.send(map[string]any{"command": "unwatch_sessions"})
	watcher.expect(vrgen.MsgUnwatchSessionsSuccess)
	mine[createVR(t, actor, "unwatched")["sessionId"].(string)] = true
	watcher.send(map[string]any{"command": "get_active_sessions"})
	watcher.expect(vrgen.MsgGetActiveSessionsSuccess) // no session_changed in between
}

func TestVRCloseCodes(t *testing.T) {
	t.Parallel()
	t.Run("1000 echoes a client close", func(t *testing.T) {
		c := dialVR(t, newServer(t))
		_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
		c.expectClose(websocket.CloseNormalClosure)
	})
	t.Run("1009 for a frame over the read limit", func(t *testing.T) {
		c := dialVR(t, newServer(t))
		big := `{"command":"create_session","data":{"scenarioId":"` + strings.Repeat("x", int(vrgen.Channels[0].ReadLimit)) + `"}}`
		_ = c.conn.WriteMessage(websocket.TextMessage, []byte(big))
		c.expectClose(websocket.CloseMessageTooBig)
	})
	t.Run("1001 on graceful shutdown", func(t *testing.T) {
		ts := ownServer(t, "shuts the server down")
		c := dialVR(t, ts)
		createVR(t, c, "before shutdown")
		go ts.shutdown(t)
		c.expectClose(websocket.CloseGoingAway)
	})
	t.Run("4008 for a watcher that stops reading", func(t *testing.T) {
		ts := slowConsumerServer(t)
		raw := dialStalled(t, ts.wsURL(vrgen.ChannelWsSessions), nil)
		watcher := &wsClient{t: t, contract: vrWS, channel: vrgen.ChannelWsSessions, conn: raw}
		watcher.send(map[string]any{"command": "watch_sessions"})
		watcher.expect(vrgen.MsgWatchSessionsSuccess)

		// Several actors flood in parallel so the queue overflows soon after
		// the socket buffers fill, well within the server's write deadline;
		// the watcher then drains its backlog and must find the 4008 close.
		// The notes keep each change small enough to travel inside the bus's
		// NOTIFY (larger ones are read back from a table, which under load
		// slows the flood below what fills the queue before the write
		// deadline drops the connection instead).
		const actors = 6
		notes := strings.Repeat("n", 5000)
		before := ts.metric(`websocket_server_closes_total{api="vrtraining",code="4008"}`) // not 0 on a remote server
		overflowed := make(chan struct{})
		var wg sync.WaitGroup
		for a := 0; a < actors; a++ {
			actor := dialVR(t, ts)
			id := createVR(t, actor, "flood")["sessionId"].(string)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 1000; i += floodWindow {
					select {
					case <-overflowed:
						return
					default:
					}
					for k := 0; k < floodWindow; k++ {
						actor.send(map[string]any{"command": "update_session", "data": map[string]any{"sessionId": id, "status": "running", "notes": notes, "score": i + k}})
					}
					for k := 0; k < floodWindow; k++ {
						if name, reply := actor.recv(); name != vrgen.MsgUpdateSessionSuccess {
							t.Errorf("update %d: %v (actors must not be failed by the stalled watcher)", i+k, reply)
							return
						}
					}
				}
			}()
		}
		deadline := time.Now().Add(120 * time.Second) // a bound on a loaded machine, not a timing
		for ts.metric(`websocket_server_closes_total{api="vrtraining",code="4008"}`) < before+1 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		close(overflowed)
		// Read the backlog at once: the server's blocked write gives up
		// after its deadline, and then the close frame behind it is lost.
		watcher.expectClose(4008)
		wg.Wait()
	})
}

// TestVRListsArePagedAndCreationIsBounded: the seed's get_session_json
// without an id (and get_active_sessions) answers one page of 100 in the
// seed's shape, with next_cursor to go on; one connection creates at most 30
// sessions a minute (the defaults).
func TestVRListsArePagedAndCreationIsBounded(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	const total = 105
	var created []string
	for len(created) < total {
		c := dialVR(t, ts)
		for i := 0; i < 30 && len(created) < total; i++ {
			created = append(created, createVR(t, c, "paged")["sessionId"].(string))
		}
		if len(created) < total {
			c.send(map[string]any{"command": "create_session", "data": map[string]any{"scenarioId": "one-too-many", "avatarId": "a", "observerId": "o"}})
			reply := c.expect(vrgen.MsgError)
			if reply["code"] != "RATE_LIMITED" || reply["message"] != "Too many sessions created on this connection; retry later" || reply["command"] != "create_session" {
				t.Fatalf("31st create on one connection: %v, want RATE_LIMITED", reply)
			}
			if wait, _ := reply["retry_after"].(float64); wait < 1 || wait > 60 {
				t.Fatalf("retry_after = %v, want 1..60 seconds", reply["retry_after"])
			}
		}
	}
	c := dialVR(t, ts)
	for _, command := range []string{"get_session_json", "get_active_sessions"} {
		c.send(map[string]any{"command": command}) // the seed's request
		name := vrgen.MsgGetSessionJSONSuccessAll
		if command == "get_active_sessions" {
			name = vrgen.MsgGetActiveSessionsSuccess
		}
		first := c.expect(name)
		got := sessionIDs(first["data"])
		cursor, _ := first["next_cursor"].(string)
		if len(got) != 100 || cursor == "" {
			t.Fatalf("%s: %d sessions, next_cursor %v; want the default page of 100 and a cursor", command, len(got), first["next_cursor"])
		}
		c.send(map[string]any{"command": command, "data": map[string]any{"after": cursor, "limit": 500}})
		rest := c.expect(name)
		got = append(got, sessionIDs(rest["data"])...)
		for remote.enabled() && rest["next_cursor"] != nil { // a remote server holds other clients' sessions too
			c.send(map[string]any{"command": command, "data": map[string]any{"after": rest["next_cursor"], "limit": 500}})
			rest = c.expect(name)
			got = append(got, sessionIDs(rest["data"])...)
		}
		if rest["next_cursor"] != nil || len(got) != total && !remote.enabled() {
			t.Fatalf("%s: %d sessions in two pages, next_cursor %v; want all %d and null", command, len(got), rest["next_cursor"], total)
		}
		seen := map[string]bool{}
		for _, id := range got {
			seen[id] = true
		}
		for _, id := range created {
			if !seen[id] {
				t.Fatalf("%s: session %s missing from the pages", command, id)
			}
		}
	}
	c.send(map[string]any{"command": "get_session_json", "data": map[string]any{"after": "bm90LWEtY3Vyc29y"}})
	if reply := c.expect(vrgen.MsgError); reply["code"] != "VALIDATION_ERROR" || reply["message"] != "Invalid value for field: data.after (not a cursor of this server)" {
		t.Fatalf("bad cursor: %v", reply)
	}
	c.send(map[string]any{"command": "get_active_sessions", "data": map[string]any{"limit": 501}})
	if reply := c.expect(vrgen.MsgError); reply["code"] != "VALIDATION_ERROR" {
		t.Fatalf("limit 501: %v", reply)
	}
}
