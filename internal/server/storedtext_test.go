package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/config"
)

const (
	unitJWTSecret   = "unit-test-jwt-secret-0123456789abcdef"
	unitAvatarKey   = "unit-avatar-key"
	unitDecisionKey = "unit-decision-key"
	nulReason       = "must not contain the NUL character U+0000"
)

// sqliteServer runs the whole server on a fresh embedded SQLite database.
type sqliteServer struct {
	base string
}

// startSQLiteServer starts the server; extra are environment variables
// (name, value pairs) on top of the test defaults.
func startSQLiteServer(t testing.TB, extra ...string) *sqliteServer {
	t.Helper()
	srv, ln, _ := newSQLiteServer(t, extra...)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return &sqliteServer{base: "http://" + ln.Addr().String()}
}

// newSQLiteServer builds the server on a fresh embedded SQLite database
// and the listener it is to serve, with its configuration.
func newSQLiteServer(t testing.TB, extra ...string) (*Server, net.Listener, config.Config) {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"DATA_DIR": t.TempDir(), "PUBLIC_BASE_URL": "http://" + ln.Addr().String(), "AUTH_JWT_SECRET": unitJWTSecret,
		"AVATAR_API_KEYS": unitAvatarKey, "DECISION_API_KEYS": unitDecisionKey, "ANALYSIS_WORKERS": "0",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, ln, cfg
}

// socket is a WebSocket client that sends a frame and reads one reply.
type socket struct {
	t    *testing.T
	conn *websocket.Conn
}

// wsURL is the ws:// URL of path on this server.
func (s *sqliteServer) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(s.base, "http") + path
}

func (s *sqliteServer) dial(t *testing.T, path string, header http.Header) *socket {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(s.wsURL(path), header)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &socket{t: t, conn: conn}
}

func (s *socket) read() map[string]any {
	s.t.Helper()
	_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var frame map[string]any
	if err := s.conn.ReadJSON(&frame); err != nil {
		s.t.Fatalf("read: %v", err)
	}
	return frame
}

// requireNULRefused sends each frame, which holds a NUL in the field it is
// keyed by, and requires its error (the reply itself, or errorOf(reply))
// to refuse that field.
func (s *socket) requireNULRefused(errorOf func(reply map[string]any) any, frames map[string]map[string]any) {
	s.t.Helper()
	for field, frame := range frames {
		var refusal any = s.ask(frame)
		if errorOf != nil {
			refusal = errorOf(refusal.(map[string]any))
		}
		e, _ := refusal.(map[string]any)
		if e["code"] != "VALIDATION_ERROR" || e["message"] != "Invalid value for field: "+field+" ("+nulReason+")" {
			s.t.Errorf("%s with NUL: %v, want VALIDATION_ERROR naming it", field, refusal)
		}
	}
}

func (s *socket) ask(frame any) map[string]any {
	s.t.Helper()
	if err := s.conn.WriteJSON(frame); err != nil {
		s.t.Fatalf("write: %v", err)
	}
	return s.read()
}

