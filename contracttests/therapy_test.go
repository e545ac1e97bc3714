package contracttests

import (
	"bytes"
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	therapygen "github.com/sessionhub/server/gen/therapy"
	"github.com/sessionhub/server/internal/platform/config"
)

// A transcript a reader would call anxious, about work, with a plan.
const therapyWorkTranscript = "I have been so anxious about my job lately. My manager keeps adding deadlines and I always feel like I have to handle everything on my own. " +
	"I can't sleep before Mondays. This week I will keep a sleep diary and talk to my manager about the workload."

func TestTherapyCreate201(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newTherapyClient(t, ts, "alice")
	seed := c.create(`{"title": "Therapy Session 1", "inputMethod": "text", "text": "Session transcript"}`)
	if seed.SessionId != seed.SessionIdSnake || seed.GraphId != seed.SessionId || seed.Status != therapygen.SessionStatusCreated || seed.Title != "Therapy Session 1" {
		t.Errorf("create = %+v, want sessionId = session_id = graphId, status created", seed)
	}
	fields := c.create(`{"title": "Weekly check-in", "description": "Follow-up", "duration": 3000, "status": "in_progress", "analysis_status": "success", "settings": {"lang": "en"}, "unknown": 1}`)
	got := c.get(fields.SessionId)
	if got.Description != "Follow-up" || got.Duration != 3000 || got.Status != therapygen.SessionStatusInProgress ||
		got.AnalysisStatus != therapygen.AnalysisStatusCompleted || got.Settings["lang"] != "en" || got.InputMethod != nil || !got.Date.Equal(got.CreatedAt) {
		t.Errorf("stored session = %+v", got)
	}
	// The client examples' shape.
	c.create(`{"title": "Therapy Session 2", "description": "Intake session"}`)

	// Location names the new session.
	resp, err := c.gen.CreateSessionWithBodyWithResponse(context.Background(), "application/json", strings.NewReader(`{"title":"located"}`), c.auth())
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create: %v", err)
	}
	if loc := resp.HTTPResponse.Header.Get("Location"); loc != "/api/v1/sessions/"+resp.JSON201.SessionId.String() {
		t.Errorf("Location = %q", loc)
	}
}

func TestTherapyCreateErrors(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newTherapyClient(t, ts, "alice")
	for _, tc := range []struct {
		body  string
		code  string
		field string
	}{
		{`{}`, "VALIDATION_ERROR", "title"},
		{`{"title": ""}`, "VALIDATION_ERROR", "title"},
		{`{"title": "   "}`, "VALIDATION_ERROR", "title"},
		{`{"title": "` + strings.Repeat("t", 201) + `"}`, "VALIDATION_ERROR", "title"},
		{`{"title": "x", "duration": -1}`, "VALIDATION_ERROR", "duration"},
		{`{"title": "x", "duration": 86401}`, "VALIDATION_ERROR", "duration"},
		{`{"title": "x", "status": "done"}`, "VALIDATION_ERROR", "status"},
		{`{"title": "x", "analysis_status": "great"}`, "VALIDATION_ERROR", "analysis_status"},
		{`{"title": "x", "inputMethod": "fax"}`, "VALIDATION_ERROR", "inputMethod"},
		{`{"title": "x", "inputMethod": "audio", "text": "words"}`, "VALIDATION_ERROR", "text"},
		{`{"title": "x", "text": ""}`, "VALIDATION_ERROR", "text"},
		{`{"title": "x", "settings": {"big": "` + strings.Repeat("s", 17<<10) + `"}}`, "VALIDATION_ERROR", "settings"},
		{`{"title": 5}`, "VALIDATION_ERROR", "title"},
		{`[]`, "VALIDATION_ERROR", ""},
		{`{"title": `, "INVALID_JSON", ""},
		{``, "INVALID_JSON", ""},
	} {
		status, body := c.raw(http.MethodPost, "/sessions", "application/json", []byte(tc.body))
		field, _ := body["field"].(string)
		if status != 400 || body["code"] != tc.code || field != tc.field {
			t.Errorf("create %.60s: %d %v, want 400 %s field %q", tc.body, status, body, tc.code, tc.field)
		}
	}
	status, body := c.raw(http.MethodPost, "/sessions", "application/xml", []byte(`{"title":"x"}`))
	requireTherapyError(t, status, body, 415, "UNSUPPORTED_MEDIA_TYPE", "")
	big := `{"title": "x", "description": "` + strings.Repeat("d", 1<<20) + `"}`
	status, body = c.raw(http.MethodPost, "/sessions", "application/json", []byte(big))
	requireTherapyError(t, status, body, 413, "PAYLOAD_TOO_LARGE", "")
}

