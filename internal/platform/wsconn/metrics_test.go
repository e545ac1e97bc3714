package wsconn

import (
	"maps"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sessionhub/server/internal/platform/metrics/metricstest"
)

// TestClientChosenCloseCodesShareRangeLabels: clients choose any of the
// 2,000 codes of 3000–4999 for their close frames; counting each as its
// own label value would let them grow the registry without bound.
func TestClientChosenCloseCodesShareRangeLabels(t *testing.T) {
	rec := newRecorder()
	env := newTestEnv(t, Options{}, rec)

	var codes []int
	for i := range 40 {
		codes = append(codes, 3000+i, 4100+i)
	}
	codes = append(codes, CloseNormal, CloseGoingAway)
	for _, code := range codes {
		ws := env.dial(t)
		rec.waitOpened(t)
		msg := websocket.FormatCloseMessage(code, "bye")
		if err := ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(patience)); err != nil {
			t.Fatalf("client close %d: %v", code, err)
		}
		if ev := rec.waitClosed(t); ev.code != code {
			t.Fatalf("OnClose: want the client's code %d, got %d", code, ev.code)
		}
		_ = ws.Close()
	}

	n, err := testutil.GatherAndCount(env.reg, "websocket_client_closes_total", "websocket_server_closes_total")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"3xxx": 40, "4xxx": 40, "1000": 1, "1001": 1}
	if n != len(want) {
		t.Fatalf("close metrics have %d series after %d client-chosen codes, want %d (one per range or standard code, none for the server: it closed nothing)",
			n, len(codes), len(want))
	}
	if got := metricstest.CounterByLabel(t, env.reg, "websocket_client_closes_total", "code"); !maps.Equal(got, want) {
		t.Fatalf("websocket_client_closes_total by code = %v, want %v", got, want)
	}
}

func TestPeerCodeLabel(t *testing.T) {
	for code, want := range map[int]string{
		1000: "1000", 1005: "1005", 1011: "1011", 1015: "1015",
		3000: "3xxx", 3999: "3xxx", 4000: "4xxx", 4008: "4xxx", 4999: "4xxx",
		999: "other", 1016: "other", 2999: "other", 5000: "other",
	} {
		if got := peerCodeLabel(code); got != want {
			t.Errorf("peerCodeLabel(%d) = %q, want %q", code, got, want)
		}
	}
}
