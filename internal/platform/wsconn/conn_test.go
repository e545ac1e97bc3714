package wsconn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

func TestEchoRoundTripInOrder(t *testing.T) {
	rec := echoRecorder()
	rec.onOpen = func(c *Conn) error { return c.SendJSON(map[string]string{"type": "hello"}) }
	env := newTestEnv(t, Options{}, rec)
	ws := env.dial(t)

	if got := readText(t, ws); got != `{"type":"hello"}` {
		t.Fatalf("greeting: want {\"type\":\"hello\"}, got %s", got)
	}
	const n = 500
	go func() {
		for i := range n {
			if err := ws.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "msg-%d", i)); err != nil {
				return // the reads below report the failure
			}
		}
	}()
	for i := range n {
		if got, want := readText(t, ws), fmt.Sprintf("msg-%d", i); got != want {
			t.Fatalf("echo %d: want %q, got %q", i, want, got)
		}
	}
}

// frameRecorder keeps every byte the client reads off the wire, so the test
// can see frames, not just the messages gorilla reassembles.
type frameRecorder struct {
	net.Conn
	mu   sync.Mutex
	read bytes.Buffer
}

func (r *frameRecorder) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.read.Write(p[:n])
	r.mu.Unlock()
	return n, err
}

// frames parses the server→client frames after the handshake response.
func (r *frameRecorder) frames(t *testing.T) (opcodes []byte, fins []bool) {
	t.Helper()
	r.mu.Lock()
	raw := bytes.Clone(r.read.Bytes())
	r.mu.Unlock()
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		t.Fatal("no HTTP handshake response on the wire")
	}
	b := raw[end+4:]
	for len(b) >= 2 {
		fin, opcode, size, header := b[0]&0x80 != 0, b[0]&0x0f, int(b[1]&0x7f), 2
		switch size {
		case 126:
			if len(b) < 4 {
				return opcodes, fins
			}
			size, header = int(b[2])<<8|int(b[3]), 4
		case 127:
			t.Fatal("unexpected 64-bit frame length")
		}
		if b[1]&0x80 != 0 {
			t.Fatal("server frame is masked")
		}
		if len(b) < header+size {
			break
		}
		opcodes, fins = append(opcodes, opcode), append(fins, fin)
		b = b[header+size:]
	}
	return opcodes, fins
}

func TestSendJSONWritesOneFramePerCall(t *testing.T) {
	const n = 200
	rec := newRecorder()
	rec.onOpen = func(c *Conn) error {
		for i := range n {
			if err := c.SendJSON(map[string]any{"seq": i, "pad": strings.Repeat("x", i*10)}); err != nil {
				return err
			}
		}
		return nil
	}
	env := newTestEnv(t, Options{}, rec)

	var wire *frameRecorder
	dialer := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		wire = &frameRecorder{Conn: conn}
		return wire, nil
	}}
	ws, resp, err := dialer.Dial(env.url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = resp.Body.Close()
	defer ws.Close()

	for i := range n {
		var got struct{ Seq int }
		if err := json.Unmarshal([]byte(readText(t, ws)), &got); err != nil {
			t.Fatalf("message %d is not one JSON document: %v", i, err)
		}
		if got.Seq != i {
			t.Fatalf("message %d: want seq %d, got %d", i, i, got.Seq)
		}
	}
	opcodes, fins := wire.frames(t)
	if len(opcodes) != n {
		t.Fatalf("want %d frames on the wire, got %d", n, len(opcodes))
	}
	for i := range opcodes {
		if opcodes[i] != websocket.TextMessage || !fins[i] {
			t.Fatalf("frame %d: want a final text frame, got opcode %d fin %v", i, opcodes[i], fins[i])
		}
	}
}

func TestCloseInsideOnMessageFlushesRepliesFirst(t *testing.T) {
	rec := newRecorder()
	rec.onMessage = func(c *Conn, data []byte) {
		_ = c.SendText([]byte("reply-1"))
		_ = c.SendText([]byte("reply-2"))
		c.Close(4000, "done")
		c.Close(4001, "second close is ignored")
		if err := c.SendText([]byte("too late")); !errors.Is(err, ErrClosed) {
			t.Errorf("send after Close: want ErrClosed, got %v", err)
		}
	}
	env := newTestEnv(t, Options{}, rec)
	ws := env.dial(t)
	writeText(t, ws, "bye")

	msgs, ce := readUntilClose(t, ws)
	if strings.Join(msgs, ",") != "reply-1,reply-2" {
		t.Fatalf("want reply-1,reply-2 before the close frame, got %q", msgs)
	}
	if ce.Code != 4000 || ce.Text != "done" {
		t.Fatalf("want close 4000 done, got %d %q", ce.Code, ce.Text)
	}
	if ev := rec.waitClosed(t); ev.code != 4000 || ev.reason != "done" {
		t.Fatalf("OnClose: want 4000 done, got %d %q", ev.code, ev.reason)
	}
}