// TestTherapy401 covers every operation without a valid token.
func TestTherapy401(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newTherapyClient(t, ts, "alice")
	id := c.create(`{"title": "mine"}`).SessionId.String()
	forged := mintTherapyToken(t, "alice", time.Hour)
	forged = forged[:len(forged)-4] + "AAAA"
	noSub := mintTherapyToken(t, "", time.Hour)
	noExp, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "alice"}).SignedString([]byte(testJWTSecret))
	if err != nil {
		t.Fatal(err)
	}
	ops := []struct{ method, path, ct string }{
		{"GET", "/sessions", ""}, {"POST", "/sessions", "application/json"}, {"GET", "/sessions/" + id, ""},
		{"PUT", "/sessions/" + id, "application/json"}, {"DELETE", "/sessions/" + id, ""},
		{"POST", "/sessions/" + id + "/content", "multipart/form-data; boundary=x"}, {"GET", "/sessions/" + id + "/analysis/status", ""},
		{"GET", "/sessions/" + id + "/emotions", ""}, {"GET", "/sessions/" + id + "/topics", ""}, {"GET", "/sessions/" + id + "/insights", ""},
		{"GET", "/sessions/not-a-uuid", ""},
	}
	for _, op := range ops {
		for name, header := range map[string]string{
			"missing": "", "not bearer": "Basic YWxpY2U6eA==", "forged": "Bearer " + forged, "no sub": "Bearer " + noSub, "no exp": "Bearer " + noExp,
			"expired": "Bearer " + mintTherapyToken(t, "alice", -time.Minute), "garbage": "Bearer not.a.jwt",
		} {
			status, body := c.raw(op.method, op.path, op.ct, []byte(`{}`), "Authorization", header)
			if status != 401 || body["code"] != "UNAUTHORIZED" {
				t.Errorf("%s %s (%s token): %d %v, want 401", op.method, op.path, name, status, body)
			}
		}
	}
	status, body := c.raw("GET", "/sessions", "", nil, "Authorization", "Bearer "+mintTherapyToken(t, "alice", -time.Minute))
	if status != 401 || body["message"] != "Bearer token expired" {
		t.Errorf("expired: %d %v", status, body)
	}
}

