package contracttests

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sessionhub/server/gen/wsclient"
	"github.com/sessionhub/server/internal/platform/wsschema"
)

// wsContract is one AsyncAPI document the suite checks frames against.
type wsContract struct {
	file     string
	messages []wsclient.MessageInfo // the generated package's Messages
	client   *wsschema.Validator
	server   *wsschema.Validator
	upgrade  func(status int) ([]byte, bool)
	replies  map[string]*wsclient.Reply // channel + " " + client message → its x-reply
	errors   map[string]errorCodeField  // channel + " " + server message → where its error code is
}

func newWSContract(file string, messages []wsclient.MessageInfo, channels []wsclient.ChannelInfo, schemas wsschema.SchemaSource, upgrade func(int) ([]byte, bool), required bool) *wsContract {
	items := wsItems(messages, channels, schemas)
	var clientNames, serverNames []string
	errs := map[string]errorCodeField{}
	for _, ch := range channels {
		clientNames = append(clientNames, channelMessages(messages, ch.Path, wsclient.DirectionClient)...)
		for _, name := range channelMessages(messages, ch.Path, wsclient.DirectionServer) {
			serverNames = append(serverNames, name)
			if f, ok := errorCodes(schemas, name); ok {
				errs[ch.Path+" "+name] = f
			}
		}
	}
	client, err := wsschema.Compile(schemas, clientNames...)
	if err != nil {
		panic(file + ": " + err.Error())
	}
	server, err := wsschema.Compile(schemas, serverNames...)
	if err != nil {
		panic(file + ": " + err.Error())
	}
	ledger.register(file, required, items)
	return &wsContract{file: file, messages: messages, client: client, server: server, upgrade: upgrade, replies: replyTable(file, messages), errors: errs}
}

// replyTable reads each client message's x-reply from the generated Messages
// table. Every client message must have one: the ledger counts a client
// message only when a reply paired with it arrived.
func replyTable(file string, messages []wsclient.MessageInfo) map[string]*wsclient.Reply {
	out := map[string]*wsclient.Reply{}
	for _, m := range messages {
		if m.Direction != wsclient.DirectionClient {
			continue
		}
		key := m.Channel + " " + m.Name
		if m.Reply == nil {
			panic(fmt.Sprintf("%s: client message %s has no x-reply: the ledger cannot tell which reply answers it", file, key))
		}
		out[key] = m.Reply
	}
	return out
}

// classify returns the one message of channel/direction that frame matches.
func (c *wsContract) classify(channel, direction string, frame []byte) (string, error) {
	doc, err := wsschema.Decode(frame)
	if err != nil {
		return "", err
	}
	v := c.server
	if direction == "client" {
		v = c.client
	}
	var matches []string
	for _, name := range channelMessages(c.messages, channel, direction) {
		if v.Validate(name, doc) == nil {
			matches = append(matches, name)
		}
	}
	if len(matches) != 1 {
		var problems []string
		for _, name := range channelMessages(c.messages, channel, direction) {
			if p := v.Validate(name, doc); p != nil {
				problems = append(problems, name+": "+p.Message)
			}
		}
		return "", errors.New("matches " + strconv.Itoa(len(matches)) + " documented messages " + strings.Join(matches, ",") + "; mismatches:\n" + joinLines(problems))
	}
	return matches[0], nil
}

// wsClient is a test client on one channel: what it sends and receives is
// classified against the spec, paired (requests with their replies) and
// recorded in the ledger.
type wsClient struct {
	t        *testing.T
	contract *wsContract
	channel  string
	conn     *websocket.Conn
	frames   frameTracker
	foreign  func(name string, frame map[string]any) bool // frames that concern other clients (nil: none)
}

// dial connects to url (a concrete path of channel) and fails the test if
// the upgrade is refused.
func (c *wsContract) dial(t *testing.T, channel, url string, header http.Header) *wsClient {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", url, err, status)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &wsClient{t: t, contract: c, channel: channel, conn: conn}
}

