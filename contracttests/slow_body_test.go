package contracttests

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/platform/config"
)

// TestSlowRequestBodiesAre408: a body trickled slower than HTTP_READ_TIMEOUT
// no longer holds its connection: every operation that takes a body answers
// its API's documented 408 and the server closes the connection.
func TestSlowRequestBodiesAre408(t *testing.T) {
	t.Parallel()
	ts := startServer(t, createDatabase(t), func(cfg *config.Config) { cfg.RequestReadTimeout = time.Second })
	alice := newTherapyClient(t, ts, "alice")
	session := alice.create(`{"title": "slow bodies"}`).SessionId.String()
	avatar := newAvatarClient(t, ts)
	bearerJSON := http.Header{"Authorization": {"Bearer " + alice.token}, "Content-Type": {"application/json"}}
	apiKeyJSON := http.Header{"x-api-key": {testAvatarKey}, "Content-Type": {"application/json"}}
	multipart := http.Header{"Authorization": {"Bearer " + alice.token}, "Content-Type": {"multipart/form-data; boundary=b"}}

	for _, tc := range []struct {
		name, method, path string
		header             http.Header
		doer               *checkedDoer
		sent               string // what arrives before the client stalls
		wantBody           map[string]any
	}{
		{"therapy create", http.MethodPost, "/api/v1/sessions", bearerJSON, alice.http, `{"title": "`, therapy408},
		{"therapy update", http.MethodPut, "/api/v1/sessions/" + session, bearerJSON, alice.http, `{"title": "`, therapy408},
		{"therapy upload", http.MethodPost, "/api/v1/sessions/" + session + "/content", multipart, alice.http,
			"--b\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ntext\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n\r\nI have been", therapy408},
		{"avatar start", http.MethodPost, "/session/start", apiKeyJSON, avatar.http, `{"avatar_id": "`, avatar408},
		{"avatar stop", http.MethodDelete, "/session/stop", apiKeyJSON, avatar.http, `{"session_id": "`, avatar408},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, stalled := io.Pipe()
			req, err := http.NewRequest(tc.method, ts.baseURL+tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = tc.header.Clone()
			req.ContentLength = 64 << 10 // announced, never sent
			finished := make(chan struct{})
			defer close(finished)
			go func() {
				_, _ = stalled.Write([]byte(tc.sent))
				// Give up after a while so that a server without the read
				// timeout fails this test instead of hanging it: Go's client
				// waits for its body writer before returning an error.
				select {
				case <-finished:
				case <-time.After(20 * time.Second):
				}
				_ = stalled.CloseWithError(errors.New("the client gave up on its stalled body"))
			}()

			resp, err := tc.doer.Do(req)
			if err != nil {
				t.Fatalf("no reply to a stalled body: %v", err)
			}
			var got map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatalf("408 body is not JSON: %v", err)
			}
			if resp.StatusCode != http.StatusRequestTimeout || !sameFields(got, tc.wantBody) {
				t.Fatalf("stalled body: %d %v, want 408 %v", resp.StatusCode, got, tc.wantBody)
			}
			if !resp.Close {
				t.Errorf("the server must close the connection after a 408")
			}
		})
	}
}

var (
	therapy408 = map[string]any{"status": "error", "code": "REQUEST_TIMEOUT", "message": "Request body did not arrive within the server's time limit"}
	avatar408  = map[string]any{"error": "Request Timeout", "code": "REQUEST_TIMEOUT", "message": "Request body did not arrive within the server's time limit"}
)

func sameFields(got, want map[string]any) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
