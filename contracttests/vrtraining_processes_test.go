package contracttests

import (
	"testing"

	vrgen "github.com/sessionhub/server/gen/vrtraining"
)

// TestVRWatchersAcrossProcesses: two server processes on one database. The
// watcher is connected to one, the changes are made through the other, so
// every session_changed it gets crossed PostgreSQL.
func TestVRWatchersAcrossProcesses(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	front, back := startServer(t, dsn, nil), startServer(t, dsn, nil)
	watcher, actor := dialVR(t, front), dialVR(t, back)

	watcher.send(map[string]any{"command": "watch_sessions"})
	watcher.expect(vrgen.MsgWatchSessionsSuccess)
	id := createVR(t, actor, "elsewhere")["sessionId"].(string)
	if ev := watcher.expect(vrgen.MsgSessionChanged); ev["message"] != "created" || ev["data"].(map[string]any)["sessionId"] != id {
		t.Fatalf("event from the other process = %v, want created %s", ev, id)
	}
	updateVR(t, actor, id, "completed", map[string]any{"score": 0.5})
	ev := watcher.expect(vrgen.MsgSessionChanged)
	if data := ev["data"].(map[string]any); ev["message"] != "updated" || data["status"] != "completed" || data["score"] != 0.5 || data["endedAt"] == nil {
		t.Fatalf("event from the other process = %v, want updated, completed with score 0.5 and endedAt", ev)
	}

	// After unwatch_sessions nothing more arrives from either process: the
	// reply to the next command is the next frame.
	watcher.send(map[string]any{"command": "unwatch_sessions"})
	watcher.expect(vrgen.MsgUnwatchSessionsSuccess)
	createVR(t, actor, "unwatched")
	watcher.send(map[string]any{"command": "get_active_sessions"})
	watcher.expect(vrgen.MsgGetActiveSessionsSuccess)
}
