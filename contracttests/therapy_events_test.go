package contracttests

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	eventsgen "github.com/sessionhub/server/gen/therapyevents"
	"github.com/sessionhub/server/internal/platform/config"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/therapy"
)

const therapyEventsChannel = eventsgen.ChannelAPIV1SessionsBySessionIDEvents

func therapyEventsPath(id string) string { return "/api/v1/sessions/" + id + "/events" }

func therapyBearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// dialEvents opens the events socket of a session with c's token.
func dialTherapyEvents(t *testing.T, ts *testServer, c *therapyClient, id uuid.UUID) *wsClient {
	t.Helper()
	return therapyWS.dial(t, therapyEventsChannel, ts.wsURL(therapyEventsPath(id.String())), therapyBearer(c.token))
}

// collectJob reads one analysis job's events up to its final progress
// event and checks their order: start at 0, progress never decreasing.
func collectTherapyJob(t *testing.T, w *wsClient) (names []string, last map[string]any) {
	t.Helper()
	prev := -1.0
	for i := 0; ; i++ {
		name, body := w.recv()
		names = append(names, name)
		if name != eventsgen.MsgAnalysisProgress {
			continue
		}
		data := body["data"].(map[string]any)
		progress := data["progress"].(float64)
		if i == 0 && (data["status"] != "processing" || progress != 0) {
			t.Fatalf("first event %v, want processing at 0", body)
		}
		if progress < prev {
			t.Fatalf("progress went down: %v after %v", progress, prev)
		}
		prev = progress
		if data["status"] != "processing" {
			return names, data
		}
	}
}

func countTherapyEvents(names []string, name string) int {
	n := 0
	for _, v := range names {
		if v == name {
			n++
		}
	}
	return n
}

func TestTherapyEventsStream(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	alice, bob := newTherapyClient(t, ts, "alice"), newTherapyClient(t, ts, "bob")
	s := alice.create(`{"title": "live"}`)
	byHeader := dialTherapyEvents(t, ts, alice, s.SessionId)
	byQuery := therapyWS.dial(t, therapyEventsChannel, ts.wsURL(therapyEventsPath(s.SessionId.String())+"?access_token="+alice.token), nil)
	theirs := bob.create(`{"title": "bob's"}`)
	bobSocket := dialTherapyEvents(t, ts, bob, theirs.SessionId)

	up := alice.upload(s.SessionId, "text", "notes.txt", []byte(therapyWorkTranscript))
	for _, w := range []*wsClient{byHeader, byQuery} {
		names, last := collectTherapyJob(t, w)
		if last["status"] != "completed" || last["progress"] != 1.0 || last["content_id"] != up.Data.Upload.Id.String() {
			t.Errorf("final event %v, want completed for %s", last, up.Data.Upload.Id)
		}
		got := alice.get(s.SessionId)
		if countTherapyEvents(names, eventsgen.MsgNewEmotion) != len(got.Emotions) || countTherapyEvents(names, eventsgen.MsgNewTopic) != len(got.Topics) ||
			countTherapyEvents(names, eventsgen.MsgNewInsight) != len(got.Insights)+len(got.Beliefs)+len(got.Challenges)+len(got.ActionItems) {
			t.Errorf("events %v do not match the stored results %+v", names, got)
		}
		if countTherapyEvents(names, eventsgen.MsgNewEmotion) == 0 || countTherapyEvents(names, eventsgen.MsgNewTopic) == 0 || countTherapyEvents(names, eventsgen.MsgNewInsight) == 0 {
			t.Errorf("events %v: want emotions, topics and insights for this transcript", names)
		}
	}

	// Bob's socket saw none of that: its first event is about his own content.
	bobUp := bob.upload(theirs.SessionId, "text", "b.txt", []byte("I feel calm today."))
	_, first := bobSocket.recv()
	if first["data"].(map[string]any)["content_id"] != bobUp.Data.Upload.Id.String() {
		t.Errorf("bob's first event %v, want one about his upload %s", first, bobUp.Data.Upload.Id)
	}
}

