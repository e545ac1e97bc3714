package petchatws

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/petchat/petchatstore"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/platform/wsconn"
)

func newTestAPI(t *testing.T) (*API, string) {
	t.Helper()
	return newTestProcess(t, pubsub.NewLocal(), dbtest.SQLite(t, petchatstore.Migrate))
}

// newTestProcess is one server process of several that share bus and db.
func newTestProcess(t *testing.T, bus pubsub.Bus, db *database.DB) (*API, string) {
	t.Helper()
	router := NewRouter(bus)
	svc := petchat.NewService(petchatstore.New(db), router, petchat.Limits{})
	hub := wsconn.NewHub(nil, wsconn.Limits{})
	api, err := New(svc, hub, router, auth.NewSigner([]byte("unit-test-secret-0123456789abcdef"), ""), 0)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(func() {
		_ = hub.Shutdown(t.Context())
		srv.Close()
		svc.Close()
		_ = router.Close()
	})
	return api, "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/"
}

type testClient struct {
	t    *testing.T
	conn *websocket.Conn
	user string
}

func connect(t *testing.T, url string) *testClient {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	c := &testClient{t: t, conn: conn}
	hello := c.read("connected")
	c.user = hello["user_id"].(string)
	return c
}

func (c *testClient) send(event string, data map[string]any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(map[string]any{"event": event, "data": data}); err != nil {
		c.t.Fatal(err)
	}
}

// read returns the data of the next frame, which must be event.
func (c *testClient) read(event string) map[string]any {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var frame struct {
		Event string         `json:"event"`
		Data  map[string]any `json:"data"`
	}
	_, raw, err := c.conn.ReadMessage()
	if err == nil {
		err = json.Unmarshal(raw, &frame)
	}
	if err != nil || frame.Event != event {
		c.t.Fatalf("read %s: %s (%v)", event, raw, err)
	}
	return frame.Data
}

func TestDeliveryReachesParticipantsOnly(t *testing.T) {
	api, url := newTestAPI(t)
	owner, vet, stranger := connect(t, url), connect(t, url), connect(t, url)
	owner.send("new_conversation", map[string]any{"pet_id": uuid.NewString(), "providers": []string{vet.user}})
	conv := owner.read("conversation_created")["conversation_id"].(string)
	vet.read("conversation_created")

	owner.send("message", map[string]any{"conversation_id": conv, "content": "hello"})
	owner.read("message_sent")
	if got := vet.read("new_message"); got["content"] != "hello" || got["sender_id"] != owner.user {
		t.Fatalf("new_message = %v", got)
	}
	stranger.send("conversations", map[string]any{})
	if list := stranger.read("conversations")["conversations"].([]any); len(list) != 0 {
		t.Fatalf("stranger sees %v", list)
	}

	// A closed connection leaves delivery at once.
	if n := api.router.connections(); n != 3 {
		t.Fatalf("%d connections in delivery, want 3", n)
	}
	_ = vet.conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for api.router.connections() != 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := api.router.connections(); n != 2 {
		t.Fatalf("%d connections in delivery after the vet left, want 2", n)
	}
	if got := api.router.recipients(delivery{To: []string{vet.user, owner.user}}); len(got) != 1 {
		t.Fatalf("recipients = %d connections, want only the owner's", len(got))
	}
}

// TestNothingSentAfterConnectedIsMissed: a provider named in a conversation
// the moment its client has read `connected` is told of the conversation.
func TestNothingSentAfterConnectedIsMissed(t *testing.T) {
	_, url := newTestAPI(t)
	owner := connect(t, url)
	for range 20 {
		vet := connect(t, url)
		owner.send("new_conversation", map[string]any{"pet_id": uuid.NewString(), "providers": []string{vet.user}})
		owner.read("conversation_created")
		vet.read("conversation_created")
	}
}

