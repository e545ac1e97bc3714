package contracttests

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	avatargen "github.com/sessionhub/server/gen/avatar"
	gen "github.com/sessionhub/server/gen/avatarstream"
)

func TestAvatarWSStopClosesTheSocket(t *testing.T) {
	t.Parallel()
	s := freshAvatarServer(t)
	sess := s.startAvatar(t, nil)
	c := s.connect(t, sess)
	for i := 0; i < 5; i++ {
		c.send(voiceFrame(frame20ms(i)))
	}
	// The frames travel on the socket and the stop on HTTP, which nothing
	// orders: a stop that overtakes frames ends the session before them. So
	// the stop waits until the frames are counted.
	eventually(t, "the server counts the 5 frames", func() bool { return s.status(t, sess.id).Counts.Frames == 5 })
	stop(t, s.rest, testAvatarKey, sess.id, sess.token)
	if reason := c.expectClose(websocket.CloseNormalClosure); reason != "session stopped" {
		t.Fatalf("close reason %q, want %q", reason, "session stopped")
	}
	if info, _ := s.readWAV(t, sess.id, 1); s.readsFiles() && info.Seconds() != 0.1 {
		t.Fatalf("the open utterance was recorded as %.3f s, want 0.1", info.Seconds())
	}
	st := s.status(t, sess.id)
	if st.State != avatargen.Ended || st.Connected || st.Counts.Utterances != 1 || st.Counts.Frames != 5 {
		t.Fatalf("status after stop: %+v %+v", st, st.Counts)
	}
	status, body := s.rest.raw(http.MethodDelete, "/session/stop", testAvatarKey, `{"session_id":"`+sess.id+`","session_token":"`+sess.token+`"}`)
	requireError(t, status, body, http.StatusNotFound, "SESSION_NOT_FOUND", "")
}

// TestAvatarWSStopThroughAnotherProcess stops a session on one server
// process while its socket is on another sharing the database.
func TestAvatarWSStopThroughAnotherProcess(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	a, b := newAvatarServer(t, dsn), newAvatarServer(t, dsn)
	sess := a.startAvatar(t, nil)
	c := a.connect(t, sess)
	stop(t, b.rest, testAvatarKey, sess.id, sess.token)
	if reason := c.expectClose(websocket.CloseNormalClosure); reason != "session stopped" {
		t.Fatalf("close reason %q", reason)
	}
}

// readUntilClose reads (documented frames only) until the server closes
// the connection, and returns the close.
func readUntilClose(t *testing.T, c *wsClient, within time.Duration) *websocket.CloseError {
	t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(within))
	for {
		_, frame, err := c.conn.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			avatarWS.hitClose(t, c.channel, ce.Code, ce.Text)
			return ce
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		name, err := avatarWS.classify(c.channel, "server", frame)
		if err != nil {
			t.Fatalf("frame %s: %v", frame, err)
		}
		c.frames.received(t, avatarWS, c.channel, name, frame)
	}
}

// TestAvatarWSHeartbeatsKeepASilentSessionAlive: an agent that says
// nothing but heartbeats keeps its session for four times the idle
// timeout; once no frame at all arrives, the session ends (issue 9, item 1).
// The timeout (2 s) leaves a heartbeat every quarter second ample room on a
// loaded machine.
func TestAvatarWSHeartbeatsKeepASilentSessionAlive(t *testing.T) {
	t.Parallel()
	s := freshAvatarServer(t)
	timeout := 2.0
	sess := s.startAvatar(t, &timeout)
	c := s.dial(t, sess.token)
	init := initFrame(sess.id)
	delete(init, "activity_idle_timeout") // keeps the start's timeout
	c.send(init)
	if ack := c.expect(gen.MsgInitAck); ack["activity_idle_timeout"] != timeout {
		t.Fatalf("init_ack %v, want the start's %v s timeout", ack, timeout)
	}
	c.send(voiceFrame(frame20ms(0)))
	for end := time.Now().Add(4 * time.Duration(timeout*float64(time.Second))); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		c.send(map[string]any{"command": "heartbeat", "event_id": uuid.NewString(), "timestamp": time.Now().UnixMilli()})
		c.expect(gen.MsgHeartbeatAck)
	}
	if st := s.status(t, sess.id); st.State != avatargen.Active || !st.Connected {
		t.Fatalf("a session that kept sending heartbeats: %+v, want active and connected", st)
	}

	ce := readUntilClose(t, c, 10*time.Second) // the agent falls silent: not even a heartbeat
	if ce.Code != websocket.CloseNormalClosure || ce.Text != "idle timeout" {
		t.Fatalf("close %d %q, want 1000 \"idle timeout\"", ce.Code, ce.Text)
	}
	st := s.status(t, sess.id)
	if st.State != avatargen.Ended || st.EndedReason == nil || *st.EndedReason != avatargen.IdleTimeout || st.Counts.Utterances != 1 {
		t.Fatalf("status after the idle timeout: %+v", st)
	}
	status, body := s.rest.raw(http.MethodDelete, "/session/stop", testAvatarKey, `{"session_id":"`+sess.id+`","session_token":"`+sess.token+`"}`)
	requireError(t, status, body, http.StatusNotFound, "SESSION_NOT_FOUND", "Session not found or already terminated")
	avatarWS.dialRefused(t, gen.ChannelV1Websocket, s.wsURL(gen.ChannelV1Websocket), bearer(sess.token), http.StatusUnauthorized)
}

