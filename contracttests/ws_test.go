package contracttests

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sessionhub/server/internal/platform/wsschema"
)

// wsContract is one AsyncAPI document the suite checks frames against.
type wsContract struct {
	file     string
	messages any // the generated package's Messages
	client   *wsschema.Validator
	server   *wsschema.Validator
	upgrade  func(status int) ([]byte, bool)
}

func newWSContract(file string, messages, channels any, schemas wsschema.SchemaSource, upgrade func(int) ([]byte, bool), required bool) *wsContract {
	items := wsItems(messages, channels)
	var clientNames, serverNames []string
	for _, ch := range channelPaths(channels) {
		clientNames = append(clientNames, channelMessages(messages, ch, "client")...)
		serverNames = append(serverNames, channelMessages(messages, ch, "server")...)
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
	return &wsContract{file: file, messages: messages, client: client, server: server, upgrade: upgrade}
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
// classified against the spec and recorded in the ledger.
type wsClient struct {
	t        *testing.T
	contract *wsContract
	channel  string
	conn     *websocket.Conn
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
	if err := w.conn.WriteMessage(websocket.TextMessage, frame); err != nil {
		w.t.Fatalf("write: %v", err)
	}
	if name, err := w.contract.classify(w.channel, "client", frame); err == nil {
		ledger.hit(w.contract.file, messageItem(w.channel, "client", name))
	}
}

// recv reads the next frame, requires it to be exactly one documented
// server message and returns its name and decoded body.
func (w *wsClient) recv() (string, map[string]any) {
	w.t.Helper()
	_ = w.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, frame, err := w.conn.ReadMessage()
	if err != nil {
		w.t.Fatalf("read on %s: %v", w.channel, err)
	}
	name, err := w.contract.classify(w.channel, "server", frame)
	if err != nil {
		w.t.Fatalf("server frame on %s is not one documented message: %v\nframe: %s", w.channel, err, frame)
	}
	ledger.hit(w.contract.file, messageItem(w.channel, "server", name))
	var decoded map[string]any
	_ = json.Unmarshal(frame, &decoded)
	return name, decoded
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
// must be documented for the channel.
func (w *wsClient) expectClose(code int) string {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_ = w.conn.SetReadDeadline(deadline)
		_, frame, err := w.conn.ReadMessage()
		if err == nil {
			if _, cerr := w.contract.classify(w.channel, "server", frame); cerr != nil {
				w.t.Fatalf("server frame before close is not documented: %v\nframe: %s", cerr, frame)
			}
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			w.t.Fatalf("connection ended without a close frame (%v), want close %d", err, code)
		}
		if ce.Code != code {
			w.t.Fatalf("close %d %q, want %d", ce.Code, ce.Text, code)
		}
		if !ledger.hit(w.contract.file, closeItem(w.channel, code)) {
			w.t.Errorf("close code %d on %s is not documented", code, w.channel)
		}
		return ce.Text
	}
}
