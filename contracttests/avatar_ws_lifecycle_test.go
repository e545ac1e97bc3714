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
	s := newAvatarServer(t, createDatabase(t))
	sess := s.startAvatar(t, nil)
	c := s.connect(t, sess)
	for i := 0; i < 5; i++ {
		c.send(voiceFrame(frame20ms(i)))
	}
	stop(t, s.rest, testAvatarKey, sess.id, sess.token)
	if reason := c.expectClose(websocket.CloseNormalClosure); reason != "session stopped" {
		t.Fatalf("close reason %q, want %q", reason, "session stopped")
	}
	if info, _ := s.readWAV(t, sess.id, 1); info.Seconds() != 0.1 {
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
	dsn := createDatabase(t)
	a, b := newAvatarServer(t, dsn), newAvatarServer(t, dsn)
	sess := a.startAvatar(t, nil)
	c := a.connect(t, sess)
	stop(t, b.rest, testAvatarKey, sess.id, sess.token)
	if reason := c.expectClose(websocket.CloseNormalClosure); reason != "session stopped" {
		t.Fatalf("close reason %q", reason)
	}
}

// heartbeatUntilClose keeps heartbeating (answered each time) until the
// server closes the connection, and returns the close.
func heartbeatUntilClose(t *testing.T, c *wsClient) *websocket.CloseError {
	t.Helper()
	for i := 0; i < 10000; i++ {
		c.send(map[string]any{"command": "heartbeat", "event_id": uuid.NewString(), "timestamp": time.Now().UnixMilli()})
		_ = c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, frame, err := c.conn.ReadMessage()
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			ledger.hit(avatarWS.file, closeItem(c.channel, ce.Code))
			return ce
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if name, err := avatarWS.classify(c.channel, "server", frame); err != nil || name != gen.MsgHeartbeatAck {
			t.Fatalf("frame %s (%v), want heartbeat_ack", frame, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the idle session never ended")
	return nil
}

func TestAvatarWSIdleTimeout(t *testing.T) {
	s := newAvatarServer(t, createDatabase(t))
	half := 0.5
	sess := s.startAvatar(t, &half)
	c := s.dial(t, sess.token)
	init := initFrame(sess.id)
	delete(init, "activity_idle_timeout") // keeps the start's 0.5 s
	c.send(init)
	if ack := c.expect(gen.MsgInitAck); ack["activity_idle_timeout"] != 0.5 {
		t.Fatalf("init_ack %v, want the start's 0.5 s timeout", ack)
	}
	c.send(voiceFrame(frame20ms(0)))

	// Heartbeats prove the connection alive, not the session active.
	ce := heartbeatUntilClose(t, c)
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
	s := newAvatarServer(t, createDatabase(t))
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

func TestAvatarWSSessionLiveAtShutdownEndsOnRestart(t *testing.T) {
	dsn := createDatabase(t)
	first := newAvatarServer(t, dsn)
	sess := first.startAvatar(t, nil)
	c := first.connect(t, sess)
	go first.shutdown(t)
	c.expectClose(websocket.CloseGoingAway)

	second := newAvatarServer(t, dsn)
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := second.status(t, sess.id)
		if st.State == avatargen.Ended {
			if st.EndedReason == nil || *st.EndedReason != avatargen.ServerRestart || st.Connected {
				t.Fatalf("status after restart: %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the session connected at shutdown was not ended after the restart")
		}
		time.Sleep(50 * time.Millisecond)
	}
	status, body := second.rest.raw(http.MethodDelete, "/session/stop", testAvatarKey, `{"session_id":"`+sess.id+`","session_token":"`+sess.token+`"}`)
	requireError(t, status, body, http.StatusNotFound, "SESSION_NOT_FOUND", "")
}

func TestAvatarWSCloseCodes(t *testing.T) {
	t.Run("1000 echoes a client close", func(t *testing.T) {
		s := newAvatarServer(t, createDatabase(t))
		c := s.connect(t, s.startAvatar(t, nil))
		_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
		c.expectClose(websocket.CloseNormalClosure)
	})
	t.Run("1009 for a frame over the read limit", func(t *testing.T) {
		s := newAvatarServer(t, createDatabase(t))
		c := s.connect(t, s.startAvatar(t, nil))
		big := `{"command":"voice","audio":"` + strings.Repeat("A", int(gen.Channels[0].ReadLimit)) + `"}`
		_ = c.conn.WriteMessage(websocket.TextMessage, []byte(big))
		c.expectClose(websocket.CloseMessageTooBig)
	})
	t.Run("1001 on graceful shutdown", func(t *testing.T) {
		s := newAvatarServer(t, createDatabase(t))
		c := s.connect(t, s.startAvatar(t, nil))
		go s.shutdown(t)
		c.expectClose(websocket.CloseGoingAway)
	})
}
