package contracttests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	therapygen "github.com/sessionhub/server/gen/therapy"
	"github.com/sessionhub/server/internal/platform/auth"
)

// therapyClient is the generated therapy client on a checked transport,
// acting as one user.
type therapyClient struct {
	t     *testing.T
	ts    *testServer
	gen   *therapygen.ClientWithResponses
	http  *checkedDoer
	token string
}

func newTherapyClient(t *testing.T, ts *testServer, sub string) *therapyClient {
	t.Helper()
	doer := therapyREST.doer(t)
	c, err := therapygen.NewClientWithResponses(ts.baseURL+"/api/v1", therapygen.WithHTTPClient(doer))
	if err != nil {
		t.Fatal(err)
	}
	return &therapyClient{t: t, ts: ts, gen: c, http: doer, token: mintTherapyToken(t, sub, time.Hour)}
}

func mintTherapyToken(t *testing.T, sub string, ttl time.Duration) string {
	t.Helper()
	tok, _, err := auth.NewSigner([]byte(testJWTSecret), "").Mint(remote.subject(t, sub), "", ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (c *therapyClient) auth() therapygen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+c.token)
		return nil
	}
}

// create posts body (JSON) and requires 201.
func (c *therapyClient) create(body string) *therapygen.CreateSessionResponse {
	c.t.Helper()
	resp, err := c.gen.CreateSessionWithBodyWithResponse(context.Background(), "application/json", strings.NewReader(body), c.auth())
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.JSON201 == nil {
		c.t.Fatalf("create %s: HTTP %d %s, want 201", body, resp.StatusCode(), resp.Body)
	}
	return resp.JSON201
}

// raw sends a hand-built request with this user's token (unless the
// header map already says otherwise) and returns status and JSON body.
func (c *therapyClient) raw(method, path, contentType string, body []byte, header ...string) (int, map[string]any) {
	c.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + c.token}}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			h.Del(header[i])
			continue
		}
		h.Set(header[i], header[i+1])
	}
	return c.http.rawRequest(method, c.ts.baseURL+"/api/v1"+path, h, body)
}

// therapyPart is one part of an upload body.
type therapyPart struct {
	name, filename string
	content        []byte
}

func therapyMultipart(t *testing.T, parts ...therapyPart) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disposition := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			disposition += fmt.Sprintf(`; filename=%q`, p.filename)
			h.Set("Content-Type", "application/octet-stream")
		}
		h.Set("Content-Disposition", disposition)
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = pw.Write(p.content)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

// upload sends a file of kind and requires 201.
func (c *therapyClient) upload(sessionID uuid.UUID, kind, filename string, content []byte) *therapygen.UploadResponse {
	c.t.Helper()
	ct, body := therapyMultipart(c.t, therapyPart{name: "type", content: []byte(kind)}, therapyPart{name: "file", filename: filename, content: content})
	resp, err := c.gen.UploadContentWithBodyWithResponse(context.Background(), sessionID, ct, bytes.NewReader(body), c.auth())
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.JSON201 == nil {
		c.t.Fatalf("upload %s: HTTP %d %s, want 201", kind, resp.StatusCode(), resp.Body)
	}
	return resp.JSON201
}

// waitAnalysis polls the analysis-status endpoint until the state is final.
func (c *therapyClient) waitAnalysis(sessionID uuid.UUID) therapygen.AnalysisState {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := c.gen.GetAnalysisStatusWithResponse(context.Background(), sessionID, c.auth())
		if err != nil || resp.JSON200 == nil {
			c.t.Fatalf("analysis status: %v %s", err, resp.Body)
		}
		st := resp.JSON200.Data.Analysis
		if st.Status == therapygen.AnalysisStatusCompleted || st.Status == therapygen.AnalysisStatusFailed {
			return st
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("analysis of %s did not finish", sessionID)
	return therapygen.AnalysisState{}
}

func (c *therapyClient) get(sessionID uuid.UUID) *therapygen.SessionDetail {
	c.t.Helper()
	resp, err := c.gen.GetSessionWithResponse(context.Background(), sessionID, c.auth())
	if err != nil || resp.JSON200 == nil {
		c.t.Fatalf("get %s: %v HTTP %d %s", sessionID, err, resp.StatusCode(), resp.Body)
	}
	return resp.JSON200
}

func requireTherapyError(t *testing.T, status int, body map[string]any, wantStatus int, wantCode, wantField string) {
	t.Helper()
	field, _ := body["field"].(string)
	if status != wantStatus || body["code"] != wantCode || field != wantField || body["status"] != "error" {
		t.Fatalf("got %d %v, want %d code=%s field=%q", status, body, wantStatus, wantCode, wantField)
	}
	requireTherapyMessageRule(t, body)
}

// requireTherapyMessageRule checks the spec's rule for error bodies: a
// message starts with the name of the field it names.
func requireTherapyMessageRule(t *testing.T, body map[string]any) {
	t.Helper()
	field, _ := body["field"].(string)
	message, _ := body["message"].(string)
	if field != "" && !strings.HasPrefix(message, field+" ") {
		t.Fatalf("error %v: message %q does not start with its field %q", body, message, field)
	}
}

func therapyJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
