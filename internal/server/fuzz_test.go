package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gorilla/websocket"

	"github.com/sessionhub/server/gen/avatar"
	"github.com/sessionhub/server/gen/avatarstream"
	"github.com/sessionhub/server/gen/decisions"
	"github.com/sessionhub/server/gen/petchat"
	"github.com/sessionhub/server/gen/therapy"
	"github.com/sessionhub/server/gen/vrtraining"
	"github.com/sessionhub/server/gen/wsclient"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/wsschema"
)

// The fuzz targets feed arbitrary bytes to every WebSocket frame decoder
// and to the REST request validation, on the whole server over real
// connections, and hold the server to its specs: every reply is exactly
// one documented message (or a documented status with a body the spec
// allows), none is an internal error, and a connection the server closes
// is closed with a documented code other than 1011. Their seeds are the
// specs' own examples. `make test` runs each briefly; `make fuzz` longer.

// fuzzEnv switches off the per-client limits (they would answer
// RATE_LIMITED to every later input) and the analysis workers.
var fuzzEnv = []string{
	"DECISION_MAX_FAILURES_PER_ADDRESS", "0", "DECISION_MAX_FAILED_GUESSES", "0",
	"PETCHAT_MAX_NEW_CONVERSATIONS_PER_CONNECTION", "0", "PETCHAT_MAX_NEW_CONVERSATIONS_PER_USER", "0",
	"VR_MAX_NEW_SESSIONS_PER_CONNECTION", "0", "WS_MAX_CONNECTIONS_PER_ADDRESS", "0",
}

// channelUnderFuzz is one WebSocket channel as the fuzz oracle sees it.
type channelUnderFuzz struct {
	path       string
	messages   []wsclient.MessageInfo
	schemas    wsschema.SchemaSource
	server     []string       // the server's message names
	closeCodes map[int]string // documented close codes
	// replies is how many frames answer one input: 1, or 0 when the
	// channel needs sync (a frame whose reply marks the input handled).
	replies int
	sync    []byte
	synced  func(map[string]any) bool
	greet   bool // the server sends a first frame on connect
}

// fuzzFrames drives one channel: each input is sent as a text frame on
// one connection (a new one once the server has closed it, which it
// must do with a documented code: 1007 for text that is not UTF-8).
// dial starts the server and returns the channel's URL and the upgrade
// request's headers.
func fuzzFrames(f *testing.F, ch channelUnderFuzz, dial func(testing.TB) (string, http.Header)) {
	seedExamples(f, ch.messages)
	validator, err := wsschema.Compile(ch.schemas, ch.server...)
	if err != nil {
		f.Fatal(err)
	}
	url, header := dial(f)
	var conn *websocket.Conn
	connect := func(t *testing.T) {
		c, resp, err := websocket.DefaultDialer.Dial(url, header)
		if err != nil {
			t.Fatalf("dial %s: %v (%v)", url, err, resp)
		}
		conn = c
		if ch.greet {
			readDocumented(t, conn, ch, validator)
		}
	}
	f.Cleanup(func() {
		if conn != nil {
			_ = conn.Close()
		}
	})
	f.Fuzz(func(t *testing.T, frame []byte) {
		if conn == nil {
			connect(t)
		}
		if err := conn.WriteMessage(websocket.TextMessage, frame); err != nil {
			conn = nil // closed by an earlier input; the next one reconnects
			return
		}
		if ch.replies == 0 {
			if err := conn.WriteMessage(websocket.TextMessage, ch.sync); err != nil {
				conn = nil
				return
			}
		}
		for {
			got, closed := readDocumented(t, conn, ch, validator)
			if closed {
				conn = nil
				return
			}
			if ch.replies == 1 || ch.synced(got) {
				return
			}
		}
	})
}