func TestAvatarWSUnconnectedSessionIdlesOut(t *testing.T) {
	t.Parallel()
	s := freshAvatarServer(t)
	short := 0.2
	sess := s.startAvatar(t, &short)
	deadline := time.Now().Add(20 * time.Second)
	for s.status(t, sess.id).State != avatargen.Ended {
		if time.Now().After(deadline) {
			t.Fatal("a session that never connected did not idle out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAvatarWSSessionSurvivesRestarts: a process stop closes the socket
// with 1001, the session stays active, and the client resumes it with the
// same token on another process, then on a restarted one (issue 9, item 2).
func TestAvatarWSSessionSurvivesRestarts(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	a, b := newAvatarServer(t, dsn), newAvatarServer(t, dsn)
	sess := a.startAvatar(t, nil)
	c := a.connect(t, sess)
	c.send(voiceFrame(frame20ms(1))) // an utterance is open when the process stops
	c.send(map[string]any{"command": "heartbeat", "event_id": "sync", "timestamp": 1})
	c.expect(gen.MsgHeartbeatAck)
	go a.shutdown(t)
	if reason := c.expectClose(websocket.CloseGoingAway); reason != "server shutting down" {
		t.Fatalf("close reason %q, want %q", reason, "server shutting down")
	}
	// The stopping process detaches the socket and records the open utterance
	// just after the close frame went out.
	deadline := time.Now().Add(20 * time.Second)
	for st := b.status(t, sess.id); st.Connected || st.Counts.Utterances != 1; st = b.status(t, sess.id) {
		if st.State != avatargen.Active || time.Now().After(deadline) {
			t.Fatalf("status after the process stopped: %+v %+v; want active, not connected, the open utterance recorded", st, st.Counts)
		}
		time.Sleep(20 * time.Millisecond)
	}

	resume := func(s *avatarServer, n int) {
		t.Helper()
		c := s.dial(t, sess.token)
		c.send(map[string]any{"command": "init", "session_id": sess.id})
		if ack := c.expect(gen.MsgInitAck); ack["resumed"] != true || ack["activity_idle_timeout"] != float64(120) {
			t.Fatalf("init after the restart: %v, want resumed with the session's timeout", ack)
		}
		c.send(voiceFrame(frame20ms(n)))
		c.send(map[string]any{"command": "voice_end", "event_id": "end"})
		if ack := c.expect(gen.MsgVoiceEndAck); ack["recorded"] != true || ack["frames"] != float64(1) {
			t.Fatalf("voice_end_ack after the restart: %v", ack)
		}
		if st := s.status(t, sess.id); st.State != avatargen.Active || !st.Connected || st.Counts.Utterances != int(n) {
			t.Fatalf("status after resuming: %+v %+v", st, st.Counts)
		}
	}
	resume(b, 2) // another process sharing the database

	go b.shutdown(t)
	restarted := newAvatarServer(t, dsn)
	deadline = time.Now().Add(20 * time.Second)
	for restarted.status(t, sess.id).Connected { // b's shutdown closes its socket
		if time.Now().After(deadline) {
			t.Fatal("still connected after its process stopped")
		}
		time.Sleep(20 * time.Millisecond)
	}
	resume(restarted, 3) // the restarted server
	stop(t, restarted.rest, testAvatarKey, sess.id, sess.token)
}

func TestAvatarWSCloseCodes(t *testing.T) {
	t.Parallel()
	t.Run("1000 echoes a client close", func(t *testing.T) {
		s := freshAvatarServer(t)
		c := s.connect(t, s.startAvatar(t, nil))
		_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
		c.expectClose(websocket.CloseNormalClosure)
	})
	t.Run("1009 for a frame over the read limit", func(t *testing.T) {
		s := freshAvatarServer(t)
		c := s.connect(t, s.startAvatar(t, nil))
		big := `{"command":"voice","audio":"` + strings.Repeat("A", int(gen.Channels[0].ReadLimit)) + `"}`
		_ = c.conn.WriteMessage(websocket.TextMessage, []byte(big))
		c.expectClose(websocket.CloseMessageTooBig)
	})
	t.Run("1001 on graceful shutdown", func(t *testing.T) {
		remote.skip(t, "shuts the server down")
		s := freshAvatarServer(t)
		c := s.connect(t, s.startAvatar(t, nil))
		go s.shutdown(t)
		c.expectClose(websocket.CloseGoingAway)
	})
}