func TestTherapyEventsRefusals(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	alice, bob := newTherapyClient(t, ts, "alice"), newTherapyClient(t, ts, "bob")
	id := alice.create(`{"title": "mine"}`).SessionId.String()
	url := ts.wsURL(therapyEventsPath(id))

	body := therapyWS.dialRefused(t, therapyEventsChannel, url, nil, 401)
	if body["message"] != "Missing bearer token" {
		t.Errorf("no token: %v", body)
	}
	therapyWS.dialRefused(t, therapyEventsChannel, url, therapyBearer(mintTherapyToken(t, "alice", -time.Minute)), 401)
	therapyWS.dialRefused(t, therapyEventsChannel, url+"?access_token=forged.token.value", nil, 401)
	therapyWS.dialRefused(t, therapyEventsChannel, ts.wsURL(therapyEventsPath("not-a-uuid")), nil, 401) // auth first
	body = therapyWS.dialRefused(t, therapyEventsChannel, ts.wsURL(therapyEventsPath("not-a-uuid")), therapyBearer(alice.token), 400)
	if body["field"] != "session_id" {
		t.Errorf("bad id: %v", body)
	}
	// Another user's session and one that never existed: the REST API's 404.
	for _, refusal := range []map[string]any{
		therapyWS.dialRefused(t, therapyEventsChannel, url, therapyBearer(bob.token), 404),
		therapyWS.dialRefused(t, therapyEventsChannel, ts.wsURL(therapyEventsPath(uuid.NewString())), therapyBearer(alice.token), 404),
	} {
		status, rest := bob.raw("GET", "/sessions/"+id, "", nil)
		requireTherapyError(t, status, rest, 404, "SESSION_NOT_FOUND", "session_id")
		if refusal["code"] != rest["code"] || refusal["message"] != rest["message"] || refusal["field"] != rest["field"] {
			t.Errorf("events socket refused with %v, the REST API with %v: want the same body", refusal, rest)
		}
	}

	// A plain GET (no upgrade) is refused with the same body shape.
	req, _ := http.NewRequest(http.MethodGet, ts.baseURL+therapyEventsPath(id), nil)
	req.Header.Set("Authorization", "Bearer "+alice.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var refusal map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&refusal)
	resp.Body.Close()
	if resp.StatusCode != 400 || refusal["code"] != "VALIDATION_ERROR" {
		t.Errorf("plain GET: %d %v, want 400 VALIDATION_ERROR", resp.StatusCode, refusal)
	}

	remote.skip(t, "closes the database") // what follows: a failure while authorizing the upgrade
	if err := ts.srv.DB().Close(); err != nil {
		t.Fatal(err)
	}
	therapyWS.dialRefused(t, therapyEventsChannel, url, therapyBearer(alice.token), 500)
}

func TestTherapyEventsClientFrames(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	alice := newTherapyClient(t, ts, "alice")
	w := dialTherapyEvents(t, ts, alice, alice.create(`{"title": "x"}`).SessionId)
	w.sendRaw([]byte("not json"))
	if got := w.expect(eventsgen.MsgError)["data"].(map[string]any); got["code"] != "INVALID_JSON" {
		t.Errorf("non-JSON frame: %v", got)
	}
	w.send(map[string]any{"command": "subscribe"})
	if got := w.expect(eventsgen.MsgError)["data"].(map[string]any); got["code"] != "UNKNOWN_COMMAND" {
		t.Errorf("JSON frame: %v", got)
	}
}

