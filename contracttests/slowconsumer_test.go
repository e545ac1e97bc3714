package contracttests

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sessionhub/server/internal/platform/config"
)

// The slow-consumer (4008) tests stall one socket and flood it until the
// server's bounded send queue overflows. The queue only fills once the
// socket buffers in front of it are full and the server's write of one frame
// is blocked; if that write gives up first (its deadline), the connection
// ends with 1006 instead. These helpers keep the race on the test's side on
// a loaded machine.

// floodWindow is how many requests each flooding client of the 4008 tests
// keeps in flight.
const floodWindow = 8

// slowConsumerServer is a server of the suite's own whose WebSocket writes
// wait two minutes rather than the default ten seconds for a stalled peer,
// on sockets with a 64 KiB send buffer rather than the several MiB the
// kernel grows on loopback, so that the flood fills the queue first however
// slow the machine is (the VR flood: some 320 frames rather than 1,100).
// Against a remote server it is that server, configured as it is.
func slowConsumerServer(t *testing.T) *testServer {
	t.Helper()
	ts, _ := configuredServer(t, func(cfg *config.Config) { cfg.WSWriteWait, cfg.WSSendBuffer = 2*time.Minute, 32<<10 })
	return ts
}

// dialStalled opens a WebSocket that the test then never reads from, with a
// small receive buffer so that its backlog reaches the server's queue soon.
// The buffer stays above loopback's 64 KiB MSS, or the window never reopens
// when the test finally reads.
func dialStalled(t *testing.T, url string, header http.Header) *websocket.Conn {
	t.Helper()
	dialer := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		conn, err := net.Dial(network, addr)
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.SetReadBuffer(256 << 10)
		}
		return conn, err
	}}
	raw, _, err := dialer.Dial(url, header)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	return raw
}
