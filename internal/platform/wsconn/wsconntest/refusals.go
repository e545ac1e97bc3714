// Package wsconntest checks, in the APIs' unit tests, that their refused
// upgrades carry the bodies their AsyncAPI documents declare.
package wsconntest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionhub/server/internal/platform/wsconn"
	"github.com/sessionhub/server/internal/platform/wsschema"
)

// UpgradeSchema is a generated package's UpgradeSchema: the body schema of
// each documented refusal status.
type UpgradeSchema func(status int) ([]byte, bool)

// RequireUpgradeRefusals requires the API's refused upgrades to carry their
// documented bodies: refuse's for the connection layer's refusals (429,
// 503, 500) and for the API's own statuses in more, and h's answer to a
// panic before the upgrade (h must panic, e.g. for a missing hub).
func RequireUpgradeRefusals(t *testing.T, h http.Handler, refuse func(http.ResponseWriter, wsconn.Refusal), schema UpgradeSchema, more ...int) {
	t.Helper()
	statuses := append([]int{http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusInternalServerError}, more...)
	t.Run("connection layer", func(t *testing.T) { RequireRefusalBodies(t, refuse, schema, statuses...) })
	t.Run("panic before the upgrade", func(t *testing.T) { RequirePanicRefusal(t, h, schema) })
}

// RequireRefusalBodies requires refuse to write, for each status, a body
// that the schema documented for that status accepts.
func RequireRefusalBodies(t *testing.T, refuse func(http.ResponseWriter, wsconn.Refusal), schema UpgradeSchema, statuses ...int) {
	t.Helper()
	for _, status := range statuses {
		w := httptest.NewRecorder()
		refuse(w, wsconn.Refusal{Status: status, Message: "documented message"})
		requireDocumented(t, w, status, schema)
	}
}

// RequirePanicRefusal sends an upgrade request to h, whose handling must
// panic before the upgrade, and requires the API's documented 500 body.
func RequirePanicRefusal(t *testing.T, h http.Handler, schema UpgradeSchema) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	w := httptest.NewRecorder()
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("the panic escaped the API's upgrade handler: %v", p)
			}
		}()
		h.ServeHTTP(w, r)
	}()
	requireDocumented(t, w, http.StatusInternalServerError, schema)
}

func requireDocumented(t *testing.T, w *httptest.ResponseRecorder, status int, schema UpgradeSchema) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("refusal: status %d, want %d (body %s)", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("refusal %d: Content-Type %q, want application/json", status, ct)
	}
	raw, ok := schema(status)
	if !ok {
		t.Fatalf("refusal %d is not a documented upgrade response", status)
	}
	v, err := wsschema.Compile(func(string) ([]byte, bool) { return raw, true }, "upgrade")
	if err != nil {
		t.Fatalf("compile the %d schema: %v", status, err)
	}
	doc, err := wsschema.Decode(w.Body.Bytes())
	if err != nil {
		t.Fatalf("refusal %d: body is not JSON: %s", status, w.Body)
	}
	if p := v.Validate("upgrade", doc); p != nil {
		t.Fatalf("refusal %d: body %s does not match the spec: %s", status, w.Body, p.Message)
	}
}
