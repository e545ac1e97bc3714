package contracttests

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	avatargen "github.com/sessionhub/server/gen/avatar"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/config"
)

// seedStartBody is the seed's own start example.
const seedStartBody = `{
  "avatar_id": "16cb73e7de08",
  "quality": "high",
  "version": "v1",
  "video_encoding": "H264",
  "activity_idle_timeout": 120,
  "agora_settings": {"app_id": "dllkSlkdmmppollalepls", "token": "lkmmopplek", "channel": "room1", "uid": "333", "enable_string_uid": false}
}`

// avatarClient is the generated client on a checked transport.
type avatarClient struct {
	t    *testing.T
	ts   *testServer
	gen  *avatargen.ClientWithResponses
	http *checkedDoer
}

func newAvatarClient(t *testing.T, ts *testServer) *avatarClient {
	t.Helper()
	doer := avatarREST.doer(t)
	c, err := avatargen.NewClientWithResponses(ts.baseURL, avatargen.WithHTTPClient(doer))
	if err != nil {
		t.Fatal(err)
	}
	return &avatarClient{t: t, ts: ts, gen: c, http: doer}
}

func withKey(key string) avatargen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("x-api-key", key)
		return nil
	}
}

// start starts a session from the seed example and requires 200.
func (c *avatarClient) start(key string) *avatargen.StartSessionResponse {
	c.t.Helper()
	resp, err := c.gen.StartSessionWithBodyWithResponse(context.Background(), "application/json", strings.NewReader(seedStartBody), withKey(key))
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.JSON200 == nil {
		c.t.Fatalf("start: HTTP %d %s, want 200", resp.StatusCode(), resp.Body)
	}
	return resp.JSON200
}

// raw sends a hand-built request and returns status and body.
func (c *avatarClient) raw(method, path, key, body string, extra ...string) (int, map[string]any) {
	c.t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if key != "" {
		h.Set("x-api-key", key)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			h.Del(extra[i]) // an empty value sends no such header
			continue
		}
		h.Set(extra[i], extra[i+1])
	}
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return c.http.rawRequest(method, c.ts.baseURL+path, h, b)
}

func requireError(t *testing.T, status int, body map[string]any, wantStatus int, wantCode, wantMessage string) {
	t.Helper()
	if status != wantStatus || body["code"] != wantCode || (wantMessage != "" && body["message"] != wantMessage) {
		t.Fatalf("got %d %v, want %d code=%s message=%q", status, body, wantStatus, wantCode, wantMessage)
	}
}

func TestAvatarStart200(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newAvatarClient(t, ts)
	got := c.start(testAvatarKey)
	if got.WebsocketAddress != ts.wsURL("/v1/websocket") {
		t.Errorf("websocket_address = %q, want %q (PUBLIC_BASE_URL with ws scheme + /v1/websocket)", got.WebsocketAddress, ts.wsURL("/v1/websocket"))
	}
	if parts := strings.Split(got.SessionToken, "."); len(parts) != 3 {
		t.Errorf("session_token %q is not a JWT", got.SessionToken)
	}

	// Vendor fields and the optional fields beyond the seed are accepted;
	// without activity_idle_timeout the default 120 applies.
	body := `{"avatar_id":"a1","quality":"low","version":"v1","video_encoding":"VP8","area":"EUROPE","video_width":1280.0,"video_height":720,"aspect_ratio":"16:9","vendor_flag":true,
	  "agora_settings":{"app_id":"app","token":"","channel":"c","uid":"alice","enable_string_uid":true,"future_setting":1}}`
	status, resp := c.raw(http.MethodPost, "/session/start", testAvatarKey, body)
	if status != http.StatusOK {
		t.Fatalf("start with vendor fields: %d %v", status, resp)
	}
	st, err := c.gen.GetSessionStatusWithResponse(context.Background(), resp["session_id"].(string), withKey(testAvatarKey))
	if err != nil || st.JSON200 == nil {
		t.Fatalf("status: %v %v", err, st)
	}
	if st.JSON200.ActivityIdleTimeout != 120 || st.JSON200.State != avatargen.Active || st.JSON200.AvatarId != "a1" {
		t.Errorf("status = %+v, want active, avatar a1, idle timeout 120", st.JSON200)
	}
}

