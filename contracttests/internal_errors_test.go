package contracttests

import (
	"testing"

	"github.com/google/uuid"

	avatargen "github.com/sessionhub/server/gen/avatarstream"
	pcgen "github.com/sessionhub/server/gen/petchat"
	vrgen "github.com/sessionhub/server/gen/vrtraining"
)

// A database failure while a WebSocket API handles a frame is answered with
// the documented error frame (code INTERNAL_ERROR, message `Internal error`,
// no details) on every channel that documents it. Each test drops the table
// the frame needs, which only a server of the suite's own allows.

// requireInternalError reads the next frame and requires it to be the
// channel's error message (name) with INTERNAL_ERROR and no details; pet
// chat carries code and message under `data` (inData).
func requireInternalError(t *testing.T, c *wsClient, name string, inData bool) {
	t.Helper()
	frame := c.expect(name)
	fields := frame
	if inData {
		fields, _ = frame["data"].(map[string]any)
	}
	if fields["code"] != "INTERNAL_ERROR" || fields["message"] != "Internal error" {
		t.Fatalf("error frame %v, want INTERNAL_ERROR with message `Internal error`", frame)
	}
}

func TestVRInternalErrorHidesDetails(t *testing.T) {
	t.Parallel()
	ts := ownServer(t, "drops a table")
	c := dialVR(t, ts)
	if err := ts.srv.DB().Exec("DROP TABLE vr_sessions").Error; err != nil {
		t.Fatal(err)
	}
	c.send(map[string]any{"command": "create_session", "data": map[string]any{"scenarioId": "lost", "avatarId": "avatar-1", "observerId": "observer-1"}})
	requireInternalError(t, c, vrgen.MsgError, false)
}

func TestPetChatInternalErrorHidesDetails(t *testing.T) {
	t.Parallel()
	ts := ownServer(t, "drops a table")
	c := dialChat(t, ts, nil)
	if err := ts.srv.DB().Exec("DROP TABLE petchat_participants, petchat_messages, petchat_conversations").Error; err != nil {
		t.Fatal(err)
	}
	c.send(map[string]any{"event": "new_conversation", "data": map[string]any{"pet_id": uuid.NewString(), "providers": []string{uuid.NewString()}}})
	requireInternalError(t, c.wsClient, pcgen.MsgError, true)
}

func TestAvatarStreamInternalErrorHidesDetails(t *testing.T) {
	t.Parallel()
	remote.skip(t, "drops a table")
	s := freshAvatarServer(t)
	sess := s.startAvatar(t, nil)
	c := s.dial(t, sess.token)
	// The connection reads the session when it opens: a first reply shows
	// that is done, so only init meets the dropped table.
	c.send(map[string]any{"command": "heartbeat", "event_id": "opened", "timestamp": 1})
	c.expect(avatargen.MsgHeartbeatAck)
	if err := s.srv.DB().Exec("DROP TABLE avatar_sessions").Error; err != nil {
		t.Fatal(err)
	}
	c.send(initFrame(sess.id))
	requireInternalError(t, c, avatargen.MsgError, false)
}