// dialRefused expects the upgrade to be refused with status, validates the
// body against the documented upgrade response and returns it.
func (c *wsContract) dialRefused(t *testing.T, channel, url string, header http.Header, status int) map[string]any {
	t.Helper()
	body, _ := c.dialRefusedWithHeader(t, channel, url, header, status)
	return body
}

// dialRefusedWithHeader is dialRefused that also returns the refusal's
// response headers.
func (c *wsContract) dialRefusedWithHeader(t *testing.T, channel, url string, header http.Header, status int) (map[string]any, http.Header) {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err == nil {
		_ = conn.Close()
		t.Fatalf("dial %s: upgrade succeeded, want HTTP %d", url, status)
	}
	if resp == nil || resp.StatusCode != status {
		got := 0
		if resp != nil {
			got = resp.StatusCode
		}
		t.Fatalf("dial %s: HTTP %d (%v), want %d", url, got, err, status)
	}
	body, _ := io.ReadAll(resp.Body)
	return c.checkRefusal(t, channel, url, status, body), resp.Header
}

// checkRefusal validates the body of a refused upgrade against the documented
// upgrade response, records it and returns the body decoded.
func (c *wsContract) checkRefusal(t *testing.T, channel, url string, status int, body []byte) map[string]any {
	t.Helper()
	schema, ok := c.upgrade(status)
	if !ok {
		t.Fatalf("dial %s: HTTP %d is not a documented upgrade response of %s", url, status, c.file)
	}
	v, err := wsschema.Compile(func(string) ([]byte, bool) { return schema, true }, "upgrade")
	if err != nil {
		t.Fatalf("compile upgrade schema: %v", err)
	}
	doc, err := wsschema.Decode(body)
	if err != nil {
		t.Fatalf("dial %s: refusal body is not JSON: %s", url, body)
	}
	if p := v.Validate("upgrade", doc); p != nil {
		t.Fatalf("dial %s: refusal body %s does not match the spec: %s", url, body, p.Message)
	}
	if !ledger.hit(c.file, upgradeItem(channel, status)) {
		t.Errorf("upgrade refusal %d on %s is not documented", status, channel)
	}
	var decoded map[string]any
	_ = json.Unmarshal(body, &decoded)
	return decoded
}

// send writes v as one text frame; a frame that is a documented client
// message is recorded.
func (w *wsClient) send(v any) {
	w.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		w.t.Fatalf("marshal: %v", err)
	}
	w.sendRaw(b)
}

func (w *wsClient) sendRaw(frame []byte) {
	w.t.Helper()
	w.frames.sent(w.contract, w.channel, frame)
	if err := w.conn.WriteMessage(websocket.TextMessage, frame); err != nil {
		w.t.Fatalf("write: %v", err)
	}
}

// recv reads the next frame, requires it to be exactly one documented
// server message and returns its name and decoded body. Frames the client's
// foreign filter names (other clients' broadcasts on a shared remote
// server) are checked and counted, then passed over.
func (w *wsClient) recv() (string, map[string]any) {
	w.t.Helper()
	for {
		_ = w.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, frame, err := w.conn.ReadMessage()
		if err != nil {
			w.t.Fatalf("read on %s: %v", w.channel, err)
		}
		name, err := w.contract.classify(w.channel, "server", frame)
		if err != nil {
			w.t.Fatalf("server frame on %s is not one documented message: %v\nframe: %s", w.channel, err, frame)
		}
		w.frames.received(w.t, w.contract, w.channel, name, frame)
		var decoded map[string]any
		_ = json.Unmarshal(frame, &decoded)
		if w.foreign == nil || !w.foreign(name, decoded) {
			return name, decoded
		}
	}
}

// expect reads the next frame and requires it to be the named message.
func (w *wsClient) expect(name string) map[string]any {
	w.t.Helper()
	got, body := w.recv()
	if got != name {
		w.t.Fatalf("got %s %v, want %s", got, body, name)
	}
	return body
}

