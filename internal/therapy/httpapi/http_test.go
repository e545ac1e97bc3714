package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/therapy"
	"github.com/sessionhub/server/internal/therapy/httpapi"
	"github.com/sessionhub/server/internal/therapy/store"
)

var secret = []byte("httpapi-test-secret-0123456789abcdef")

type noWake struct{}

func (noWake) JobQueued(context.Context) {}

// newAPI mounts the REST API on a fresh SQLite database.
func newAPI(t testing.TB) (*gin.Engine, *store.Store) {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	db := dbtest.SQLite(t, store.Migrate)
	files, err := therapy.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(db)
	svc := therapy.NewService(st, files, therapy.NewEvents(pubsub.NewLocal()), noWake{}, therapy.ContentLimits{MaxFileBytes: 1 << 20})
	engine := gin.New()
	engine.ContextWithFallback = true
	if err := httpapi.Register(engine, svc, auth.NewSigner(secret, "")); err != nil {
		t.Fatal(err)
	}
	return engine, st
}

func token(t testing.TB, sub string, ttl time.Duration) string {
	t.Helper()
	tok, _, err := auth.NewSigner(secret, "").Mint(sub, "", ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func call(engine http.Handler, method, path, tok, body string) (int, map[string]any) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	engine.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func TestErrorsNameTheirField(t *testing.T) {
	engine, _ := newAPI(t)
	alice := token(t, "alice", time.Hour)
	for _, tc := range []struct {
		method, path, tok, body string
		status                  int
		code, field             string
	}{
		{"GET", "/api/v1/sessions", "", "", 401, "UNAUTHORIZED", ""},
		{"GET", "/api/v1/sessions/not-a-uuid", "", "", 401, "UNAUTHORIZED", ""},
		{"GET", "/api/v1/sessions", token(t, "alice", -time.Minute), "", 401, "UNAUTHORIZED", ""},
		{"GET", "/api/v1/sessions?per_page=0", alice, "", 400, "VALIDATION_ERROR", "per_page"},
		{"GET", "/api/v1/sessions?per_page=101", alice, "", 400, "VALIDATION_ERROR", "per_page"},
		{"GET", "/api/v1/sessions?sort=title", alice, "", 400, "VALIDATION_ERROR", "sort"},
		{"GET", "/api/v1/sessions/not-a-uuid", alice, "", 400, "VALIDATION_ERROR", "session_id"},
		{"GET", "/api/v1/sessions/" + uuid.NewString(), alice, "", 404, "SESSION_NOT_FOUND", "session_id"},
		{"POST", "/api/v1/sessions", alice, `{}`, 400, "VALIDATION_ERROR", "title"},
		{"POST", "/api/v1/sessions", alice, `{"title":`, 400, "INVALID_JSON", ""},
		{"POST", "/api/v1/sessions", alice, `{"title":"x","inputMethod":"audio","text":"hi"}`, 400, "VALIDATION_ERROR", "text"},
		{"GET", "/api/v1/sessions/" + uuid.NewString() + "/emotions?start_time=yesterday", alice, "", 400, "VALIDATION_ERROR", "start_time"},
	} {
		status, body := call(engine, tc.method, tc.path, tc.tok, tc.body)
		field, _ := body["field"].(string)
		if status != tc.status || body["code"] != tc.code || field != tc.field || body["status"] != "error" {
			t.Errorf("%s %s %s: %d %v; want %d %s field %q", tc.method, tc.path, tc.body, status, body, tc.status, tc.code, tc.field)
		}
	}
}

// BenchmarkListSessions measures GET /api/v1/sessions through the whole
// REST stack (auth, validation, handler, SQLite) for one user who has
// 10,000 sessions.
func BenchmarkListSessions(b *testing.B) {
	engine, st := newAPI(b)
	ctx := context.Background()
	start := time.Now().UTC().Add(-time.Hour)
	for i := 0; i < 10_000; i++ {
		at := start.Add(time.Duration(i) * time.Millisecond)
		s := therapy.Session{
			ID: uuid.NewString(), Owner: "alice", Title: fmt.Sprint("session ", i), Status: therapy.StatusCreated,
			Settings: map[string]any{}, Analysis: therapy.AnalysisState{Status: therapy.AnalysisPending, UpdatedAt: at}, CreatedAt: at, UpdatedAt: at,
		}
		if err := st.CreateSession(ctx, s, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	alice := token(b, "alice", time.Hour)
	for _, tc := range []struct{ name, path string }{
		{"first_page_of_10", "/api/v1/sessions"},
		{"first_page_of_100_by_updated_at", "/api/v1/sessions?per_page=100&sort=updated_at&order=asc"},
		{"last_page_of_100", "/api/v1/sessions?page=100&per_page=100"},
	} {
		path := tc.path
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				status, body := call(engine, "GET", path, alice, "")
				if status != 200 {
					b.Fatalf("%d %v", status, body)
				}
				if total := body["data"].(map[string]any)["pagination"].(map[string]any)["total"]; total != 10000.0 {
					b.Fatalf("total = %v", total)
				}
			}
		})
	}
}

// TestPanicAnswersTheTherapyErrorBody: a panicking handler (here: a service
// without a store) answers the therapy API's documented 500 body, not the
// server-wide recovery's.
func TestPanicAnswersTheTherapyErrorBody(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	files, err := therapy.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	engine := gin.New()
	engine.ContextWithFallback = true
	engine.Use(gin.CustomRecovery(func(c *gin.Context, _ any) {
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "the server-wide recovery"})
	}))
	svc := therapy.NewService(nil, files, therapy.NewEvents(pubsub.NewLocal()), noWake{}, therapy.ContentLimits{MaxFileBytes: 1 << 20})
	if err := httpapi.Register(engine, svc, auth.NewSigner(secret, "")); err != nil {
		t.Fatal(err)
	}
	status, body := call(engine, http.MethodGet, "/api/v1/sessions", token(t, "alice", time.Hour), "")
	want := map[string]any{"status": "error", "code": "INTERNAL_ERROR", "message": "Internal error"}
	if status != http.StatusInternalServerError || len(body) != len(want) {
		t.Fatalf("panic: %d %v, want 500 %v", status, body, want)
	}
	for k, v := range want {
		if body[k] != v {
			t.Fatalf("panic: %d %v, want 500 %v", status, body, want)
		}
	}
}

