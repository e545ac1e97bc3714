package wsconn

import (
	"testing"
)

// BenchmarkSendJSON measures one connection fanning events out to a client
// that reads them: marshal, enqueue, write pump, one frame each, client
// read. At most half the queue is in flight, so the benchmark measures
// throughput, not slow-consumer disconnects.
func BenchmarkSendJSON(b *testing.B) {
	rec := newRecorder()
	env := newTestEnv(b, Options{}, rec)
	ws := env.dial(b)
	c := rec.waitOpened(b)

	type event struct {
		Type      string  `json:"type"`
		SessionID string  `json:"session_id"`
		Emotion   string  `json:"emotion"`
		Intensity float64 `json:"intensity"`
		Seq       int     `json:"seq"`
	}
	inFlight := make(chan struct{}, DefaultSendQueue/2)
	readerDone := make(chan error, 1)
	go func() {
		for {
			if _, _, err := ws.NextReader(); err != nil {
				readerDone <- err
				return
			}
			<-inFlight
		}
	}()

	seq := 0
	for b.Loop() {
		inFlight <- struct{}{}
		seq++
		if err := c.SendJSON(event{Type: "new_emotion", SessionID: "0b7e4f1c-3c55-4f43-9d0e-6a1f6f1f2b8a", Emotion: "joy", Intensity: 0.72, Seq: seq}); err != nil {
			b.Fatalf("SendJSON %d: %v", seq, err)
		}
	}
	// Wait for the client to have read everything sent.
	for range cap(inFlight) {
		inFlight <- struct{}{}
	}
	b.StopTimer()
	c.Close(CloseNormal, "")
	<-readerDone
	rec.waitClosed(b)
}