// readDocumented reads one frame (or the close) and fails the test unless
// it is documented and no internal error.
func readDocumented(t *testing.T, conn *websocket.Conn, ch channelUnderFuzz, v *wsschema.Validator) (map[string]any, bool) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, raw, err := conn.ReadMessage()
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		if _, ok := ch.closeCodes[ce.Code]; !ok || ce.Code == 1011 {
			t.Fatalf("%s: closed with %d %q, not a documented close code (or an internal error)", ch.path, ce.Code, ce.Text)
		}
		return nil, true
	}
	if err != nil {
		t.Fatalf("%s: read: %v", ch.path, err)
	}
	doc, err := wsschema.Decode(raw)
	if err != nil {
		t.Fatalf("%s: the server sent a frame that is not JSON: %q", ch.path, raw)
	}
	matches := 0
	for _, name := range ch.server {
		if v.Validate(name, doc) == nil {
			matches++
		}
	}
	if matches != 1 {
		t.Fatalf("%s: the server sent %s, which matches %d documented messages", ch.path, raw, matches)
	}
	var frame map[string]any
	_ = json.Unmarshal(raw, &frame)
	if strings.Contains(string(raw), `"INTERNAL_ERROR"`) {
		t.Fatalf("%s: internal error: %s", ch.path, raw)
	}
	return frame, false
}

// seedExamples adds every example payload of the messages clients send
// as a seed, and a few frames no example shows.
func seedExamples(f *testing.F, messages []wsclient.MessageInfo) {
	for _, m := range messages {
		if m.Direction == wsclient.DirectionClient {
			for _, ex := range m.Examples {
				f.Add([]byte(ex))
			}
		}
	}
	for _, s := range []string{`{`, `[]`, `null`, `{"command":1}`, "\xff\xfe", `{"event":"message","data":{"content":"\u0000"}}`} {
		f.Add([]byte(s))
	}
}

// channelOf is a generated channel under fuzz, each input answered by one
// frame.
func channelOf(ch wsclient.ChannelInfo, messages []wsclient.MessageInfo, schemas wsschema.SchemaSource) channelUnderFuzz {
	var server []string
	for _, m := range messages {
		if m.Direction == wsclient.DirectionServer {
			server = append(server, m.Name)
		}
	}
	return channelUnderFuzz{path: ch.Path, messages: messages, schemas: schemas, server: server, closeCodes: ch.CloseCodes, replies: 1}
}

// onFreshServer dials the channel on a server of its own.
func onFreshServer(ch channelUnderFuzz) func(testing.TB) (string, http.Header) {
	return func(t testing.TB) (string, http.Header) {
		return startSQLiteServer(t, fuzzEnv...).wsURL(ch.path), nil
	}
}

func FuzzVRTrainingFrame(f *testing.F) {
	ch := channelOf(vrtraining.Channels[0], vrtraining.Messages, vrtraining.MessageSchema)
	fuzzFrames(f, ch, onFreshServer(ch))
}

func FuzzPetChatFrame(f *testing.F) {
	ch := channelOf(petchat.Channels[0], petchat.Messages, petchat.MessageSchema)
	ch.greet = true
	fuzzFrames(f, ch, onFreshServer(ch))
}

func FuzzDecisionsFrame(f *testing.F) {
	ch := channelOf(decisions.Channels[0], decisions.Messages, decisions.MessageSchema)
	fuzzFrames(f, ch, onFreshServer(ch))
}

// FuzzAvatarFrame streams inputs on one session. voice and special frames
// get no reply, so every input is followed by a heartbeat whose
// heartbeat_ack (by its event_id) marks the input handled.
func FuzzAvatarFrame(f *testing.F) {
	ch := channelOf(avatarstream.Channels[0], avatarstream.Messages, avatarstream.MessageSchema)
	ch.replies = 0
	ch.sync = []byte(`{"command":"heartbeat","event_id":"fuzz-sync","timestamp":1}`)
	ch.synced = func(frame map[string]any) bool {
		return frame["command"] == "heartbeat_ack" && frame["event_id"] == "fuzz-sync"
	}
	fuzzFrames(f, ch, func(t testing.TB) (string, http.Header) {
		srv := startSQLiteServer(t, fuzzEnv...)
		body := `{"avatar_id":"a","quality":"high","version":"v1","video_encoding":"H264","activity_idle_timeout":0,
			"agora_settings":{"app_id":"x","token":"y","channel":"c","uid":"1","enable_string_uid":false}}`
		status, started := srv.call(t, http.MethodPost, "/session/start", "application/json", []byte(body), "x-api-key", unitAvatarKey)
		if status != http.StatusOK {
			t.Fatalf("start: %d %v", status, started)
		}
		return srv.wsURL(ch.path), http.Header{"Authorization": {"Bearer " + started["session_token"].(string)}}
	})
}