func TestClientCloseIsEchoed(t *testing.T) {
	rec := echoRecorder()
	env := newTestEnv(t, Options{}, rec)
	ws := env.dial(t)

	if err := ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(CloseNormal, "bye")); err != nil {
		t.Fatalf("client close: %v", err)
	}
	_, ce := readUntilClose(t, ws)
	if ce.Code != CloseNormal {
		t.Fatalf("echo: want close %d, got %d", CloseNormal, ce.Code)
	}
	if ev := rec.waitClosed(t); ev.code != CloseNormal || ev.reason != "bye" {
		t.Fatalf("OnClose: want the peer's 1000 bye, got %d %q", ev.code, ev.reason)
	}
}

func TestOnOpenErrorClosesWithInternal(t *testing.T) {
	rec := newRecorder()
	rec.onOpen = func(c *Conn) error {
		_ = c.SendText([]byte("about to fail"))
		return errors.New("storage unavailable")
	}
	env := newTestEnv(t, Options{}, rec)
	ws := env.dial(t)

	msgs, ce := readUntilClose(t, ws)
	if len(msgs) != 1 || ce.Code != CloseInternal || ce.Text != reasonInternal {
		t.Fatalf("want one message then close 1011 %q, got %q then %d %q", reasonInternal, msgs, ce.Code, ce.Text)
	}
	if ev := rec.waitClosed(t); ev.code != CloseInternal {
		t.Fatalf("OnClose: want 1011, got %d", ev.code)
	}
}

func TestHandlerPanicClosesWithInternal(t *testing.T) {
	rec := newRecorder()
	rec.onMessage = func(*Conn, []byte) { panic("handler bug") }
	env := newTestEnv(t, Options{}, rec)
	ws := env.dial(t)
	writeText(t, ws, "boom")

	if _, ce := readUntilClose(t, ws); ce.Code != CloseInternal {
		t.Fatalf("want close 1011 after a handler panic, got %d", ce.Code)
	}
	rec.waitClosed(t)
}

func TestCloseSanitizesCodeAndReason(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	tests := []struct {
		name       string
		code       int
		reason     string
		wantCode   int
		wantReason string
	}{
		{"app code kept", 4321, "fine", 4321, "fine"},
		{"reserved 1006 becomes 1011", CloseAbnormal, "x", CloseInternal, "x"},
		{"out of range becomes 1011", 5000, "x", CloseInternal, "x"},
		{"long reason cut at a rune", CloseNormal, long, CloseNormal, strings.Repeat("é", 61)},
		{"invalid utf-8 dropped", CloseNormal, "a\xffb", CloseNormal, "ab"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			rec.onOpen = func(c *Conn) error { c.Close(tc.code, tc.reason); return nil }
			env := newTestEnv(t, Options{}, rec)
			ws := env.dial(t)

			_, ce := readUntilClose(t, ws)
			if ce.Code != tc.wantCode || ce.Text != tc.wantReason {
				t.Fatalf("want close %d %q, got %d %q", tc.wantCode, tc.wantReason, ce.Code, ce.Text)
			}
			if len(ce.Text) > 123 || !utf8.ValidString(ce.Text) {
				t.Fatalf("reason must be valid UTF-8 of at most 123 bytes, got %d bytes", len(ce.Text))
			}
			rec.waitClosed(t)
		})
	}
}

func TestSendAfterCloseAndMarshalError(t *testing.T) {
	rec := echoRecorder()
	env := newTestEnv(t, Options{}, rec)
	ws := env.dial(t)
	c := rec.waitOpened(t)

	if err := c.SendJSON(func() {}); err == nil || errors.Is(err, ErrClosed) {
		t.Fatalf("SendJSON(func): want a marshal error, got %v", err)
	}
	writeText(t, ws, "still open")
	if got := readText(t, ws); got != "still open" {
		t.Fatalf("a marshal error must not close the connection; echo got %q", got)
	}

	c.Close(CloseNormal, "")
	readUntilClose(t, ws)
	rec.waitClosed(t)
	for _, send := range []func() error{
		func() error { return c.SendJSON("x") },
		func() error { return c.SendText([]byte("x")) },
	} {
		if err := send(); !errors.Is(err, ErrClosed) {
			t.Fatalf("send after OnClose: want ErrClosed, got %v", err)
		}
	}
	if err := c.Context().Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Context after close: want canceled, got %v", err)
	}
}

