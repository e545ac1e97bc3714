package wsconn

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestReadLimit(t *testing.T) {
	const limit = 1024
	tests := []struct {
		name string
		send func(ws *websocket.Conn) error
	}{
		{"one frame over the limit", func(ws *websocket.Conn) error {
			return ws.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("a", 4*limit)))
		}},
		{"one frame of limit+1 bytes", func(ws *websocket.Conn) error {
			return ws.WriteMessage(websocket.BinaryMessage, []byte(strings.Repeat("a", limit+1)))
		}},
		{"fragments adding up past the limit", func(ws *websocket.Conn) error {
			w, err := ws.NextWriter(websocket.TextMessage)
			if err != nil {
				return err
			}
			for range 8 {
				if _, err := w.Write([]byte(strings.Repeat("b", limit/2))); err != nil {
					return err
				}
			}
			return w.Close()
		}},
		{"a huge frame", func(ws *websocket.Conn) error {
			return ws.WriteMessage(websocket.TextMessage, make([]byte, 8<<20))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := echoRecorder()
			env := newTestEnv(t, Options{ReadLimit: limit}, rec)
			ws := env.dial(t)

			// A message of exactly the limit is fine.
			exact := strings.Repeat("x", limit)
			writeText(t, ws, exact)
			if got := readText(t, ws); got != exact {
				t.Fatalf("a message of exactly the limit must be echoed, got %d bytes", len(got))
			}

			// The server stops reading a huge frame, so the write may not
			// finish; the close frame must arrive regardless.
			sent := make(chan error, 1)
			go func() { sent <- tc.send(ws) }()
			msgs, ce := readUntilClose(t, ws)
			if len(msgs) != 0 {
				t.Fatalf("want no echo of the oversized message, got %d messages", len(msgs))
			}
			if ce.Code != CloseTooBig || !strings.Contains(ce.Text, "1024 bytes") {
				t.Fatalf("want close 1009 naming the 1024-byte limit, got %d %q", ce.Code, ce.Text)
			}
			if ev := rec.waitClosed(t); ev.code != CloseTooBig {
				t.Fatalf("OnClose: want 1009, got %d %q", ev.code, ev.reason)
			}
			_ = ws.Close()
			<-sent
		})
	}
}

func TestSlowConsumerIsDisconnectedWithoutBlockingSenders(t *testing.T) {
	const queue = 16
	rec := echoRecorder()
	env := newTestEnv(t, Options{SendQueue: queue, WriteWait: patience}, rec)

	slowWS := env.dial(t)
	slow := rec.waitOpened(t)
	otherWS := env.dial(t)
	rec.waitOpened(t)

	// The slow client never reads: socket buffers fill up, the write pump
	// blocks, the queue overflows. Every Send must return at once.
	payload := map[string]string{"data": strings.Repeat("z", 16<<10)}
	var sent int
	var slowest time.Duration
	var err error
	for sent = 0; sent < 100_000; sent++ {
		start := time.Now()
		err = slow.SendJSON(payload)
		slowest = max(slowest, time.Since(start))
		if err != nil {
			break
		}
	}
	if !errors.Is(err, ErrSlowConsumer) {
		t.Fatalf("flooding a non-reading client: want ErrSlowConsumer, got %v after %d frames", err, sent)
	}
	if slowest > time.Second {
		t.Fatalf("SendJSON must never block; the slowest call took %v", slowest)
	}
	if err := slow.SendJSON(payload); !errors.Is(err, ErrClosed) {
		t.Fatalf("send after the slow-consumer close: want ErrClosed, got %v", err)
	}
	t.Logf("queue overflowed after %d frames of 16 KiB; slowest SendJSON %v", sent, slowest)

	// Other connections are unaffected while the slow one is stuck.
	writeText(t, otherWS, "still here")
	if got := readText(t, otherWS); got != "still here" {
		t.Fatalf("other connection: want its echo, got %q", got)
	}

	// When the slow client finally reads, it gets what was already on the
	// wire, then the 4008 close frame.
	_ = slowWS.SetReadDeadline(time.Now().Add(patience))
	msgs, ce := readUntilClose(t, slowWS)
	if ce.Code != CloseSlowConsumer || ce.Text != reasonSlowConsumer {
		t.Fatalf("want close 4008 %q, got %d %q", reasonSlowConsumer, ce.Code, ce.Text)
	}
	if len(msgs) >= sent {
		t.Fatalf("queued frames must be dropped on a slow-consumer close: %d sent, %d received", sent, len(msgs))
	}
	if ev := rec.waitClosed(t); ev.conn != slow || ev.code != CloseSlowConsumer {
		t.Fatalf("OnClose: want the slow connection with 4008, got %d", ev.code)
	}
	if n := openConnections(env.hub, testAPI); n != 1 {
		t.Fatalf("want the other connection still counted, got %d", n)
	}
}

func TestPipelinedRequestsArePacedNotDisconnected(t *testing.T) {
	// Each request gets three replies; the client sends far more than the
	// queue holds before reading anything back.
	const queue, requests = 8, 400
	rec := newRecorder()
	rec.onMessage = func(c *Conn, data []byte) {
		for range 3 {
			if err := c.SendText(data); err != nil {
				t.Errorf("reply: %v", err)
			}
		}
	}
	env := newTestEnv(t, Options{SendQueue: queue}, rec)
	ws := env.dial(t)

	go func() {
		for range requests {
			if ws.WriteMessage(websocket.TextMessage, []byte("req")) != nil {
				return
			}
		}
	}()
	for i := range 3 * requests {
		if got := readText(t, ws); got != "req" {
			t.Fatalf("reply %d: want req, got %q", i, got)
		}
	}
}

// TestTextThatIsNotUTF8ClosesWith1007: RFC 6455 §8.1 fails a text message
// that is not UTF-8 with 1007; the handler never sees it. Binary messages
// carry any bytes, and a character split across fragments is whole once
// the message is.
func TestTextThatIsNotUTF8ClosesWith1007(t *testing.T) {
	rec := echoRecorder()
	env := newTestEnv(t, Options{}, rec)
	ws := env.dial(t)

	if err := ws.WriteMessage(websocket.BinaryMessage, []byte{0xff, 0xfe}); err != nil {
		t.Fatal(err)
	}
	if typ, data, err := ws.ReadMessage(); err != nil || string(data) != "\xff\xfe" || typ != websocket.TextMessage {
		t.Fatalf("a binary message is not checked for UTF-8: want its echo, got %d %q %v", typ, data, err)
	}
	w, err := ws.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range [][]byte{[]byte("caf"), {0xc3}, {0xa9}} { // "café", é split in two frames
		if _, err := w.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, ws); got != "café" {
		t.Fatalf("a character split across fragments must arrive whole, got %q", got)
	}

	writeText(t, ws, "valid, then \xc3\x28 invalid")
	msgs, ce := readUntilClose(t, ws)
	if len(msgs) != 0 {
		t.Fatalf("want no echo of the invalid message, got %q", msgs)
	}
	if ce.Code != CloseInvalidPayload || ce.Text != reasonInvalidUTF8 {
		t.Fatalf("want close 1007 %q, got %d %q", reasonInvalidUTF8, ce.Code, ce.Text)
	}
	if ev := rec.waitClosed(t); ev.code != CloseInvalidPayload {
		t.Fatalf("OnClose: want 1007, got %d %q", ev.code, ev.reason)
	}
}