func TestTherapyListPagination(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	alice, bob := newTherapyClient(t, ts, "alice"), newTherapyClient(t, ts, "bob")
	var ids []uuid.UUID
	for i := 0; i < 23; i++ {
		ids = append(ids, alice.create(`{"title": "session"}`).SessionId)
	}
	bob.create(`{"title": "bob's"}`)
	list := func(c *therapyClient, params therapygen.ListSessionsParams) *therapygen.SessionListResponse {
		t.Helper()
		resp, err := c.gen.ListSessionsWithResponse(context.Background(), &params, c.auth())
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("list %+v: %v %s", params, err, resp.Body)
		}
		return resp.JSON200
	}
	p := func(v int) *int { return &v }
	asc, desc := therapygen.Asc, therapygen.Desc
	upd := therapygen.UpdatedAt
	for _, tc := range []struct {
		params         therapygen.ListSessionsParams
		wantLen, pages int
		wantFirst      uuid.UUID
	}{
		{therapygen.ListSessionsParams{}, 10, 3, ids[22]},
		{therapygen.ListSessionsParams{Page: p(3)}, 3, 3, ids[2]},
		{therapygen.ListSessionsParams{Page: p(4)}, 0, 3, uuid.Nil},
		{therapygen.ListSessionsParams{Page: p(1000000)}, 0, 3, uuid.Nil},
		{therapygen.ListSessionsParams{PerPage: p(100), Order: &asc}, 23, 1, ids[0]},
		{therapygen.ListSessionsParams{PerPage: p(1), Page: p(23), Order: &desc}, 1, 23, ids[0]},
		{therapygen.ListSessionsParams{PerPage: p(5), Sort: &upd, Order: &asc}, 5, 5, ids[0]},
	} {
		got := list(alice, tc.params)
		pg := got.Data.Pagination
		if len(got.Sessions) != tc.wantLen || len(got.Data.Sessions) != tc.wantLen || pg.Total != 23 || pg.Pages != tc.pages {
			t.Errorf("list %+v: %d items, pagination %+v; want %d items, total 23, %d pages", tc.params, len(got.Sessions), pg, tc.wantLen, tc.pages)
			continue
		}
		if tc.wantLen > 0 && got.Sessions[0].Id != tc.wantFirst {
			t.Errorf("list %+v: first %s, want %s", tc.params, got.Sessions[0].Id, tc.wantFirst)
		}
	}
	if got := list(bob, therapygen.ListSessionsParams{}); got.Data.Pagination.Total != 1 || len(got.Sessions) != 1 {
		t.Errorf("bob sees %d sessions (total %d), want only his 1", len(got.Sessions), got.Data.Pagination.Total)
	}
	empty := newTherapyClient(t, ts, "carol")
	if got := list(empty, therapygen.ListSessionsParams{}); got.Data.Pagination.Total != 0 || got.Data.Pagination.Pages != 0 || len(got.Sessions) != 0 {
		t.Errorf("carol: %+v, want an empty first page with 0 pages", got.Data.Pagination)
	}
	for _, q := range []struct{ query, field string }{
		{"per_page=0", "per_page"}, {"per_page=101", "per_page"}, {"per_page=ten", "per_page"},
		{"page=0", "page"}, {"page=1000001", "page"}, {"sort=title", "sort"}, {"order=up", "order"},
	} {
		status, body := alice.raw("GET", "/sessions?"+q.query, "", nil)
		requireTherapyError(t, status, body, 400, "VALIDATION_ERROR", q.field)
	}
}

