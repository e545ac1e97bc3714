package avatarws

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/avatar/avatarstore"
	"github.com/sessionhub/server/internal/avatar/recording"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/platform/wsconn"
)

// TestClientCloseCannotPassForShutdown: a client that closes with the
// server's own 1001 "server shutting down" is a client leaving: its open
// utterance stays open for the reconnect and is recorded once, whole. The
// server's own shutdown records the open utterance.
func TestClientCloseCannotPassForShutdown(t *testing.T) {
	rec := recording.New(t.TempDir(), 0)
	signer := auth.NewSigner([]byte("unit-test-secret-0123456789abcdef"), "avatar-session")
	svc := avatar.NewService(avatarstore.New(dbtest.SQLite(t, avatarstore.Migrate)), signer, avatar.Options{Sink: rec, Bus: pubsub.NewLocal()})
	hub := wsconn.NewHub(nil, wsconn.Limits{})
	api, err := New(svc, hub)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
	})
	started, err := svc.Start(context.Background(), "key", avatar.Config{AvatarID: "a", Quality: "high", Version: "v1", VideoEncoding: "H264",
		ActivityIdleTimeout: time.Minute, Agora: avatar.AgoraSettings{AppID: "app", Token: "tok", Channel: "c", UID: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	id := started.Session.ID
	audio := base64.StdEncoding.EncodeToString(make([]byte, 4800))
	dial := func() *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+api.Path(), http.Header{"Authorization": {"Bearer " + started.Token}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	send := func(c *websocket.Conn, frame map[string]any) {
		if err := c.WriteJSON(frame); err != nil {
			t.Fatal(err)
		}
	}
	read := func(c *websocket.Conn) map[string]any {
		var reply map[string]any
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if err := c.ReadJSON(&reply); err != nil {
			t.Fatal(err)
		}
		return reply
	}

	first := dial()
	send(first, map[string]any{"command": "init", "session_id": id})
	read(first)
	send(first, map[string]any{"command": "voice", "event_id": "v1", "audio": audio, "encoding": "PCM16", "sampleRate": 24000})
	send(first, map[string]any{"command": "heartbeat", "event_id": "h1", "timestamp": 1})
	read(first) // the heartbeat's answer: the voice frame was handled before it
	_ = first.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"))
	_ = first.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := first.ReadMessage(); err != nil {
			break // the server's answering close: OnClose has run
		}
	}
	_ = first.Close()

	second := dial()
	send(second, map[string]any{"command": "init", "session_id": id})
	read(second)
	send(second, map[string]any{"command": "voice", "event_id": "v2", "audio": audio, "encoding": "PCM16", "sampleRate": 24000})
	send(second, map[string]any{"command": "voice_end", "event_id": "e1"})
	if ack := read(second); ack["frames"] != float64(2) {
		t.Errorf("voice_end after the reconnect: %v, want the one utterance of both frames (frames 2)", ack)
	}
	_ = second.Close()
	recorded := func() int {
		files, err := os.ReadDir(rec.Dir(id))
		if err != nil {
			t.Fatal(err)
		}
		return len(files)
	}
	if n := recorded(); n != 1 {
		t.Errorf("recorded files: %d, want the one utterance", n)
	}

	third := dial()
	send(third, map[string]any{"command": "init", "session_id": id})
	read(third)
	send(third, map[string]any{"command": "voice", "event_id": "v3", "audio": audio, "encoding": "PCM16", "sampleRate": 24000})
	send(third, map[string]any{"command": "heartbeat", "event_id": "h3", "timestamp": 3})
	read(third)
	go func() { // answer the server's close, as a client does
		for {
			if _, _, err := third.ReadMessage(); err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hub.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	_ = third.Close()
	if n := recorded(); n != 2 {
		t.Errorf("recorded files after the server's shutdown: %d, want the open utterance recorded too (2)", n)
	}
}
