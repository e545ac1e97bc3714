package wsconn

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Short keep-alive timings; pings come well before the pong wait so that
// scheduling jitter under -race cannot fake a timeout.
const (
	testPongWait   = 400 * time.Millisecond
	testPingPeriod = 100 * time.Millisecond
)

func keepAliveOptions() Options {
	return Options{PongWait: testPongWait, PingPeriod: testPingPeriod}
}

// assertStillOpen fails if OnClose ran during the next d.
func assertStillOpen(t *testing.T, rec *recorder, d time.Duration) {
	t.Helper()
	select {
	case ev := <-rec.closed:
		t.Fatalf("connection closed with %d %q; want it alive", ev.code, ev.reason)
	case <-time.After(d):
	}
}

func TestPingPongKeepsIdleConnectionAlive(t *testing.T) {
	rec := echoRecorder()
	env := newTestEnv(t, keepAliveOptions(), rec)
	ws := env.dial(t)
	_ = ws.SetReadDeadline(time.Time{})

	// The client's read loop answers pings (gorilla's default ping handler).
	var pings atomic.Int32
	answerPing := ws.PingHandler()
	ws.SetPingHandler(func(data string) error { pings.Add(1); return answerPing(data) })
	received := make(chan string, 1)
	go func() {
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				close(received)
				return
			}
			received <- string(data)
		}
	}()

	assertStillOpen(t, rec, 4*testPongWait)
	if n := pings.Load(); n < 3 {
		t.Fatalf("want pings every %v, got %d in %v", testPingPeriod, n, 4*testPongWait)
	}
	writeText(t, ws, "after idling")
	select {
	case got := <-received:
		if got != "after idling" {
			t.Fatalf("echo after idling: got %q", got)
		}
	case <-time.After(patience):
		t.Fatal("no echo after idling")
	}
}

func TestClientThatStopsAnsweringPingsIsDropped(t *testing.T) {
	rec := newRecorder()
	env := newTestEnv(t, keepAliveOptions(), rec)
	start := time.Now()
	_ = env.dial(t) // never reads, so never answers a ping
	c := rec.waitOpened(t)

	ev := rec.waitClosed(t)
	if ev.code != CloseAbnormal {
		t.Fatalf("OnClose: want 1006 for a silent peer, got %d %q", ev.code, ev.reason)
	}
	if elapsed := time.Since(start); elapsed < testPongWait {
		t.Fatalf("dropped after %v, before the pong wait of %v", elapsed, testPongWait)
	}
	if c.Context().Err() == nil {
		t.Fatal("Context must be cancelled once the connection is dropped")
	}
	if n := openConnections(env.hub, testAPI); n != 0 {
		t.Fatalf("open connections after the drop: want 0, got %d", n)
	}
}

func TestInboundFramesRenewTheReadDeadline(t *testing.T) {
	rec := newRecorder()
	env := newTestEnv(t, keepAliveOptions(), rec)
	ws := env.dial(t) // never reads, so never answers a ping
	rec.waitOpened(t)

	// Data frames and the client's own pings both count as signs of life.
	ticker := time.NewTicker(testPongWait / 8)
	defer ticker.Stop()
	deadline := time.After(4 * testPongWait)
	for i := 0; ; i++ {
		select {
		case <-ticker.C:
			var err error
			if i%2 == 0 {
				err = ws.WriteMessage(websocket.TextMessage, []byte("tick"))
			} else {
				err = ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(patience))
			}
			if err != nil {
				t.Fatalf("client write: %v", err)
			}
			continue
		case ev := <-rec.closed:
			t.Fatalf("connection closed with %d %q while the client kept sending", ev.code, ev.reason)
		case <-deadline:
		}
		break
	}

	// Silence then ends it.
	if ev := rec.waitClosed(t); ev.code != CloseAbnormal {
		t.Fatalf("OnClose after the client fell silent: want 1006, got %d", ev.code)
	}
}