// expectClose reads until the connection closes and requires code, which
// must be documented for the channel with the reason it came with.
func (w *wsClient) expectClose(code int) string {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_ = w.conn.SetReadDeadline(deadline)
		_, frame, err := w.conn.ReadMessage()
		if err == nil {
			name, cerr := w.contract.classify(w.channel, "server", frame)
			if cerr != nil {
				w.t.Fatalf("server frame before close is not documented: %v\nframe: %s", cerr, frame)
			}
			w.frames.received(w.t, w.contract, w.channel, name, frame)
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			w.t.Fatalf("connection ended without a close frame (%v), want close %d", err, code)
		}
		if ce.Code != code {
			w.t.Fatalf("close %d %q, want %d", ce.Code, ce.Text, code)
		}
		w.contract.hitClose(w.t, w.channel, code, ce.Text)
		return ce.Text
	}
}

// hitClose records a close frame; its code and reason must be documented.
func (c *wsContract) hitClose(t *testing.T, channel string, code int, reason string) {
	t.Helper()
	if !ledger.hit(c.file, closeItem(channel, code, reason)) {
		t.Errorf("close %d with reason %q on %s is not documented (x-close-codes)", code, reason, channel)
	}
}

// frameTracker pairs what one connection sends with what it receives, by
// the spec's x-reply and the generated clients' own rule
// (wsclient.Reply.Answers), and counts a client message in the ledger only
// once its reply arrived: the reply or documented error that answers that
// very frame; for a message answered only when refused (x-reply without
// messages), its error, or the reply to a request sent after it (the server
// answers a connection's frames in order, so no error can follow). A reply
// must carry at least one of the fields its request echoes: an error to an
// undocumented frame (malformed JSON) echoes nothing and answers none.
type frameTracker struct {
	mu      sync.Mutex
	pending []sentFrame
}

type sentFrame struct {
	name  string
	reply *wsclient.Reply
	frame []byte
}

// sent notes a frame about to be written; undocumented frames (the tests of
// refusals) have no reply to pair.
func (tr *frameTracker) sent(c *wsContract, channel string, frame []byte) {
	name, err := c.classify(channel, "client", frame)
	if err != nil {
		return
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.pending = append(tr.pending, sentFrame{name: name, reply: c.replies[channel+" "+name], frame: frame})
}

// received counts a server frame that validated as the message name: the
// message, its error code, and the request it answers.
func (tr *frameTracker) received(t *testing.T, c *wsContract, channel, name string, frame []byte) {
	t.Helper()
	ledger.hit(c.file, messageItem(channel, "server", name))
	var decoded map[string]any
	_ = json.Unmarshal(frame, &decoded)
	if f, ok := c.errors[channel+" "+name]; ok {
		if code, ok := f.code(decoded); !ok || !ledger.hit(c.file, errorCodeItem(channel, name, code)) {
			t.Errorf("%s on %s: code %v is not documented", name, channel, code)
		}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for i, p := range tr.pending {
		if !p.reply.Answers(name, frame, p.frame) || !echoesAny(p.reply, decoded) {
			continue
		}
		kept := tr.pending[:0:0]
		for _, earlier := range tr.pending[:i] {
			if len(earlier.reply.Messages) == 0 {
				ledger.hit(c.file, messageItem(channel, "client", earlier.name)) // no error came before a later reply
				continue
			}
			kept = append(kept, earlier)
		}
		ledger.hit(c.file, messageItem(channel, "client", p.name))
		tr.pending = append(kept, tr.pending[i+1:]...)
		return
	}
}

// echoesAny reports whether a reply carries at least one of the fields the
// request's x-reply says it echoes (or the request echoes none).
func echoesAny(r *wsclient.Reply, reply map[string]any) bool {
	if len(r.Echoes) == 0 {
		return true
	}
	for _, e := range r.Echoes {
		var v any = reply
		found := true
		for _, token := range strings.Split(strings.TrimPrefix(e.Reply, "/"), "/") {
			obj, ok := v.(map[string]any)
			if !ok {
				found = false
				break
			}
			if v, ok = obj[token]; !ok {
				found = false
				break
			}
		}
		if found {
			return true
		}
	}
	return false
}
