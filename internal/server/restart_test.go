package server

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/auth"
)

// TestTheServerStartsAgainOnItsSQLiteData stores something through every
// API, stops the server, starts it again on the same DATA_DIR and reads
// some of it back: the migrations at start must find the tables as they
// left them (they once
// took every sized column of a table holding a row for changed, and the
// table rebuild waited forever on SQLite's one writer connection).
func TestTheServerStartsAgainOnItsSQLiteData(t *testing.T) {
	dir := t.TempDir()
	srv, ln, cfg := newSQLiteServer(t, "DATA_DIR", dir)
	go func() { _ = srv.Serve(ln) }()
	s := &sqliteServer{base: "http://" + ln.Addr().String()}
	tok, _, _ := auth.NewSigner([]byte(unitJWTSecret), "").Mint("alice", "", time.Hour)
	bearer := []string{"Authorization", "Bearer " + tok}

	status, created := s.call(t, "POST", "/api/v1/sessions", "application/json", []byte(`{"title":"kept","text":"I slept well."}`), bearer...)
	if status != http.StatusCreated {
		t.Fatalf("therapy create: %d %v", status, created)
	}
	therapyID := created["session_id"].(string)
	vr := s.dial(t, "/ws/sessions", nil)
	vrCreated := vr.ask(map[string]any{"command": "create_session", "data": map[string]any{"scenarioId": "s", "avatarId": "a", "observerId": "o"}})
	if vrCreated["response_type"] != "success" {
		t.Fatalf("vr create: %v", vrCreated)
	}
	decisions := s.dial(t, "/ws", nil)
	reg := decisions.ask(map[string]any{"action": "Register", "API_KEY": unitDecisionKey, "checksum": "c1", "name": "tom"})
	if reply := decisions.ask(map[string]any{"action": "TakeDecision", "token": reg["token"], "message": "go"}); reply["status"] != "success" {
		t.Fatalf("decision: %v (register: %v)", reply, reg)
	}
	chat := s.dial(t, "/ws/", nil)
	chat.read() // connected
	conv := chat.ask(map[string]any{"event": "new_conversation", "data": map[string]any{"pet_id": uuid.NewString(), "providers": []string{uuid.NewString()}}})
	if reply := chat.ask(map[string]any{"event": "message", "data": map[string]any{"conversation_id": conv["data"].(map[string]any)["conversation_id"], "content": "hi"}}); reply["event"] != "message_sent" {
		t.Fatalf("chat message: %v (conversation: %v)", reply, conv)
	}
	if status, started := s.call(t, "POST", "/session/start", "application/json", jsonBody(map[string]any{"avatar_id": "av", "quality": "high", "version": "v1", "video_encoding": "H264",
		"agora_settings": map[string]any{"app_id": "app", "token": "tok", "channel": "room", "uid": "1", "enable_string_uid": false}}), "x-api-key", unitAvatarKey); status != http.StatusOK {
		t.Fatalf("avatar start: %d %v", status, started)
	}
	for _, c := range []*socket{vr, decisions, chat} {
		_ = c.conn.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	again := make(chan *Server, 1)
	go func() {
		srv, err := New(context.Background(), cfg)
		if err != nil {
			t.Error(err)
		}
		again <- srv
	}()
	select {
	case srv = <-again:
	case <-time.After(patience):
		t.Fatal("the server did not start again on its data")
	}
	if srv == nil {
		t.FailNow()
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	s = &sqliteServer{base: "http://" + ln.Addr().String()}
	status, got := s.call(t, "GET", "/api/v1/sessions/"+therapyID, "", nil, bearer...)
	if status != http.StatusOK || got["title"] != "kept" {
		t.Errorf("therapy session after the restart: %d %v", status, got)
	}
	vrID := vrCreated["data"].(map[string]any)["sessionId"]
	if reply := s.dial(t, "/ws/sessions", nil).ask(map[string]any{"command": "get_session_json", "data": map[string]any{"sessionId": vrID}}); reply["response_type"] != "success" {
		t.Errorf("vr session after the restart: %v", reply)
	}
	read := s.dial(t, "/ws", nil).ask(map[string]any{"action": "GetDecisions", "token": reg["token"]})
	if list, _ := read["data"].(map[string]any)["decisions"].([]any); len(list) != 1 {
		t.Errorf("decisions after the restart: %v", read)
	}
}