func TestAvatarStart400(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newAvatarClient(t, ts)
	without := func(field string) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(seedStartBody), &m)
		if sub, name, nested := strings.Cut(field, "."); nested {
			delete(m[sub].(map[string]any), name)
		} else {
			delete(m, field)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	with := func(field string, v any) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(seedStartBody), &m)
		m[field] = v
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name, body, contentType, code, message string
	}{
		{"malformed JSON", `{"avatar_id": `, "", "INVALID_JSON", "Invalid JSON in request body"},
		{"no body", "", "", "VALIDATION_ERROR", "Missing request body"},
		{"array body", `[]`, "", "VALIDATION_ERROR", "Request body must be a JSON object"},
		{"no avatar_id", without("avatar_id"), "", "VALIDATION_ERROR", "Missing required field: avatar_id"},
		{"no quality", without("quality"), "", "VALIDATION_ERROR", "Missing required field: quality"},
		{"no version", without("version"), "", "VALIDATION_ERROR", "Missing required field: version"},
		{"no video_encoding", without("video_encoding"), "", "VALIDATION_ERROR", "Missing required field: video_encoding"},
		{"no agora_settings", without("agora_settings"), "", "VALIDATION_ERROR", "Missing required field: agora_settings"},
		{"no agora uid", without("agora_settings.uid"), "", "VALIDATION_ERROR", "Missing required field: agora_settings.uid"},
		{"no agora app_id", without("agora_settings.app_id"), "", "VALIDATION_ERROR", "Missing required field: agora_settings.app_id"},
		{"bad quality", with("quality", "ultra"), "", "VALIDATION_ERROR", ""},
		{"bad version", with("version", "v2"), "", "VALIDATION_ERROR", ""},
		{"bad encoding", with("video_encoding", "H265"), "", "VALIDATION_ERROR", ""},
		{"negative idle timeout", with("activity_idle_timeout", -1), "", "VALIDATION_ERROR", ""},
		{"idle timeout above a day", with("activity_idle_timeout", 86401), "", "VALIDATION_ERROR", ""},
		{"idle timeout not a number", with("activity_idle_timeout", "120"), "", "VALIDATION_ERROR", ""},
		{"avatar_id not a string", with("avatar_id", 7), "", "VALIDATION_ERROR", ""},
		{"null idle timeout is not the default", with("activity_idle_timeout", nil), "", "VALIDATION_ERROR", "Invalid value for field: activity_idle_timeout (must not be null)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := []string{}
			if tt.contentType != "" {
				extra = []string{"Content-Type", tt.contentType}
			}
			status, body := c.raw(http.MethodPost, "/session/start", testAvatarKey, tt.body, extra...)
			requireError(t, status, body, http.StatusBadRequest, tt.code, tt.message)
			if tt.message == "" && !strings.HasPrefix(body["message"].(string), "Invalid value for field: ") {
				t.Errorf("message %q does not name the invalid field", body["message"])
			}
		})
	}
}

