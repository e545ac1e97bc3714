package therapyhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/therapy"
	"github.com/sessionhub/server/internal/therapy/therapyhttp"
	"github.com/sessionhub/server/internal/therapy/therapystore"
)

var secret = []byte("httpapi-test-secret-0123456789abcdef")

// newAPI mounts the REST API on a fresh SQLite database.
func newAPI(t testing.TB) (*gin.Engine, *therapystore.Store) {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	db := dbtest.SQLite(t, therapystore.Migrate)
	files, err := therapy.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := therapystore.New(db)
	svc := therapy.NewService(st, files, therapy.NewEvents(pubsub.NewLocal()), therapy.ContentLimits{MaxFileBytes: 1 << 20})
	engine := gin.New()
	engine.ContextWithFallback = true
	if err := therapyhttp.Register(engine, svc, auth.NewSigner(secret, "")); err != nil {
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
	contentType := ""
	if body != "" {
		contentType = "application/json"
	}
	return callAs(engine, method, path, tok, contentType, body)
}

// callAs sends body labelled contentType ("": no Content-Type header).
func callAs(engine http.Handler, method, path, tok, contentType, body string) (int, map[string]any) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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
		// The documented rule: a message starts with the field it names.
		if message, _ := body["message"].(string); field != "" && !strings.HasPrefix(message, field+" ") {
			t.Errorf("%s %s %s: message %q does not start with its field %q", tc.method, tc.path, tc.body, message, field)
		}
	}
}

// upload posts a multipart form with the given parts (name, then content;
// a part named file gets a file name) and returns status and JSON body.
func upload(t *testing.T, engine http.Handler, tok, sessionID string, parts ...string) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(parts); i += 2 {
		var pw io.Writer
		var err error
		if parts[i] == "file" {
			pw, err = w.CreateFormFile("file", "notes")
		} else {
			pw, err = w.CreateFormField(parts[i])
		}
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(pw, parts[i+1])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return callAs(engine, "POST", "/api/v1/sessions/"+sessionID+"/content", tok, w.FormDataContentType(), buf.String())
}

// The seed's TypeScript client sends JSON.stringify(...) with no
// Content-Type, which fetch labels text/plain;charset=UTF-8. Create and
// update answer such a body exactly as they answer it labelled
// application/json, errors included; other media types stay 415.
func TestJSONBodiesWhateverTheirLabel(t *testing.T) {
	engine, _ := newAPI(t)
	alice := token(t, "alice", time.Hour)
	_, created := call(engine, "POST", "/api/v1/sessions", alice, `{"title":"to update"}`)
	session := "/api/v1/sessions/" + created["sessionId"].(string)
	// comparable drops what differs between two successful creates.
	comparable := func(body map[string]any) map[string]any {
		for _, k := range []string{"sessionId", "session_id", "graphId", "created_at"} {
			delete(body, k)
		}
		return body
	}
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/api/v1/sessions", `{"title":"Therapy Session 2","description":"Intake session"}`},
		{"POST", "/api/v1/sessions", `{}`},
		{"POST", "/api/v1/sessions", `{"title":"x","status":"done"}`},
		{"POST", "/api/v1/sessions", `{"title":"x","inputMethod":"audio","text":"hi"}`},
		{"POST", "/api/v1/sessions", `{"title":`},
		{"POST", "/api/v1/sessions", ``},
		{"POST", "/api/v1/sessions", `{"title":"x","description":"` + strings.Repeat("d", 1<<20) + `"}`},
		{"PUT", session, `{"title":"renamed"}`},
		{"PUT", session, `{"duration":-1}`},
		{"PUT", session, `{"title":null}`},
		{"PUT", session, `[]`},
	} {
		wantStatus, want := callAs(engine, tc.method, tc.path, alice, "application/json", tc.body)
		for _, ct := range []string{"", "text/plain;charset=UTF-8", "text/plain"} {
			status, got := callAs(engine, tc.method, tc.path, alice, ct, tc.body)
			if status != wantStatus || !reflect.DeepEqual(comparable(got), comparable(want)) {
				t.Errorf("%s %.40s as %q: %d %v; want %d %v as for application/json", tc.method, tc.body, ct, status, got, wantStatus, want)
			}
		}
	}
	for _, path := range []string{"/api/v1/sessions", session} {
		method := map[bool]string{true: "POST", false: "PUT"}[path == "/api/v1/sessions"]
		for _, ct := range []string{"application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
			status, body := callAs(engine, method, path, alice, ct, `{"title":"x"}`)
			if status != 415 || body["code"] != "UNSUPPORTED_MEDIA_TYPE" || body["message"] != "Content-Type must be application/json (or text/plain, or none)" {
				t.Errorf("%s %s as %q: %d %v, want 415", method, path, ct, status, body)
			}
		}
	}
}

// Requests that run transactions one after the other: database/sql watches
// a query's context from its own goroutine, which must never see gin's
// pooled Context being reset for the next request (go test -race).
func TestConsecutiveUploads(t *testing.T) {
	engine, _ := newAPI(t)
	alice := token(t, "alice", time.Hour)
	_, created := call(engine, "POST", "/api/v1/sessions", alice, `{"title":"uploads"}`)
	id, _ := created["sessionId"].(string)
	for i := 0; i < 10; i++ {
		if status, body := upload(t, engine, alice, id, "type", "text", "file", "some notes"); status != 201 {
			t.Fatalf("upload %d: %d %v", i, status, body)
		}
	}
}

// The type part may be left out (the seed's Python client) or empty (its
// TypeScript client, for a file the browser has no MIME type for).
func TestUploadTypeIsOptional(t *testing.T) {
	engine, _ := newAPI(t)
	alice := token(t, "alice", time.Hour)
	_, created := call(engine, "POST", "/api/v1/sessions", alice, `{"title":"uploads"}`)
	id, _ := created["sessionId"].(string)
	for _, tc := range []struct {
		name     string
		parts    []string
		status   int
		wantType string // upload.type when 201, else the error's field
	}{
		{"no type part", []string{"file", "some notes"}, 201, "text"},
		{"empty type part", []string{"type", "", "file", "some notes"}, 201, "text"},
		{"declared type", []string{"file", "some notes", "type", "text"}, 201, "text"},
		{"no type, bytes not placeable", []string{"file", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, 400, "type"},
		{"declared type the bytes contradict", []string{"type", "audio", "file", "some notes"}, 400, "type"},
		{"no file", []string{"type", "text"}, 400, "file"},
	} {
		status, body := upload(t, engine, alice, id, tc.parts...)
		var got any = body["field"]
		if status == 201 {
			got = body["data"].(map[string]any)["upload"].(map[string]any)["type"]
		}
		if status != tc.status || got != tc.wantType {
			t.Errorf("%s: %d %v, want %d with %s", tc.name, status, body, tc.status, tc.wantType)
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
	svc := therapy.NewService(nil, files, therapy.NewEvents(pubsub.NewLocal()), therapy.ContentLimits{MaxFileBytes: 1 << 20})
	if err := therapyhttp.Register(engine, svc, auth.NewSigner(secret, "")); err != nil {
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