// deadlineBody yields its bytes, then the error a request body returns once
// the server's read deadline (HTTP_READ_TIMEOUT) has passed.
type deadlineBody struct{ sent *strings.Reader }

func (b deadlineBody) Read(p []byte) (int, error) {
	if b.sent.Len() > 0 {
		return b.sent.Read(p)
	}
	return 0, fmt.Errorf("read tcp: %w", os.ErrDeadlineExceeded)
}

// TestSlowBodiesAre408: a body cut off by the read deadline is the
// documented 408, whether the contract's validator (JSON) or the streaming
// upload (multipart) was reading it.
func TestSlowBodiesAre408(t *testing.T) {
	engine, _ := newAPI(t)
	alice := token(t, "alice", time.Hour)
	_, created := call(engine, http.MethodPost, "/api/v1/sessions", alice, `{"title":"slow"}`)
	id, _ := created["sessionId"].(string)
	if id == "" {
		t.Fatalf("create: %v", created)
	}
	for _, tc := range []struct{ method, path, contentType, sent string }{
		{http.MethodPost, "/api/v1/sessions", "application/json", `{"title": "`},
		{http.MethodPut, "/api/v1/sessions/" + id, "application/json", `{"title": "`},
		{http.MethodPost, "/api/v1/sessions/" + id + "/content", "multipart/form-data; boundary=b",
			"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nI have"},
		{http.MethodPost, "/api/v1/sessions/" + id + "/content", "multipart/form-data; boundary=b", "--b\r\nContent-Dispo"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, deadlineBody{strings.NewReader(tc.sent)})
		req.Header.Set("Content-Type", tc.contentType)
		req.Header.Set("Authorization", "Bearer "+alice)
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, req)
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusRequestTimeout || body["code"] != "REQUEST_TIMEOUT" || body["message"] != "Request body did not arrive within the server's time limit" {
			t.Errorf("%s %s cut off after %q: %d %v, want 408 REQUEST_TIMEOUT", tc.method, tc.path, tc.sent, rec.Code, body)
		}
	}
}
