package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	svc := therapy.NewService(st, files, therapy.NewEvents(pubsub.NewLocal()), noWake{}, 1<<20)
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
		// Issue 10, item 12: one spelling per id, every parameter named,
		// an upload without body or Content-Type is a media-type problem.
		{"GET", "/api/v1/sessions/" + strings.ReplaceAll(uuid.NewString(), "-", ""), alice, "", 400, "VALIDATION_ERROR", "session_id"},
		{"GET", "/api/v1/sessions/urn:uuid:" + uuid.NewString(), alice, "", 400, "VALIDATION_ERROR", "session_id"},
		{"GET", "/api/v1/sessions/%7B" + uuid.NewString() + "%7D/topics", alice, "", 400, "VALIDATION_ERROR", "session_id"},
		{"GET", "/api/v1/sessions?page=1&page=2", alice, "", 400, "VALIDATION_ERROR", "page"},
		{"POST", "/api/v1/sessions/" + uuid.NewString() + "/content", alice, "", 415, "UNSUPPORTED_MEDIA_TYPE", ""},
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
		if err := st.CreateSession(ctx, s, nil); err != nil {
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

// TestHandlersDoNotHandThePooledGinContextToTheDatabase: gin reuses a
// request's *gin.Context for the next request as soon as the handler
// returns, while the SQLite driver still watches ctx.Done() from its own
// goroutine. Run with -race (as make unit does): requests in a row over a
// real connection must not race.
func TestHandlersDoNotHandThePooledGinContextToTheDatabase(t *testing.T) {
	engine, _ := newAPI(t)
	srv := httptest.NewServer(engine)
	defer srv.Close()
	alice := token(t, "alice", time.Hour)
	for i := 0; i < 20; i++ {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/sessions", strings.NewReader(`{"title":"t"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+alice)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create %d: HTTP %d", i, resp.StatusCode)
		}
	}
}
