package contracttests

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	avatarstreamgen "github.com/sessionhub/server/gen/avatarstream"
	pcgen "github.com/sessionhub/server/gen/petchat"
	vrgen "github.com/sessionhub/server/gen/vrtraining"
)

const (
	nul       = "a\x00b"
	nulReason = "must not contain the NUL character U+0000"
)

// TestNULIsRefusedInEveryStoredString: PostgreSQL cannot store U+0000 in
// text, so every stored string refuses it with its API's validation error
// (before, six fields answered INTERNAL_ERROR here while SQLite stored the
// NUL; internal/server runs the same requests on SQLite).
func TestNULIsRefusedInEveryStoredString(t *testing.T) {
	t.Parallel()
	ts := newServer(t)

	t.Run("vrtraining", func(t *testing.T) {
		c := dialVR(t, ts)
		id := createVR(t, c, "s")["sessionId"].(string)
		for field, frame := range map[string]map[string]any{
			"data.scenarioId": {"command": "create_session", "data": map[string]any{"scenarioId": nul, "avatarId": "a", "observerId": "o"}},
			"data.avatarId":   {"command": "create_session", "data": map[string]any{"scenarioId": "s", "avatarId": nul, "observerId": "o"}},
			"data.observerId": {"command": "create_session", "data": map[string]any{"scenarioId": "s", "avatarId": "a", "observerId": nul}},
			"data.notes":      {"command": "update_session", "data": map[string]any{"sessionId": id, "status": "paused", "notes": nul}},
		} {
			c.send(frame)
			reply := c.expect(vrgen.MsgError)
			if reply["code"] != "VALIDATION_ERROR" || reply["message"] != "Invalid value for field: "+field+" ("+nulReason+")" {
				t.Errorf("%s with NUL: %v, want VALIDATION_ERROR naming it", field, reply)
			}
		}
		c.send(map[string]any{"command": "get_session_json"})
		list := c.expect(vrgen.MsgGetSessionJSONSuccessAll)["data"]
		if ids := sessionIDs(list); len(ids) != 1 && !remote.enabled() {
			t.Errorf("sessions after the refusals: %v, want only the first", ids)
		}
		// A remote server holds every client's sessions: none may hold a NUL.
		if dump, _ := json.Marshal(list); strings.Contains(string(dump), `\u0000`) {
			t.Errorf("a refused session was stored: %s", dump)
		}
	})

	t.Run("decisions", func(t *testing.T) {
		c := dialDecisions(t, ts)
		token := registerDecisionUser(t, c, "c1")
		for _, tc := range []struct {
			field  string
			action string
			frame  map[string]any
		}{
			{"name", "Register", map[string]any{"action": "Register", "API_KEY": testDecisionKey, "checksum": "c2", "name": nul}},
			{"prompt", "Register", map[string]any{"action": "Register", "API_KEY": testDecisionKey, "checksum": "c3", "name": "n", "prompt": nul}},
			{"message", "TakeDecision", map[string]any{"action": "TakeDecision", "token": token, "message": nul}},
		} {
			c.send(tc.frame)
			expectDecisionError(t, c, "VALIDATION_ERROR", "Invalid value for field: "+tc.field+" ("+nulReason+")", tc.action)
		}
		if got, _ := decisionPage(t, c, token, nil); len(got) != 0 {
			t.Errorf("decisions after the refusal: %v", got)
		}
	})

	t.Run("petchat", func(t *testing.T) {
		c := dialChat(t, ts, nil)
		conv := c.newConversation(uuid.NewString())["conversation_id"].(string)
		c.send(map[string]any{"event": "message", "data": map[string]any{"conversation_id": conv, "content": nul}})
		reply := c.expect(pcgen.MsgError)
		if field(reply, "code") != "VALIDATION_ERROR" || field(reply, "message") != "Invalid value for field: data.content ("+nulReason+")" {
			t.Errorf("content with NUL: %v, want VALIDATION_ERROR naming data.content", reply)
		}
	})

	t.Run("therapy", func(t *testing.T) {
		c := newTherapyClient(t, ts, "alice")
		id := c.create(`{"title": "ok"}`).SessionId.String()
		const notBlank = "must not be blank or contain the NUL character U+0000"
		for _, tc := range []struct{ method, path, field, reason string }{
			{"POST", "/sessions", "title", notBlank},
			{"POST", "/sessions", "description", nulReason},
			{"POST", "/sessions", "text", nulReason},
			{"PUT", "/sessions/" + id, "title", notBlank},
			{"PUT", "/sessions/" + id, "description", nulReason},
		} {
			status, body := c.raw(tc.method, tc.path, "application/json", therapyJSON(map[string]any{"title": "t", tc.field: nul}))
			requireTherapyError(t, status, body, 400, "VALIDATION_ERROR", tc.field)
			if body["message"] != tc.field+" is invalid ("+tc.reason+")" {
				t.Errorf("%s %s with NUL in %s: message %q", tc.method, tc.path, tc.field, body["message"])
			}
		}
		// A file name can carry NUL through RFC 2231's extended notation.
		var form bytes.Buffer
		w := multipart.NewWriter(&form)
		_ = w.WriteField("type", "text")
		h := textproto.MIMEHeader{"Content-Disposition": {`form-data; name="file"; filename*=UTF-8''notes%00.txt`}}
		part, _ := w.CreatePart(h)
		_, _ = part.Write([]byte(therapyWorkTranscript))
		_ = w.Close()
		status, body := c.raw("POST", "/sessions/"+id+"/content", w.FormDataContentType(), form.Bytes())
		requireTherapyError(t, status, body, 400, "VALIDATION_ERROR", "file")
		if body["message"] != "file name "+nulReason {
			t.Errorf("upload named with NUL: message %q", body["message"])
		}
		// A token's subject becomes the owner of what it creates.
		nulOwner := &therapyClient{t: t, ts: ts, token: mintTherapyToken(t, "al\x00ice", time.Hour), http: c.http}
		status, body = nulOwner.raw("POST", "/sessions", "application/json", []byte(`{"title": "x"}`))
		requireTherapyError(t, status, body, 401, "UNAUTHORIZED", "")
	})

	t.Run("avatar", func(t *testing.T) {
		a := &avatarServer{testServer: ts, rest: newAvatarClient(t, ts)}
		seed := func() map[string]any {
			var m map[string]any
			_ = json.Unmarshal([]byte(seedStartBody), &m)
			return m
		}
		agora := func(m map[string]any) map[string]any { return m["agora_settings"].(map[string]any) }
		for path, mutate := range map[string]func(map[string]any){
			"avatar_id":              func(m map[string]any) { m["avatar_id"] = nul },
			"agora_settings.app_id":  func(m map[string]any) { agora(m)["app_id"] = nul },
			"agora_settings.token":   func(m map[string]any) { agora(m)["token"] = nul },
			"agora_settings.channel": func(m map[string]any) { agora(m)["channel"] = nul },
			"agora_settings.uid":     func(m map[string]any) { agora(m)["uid"], agora(m)["enable_string_uid"] = nul, true },
		} {
			body := seed()
			mutate(body)
			status, reply := a.rest.raw(http.MethodPost, "/session/start", testAvatarKey, string(therapyJSON(body)))
			requireError(t, status, reply, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid value for field: "+path+" ("+nulReason+")")
		}
		sess := a.startAvatar(t, nil)
		c := a.dial(t, sess.token)
		frame := initFrame(sess.id)
		frame["avatar_id"] = nul
		c.send(frame)
		reply := c.expect(avatarstreamgen.MsgError)
		if reply["code"] != "VALIDATION_ERROR" || reply["message"] != "Invalid value for field: avatar_id ("+nulReason+")" {
			t.Errorf("init with NUL in avatar_id: %v", reply)
		}
	})
}