func TestTherapyEventsCloseCodes(t *testing.T) {
	t.Parallel()
	t.Run("1000 when the session is deleted", func(t *testing.T) {
		ts := newServer(t)
		alice := newTherapyClient(t, ts, "alice")
		s := alice.create(`{"title": "x"}`)
		w := dialTherapyEvents(t, ts, alice, s.SessionId)
		if status, body := alice.raw("DELETE", "/sessions/"+s.SessionId.String(), "", nil); status != 200 {
			t.Fatalf("delete: %d %v", status, body)
		}
		if reason := w.expectClose(websocket.CloseNormalClosure); reason != "session deleted" {
			t.Errorf("close reason %q", reason)
		}
	})
	t.Run("1000 without a reason echoes a client close", func(t *testing.T) {
		ts := newServer(t)
		alice := newTherapyClient(t, ts, "alice")
		w := dialTherapyEvents(t, ts, alice, alice.create(`{"title": "x"}`).SessionId)
		_ = w.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
		if reason := w.expectClose(websocket.CloseNormalClosure); reason != "" {
			t.Errorf("close reason %q, want none", reason)
		}
	})
	t.Run("1001 on graceful shutdown", func(t *testing.T) {
		ts := ownServer(t, "shuts the server down")
		alice := newTherapyClient(t, ts, "alice")
		w := dialTherapyEvents(t, ts, alice, alice.create(`{"title": "x"}`).SessionId)
		go ts.shutdown(t)
		w.expectClose(websocket.CloseGoingAway)
	})
	t.Run("1009 for a frame over the read limit", func(t *testing.T) {
		ts := newServer(t)
		alice := newTherapyClient(t, ts, "alice")
		w := dialTherapyEvents(t, ts, alice, alice.create(`{"title": "x"}`).SessionId)
		_ = w.conn.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", int(eventsgen.Channels[0].ReadLimit)+1)))
		w.expectClose(websocket.CloseMessageTooBig)
	})
	t.Run("4001 when the token expires", func(t *testing.T) {
		ts := newServer(t)
		alice := newTherapyClient(t, ts, "alice")
		id := alice.create(`{"title": "x"}`).SessionId
		short := mintTherapyToken(t, "alice", 2*time.Second)
		w := therapyWS.dial(t, therapyEventsChannel, ts.wsURL(therapyEventsPath(id.String())), therapyBearer(short))
		w.expectClose(4001)
	})
	t.Run("4008 for a socket that stops reading", func(t *testing.T) {
		remote.skip(t, "publishes on the server's database bus")
		ts := slowConsumerServer(t)
		alice := newTherapyClient(t, ts, "alice")
		id := alice.create(`{"title": "x"}`).SessionId
		raw := dialStalled(t, ts.wsURL(therapyEventsPath(id.String())), therapyBearer(alice.token))
		stalled := &wsClient{t: t, contract: therapyWS, channel: therapyEventsChannel, conn: raw}
		floodTherapyEvents(t, ts, id.String(), func() bool {
			return ts.metric(`websocket_server_closes_total{api="therapy",code="4008"}`) >= 1
		})
		stalled.expectClose(4008)
	})
}

// floodTherapyEvents publishes insight events of a session on the
// cross-process bus, as another server process would, until done.
func floodTherapyEvents(t *testing.T, ts *testServer, sessionID string, done func() bool) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(config.Config{DatabaseURL: ts.dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bus, err := pubsub.NewPostgres(ctx, db.DB, ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	// Events as large as the spec allows (an insight's content is at most
	// 2,000 characters), from several publishers at once: a loaded machine
	// must still fill the socket buffers, and then the queue, well within
	// the write deadline.
	insight := therapy.Insight{Found: therapy.Found{ID: uuid.NewString(), Timestamp: time.Now().UTC()}, Content: strings.Repeat("a long insight ", 133), Type: therapy.InsightInsight, Confidence: 0.5}
	payload, _ := json.Marshal(therapy.Event{Type: therapy.EventInsight, SessionID: sessionID, Insight: &insight})
	deadline := time.Now().Add(120 * time.Second) // a bound on a loaded machine, not a timing
	var publishers sync.WaitGroup
	for range 3 {
		publishers.Go(func() {
			for !done() && time.Now().Before(deadline) {
				for range 20 {
					if err := bus.Publish(ctx, therapy.BusTopic(sessionID), payload); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	publishers.Wait()
}