// TestAvatarMediaTypeAndSize: the media type and the size of a body have one
// meaning on every REST API of the server: 415 and 413, each in the API's
// own error body; a JSON body with no Content-Type or as text/plain is read
// as JSON (issue 9, item 9).
func TestAvatarMediaTypeAndSize(t *testing.T) {
	t.Parallel()
	c := newAvatarClient(t, newServer(t))
	big := `{"avatar_id":"` + strings.Repeat("a", 70<<10) + `"}`
	for _, path := range []string{"/session/start", "/session/stop"} {
		method := map[string]string{"/session/start": http.MethodPost, "/session/stop": http.MethodDelete}[path]
		status, body := c.raw(method, path, testAvatarKey, `avatar_id=a`, "Content-Type", "application/x-www-form-urlencoded")
		requireError(t, status, body, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json")
		status, body = c.raw(method, path, testAvatarKey, big)
		requireError(t, status, body, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "Request body too large (limit 65536 bytes)")
	}
	for _, contentType := range []string{"text/plain;charset=UTF-8", ""} {
		status, body := c.raw(http.MethodPost, "/session/start", testAvatarKey, seedStartBody, "Content-Type", contentType)
		if status != http.StatusOK || body["session_token"] == nil {
			t.Fatalf("start with Content-Type %q: %d %v, want 200", contentType, status, body)
		}
		status, body = c.raw(http.MethodPost, "/session/start", testAvatarKey, `{"quality":"high"}`, "Content-Type", contentType)
		requireError(t, status, body, http.StatusBadRequest, "VALIDATION_ERROR", "Missing required field: avatar_id")
	}
}

func TestAvatarAPIKeyIsCheckedFirst(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newAvatarClient(t, ts)
	sid := uuid.NewString()
	for _, call := range []struct{ method, path, body string }{
		{http.MethodPost, "/session/start", `{bad json`},
		{http.MethodDelete, "/session/stop", `{"session_id":"` + sid + `","session_token":"x"}`},
		{http.MethodGet, "/session/" + sid + "/status", ""},
	} {
		status, body := c.raw(call.method, call.path, "", call.body)
		requireError(t, status, body, http.StatusForbidden, "MISSING_API_KEY", "API key header missing")
		status, body = c.raw(call.method, call.path, "not-a-key", call.body)
		requireError(t, status, body, http.StatusUnauthorized, "INVALID_API_KEY", "Invalid API key")
	}
}

func TestAvatarStart429(t *testing.T) {
	t.Parallel()
	ts := startServer(t, createDatabase(t), func(cfg *config.Config) { cfg.AvatarMaxSessionsPerKey = 2 })
	c := newAvatarClient(t, ts)
	first := c.start(testAvatarKey)
	c.start(testAvatarKey)
	status, body := c.raw(http.MethodPost, "/session/start", testAvatarKey, seedStartBody)
	requireError(t, status, body, http.StatusTooManyRequests, "TOO_MANY_SESSIONS", "Too many concurrent sessions for this API key (limit 2)")

	c.start(testAvatarKey2) // another key has its own quota
	stop(t, c, testAvatarKey, first.SessionId.String(), first.SessionToken)
	c.start(testAvatarKey) // a stopped session frees its slot
}

// TestAvatarNoSessionCapByDefault: one customer key serves all of its
// agents at once; only an operator's AVATAR_MAX_SESSIONS_PER_KEY caps it
// (issue 9, item 3).
func TestAvatarNoSessionCapByDefault(t *testing.T) {
	t.Parallel()
	c := newAvatarClient(t, newServer(t))
	for i := 0; i < 25; i++ {
		if status, body := c.raw(http.MethodPost, "/session/start", testAvatarKey, seedStartBody); status != http.StatusOK {
			t.Fatalf("start %d of one key with the default configuration: %d %v", i+1, status, body)
		}
	}
}

func stop(t *testing.T, c *avatarClient, key, sid, token string) {
	t.Helper()
	resp, err := c.gen.StopSessionWithResponse(context.Background(), avatargen.StopSessionRequest{SessionId: sid, SessionToken: &token}, withKey(key))
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil || resp.JSON200.Status != avatargen.Success || resp.JSON200.Message != avatargen.SessionTerminatedSuccessfully {
		t.Fatalf("stop: HTTP %d %s, want 200 with the seed's body", resp.StatusCode(), resp.Body)
	}
}

func TestAvatarStop(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newAvatarClient(t, ts)
	a, b := c.start(testAvatarKey), c.start(testAvatarKey)
	aID := a.SessionId.String()
	stopBody := func(sid, token string) string {
		return `{"session_id":"` + sid + `","session_token":"` + token + `"}`
	}

	t.Run("400 missing fields and bad JSON", func(t *testing.T) {
		status, body := c.raw(http.MethodDelete, "/session/stop", testAvatarKey, `{"session_token":"`+a.SessionToken+`"}`)
		requireError(t, status, body, http.StatusBadRequest, "VALIDATION_ERROR", "Missing required field: session_id")
		status, body = c.raw(http.MethodDelete, "/session/stop", testAvatarKey, `{"session_id":"`+aID+`"}`)
		requireError(t, status, body, http.StatusBadRequest, "VALIDATION_ERROR", "Missing required field: session_token")
		status, body = c.raw(http.MethodDelete, "/session/stop", testAvatarKey, `{"session_id":`)
		requireError(t, status, body, http.StatusBadRequest, "INVALID_JSON", "Invalid JSON in request body")
	})
	t.Run("401 token of another session or forged", func(t *testing.T) {
		status, body := c.raw(http.MethodDelete, "/session/stop", testAvatarKey, stopBody(aID, b.SessionToken))
		requireError(t, status, body, http.StatusUnauthorized, "INVALID_SESSION_TOKEN", "Invalid session token")
		forged := a.SessionToken[:len(a.SessionToken)-3] + "abc"
		status, body = c.raw(http.MethodDelete, "/session/stop", testAvatarKey, stopBody(aID, forged))
		requireError(t, status, body, http.StatusUnauthorized, "INVALID_SESSION_TOKEN", "Invalid session token")
	})
	t.Run("404 unknown, malformed or another key's session", func(t *testing.T) {
		status, body := c.raw(http.MethodDelete, "/session/stop", testAvatarKey2, stopBody(aID, a.SessionToken))
		requireError(t, status, body, http.StatusNotFound, "SESSION_NOT_FOUND", "Session not found or already terminated")
		status, body = c.raw(http.MethodDelete, "/session/stop", testAvatarKey, stopBody("not-a-uuid", a.SessionToken))
		requireError(t, status, body, http.StatusNotFound, "SESSION_NOT_FOUND", "Session not found or already terminated")
		// Agora's reference test: an unknown session with a token that is no JWT is 404, not 401.
		status, body = c.raw(http.MethodDelete, "/session/stop", testAvatarKey, stopBody("invalid_session_id_that_does_not_exist", "test_session_token"))
		requireError(t, status, body, http.StatusNotFound, "SESSION_NOT_FOUND", "Session not found or already terminated")
	})
	t.Run("200 then 404 when stopped twice", func(t *testing.T) {
		stop(t, c, testAvatarKey, aID, a.SessionToken)
		status, body := c.raw(http.MethodDelete, "/session/stop", testAvatarKey, stopBody(aID, a.SessionToken))
		requireError(t, status, body, http.StatusNotFound, "SESSION_NOT_FOUND", "Session not found or already terminated")
	})
	t.Run("200 with the token in Authorization (TEN client style)", func(t *testing.T) {
		status, body := c.raw(http.MethodDelete, "/session/stop", testAvatarKey, `{"session_id":"`+b.SessionId.String()+`"}`, "Authorization", "Bearer "+b.SessionToken)
		if status != http.StatusOK || body["status"] != "success" {
			t.Fatalf("stop with bearer token: %d %v", status, body)
		}
	})
	t.Run("200 with an expired token of the session", func(t *testing.T) {
		s := c.start(testAvatarKey)
		signer := auth.NewSigner(auth.DeriveKey([]byte(testJWTSecret), "avatar-session-token"), "avatar-session")
		expired, _, err := signer.Mint(s.SessionId.String(), s.SessionId.String(), -time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		stop(t, c, testAvatarKey, s.SessionId.String(), expired)
	})
}

func TestAvatarStatus(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newAvatarClient(t, ts)
	s := c.start(testAvatarKey)
	sid := s.SessionId.String()
	get := func(key, id string) *avatargen.GetSessionStatusHTTPResponse {
		resp, err := c.gen.GetSessionStatusWithResponse(context.Background(), id, withKey(key))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := get(testAvatarKey, sid); r.JSON200 == nil || r.JSON200.State != avatargen.Active || r.JSON200.EndedAt != nil {
		t.Fatalf("status of a new session: %d %s, want active", r.StatusCode(), r.Body)
	}
	stop(t, c, testAvatarKey, sid, s.SessionToken)
	r := get(testAvatarKey, sid)
	if r.JSON200 == nil || r.JSON200.State != avatargen.Ended || r.JSON200.EndedAt == nil || r.JSON200.EndedReason == nil || *r.JSON200.EndedReason != avatargen.Stopped {
		t.Fatalf("status after stop: %d %s, want ended/stopped", r.StatusCode(), r.Body)
	}
	for _, id := range []string{uuid.NewString(), "nope"} {
		if r := get(testAvatarKey, id); r.JSON404 == nil || r.JSON404.Code != avatargen.SESSIONNOTFOUND {
			t.Errorf("status of unknown %q: %d %s, want 404", id, r.StatusCode(), r.Body)
		}
	}
	if r := get(testAvatarKey2, sid); r.StatusCode() != http.StatusNotFound {
		t.Errorf("status through another key: %d, want 404", r.StatusCode())
	}
}

// TestAvatarStatusOfAnyIDThatNamesNoSessionIs404: the path parameter is
// read percent-decoded and has no length limit, and text that cannot be an
// id never reaches PostgreSQL (which refuses NUL and invalid UTF-8).
func TestAvatarStatusOfAnyIDThatNamesNoSessionIs404(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newAvatarClient(t, ts)
	sid := c.start(testAvatarKey).SessionId.String()
	for name, id := range map[string]string{
		"22 × é (132 characters encoded)": strings.Repeat("%C3%A9", 22),
		"129 characters":                  strings.Repeat("a", 129),
		"500 characters":                  strings.Repeat("b", 500),
		"NUL":                             "%00",
		"invalid UTF-8":                   "%FF%FE",
		"a percent sign":                  "%25",
		"the id in braces":                "%7B" + sid + "%7D",
		"the id without dashes":           strings.ReplaceAll(sid, "-", ""),
	} {
		status, body := c.raw(http.MethodGet, "/session/"+id+"/status", testAvatarKey, "")
		if status != http.StatusNotFound || body["code"] != "SESSION_NOT_FOUND" {
			t.Errorf("status of %s: %d %v, want 404 SESSION_NOT_FOUND", name, status, body)
		}
	}
	status, body := c.raw(http.MethodDelete, "/session/stop", testAvatarKey, `{"session_id":"\u0000","session_token":"t"}`)
	requireError(t, status, body, http.StatusNotFound, "SESSION_NOT_FOUND", "")
}

// TestAvatar500 runs the API on a server whose database has gone away:
// every operation answers the documented 500 body, never a stack or a hang.
func TestAvatar500(t *testing.T) {
	t.Parallel()
	ts := ownServer(t, "closes the database")
	c := newAvatarClient(t, ts)
	s := c.start(testAvatarKey)
	if err := ts.srv.DB().Close(); err != nil {
		t.Fatal(err)
	}
	status, body := c.raw(http.MethodPost, "/session/start", testAvatarKey, seedStartBody)
	requireError(t, status, body, http.StatusInternalServerError, "INTERNAL_ERROR", "Internal error")
	status, body = c.raw(http.MethodDelete, "/session/stop", testAvatarKey, `{"session_id":"`+s.SessionId.String()+`","session_token":"`+s.SessionToken+`"}`)
	requireError(t, status, body, http.StatusInternalServerError, "INTERNAL_ERROR", "Internal error")
	status, body = c.raw(http.MethodGet, "/session/"+s.SessionId.String()+"/status", testAvatarKey, "")
	requireError(t, status, body, http.StatusInternalServerError, "INTERNAL_ERROR", "Internal error")
}

// TestAvatarNumericUID: agora_settings is one of the two shapes its schema's
// oneOf states; with enable_string_uid false, uid is Agora's numeric uid in
// canonical decimal (0 to 4294967295, no leading zeros), and any other uid
// is refused as its x-error says, after any field wrong on its own.
func TestAvatarNumericUID(t *testing.T) {
	t.Parallel()
	c := newAvatarClient(t, newServer(t))
	body := func(agora map[string]any) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(seedStartBody), &m)
		settings := m["agora_settings"].(map[string]any)
		for k, v := range agora {
			if v == nil {
				delete(settings, k)
				continue
			}
			settings[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	const uidRule = "Invalid value for field: agora_settings.uid (must be a decimal integer 0 to 4294967295 when enable_string_uid is false)"
	for _, tc := range []struct {
		name    string
		agora   map[string]any
		message string // empty: accepted
	}{
		{"zero", map[string]any{"uid": "0", "enable_string_uid": false}, ""},
		{"largest", map[string]any{"uid": "4294967295", "enable_string_uid": false}, ""},
		{"string account with a leading zero", map[string]any{"uid": "007", "enable_string_uid": true}, ""},
		{"leading zero", map[string]any{"uid": "007", "enable_string_uid": false}, uidRule},
		{"too large", map[string]any{"uid": "4294967296", "enable_string_uid": false}, uidRule},
		{"signed", map[string]any{"uid": "+7", "enable_string_uid": false}, uidRule},
		{"not a number", map[string]any{"uid": "avatar-333", "enable_string_uid": false}, uidRule},
		{"flag missing", map[string]any{"uid": "007", "enable_string_uid": nil}, "Missing required field: agora_settings.enable_string_uid"},
		{"flag not a boolean", map[string]any{"uid": "007", "enable_string_uid": "false"}, "Invalid value for field: agora_settings.enable_string_uid (value must be a boolean)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := c.raw(http.MethodPost, "/session/start", testAvatarKey, body(tc.agora))
			if tc.message == "" {
				if status != http.StatusOK {
					t.Fatalf("%d %v, want 200", status, resp)
				}
				return
			}
			requireError(t, status, resp, http.StatusBadRequest, "VALIDATION_ERROR", tc.message)
		})
	}
}