// restUnderFuzz checks REST replies against one OpenAPI document.
type restUnderFuzz struct {
	doc    *openapi3.T
	router routers.Router
}

func newRESTUnderFuzz(f *testing.F, load func() (*openapi3.T, error)) *restUnderFuzz {
	doc, err := load()
	if err != nil {
		f.Fatal(err)
	}
	// Requests are matched against http://spec plus the servers' base
	// paths, whatever host the spec names.
	for _, s := range doc.Servers {
		u, err := url.Parse(s.URL)
		if err != nil {
			f.Fatal(err)
		}
		s.URL = "http://spec" + u.Path
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		f.Fatal(err)
	}
	return &restUnderFuzz{doc: doc, router: router}
}

// check sends body and requires a documented, non-500 reply.
func (r *restUnderFuzz) check(t *testing.T, srv *sqliteServer, method, path string, body []byte, header ...string) {
	resp, raw := srv.send(t, method, path, "application/json", body, header...)
	if resp.StatusCode >= 500 {
		t.Fatalf("%s %s with %q: %d %s", method, path, body, resp.StatusCode, raw)
	}
	specReq, _ := http.NewRequest(method, "http://spec"+path, nil)
	route, params, err := r.router.FindRoute(specReq)
	if err != nil {
		t.Fatalf("%s %s: not in the spec: %v", method, path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: specReq, PathParams: params, Route: route},
		Status:                 resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(raw)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Fatalf("%s %s with %q: the reply %d %s is not documented: %v", method, path, body, resp.StatusCode, raw, err)
	}
}

func seedJSONBodies(f *testing.F, doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for _, mt := range op.RequestBody.Value.Content {
				for _, ex := range mt.Examples {
					if ex.Value != nil {
						if b, err := json.Marshal(ex.Value.Value); err == nil {
							f.Add(b)
						}
					}
				}
			}
		}
	}
	for _, s := range []string{``, `{`, `[]`, `{"title":null}`, `{"title":"\u0000"}`, `{"avatar_id":1e999}`} {
		f.Add([]byte(s))
	}
}

func FuzzTherapyREST(f *testing.F) {
	r := newRESTUnderFuzz(f, therapy.GetSwagger)
	seedJSONBodies(f, r.doc)
	srv := startSQLiteServer(f, fuzzEnv...)
	token, _, err := auth.NewSigner([]byte(unitJWTSecret), "").Mint("fuzzer", "", time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	status, created := srv.call(f, http.MethodPost, "/api/v1/sessions", "application/json", []byte(`{"title":"t"}`), "Authorization", "Bearer "+token)
	if status != http.StatusCreated {
		f.Fatalf("create: %d %v", status, created)
	}
	id := created["session_id"].(string)
	f.Fuzz(func(t *testing.T, body []byte) {
		r.check(t, srv, http.MethodPost, "/api/v1/sessions", body, "Authorization", "Bearer "+token)
		r.check(t, srv, http.MethodPut, "/api/v1/sessions/"+id, body, "Authorization", "Bearer "+token)
	})
}

func FuzzAvatarREST(f *testing.F) {
	r := newRESTUnderFuzz(f, avatar.GetSwagger)
	seedJSONBodies(f, r.doc)
	srv := startSQLiteServer(f, append(fuzzEnv, "AVATAR_MAX_SESSIONS_PER_KEY", "0")...)
	f.Fuzz(func(t *testing.T, body []byte) {
		r.check(t, srv, http.MethodPost, "/session/start", body, "x-api-key", unitAvatarKey)
		r.check(t, srv, http.MethodDelete, "/session/stop", body, "x-api-key", unitAvatarKey)
	})
}