func TestConnAccessors(t *testing.T) {
	rec := newRecorder()
	env := newTestEnv(t, Options{}, rec)
	env.dial(t)
	env.dial(t)
	c1, c2 := rec.waitOpened(t), rec.waitOpened(t)

	if c1.ID() == "" || c1.ID() == c2.ID() {
		t.Fatalf("want distinct non-empty ids, got %q and %q", c1.ID(), c2.ID())
	}
	if c1.Context().Err() != nil {
		t.Fatal("Context of an open connection must not be done")
	}
}

func TestProtocolViolationEndsTheConnection(t *testing.T) {
	rec := echoRecorder()
	env := newTestEnv(t, Options{}, rec)
	ws := env.dial(t)
	rec.waitOpened(t)

	// A masked, final frame with the reserved opcode 3 and no payload.
	if _, err := ws.NetConn().Write([]byte{0x83, 0x80, 1, 2, 3, 4}); err != nil {
		t.Fatalf("write raw frame: %v", err)
	}
	if _, ce := readUntilClose(t, ws); ce.Code != websocket.CloseProtocolError {
		t.Fatalf("want close 1002 from a protocol violation, got %d %q", ce.Code, ce.Text)
	}
	if ev := rec.waitClosed(t); ev.code != CloseAbnormal {
		t.Fatalf("OnClose: want 1006, got %d %q", ev.code, ev.reason)
	}
}

func TestConcurrentSendersEachKeepTheirOrder(t *testing.T) {
	const senders, each = 8, 50
	rec := newRecorder()
	env := newTestEnv(t, Options{SendQueue: senders * each}, rec)
	ws := env.dial(t)
	c := rec.waitOpened(t)

	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				if err := c.SendJSON([2]int{s, i}); err != nil {
					t.Errorf("sender %d: %v", s, err)
					return
				}
			}
		})
	}
	next := make([]int, senders)
	for range senders * each {
		var got [2]int
		if err := json.Unmarshal([]byte(readText(t, ws)), &got); err != nil {
			t.Fatalf("frame is not one JSON document: %v", err)
		}
		if got[1] != next[got[0]] {
			t.Fatalf("sender %d: want message %d next, got %d", got[0], next[got[0]], got[1])
		}
		next[got[0]]++
	}
	wg.Wait()
}

// TestRepliesKeepOrderBesidePushedFrames: Reply writes on the read pump
// when no writer runs; frames another goroutine sends meanwhile start a
// writer as usual. Each stream arrives whole and in order.
func TestRepliesKeepOrderBesidePushedFrames(t *testing.T) {
	rec := newRecorder()
	rec.onMessage = func(c *Conn, data []byte) { _ = c.Reply(map[string]string{"reply": string(data)}) }
	env := newTestEnv(t, Options{SendQueue: 4096}, rec)
	ws := env.dial(t)
	server := rec.waitOpened(t)

	const n = 500
	go func() {
		for i := range n {
			_ = server.SendJSON(map[string]int{"push": i})
		}
	}()
	go func() {
		for i := range n {
			if err := ws.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "m-%d", i)); err != nil {
				return // the reads below report the failure
			}
		}
	}()
	replies, pushes := 0, 0
	for replies+pushes < 2*n {
		var frame struct {
			Reply *string
			Push  *int
		}
		if err := json.Unmarshal([]byte(readText(t, ws)), &frame); err != nil {
			t.Fatal(err)
		}
		switch {
		case frame.Reply != nil:
			if want := fmt.Sprintf("m-%d", replies); *frame.Reply != want {
				t.Fatalf("reply %d: got %q", replies, *frame.Reply)
			}
			replies++
		case frame.Push != nil:
			if *frame.Push != pushes {
				t.Fatalf("push %d: got %d", pushes, *frame.Push)
			}
			pushes++
		}
	}
}

// TestReplyThenCloseInsideOnMessage: the reply goes out before the close,
// and the close's linger does not hold the read pump, which must read the
// peer's answer (with a CloseGrace of an hour, a close lingering there
// would never report OnClose).
func TestReplyThenCloseInsideOnMessage(t *testing.T) {
	rec := newRecorder()
	rec.onMessage = func(c *Conn, data []byte) {
		_ = c.Reply(map[string]string{"reply": string(data)})
		c.Close(4000, "done")
	}
	env := newTestEnv(t, Options{CloseGrace: time.Hour}, rec)
	ws := env.dial(t)
	writeText(t, ws, "bye")

	msgs, ce := readUntilClose(t, ws)
	if strings.Join(msgs, ",") != `{"reply":"bye"}` || ce.Code != 4000 {
		t.Fatalf("got %q then close %d, want the reply then 4000", msgs, ce.Code)
	}
	if ev := rec.waitClosed(t); ev.code != 4000 {
		t.Fatalf("OnClose: want 4000, got %d", ev.code)
	}
}