// TestEachConnectionGetsADeliveryOnce: the process that stores a message
// hands it to its own connections at once and the bus carries it to the
// others; neither path may deliver it twice or skip a connection.
func TestEachConnectionGetsADeliveryOnce(t *testing.T) {
	bus, db := pubsub.NewLocal(), dbtest.SQLite(t, petchatstore.Migrate)
	_, urlA := newTestProcess(t, bus, db)
	_, urlB := newTestProcess(t, bus, db)
	owner, nearVet, farVet := connect(t, urlA), connect(t, urlA), connect(t, urlB)
	owner.send("new_conversation", map[string]any{"pet_id": uuid.NewString(), "providers": []string{nearVet.user, farVet.user}})
	conv := owner.read("conversation_created")["conversation_id"].(string)
	nearVet.read("conversation_created")
	farVet.read("conversation_created")

	// Per-sender order holds on both paths, so a second copy of "one"
	// would arrive where "two" is expected.
	for _, sender := range []*testClient{owner, farVet} {
		for _, content := range []string{"one", "two"} {
			sender.send("message", map[string]any{"conversation_id": conv, "content": content})
			sender.read("message_sent")
		}
		for _, recipient := range []*testClient{owner, nearVet, farVet} {
			if recipient == sender {
				continue
			}
			for _, content := range []string{"one", "two"} {
				if got := recipient.read("new_message"); got["content"] != content || got["sender_id"] != sender.user {
					t.Fatalf("%s's message %q reached %s as %v", sender.user, content, recipient.user, got)
				}
			}
		}
	}
}

func TestIdentifyFromToken(t *testing.T) {
	_, url := newTestAPI(t)
	tok, _, _ := auth.NewSigner([]byte("unit-test-secret-0123456789abcdef"), "").Mint("alice", "", time.Hour)
	for i := 0; i < 2; i++ {
		conn, _, err := websocket.DefaultDialer.Dial(url+"?access_token="+tok, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := &testClient{t: t, conn: conn}
		if got := c.read("connected")["user_id"]; got != petchat.UserIDForSubject("alice") {
			t.Fatalf("alice connected as %v", got)
		}
		_ = conn.Close()
	}
	_, resp, err := websocket.DefaultDialer.Dial(url+"?access_token=forged", nil)
	if err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("forged token: %v %v, want HTTP 401", resp, err)
	}
}

// A limit the schema admits but Go's int64 cannot take (10.0 is an integer
// to JSON Schema) is the client's mistake: VALIDATION_ERROR, not an
// internal error.
func TestHistoryLimitWrittenAsFloatIsValidationError(t *testing.T) {
	_, url := newTestAPI(t)
	owner, vet := connect(t, url), connect(t, url)
	owner.send("new_conversation", map[string]any{"pet_id": uuid.NewString(), "providers": []string{vet.user}})
	conv := owner.read("conversation_created")["conversation_id"].(string)
	owner.send("history", map[string]any{"conversation_id": conv, "limit": 10.0})
	if err := owner.conn.WriteMessage(websocket.TextMessage, []byte(`{"event":"history","data":{"conversation_id":"`+conv+`","limit":10.0}}`)); err != nil {
		t.Fatal(err)
	}
	owner.read("history") // encoding/json writes 10.0 as 10
	got := owner.read("error")
	if got["code"] != "VALIDATION_ERROR" || got["message"] != "Invalid value for field: data.limit (must be an integer)" {
		t.Fatalf("history with limit 10.0 = %v, want VALIDATION_ERROR on data.limit", got)
	}
}

// TestUnreadableCredentialsAreNeverAnonymous: a bad token hidden where the
// query parser cannot see it (past net/url's 10,000 parameters, after a
// semicolon, next to a bad escape, or given twice) is refused like any bad
// token; only a request presenting no credentials is anonymous.
func TestUnreadableCredentialsAreNeverAnonymous(t *testing.T) {
	_, url := newTestAPI(t)
	for name, query := range map[string]string{
		"10,001 parameters": "access_token=bad" + strings.Repeat("&f=1", 10_000),
		"semicolon":         "access_token=bad;x=1",
		"bad escape":        "x=%zz&access_token=bad",
		"given twice":       "access_token=bad&access_token=bad",
	} {
		conn, resp, err := websocket.DefaultDialer.Dial(url+"?"+query, nil)
		if err == nil {
			c := &testClient{t: t, conn: conn}
			t.Errorf("%s: upgraded as anonymous user %v, want HTTP 401", name, c.read("connected")["user_id"])
			_ = conn.Close()
			continue
		}
		if resp == nil || resp.StatusCode != 401 {
			t.Errorf("%s: %v %v, want HTTP 401", name, resp, err)
		}
	}
	connect(t, url+"?unrelated=1") // no credentials at all: anonymous
}

// connections is the number of this process's connections in delivery.
func (r *Router) connections() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := 0
	for _, conns := range r.byUser {
		n += len(conns)
	}
	return n
}