func (s *sqliteServer) call(t testing.TB, method, path, contentType string, body []byte, header ...string) (int, map[string]any) {
	t.Helper()
	resp, raw := s.send(t, method, path, contentType, body, header...)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// send makes one request (header: name, value pairs) and returns the
// response with its body read.
func (s *sqliteServer) send(t testing.TB, method, path, contentType string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

func jsonBody(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// nulUpload is a multipart upload whose file name carries a NUL through
// RFC 2231's extended notation, which no schema sees.
func nulUpload(t *testing.T) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("type", "text")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename*=UTF-8''notes%00.txt`)
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = part.Write([]byte("I have been anxious about work."))
	_ = w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

// TestNULIsRefusedInEveryStoredString runs every API on SQLite, which could
// store NUL, and requires each to refuse it with its own validation error,
// as PostgreSQL (which cannot store it) needs; the contract suite runs the
// same requests on PostgreSQL.
func TestNULIsRefusedInEveryStoredString(t *testing.T) {
	s := startSQLiteServer(t)
	const nul = "a\x00b"

	t.Run("vrtraining", func(t *testing.T) {
		c := s.dial(t, "/ws/sessions", nil)
		created := c.ask(map[string]any{"command": "create_session", "data": map[string]any{"scenarioId": "s", "avatarId": "a", "observerId": "o"}})
		id := created["data"].(map[string]any)["sessionId"].(string)
		c.requireNULRefused(nil, map[string]map[string]any{
			"data.scenarioId": {"command": "create_session", "data": map[string]any{"scenarioId": nul, "avatarId": "a", "observerId": "o"}},
			"data.avatarId":   {"command": "create_session", "data": map[string]any{"scenarioId": "s", "avatarId": nul, "observerId": "o"}},
			"data.observerId": {"command": "create_session", "data": map[string]any{"scenarioId": "s", "avatarId": "a", "observerId": nul}},
			"data.notes":      {"command": "update_session", "data": map[string]any{"sessionId": id, "status": "paused", "notes": nul}},
		})
	})

	t.Run("decisions", func(t *testing.T) {
		c := s.dial(t, "/ws", nil)
		reg := c.ask(map[string]any{"action": "Register", "API_KEY": unitDecisionKey, "checksum": "c1", "name": "tom"})
		token, _ := reg["token"].(string)
		c.requireNULRefused(nil, map[string]map[string]any{
			"name":    {"action": "Register", "API_KEY": unitDecisionKey, "checksum": "c2", "name": nul},
			"prompt":  {"action": "Register", "API_KEY": unitDecisionKey, "checksum": "c3", "name": "n", "prompt": nul},
			"message": {"action": "TakeDecision", "token": token, "message": nul},
		})
	})

	t.Run("petchat", func(t *testing.T) {
		c := s.dial(t, "/ws/", nil)
		c.read() // connected
		created := c.ask(map[string]any{"event": "new_conversation", "data": map[string]any{"pet_id": uuid.NewString(), "providers": []string{uuid.NewString()}}})
		conv := created["data"].(map[string]any)["conversation_id"]
		c.requireNULRefused(func(reply map[string]any) any { return reply["data"] }, map[string]map[string]any{
			"data.content": {"event": "message", "data": map[string]any{"conversation_id": conv, "content": nul}},
		})
	})

	t.Run("therapy", func(t *testing.T) {
		tok, _, _ := auth.NewSigner([]byte(unitJWTSecret), "").Mint("alice", "", time.Hour)
		bearer := []string{"Authorization", "Bearer " + tok}
		status, created := s.call(t, "POST", "/api/v1/sessions", "application/json", []byte(`{"title":"ok"}`), bearer...)
		if status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, created)
		}
		id := created["session_id"].(string)
		for _, tc := range []struct{ method, path, field, reason string }{
			{"POST", "/api/v1/sessions", "title", "must not be blank or contain the NUL character U+0000"},
			{"POST", "/api/v1/sessions", "description", nulReason},
			{"POST", "/api/v1/sessions", "text", nulReason},
			{"PUT", "/api/v1/sessions/" + id, "title", "must not be blank or contain the NUL character U+0000"},
			{"PUT", "/api/v1/sessions/" + id, "description", nulReason},
		} {
			body := map[string]any{"title": "t", tc.field: nul}
			status, reply := s.call(t, tc.method, tc.path, "application/json", jsonBody(body), bearer...)
			if status != http.StatusBadRequest || reply["code"] != "VALIDATION_ERROR" || reply["field"] != tc.field || reply["message"] != tc.field+" is invalid ("+tc.reason+")" {
				t.Errorf("%s %s with NUL in %s: %d %v", tc.method, tc.path, tc.field, status, reply)
			}
		}
		// Blank is what the domain trims (unicode.IsSpace), so the spec's
		// pattern refuses the same titles with its documented message, and a
		// character no engine calls a space (U+FEFF) is a title everywhere.
		for _, title := range []string{"\v", "\u0085", "\u00a0", " \u2028\u3000 "} {
			for _, call := range []struct{ method, path string }{{"POST", "/api/v1/sessions"}, {"PUT", "/api/v1/sessions/" + id}} {
				status, reply := s.call(t, call.method, call.path, "application/json", jsonBody(map[string]any{"title": title}), bearer...)
				if status != http.StatusBadRequest || reply["field"] != "title" || reply["message"] != "title is invalid (must not be blank or contain the NUL character U+0000)" {
					t.Errorf("%s %s with the blank title %q: %d %v, want 400 with the documented message", call.method, call.path, title, status, reply)
				}
			}
		}
		if status, reply := s.call(t, "POST", "/api/v1/sessions", "application/json", jsonBody(map[string]any{"title": "\ufeff"}), bearer...); status != http.StatusCreated {
			t.Errorf("title U+FEFF: %d %v, want 201", status, reply)
		}
		ct, form := nulUpload(t)
		status, reply := s.call(t, "POST", "/api/v1/sessions/"+id+"/content", ct, form, bearer...)
		if status != http.StatusBadRequest || reply["field"] != "file" || reply["message"] != "file name "+nulReason {
			t.Errorf("upload named with NUL: %d %v, want 400 naming file", status, reply)
		}
		nulSub, _, _ := auth.NewSigner([]byte(unitJWTSecret), "").Mint("al\x00ice", "", time.Hour)
		if status, reply := s.call(t, "POST", "/api/v1/sessions", "application/json", []byte(`{"title":"x"}`), "Authorization", "Bearer "+nulSub); status != http.StatusUnauthorized {
			t.Errorf("token whose subject has NUL: %d %v, want 401", status, reply)
		}
	})

	t.Run("avatar", func(t *testing.T) {
		start := func(mutate func(map[string]any)) (int, map[string]any) {
			body := map[string]any{"avatar_id": "av", "quality": "high", "version": "v1", "video_encoding": "H264",
				"agora_settings": map[string]any{"app_id": "app", "token": "tok", "channel": "room", "uid": "1", "enable_string_uid": false}}
			mutate(body)
			return s.call(t, "POST", "/session/start", "application/json", jsonBody(body), "x-api-key", unitAvatarKey)
		}
		for field, mutate := range map[string]func(map[string]any){
			"avatar_id":              func(b map[string]any) { b["avatar_id"] = nul },
			"agora_settings.app_id":  func(b map[string]any) { b["agora_settings"].(map[string]any)["app_id"] = nul },
			"agora_settings.token":   func(b map[string]any) { b["agora_settings"].(map[string]any)["token"] = nul },
			"agora_settings.channel": func(b map[string]any) { b["agora_settings"].(map[string]any)["channel"] = nul },
			"agora_settings.uid": func(b map[string]any) {
				b["agora_settings"].(map[string]any)["uid"] = nul
				b["agora_settings"].(map[string]any)["enable_string_uid"] = true
			},
		} {
			status, reply := start(mutate)
			if status != http.StatusBadRequest || reply["message"] != "Invalid value for field: "+field+" ("+nulReason+")" {
				t.Errorf("start with NUL in %s: %d %v", field, status, reply)
			}
		}
		status, started := start(func(map[string]any) {})
		if status != http.StatusOK {
			t.Fatalf("start: %d %v", status, started)
		}
		c := s.dial(t, "/v1/websocket", http.Header{"Authorization": {"Bearer " + started["session_token"].(string)}})
		reply := c.ask(map[string]any{"command": "init", "session_id": started["session_id"], "avatar_id": nul})
		if reply["code"] != "VALIDATION_ERROR" || reply["message"] != "Invalid value for field: avatar_id ("+nulReason+")" {
			t.Errorf("init with NUL in avatar_id: %v", reply)
		}
	})
}
