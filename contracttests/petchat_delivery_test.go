package contracttests

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	pcgen "github.com/sessionhub/server/gen/petchat"
)

// TestPetChatAcrossProcesses: two server processes on one PostgreSQL; a
// message sent through one reaches the participant connected to the other
// within one second, exactly once, and conversation_created crosses too.
func TestPetChatAcrossProcesses(t *testing.T) {
	t.Parallel()
	dsn := createDatabase(t)
	first, second := startServer(t, dsn, nil), startServer(t, dsn, nil)
	owner := dialChat(t, first, nil)
	vet := dialChat(t, second, nil)
	nurseHere, nurseThere := dialChat(t, first, chatBearer(chatToken(t, "nurse", time.Hour))), dialChat(t, second, chatBearer(chatToken(t, "nurse", time.Hour)))
	strangerThere := dialChat(t, second, nil)

	conv := owner.newConversation(vet.user, nurseHere.user)["conversation_id"].(string)
	for _, c := range []*chatClient{vet, nurseHere, nurseThere} {
		if got := c.expect(pcgen.MsgConversationCreated); field(got, "conversation_id") != conv {
			t.Fatalf("%s got %v, want conversation_created %s", c.user, got, conv)
		}
	}

	for i, content := range []string{"first", "second", strings.Repeat("long ", 800)} { // the last travels by reference
		sent := owner.message(conv, content)
		start := time.Now()
		_ = vet.conn.SetReadDeadline(start.Add(time.Second))
		_, frame, err := vet.conn.ReadMessage()
		if err != nil {
			t.Fatalf("message %d did not reach the other process within 1s: %v", i, err)
		}
		name, err := petchatWS.classify(pcgen.ChannelWsSlash, "server", frame)
		if err != nil || name != pcgen.MsgNewMessage || !strings.Contains(string(frame), sent["message_id"].(string)) {
			t.Fatalf("message %d: got %s (%v), want new_message %s", i, frame, err, sent["message_id"])
		}
		vet.frames.received(t, petchatWS, pcgen.ChannelWsSlash, name, frame)
		t.Logf("message %d crossed processes in %s", i, time.Since(start))
		nurseHere.expect(pcgen.MsgNewMessage)
		nurseThere.expect(pcgen.MsgNewMessage)
	}
	// Exactly once: the next frame each receives is the reply to its own request.
	for _, c := range []*chatClient{vet, nurseHere, nurseThere, strangerThere} {
		c.conversations()
	}
	// And back: the vet on the second process answers the owner on the first.
	vet.message(conv, "reply across")
	owner.expect(pcgen.MsgNewMessage)
	owner.conversations()
}

func TestPetChatCloseCodes(t *testing.T) {
	t.Parallel()
	t.Run("1000 echoes a client close", func(t *testing.T) {
		c := dialChat(t, newServer(t), nil)
		_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
		c.expectClose(websocket.CloseNormalClosure)
	})
	t.Run("1009 for a frame over the read limit", func(t *testing.T) {
		c := dialChat(t, newServer(t), nil)
		big := `{"event":"message","data":{"content":"` + strings.Repeat("x", int(pcgen.Channels[0].ReadLimit)) + `"}}`
		_ = c.conn.WriteMessage(websocket.TextMessage, []byte(big))
		c.expectClose(websocket.CloseMessageTooBig)
	})
	t.Run("1001 on graceful shutdown", func(t *testing.T) {
		ts := ownServer(t, "shuts the server down")
		c := dialChat(t, ts, nil)
		c.conversations()
		go ts.shutdown(t)
		c.expectClose(websocket.CloseGoingAway)
	})
	t.Run("4008 for a participant that stops reading", func(t *testing.T) {
		ts := slowConsumerServer(t)
		raw := dialStalled(t, ts.wsURL(pcgen.ChannelWsSlash), nil)
		stalled := &chatClient{wsClient: &wsClient{t: t, contract: petchatWS, channel: pcgen.ChannelWsSlash, conn: raw}}
		stalled.user = field(stalled.expect(pcgen.MsgConnected), "user_id").(string)
		reader := dialChat(t, ts, nil) // keeps reading: must get every message

		const senders = 6
		// The most the spec allows (4,000 characters), each four bytes in
		// UTF-8: every frame is about 16 KB, so a loaded machine fills the
		// socket buffers in front of the queue with a quarter of the
		// messages an ASCII text would take.
		content := strings.Repeat("🐾", 4000)
		before := ts.metric(`websocket_server_closes_total{api="petchat",code="4008"}`) // not 0 on a remote server
		overflowed := make(chan struct{})
		var wg sync.WaitGroup
		var sent atomic.Int64
		var readerGot atomic.Int64
		var readerDone sync.WaitGroup
		convs := make([]string, senders)
		chatters := make([]*chatClient, senders)
		for i := range convs {
			chatters[i] = dialChat(t, ts, nil)
			convs[i] = chatters[i].newConversation(stalled.user, reader.user)["conversation_id"].(string)
			reader.expect(pcgen.MsgConversationCreated)
		}
		for i, sender := range chatters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each sender keeps floodWindow messages in flight, so the
				// stalled queue overflows well within the write deadline
				// even when a loaded machine slows every round trip.
				for n := 0; n < 2000; n += floodWindow {
					select {
					case <-overflowed:
						return
					default:
					}
					for k := 0; k < floodWindow; k++ {
						sender.send(map[string]any{"event": "message", "data": map[string]any{"conversation_id": convs[i], "content": content}})
					}
					for k := 0; k < floodWindow; k++ {
						if name, reply := sender.recv(); name != pcgen.MsgMessageSent {
							t.Errorf("send %d: %v (senders must not be failed by the stalled receiver)", n+k, reply)
							return
						}
						sent.Add(1)
					}
				}
			}()
		}
		readerDone.Add(1)
		go func() {
			defer readerDone.Done()
			for {
				_ = reader.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, frame, err := reader.conn.ReadMessage()
				if err != nil {
					return
				}
				if strings.Contains(string(frame), `"new_message"`) {
					readerGot.Add(1)
				}
			}
		}()
		deadline := time.Now().Add(120 * time.Second) // a bound on a loaded machine, not a timing
		for ts.metric(`websocket_server_closes_total{api="petchat",code="4008"}`) < before+1 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		close(overflowed)
		// Read the backlog at once: the server's blocked write gives up
		// after its deadline, and then the close frame behind it is lost.
		stalled.expectClose(4008)
		wg.Wait()
		// The reader kept up: it receives every message that was sent.
		for readerGot.Load() < sent.Load() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if readerGot.Load() != sent.Load() {
			t.Fatalf("the reading participant got %d of %d messages", readerGot.Load(), sent.Load())
		}
		_ = reader.conn.Close()
		readerDone.Wait()
		if closed := ts.metric(`websocket_server_closes_total{api="petchat",code="4008"}`) - before; closed != 1 {
			t.Fatalf("%v connections closed as slow consumers, want only the stalled one", closed)
		}
	})
}