func TestTherapyGetUpdateDeleteOwnership(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	alice, bob := newTherapyClient(t, ts, "alice"), newTherapyClient(t, ts, "bob")
	s := alice.create(`{"title": "mine", "description": "keep", "duration": 60, "settings": {"a": 1}}`)
	id := s.SessionId.String()

	// Another user: every operation is 404.
	ct, upload := therapyMultipart(t, therapyPart{name: "type", content: []byte("text")}, therapyPart{name: "file", filename: "a.txt", content: []byte("hi")})
	for _, op := range []struct {
		method, path, ct string
		body             []byte
	}{
		{"GET", "/sessions/" + id, "", nil}, {"PUT", "/sessions/" + id, "application/json", []byte(`{"title":"stolen"}`)},
		{"DELETE", "/sessions/" + id, "", nil}, {"POST", "/sessions/" + id + "/content", ct, upload},
		{"GET", "/sessions/" + id + "/analysis/status", "", nil}, {"GET", "/sessions/" + id + "/emotions", "", nil},
		{"GET", "/sessions/" + id + "/topics", "", nil}, {"GET", "/sessions/" + id + "/insights", "", nil},
	} {
		status, body := bob.raw(op.method, op.path, op.ct, op.body)
		requireTherapyError(t, status, body, 404, "SESSION_NOT_FOUND", "session_id")
	}

	// Partial update keeps what it does not name.
	resp, err := alice.gen.UpdateSessionWithBodyWithResponse(context.Background(), s.SessionId, "application/json", strings.NewReader(`{"title": "renamed"}`), alice.auth())
	if err != nil || resp.JSON200 == nil || resp.JSON200.Message != "Session updated" {
		t.Fatalf("update: %v %s", err, resp.Body)
	}
	got := alice.get(s.SessionId)
	if got.Title != "renamed" || got.Description != "keep" || got.Duration != 60 || got.Settings["a"] != float64(1) || !got.UpdatedAt.After(got.CreatedAt) {
		t.Errorf("after partial update: %+v", got)
	}
	status, body := alice.raw("PUT", "/sessions/"+id, "application/json", []byte(`{"analysis_status": "success", "status": "completed"}`))
	if status != 200 {
		t.Fatalf("update status: %d %v", status, body)
	}
	if got := alice.get(s.SessionId); got.AnalysisStatus != therapygen.AnalysisStatusCompleted || got.Status != therapygen.SessionStatusCompleted {
		t.Errorf("after status update: %+v", got)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"title": null}`, "title"}, {`{"duration": 99999}`, "duration"}, {`{"status": "x"}`, "status"}, {`{"settings": []}`, "settings"},
	} {
		status, body := alice.raw("PUT", "/sessions/"+id, "application/json", []byte(tc.body))
		requireTherapyError(t, status, body, 400, "VALIDATION_ERROR", tc.field)
	}
	status, body = alice.raw("PUT", "/sessions/"+id, "application/json", []byte(`{"title": `))
	requireTherapyError(t, status, body, 400, "INVALID_JSON", "")
	status, body = alice.raw("PUT", "/sessions/"+id, "application/xml", []byte(`{}`))
	requireTherapyError(t, status, body, 415, "UNSUPPORTED_MEDIA_TYPE", "")
	status, body = alice.raw("PUT", "/sessions/"+id, "application/json", []byte(`{"description": "`+strings.Repeat("d", 1<<20)+`"}`))
	requireTherapyError(t, status, body, 413, "PAYLOAD_TOO_LARGE", "")
	status, body = alice.raw("PUT", "/sessions/"+uuid.NewString(), "application/json", []byte(`{}`))
	requireTherapyError(t, status, body, 404, "SESSION_NOT_FOUND", "session_id")

	// Bad ids are 400 on every path.
	for _, op := range []struct{ method, path, ct string }{
		{"GET", "/sessions/nope", ""}, {"PUT", "/sessions/nope", "application/json"}, {"DELETE", "/sessions/nope", ""},
		{"POST", "/sessions/nope/content", ct}, {"GET", "/sessions/nope/analysis/status", ""},
		{"GET", "/sessions/nope/emotions", ""}, {"GET", "/sessions/nope/topics", ""}, {"GET", "/sessions/nope/insights", ""},
	} {
		body := []byte(`{}`)
		if strings.HasSuffix(op.path, "/content") {
			body = upload
		}
		status, resp := alice.raw(op.method, op.path, op.ct, body)
		requireTherapyError(t, status, resp, 400, "VALIDATION_ERROR", "session_id")
	}

	// Delete, then it is gone for its owner too.
	del, err := alice.gen.DeleteSessionWithResponse(context.Background(), s.SessionId, alice.auth())
	if err != nil || del.JSON200 == nil || del.JSON200.Message != "Session deleted" {
		t.Fatalf("delete: %v %s", err, del.Body)
	}
	status, body = alice.raw("DELETE", "/sessions/"+id, "", nil)
	requireTherapyError(t, status, body, 404, "SESSION_NOT_FOUND", "session_id")
	status, body = alice.raw("GET", "/sessions/"+id, "", nil)
	requireTherapyError(t, status, body, 404, "SESSION_NOT_FOUND", "session_id")
}

func TestTherapyUpload(t *testing.T) {
	t.Parallel()
	const limit = 2048
	ts, limited := configuredServer(t, func(cfg *config.Config) { cfg.ContentMaxBytes = limit })
	c := newTherapyClient(t, ts, "alice")
	s := c.create(`{"title": "uploads"}`)
	path := "/sessions/" + s.SessionId.String() + "/content"

	up := c.upload(s.SessionId, "text", "dir/notes.txt", []byte(therapyWorkTranscript))
	if up.Data.Upload.Filename != "notes.txt" || up.Data.Upload.Size != int64(len(therapyWorkTranscript)) || up.Data.Upload.Type != therapygen.UploadTypeText ||
		up.Data.Analysis.Status != therapygen.AnalysisStatusPending {
		t.Errorf("upload = %+v", up.Data)
	}
	if limited {
		c.upload(s.SessionId, "text", "at-limit.txt", bytes.Repeat([]byte("a"), limit))
	}

	for _, tc := range []struct {
		name  string
		parts []therapyPart
		field string
	}{
		{"no file", []therapyPart{{name: "type", content: []byte("text")}}, "file"},
		{"no type, bytes not audio, video or text", []therapyPart{{name: "file", filename: "a.png", content: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")}}, "type"},
		{"two types", []therapyPart{{name: "type", content: []byte("text")}, {name: "type", content: []byte("text")}, {name: "file", filename: "a", content: []byte("a")}}, "type"},
		{"empty file", []therapyPart{{name: "type", content: []byte("text")}, {name: "file", filename: "a.txt"}}, "file"},
		{"two files", []therapyPart{{name: "type", content: []byte("text")}, {name: "file", filename: "a", content: []byte("a")}, {name: "file", filename: "b", content: []byte("b")}}, "file"},
		{"extra part", []therapyPart{{name: "type", content: []byte("text")}, {name: "note", content: []byte("x")}, {name: "file", filename: "a", content: []byte("a")}}, "note"},
		{"unknown type", []therapyPart{{name: "type", content: []byte("image")}, {name: "file", filename: "a", content: []byte("a")}}, "type"},
		{"audio that is text", []therapyPart{{name: "type", content: []byte("audio")}, {name: "file", filename: "a.mp3", content: []byte("plain words")}}, "type"},
		{"text that is binary", []therapyPart{{name: "file", filename: "a.txt", content: []byte{0, 1, 2, 3}}, {name: "type", content: []byte("text")}}, "type"},
	} {
		ct, body := therapyMultipart(t, tc.parts...)
		status, resp := c.raw("POST", path, ct, body)
		requireTherapyError(t, status, resp, 400, "VALIDATION_ERROR", tc.field)
	}
	status, resp := c.raw("POST", path, "multipart/form-data", []byte("no boundary"))
	requireTherapyError(t, status, resp, 400, "VALIDATION_ERROR", "file")

	if limited {
		ct, body := therapyMultipart(t, therapyPart{name: "type", content: []byte("text")}, therapyPart{name: "file", filename: "big.txt", content: bytes.Repeat([]byte("a"), limit+1)})
		status, resp := c.raw("POST", path, ct, body)
		requireTherapyError(t, status, resp, 413, "PAYLOAD_TOO_LARGE", "file")
	}

	status, resp = c.raw("POST", path, "application/json", []byte(`{"type":"text"}`))
	requireTherapyError(t, status, resp, 415, "UNSUPPORTED_MEDIA_TYPE", "")

	ct, body := therapyMultipart(t, therapyPart{name: "type", content: []byte("text")}, therapyPart{name: "file", filename: "a", content: []byte("a")})
	status, resp = c.raw("POST", "/sessions/"+uuid.NewString()+"/content", ct, body)
	requireTherapyError(t, status, resp, 404, "SESSION_NOT_FOUND", "session_id")
}

// TestTherapyUploadWithoutType sends what the seed's clients send: the
// Python client's form has only a file part, the TypeScript client's an
// empty type for a file whose MIME type the browser does not know. The
// server infers the type from the bytes, and refuses bytes it cannot place
// with a message that tells the client what to send.
func TestTherapyUploadWithoutType(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newTherapyClient(t, ts, "alice")
	s := c.create(`{"title": "uploaded by the seed's clients"}`)
	path := "/sessions/" + s.SessionId.String() + "/content"

	for _, tc := range []struct {
		name  string
		parts []therapyPart
		want  therapygen.UploadType
	}{
		{"Python: file only, a transcript", []therapyPart{{name: "file", filename: "notes.txt", content: []byte(therapyWorkTranscript)}}, therapygen.UploadTypeText},
		{"Python: file only, a recording", []therapyPart{{name: "file", filename: "session.wav", content: therapyWAV()}}, therapygen.UploadTypeAudio},
		{"TypeScript: empty type, a recording", []therapyPart{{name: "file", filename: "session.rec", content: therapyWAV()}, {name: "type"}}, therapygen.UploadTypeAudio},
	} {
		ct, body := therapyMultipart(t, tc.parts...)
		resp, err := c.gen.UploadContentWithBodyWithResponse(context.Background(), s.SessionId, ct, bytes.NewReader(body), c.auth())
		if err != nil {
			t.Fatal(err)
		}
		if resp.JSON201 == nil || resp.JSON201.Data.Upload.Type != tc.want {
			t.Errorf("%s: HTTP %d %s, want 201 with upload.type %s", tc.name, resp.StatusCode(), resp.Body, tc.want)
		}
	}
	// The inferred text is analysed like a declared one (the recordings
	// after it fail without a transcriber, so look at the results).
	// Results are stored as they are found, emotions before topics.
	deadline := time.Now().Add(30 * time.Second)
	for got := c.get(s.SessionId); (len(got.Emotions) == 0 || len(got.Topics) == 0) && time.Now().Before(deadline); got = c.get(s.SessionId) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := c.get(s.SessionId); len(got.Emotions) == 0 || len(got.Topics) == 0 {
		t.Errorf("the transcript uploaded without a type was not analysed: %d emotions, %d topics", len(got.Emotions), len(got.Topics))
	}

	ct, body := therapyMultipart(t, therapyPart{name: "file", filename: "scan.png", content: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")})
	status, resp := c.raw("POST", path, ct, body)
	requireTherapyError(t, status, resp, 400, "VALIDATION_ERROR", "type")
	if want := "type is required: the file is not recognisable as audio, video or text (send type: audio, video or text)"; resp["message"] != want {
		t.Errorf("message = %q, want %q", resp["message"], want)
	}
	// A given type is still checked against the bytes, never replaced.
	ct, body = therapyMultipart(t, therapyPart{name: "type", content: []byte("video")}, therapyPart{name: "file", filename: "session.wav", content: therapyWAV()})
	status, resp = c.raw("POST", path, ct, body)
	requireTherapyError(t, status, resp, 400, "VALIDATION_ERROR", "type")
}

// TestTherapyJSONWhateverItsLabel sends what the seed's TypeScript client
// sends: JSON.stringify(...) through a helper that may set no Content-Type,
// which fetch then labels text/plain;charset=UTF-8. Create and update read
// it as JSON and answer every body exactly as they answer it labelled
// application/json, errors included; other media types stay 415.
func TestTherapyJSONWhateverItsLabel(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newTherapyClient(t, ts, "alice")
	const fetchLabel = "text/plain;charset=UTF-8"

	status, created := c.raw("POST", "/sessions", fetchLabel, []byte(`{"title":"Therapy Session 2","description":"Intake session"}`))
	id, _ := created["sessionId"].(string)
	sessionID, err := uuid.Parse(id)
	if status != 201 || err != nil {
		t.Fatalf("create as %s: %d %v, want 201", fetchLabel, status, created)
	}
	if got := c.get(sessionID); got.Title != "Therapy Session 2" || got.Description != "Intake session" {
		t.Errorf("created as %s: %+v", fetchLabel, got)
	}
	status, body := c.raw("PUT", "/sessions/"+id, "", []byte(`{"status":"in_progress","duration":1800}`))
	if status != 200 || body["message"] != "Session updated" {
		t.Fatalf("update without Content-Type: %d %v, want 200", status, body)
	}
	if got := c.get(sessionID); got.Status != therapygen.SessionStatusInProgress || got.Duration != 1800 || got.Description != "Intake session" {
		t.Errorf("updated without Content-Type: %+v", got)
	}

	// Every answer, errors included, is the one application/json gets.
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/sessions", `{}`},
		{"POST", "/sessions", `{"title": 5}`},
		{"POST", "/sessions", `{"title": "x", "duration": 86401}`},
		{"POST", "/sessions", `{"title": "x", "inputMethod": "audio", "text": "words"}`},
		{"POST", "/sessions", `{"title": `},
		{"POST", "/sessions", ``},
		{"POST", "/sessions", `{"title": "x", "description": "` + strings.Repeat("d", 1<<20) + `"}`},
		{"PUT", "/sessions/" + id, `{"title": null}`},
		{"PUT", "/sessions/" + id, `{"status": "x"}`},
		{"PUT", "/sessions/" + id, `{"settings": []}`},
		{"PUT", "/sessions/" + id, `{}`},
		{"PUT", "/sessions/" + uuid.NewString(), `{}`},
		{"PUT", "/sessions/nope", `{}`},
	} {
		wantStatus, want := c.raw(tc.method, tc.path, "application/json", []byte(tc.body))
		for _, ct := range []string{fetchLabel, "text/plain", ""} {
			status, got := c.raw(tc.method, tc.path, ct, []byte(tc.body))
			if status != wantStatus || !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s %.40s as %q: %d %v; want %d %v as for application/json", tc.method, tc.path, tc.body, ct, status, got, wantStatus, want)
			}
		}
	}
	for _, op := range []struct{ method, path string }{{"POST", "/sessions"}, {"PUT", "/sessions/" + id}} {
		for _, ct := range []string{"application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
			status, body := c.raw(op.method, op.path, ct, []byte(`{"title": "x"}`))
			requireTherapyError(t, status, body, 415, "UNSUPPORTED_MEDIA_TYPE", "")
			if body["message"] != "Content-Type must be application/json (or text/plain, or none)" {
				t.Errorf("%s %s as %q: message %q", op.method, op.path, ct, body["message"])
			}
		}
	}
}

// TestTherapyCreateShapes: the create body is one of the two shapes its
// schema's oneOf states (with `text`, `inputMethod` absent or `text`;
// without, any); a body matching neither is refused as its x-error says,
// after any field that is wrong on its own.
func TestTherapyCreateShapes(t *testing.T) {
	t.Parallel()
	c := newTherapyClient(t, newServer(t), "alice")
	for _, body := range []string{
		`{"title": "text alone", "text": "words"}`,
		`{"title": "text as text", "inputMethod": "text", "text": "words"}`,
		`{"title": "audio, no text", "inputMethod": "audio"}`,
		`{"title": "nothing else"}`,
	} {
		if status, resp := c.raw("POST", "/sessions", "application/json", []byte(body)); status != 201 {
			t.Errorf("%s: %d %v, want 201", body, status, resp)
		}
	}
	for _, tc := range []struct{ body, field, message string }{
		{`{"title": "x", "inputMethod": "audio", "text": "words"}`, "text", "text is invalid (must be absent unless inputMethod is text)"},
		{`{"title": "x", "inputMethod": "video", "text": "words"}`, "text", "text is invalid (must be absent unless inputMethod is text)"},
		{`{"inputMethod": "audio", "text": "words"}`, "title", "title is required"},
		{`{"title": "x", "inputMethod": "audio", "text": 5}`, "text", ""},
	} {
		status, resp := c.raw("POST", "/sessions", "application/json", []byte(tc.body))
		requireTherapyError(t, status, resp, 400, "VALIDATION_ERROR", tc.field)
		if tc.message != "" && resp["message"] != tc.message {
			t.Errorf("%s: message %q, want %q", tc.body, resp["message"], tc.message)
		}
	}
}
