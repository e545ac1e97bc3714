package contracttests

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/platform/config"
)

// TestTherapySessionIDOnlyInItsCanonicalForm: uuid.Parse also reads 32
// digits without dashes, urn:uuid:… and {…}; the API names a session one way.
func TestTherapySessionIDOnlyInItsCanonicalForm(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newTherapyClient(t, ts, "alice")
	id := c.create(`{"title": "one name"}`).SessionId.String()
	for name, form := range map[string]string{
		"without dashes": strings.ReplaceAll(id, "-", ""),
		"urn:uuid:":      "urn:uuid:" + id,
		"in braces":      "%7B" + id + "%7D",
	} {
		status, body := c.raw("GET", "/sessions/"+form, "", nil)
		if status != 400 || body["code"] != "VALIDATION_ERROR" || body["field"] != "session_id" || body["message"] != "session_id must be a UUID" {
			t.Errorf("GET /sessions/ %s: %d %v, want 400 VALIDATION_ERROR naming session_id", name, status, body)
		}
		refusal := therapyWS.dialRefused(t, therapyEventsChannel, ts.wsURL(therapyEventsPath(form)), therapyBearer(c.token), 400)
		if refusal["field"] != "session_id" {
			t.Errorf("events socket %s: %v, want 400 naming session_id", name, refusal)
		}
	}
	// Upper case is the same UUID, still the canonical 8-4-4-4-12 form.
	if status, body := c.raw("GET", "/sessions/"+strings.ToUpper(id), "", nil); status != 200 {
		t.Errorf("GET /sessions/<upper-case id>: %d %v, want 200", status, body)
	}
}

// TestTherapyUploadRefusalsNameTheirCause covers an upload without body and
// Content-Type (415, not INVALID_JSON) and one whose body is beyond the file
// limit plus the form's overhead (413 stating the upload limit, naming file).
func TestTherapyUploadRefusalsNameTheirCause(t *testing.T) {
	t.Parallel()
	const limit = 2048
	ts := startServer(t, createDatabase(t), func(cfg *config.Config) { cfg.ContentMaxBytes = limit })
	c := newTherapyClient(t, ts, "alice")
	path := "/sessions/" + c.create(`{"title": "uploads"}`).SessionId.String() + "/content"

	status, body := c.raw("POST", path, "", nil)
	requireTherapyError(t, status, body, 415, "UNSUPPORTED_MEDIA_TYPE", "")
	if body["message"] != "Content-Type must be multipart/form-data" {
		t.Errorf("message = %q, want the multipart wording", body["message"])
	}

	ct, form := therapyMultipart(t, therapyPart{name: "type", content: []byte("text")},
		therapyPart{name: "file", filename: "huge.txt", content: bytes.Repeat([]byte("a"), limit+128<<10)})
	status, body = c.raw("POST", path, ct, form)
	requireTherapyError(t, status, body, 413, "PAYLOAD_TOO_LARGE", "file")
	if body["message"] != "file exceeds the limit of 2048 bytes" {
		t.Errorf("message = %q, want the upload limit stated", body["message"])
	}
	// A small file in a form that is still beyond the limit plus 64 KiB.
	ct, form = therapyMultipart(t, therapyPart{name: "file", filename: "small.txt", content: []byte("words")},
		therapyPart{name: "type", content: bytes.Repeat([]byte(" "), 128<<10)})
	status, body = c.raw("POST", path, ct, form)
	requireTherapyError(t, status, body, 413, "PAYLOAD_TOO_LARGE", "file")
	if body["message"] != "file exceeds the limit of 2048 bytes" {
		t.Errorf("message = %q, want the upload limit stated", body["message"])
	}
}

// TestTherapyRepeatedQueryParameterIsNamed: ?page=1&page=2 is a 400 naming
// page, as every other bad parameter value is.
func TestTherapyRepeatedQueryParameterIsNamed(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := newTherapyClient(t, ts, "alice")
	for _, param := range []string{"page", "per_page", "sort", "order"} {
		value := map[string]string{"page": "1", "per_page": "10", "sort": "created_at", "order": "asc"}[param]
		status, body := c.raw("GET", "/sessions?"+param+"="+value+"&"+param+"="+value, "", nil)
		requireTherapyError(t, status, body, 400, "VALIDATION_ERROR", param)
		if body["message"] != param+" must be given only once" {
			t.Errorf("?%s twice: message %q", param, body["message"])
		}
	}
}
