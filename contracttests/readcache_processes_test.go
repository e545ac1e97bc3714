package contracttests

import (
	"net/http"
	"testing"
	"time"

	avatargen "github.com/sessionhub/server/gen/avatar"
	vrgen "github.com/sessionhub/server/gen/vrtraining"
	"github.com/sessionhub/server/internal/platform/config"
)

// The reads that are served from memory (therapy session, avatar status,
// VR get_session_json) see a change made through another process as soon
// as its change message crossed PostgreSQL, and a change made through the
// same process at once.

// eventually polls read until it reports true; what it waits for (a change
// message crossing the bus, frames being processed) takes milliseconds, the
// deadline only ends a test that would hang.
func eventually(t *testing.T, what string, read func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !read() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not so after 10 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCachedReadsSeeChangesOfEveryProcess(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	a, b := startServer(t, dsn, func(cfg *config.Config) { cfg.AnalysisWorkers = 0 }), startServer(t, dsn, nil)

	t.Run("therapy", func(t *testing.T) {
		onA, onB := newTherapyClient(t, a, "alice"), newTherapyClient(t, b, "alice")
		s := onA.create(`{"title": "first"}`)
		onA.get(s.SessionId) // now kept by a
		rename := func(c *therapyClient, title string) {
			if status, body := c.raw(http.MethodPut, "/sessions/"+s.SessionId.String(), "application/json", []byte(`{"title": "`+title+`"}`)); status != http.StatusOK {
				t.Fatalf("rename: %d %v", status, body)
			}
		}
		rename(onA, "second")
		if got := onA.get(s.SessionId).Title; got != "second" {
			t.Fatalf("read after a write through the same process: title %q", got)
		}
		rename(onB, "third")
		eventually(t, "the other process serves the new therapy title", func() bool { return onA.get(s.SessionId).Title == "third" })
		// The analysis runs on b only; its results reach a's reads.
		onB.upload(s.SessionId, "text", "notes.txt", []byte(therapyWorkTranscript))
		eventually(t, "the other process serves the therapy results", func() bool {
			got := onA.get(s.SessionId)
			return string(got.AnalysisStatus) == "completed" && len(got.Emotions) > 0
		})
		if status, _ := onB.raw(http.MethodDelete, "/sessions/"+s.SessionId.String(), "", nil); status != http.StatusOK {
			t.Fatalf("delete through b: %d", status)
		}
		eventually(t, "the other process serves the therapy delete", func() bool {
			status, _ := onA.raw(http.MethodGet, "/sessions/"+s.SessionId.String(), "", nil)
			return status == http.StatusNotFound
		})
	})

	t.Run("avatar", func(t *testing.T) {
		onA, onB := &avatarServer{testServer: a, rest: newAvatarClient(t, a)}, &avatarServer{testServer: b, rest: newAvatarClient(t, b)}
		sess := onA.startAvatar(t, nil)
		if st := onA.status(t, sess.id); st.State != avatargen.Active {
			t.Fatalf("status of a new session: %+v", st)
		}
		stop(t, onB.rest, testAvatarKey, sess.id, sess.token)
		eventually(t, "the other process serves the avatar stop", func() bool { return onA.status(t, sess.id).State == avatargen.Ended })
	})

	t.Run("vrtraining", func(t *testing.T) {
		onA, onB := dialVR(t, a), dialVR(t, b)
		id := createVR(t, onA, "cached")["sessionId"].(string)
		status := func() any {
			onA.send(map[string]any{"command": "get_session_json", "data": map[string]any{"sessionId": id}})
			return onA.expect(vrgen.MsgGetSessionJSONSuccessOne)["data"].(map[string]any)["status"]
		}
		if got := status(); got != "running" {
			t.Fatalf("status of a new session: %v", got)
		}
		updateVR(t, onA, id, "paused", nil)
		if got := status(); got != "paused" {
			t.Fatalf("read after a write through the same process: %v", got)
		}
		updateVR(t, onB, id, "completed", map[string]any{"score": 0.5})
		eventually(t, "the other process serves the vr update", func() bool { return status() == "completed" })
	})
}
