package contracttests

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	pcgen "github.com/sessionhub/server/gen/petchat"
	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/platform/auth"
)

// chatClient is a pet-chat connection and the user id it was given.
type chatClient struct {
	*wsClient
	user string
}

func dialChat(t *testing.T, ts *testServer, header http.Header) *chatClient {
	t.Helper()
	return dialChatURL(t, ts.wsURL(pcgen.ChannelWsSlash), header)
}

func dialChatURL(t *testing.T, url string, header http.Header) *chatClient {
	t.Helper()
	c := petchatWS.dial(t, pcgen.ChannelWsSlash, url, header)
	hello := c.expect(pcgen.MsgConnected)
	return &chatClient{wsClient: c, user: field(hello, "user_id").(string)}
}

// chatToken mints a bearer token for sub with the suite's secret.
func chatToken(t *testing.T, sub string, ttl time.Duration) string {
	t.Helper()
	tok, _, err := auth.NewSigner([]byte(testJWTSecret), "").Mint(remote.subject(t, sub), "", ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func chatBearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

// field reads data.<name> of a decoded event.
func field(event map[string]any, name string) any {
	return event["data"].(map[string]any)[name]
}

func (c *chatClient) newConversation(providers ...string) map[string]any {
	c.t.Helper()
	c.send(map[string]any{"event": "new_conversation", "data": map[string]any{"pet_id": uuid.NewString(), "providers": providers}})
	return c.expect(pcgen.MsgConversationCreated)["data"].(map[string]any)
}

func (c *chatClient) message(conversation, content string) map[string]any {
	c.t.Helper()
	c.send(map[string]any{"event": "message", "data": map[string]any{"conversation_id": conversation, "content": content}})
	return c.expect(pcgen.MsgMessageSent)["data"].(map[string]any)
}

// conversations lists the user's conversations. Because replies and
// deliveries share one ordered stream, it also proves nothing was delivered
// to c before it.
func (c *chatClient) conversations() []any {
	c.t.Helper()
	c.send(map[string]any{"event": "conversations", "data": map[string]any{}})
	return field(c.expect(pcgen.MsgConversationsReply), "conversations").([]any)
}

func TestPetChatConversationFlow(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	owner := dialChat(t, ts, nil)
	vet := dialChat(t, ts, chatBearer(chatToken(t, "dr-vet", time.Hour)))
	stranger := dialChat(t, ts, nil)
	offline := uuid.NewString()

	created := owner.newConversation(vet.user, offline)
	conv := created["conversation_id"].(string)
	if created["client_id"] != owner.user || created["providers"].([]any)[0] != vet.user || created["providers"].([]any)[1] != offline {
		t.Fatalf("conversation_created = %v, want client %s, providers [%s %s]", created, owner.user, vet.user, offline)
	}
	if got := vet.expect(pcgen.MsgConversationCreated); field(got, "conversation_id") != conv {
		t.Fatalf("provider got %v, want conversation_created %s", got, conv)
	}

	sent := owner.message(conv, "Rex is limping")
	if sent["content"] != "Rex is limping" || sent["sender_id"] != owner.user || sent["conversation_id"] != conv {
		t.Fatalf("message_sent = %v", sent)
	}
	got := vet.expect(pcgen.MsgNewMessage)
	if field(got, "message_id") != sent["message_id"] || field(got, "timestamp") != sent["timestamp"] {
		t.Fatalf("new_message = %v, want %v", got, sent)
	}
	reply := vet.message(conv, "Bring him in at 3")
	owner.expect(pcgen.MsgNewMessage)

	if list := stranger.conversations(); len(list) != 0 {
		t.Fatalf("stranger sees %v, want nothing", list)
	}
	for _, c := range []*chatClient{owner, vet} {
		list := c.conversations()
		if len(list) != 1 {
			t.Fatalf("%s sees %d conversations, want 1", c.user, len(list))
		}
		last := list[0].(map[string]any)["last_message"].(map[string]any)
		if last["message_id"] != reply["message_id"] {
			t.Fatalf("last_message = %v, want %v", last, reply)
		}
	}

	// History: one message per page, newest page first, each oldest → newest.
	owner.send(map[string]any{"event": "history", "data": map[string]any{"conversation_id": conv, "limit": 1}})
	page := owner.expect(pcgen.MsgHistoryReply)
	cursor, _ := field(page, "next_cursor").(string)
	if msgs := field(page, "messages").([]any); len(msgs) != 1 || msgs[0].(map[string]any)["message_id"] != reply["message_id"] || cursor == "" {
		t.Fatalf("first page = %v, want the reply and a cursor", page)
	}
	owner.send(map[string]any{"event": "history", "data": map[string]any{"conversation_id": conv, "before": cursor}})
	page = owner.expect(pcgen.MsgHistoryReply)
	if msgs := field(page, "messages").([]any); len(msgs) != 1 || msgs[0].(map[string]any)["message_id"] != sent["message_id"] || field(page, "next_cursor") != nil {
		t.Fatalf("second page = %v, want the first message and no cursor", page)
	}
}

func TestPetChatIdentity(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	anonA, anonB := dialChat(t, ts, nil), dialChat(t, ts, nil)
	if anonA.user == anonB.user || uuid.Validate(anonA.user) != nil {
		t.Fatalf("anonymous ids %s %s, want two fresh UUIDs", anonA.user, anonB.user)
	}
	alice := dialChat(t, ts, chatBearer(chatToken(t, "alice", time.Hour)))
	want := "f973db58-e8d8-5ab1-b0d2-bf03f8a71153"
	if remote.enabled() { // the subject is this run's alice, so is the UUID v5
		want = petchat.UserIDForSubject(remote.subject(t, "alice"))
	}
	if alice.user != want {
		t.Fatalf("alice's id = %s, want her documented UUID v5", alice.user)
	}
	conv := alice.newConversation(anonA.user)["conversation_id"].(string)
	anonA.expect(pcgen.MsgConversationCreated)
	alice.conn.Close()

	// Alice comes back through the query parameter and finds her conversation.
	again := dialChatURL(t, ts.wsURL(pcgen.ChannelWsSlash)+"?access_token="+chatToken(t, "alice", time.Hour), nil)
	if again.user != alice.user {
		t.Fatalf("alice reconnected as %s, want %s", again.user, alice.user)
	}
	if list := again.conversations(); len(list) != 1 || list[0].(map[string]any)["conversation_id"] != conv {
		t.Fatalf("alice's conversations after reconnecting = %v, want [%s]", list, conv)
	}
	id := uuid.NewString()
	if c := dialChat(t, ts, chatBearer(chatToken(t, strings.ToUpper(id), time.Hour))); c.user != id {
		t.Fatalf("UUID sub gave %s, want %s", c.user, id)
	}

	forged, _, _ := auth.NewSigner([]byte("another-secret-0123456789abcdef-xyz"), "").Mint("alice", "", time.Hour)
	url := ts.wsURL(pcgen.ChannelWsSlash)
	for name, tt := range map[string]struct {
		url    string
		header http.Header
	}{
		"forged":               {url, chatBearer(forged)},
		"expired":              {url, chatBearer(chatToken(t, "alice", -time.Hour))},
		"malformed":            {url, chatBearer("not.a.jwt")},
		"not Bearer":           {url, http.Header{"Authorization": {"Basic YWxpY2U6eA=="}}},
		"empty access_token":   {url + "?access_token=", nil},
		"forged access_token":  {url + "?access_token=" + forged, nil},
		"header wins over bad": {url + "?access_token=" + chatToken(t, "alice", time.Hour), chatBearer(forged)},
	} {
		t.Run(name, func(t *testing.T) {
			body := petchatWS.dialRefused(t, pcgen.ChannelWsSlash, tt.url, tt.header, http.StatusUnauthorized)
			if field(body, "code") != "UNAUTHORIZED" {
				t.Fatalf("refusal = %v", body)
			}
		})
	}
}

func TestPetChatServedAtSlashPath(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(ts.baseURL + pcgen.ChannelWsSlash)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 || resp.StatusCode == http.StatusNotFound {
		t.Fatalf("GET /ws/ = %d (Location %q), want the WebSocket handler itself (not a redirect)", resp.StatusCode, resp.Header.Get("Location"))
	}
	dialChat(t, ts, nil) // the upgrade succeeds on /ws/ itself
}

func TestPetChatErrors(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	owner, vet, stranger := dialChat(t, ts, nil), dialChat(t, ts, nil), dialChat(t, ts, nil)
	conv := owner.newConversation(vet.user)["conversation_id"].(string)
	vet.expect(pcgen.MsgConversationCreated)
	other := stranger.newConversation(uuid.NewString())["conversation_id"].(string)
	owner.send(map[string]any{"event": "history", "data": map[string]any{"conversation_id": conv}})
	owner.expect(pcgen.MsgHistoryReply)
	stranger.message(other, "x")
	stranger.message(other, "y")
	stranger.send(map[string]any{"event": "history", "data": map[string]any{"conversation_id": other, "limit": 1}})
	foreignCursor := field(stranger.expect(pcgen.MsgHistoryReply), "next_cursor").(string)
	unknown := uuid.NewString()

	tests := []struct {
		name, frame, code, message string
		echoes                     bool
	}{
		{"malformed JSON", `{"event": "message",`, "INVALID_JSON", "Invalid JSON", false},
		{"not an object", `["conversations"]`, "VALIDATION_ERROR", "Invalid message (must be a JSON object)", false},
		{"no event", `{"data": {}}`, "VALIDATION_ERROR", "Missing required field: event", false},
		{"event not a string", `{"event": 3}`, "VALIDATION_ERROR", "Invalid value for field: event (must be a string)", false},
		{"unknown event", `{"event": "delete_conversation", "data": {}}`, "UNKNOWN_EVENT", "Unknown event: delete_conversation", true},
		{"events are case-sensitive", `{"event": "Message", "data": {}}`, "UNKNOWN_EVENT", "Unknown event: Message", true},
		{"message without data", `{"event": "message"}`, "VALIDATION_ERROR", "Missing required field: data", true},
		{"message without conversation_id", `{"event": "message", "data": {"content": "hi"}}`, "VALIDATION_ERROR", "Missing required field: data.conversation_id", true},
		{"message with a malformed id", `{"event": "message", "data": {"conversation_id": "nope", "content": "hi"}}`, "VALIDATION_ERROR", "Invalid value for field: data.conversation_id (must be a valid uuid)", true},
		{"empty content", `{"event": "message", "data": {"conversation_id": "` + conv + `", "content": ""}}`, "VALIDATION_ERROR", "Invalid value for field: data.content (must not be empty)", true},
		{"content too long", `{"event": "message", "data": {"conversation_id": "` + conv + `", "content": "` + strings.Repeat("x", 4001) + `"}}`, "VALIDATION_ERROR", "Invalid value for field: data.content (must be at most 4000 characters)", true},
		{"unknown conversation", `{"event": "message", "data": {"conversation_id": "` + unknown + `", "content": "hi"}}`, "CONVERSATION_NOT_FOUND", "Conversation not found: " + unknown, true},
		{"someone else's conversation", `{"event": "message", "data": {"conversation_id": "` + other + `", "content": "hi"}}`, "NOT_A_PARTICIPANT", "Not a participant of conversation: " + other, true},
		{"no providers", `{"event": "new_conversation", "data": {"pet_id": "` + unknown + `", "providers": []}}`, "VALIDATION_ERROR", "Invalid value for field: data.providers (must have at least 1 items)", true},
		{"duplicate providers", `{"event": "new_conversation", "data": {"pet_id": "` + unknown + `", "providers": ["` + vet.user + `", "` + vet.user + `"]}}`, "VALIDATION_ERROR", "Invalid value for field: data.providers (must not contain duplicates)", true},
		{"yourself as provider", `{"event": "new_conversation", "data": {"pet_id": "` + unknown + `", "providers": ["` + owner.user + `"]}}`, "VALIDATION_ERROR", "Invalid value for field: data.providers (must not contain yourself)", true},
		{"pet_id missing", `{"event": "new_conversation", "data": {"providers": ["` + vet.user + `"]}}`, "VALIDATION_ERROR", "Missing required field: data.pet_id", true},
		{"history of someone else's", `{"event": "history", "data": {"conversation_id": "` + other + `"}}`, "NOT_A_PARTICIPANT", "Not a participant of conversation: " + other, true},
		{"history of an unknown", `{"event": "history", "data": {"conversation_id": "` + unknown + `"}}`, "CONVERSATION_NOT_FOUND", "Conversation not found: " + unknown, true},
		{"history with a foreign cursor", `{"event": "history", "data": {"conversation_id": "` + conv + `", "before": "` + foreignCursor + `"}}`, "VALIDATION_ERROR", "Invalid value for field: data.before (not a cursor of this conversation)", true},
		{"history with limit 0", `{"event": "history", "data": {"conversation_id": "` + conv + `", "limit": 0}}`, "VALIDATION_ERROR", "Invalid value for field: data.limit (must be at least 1)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner.sendRaw([]byte(tt.frame))
			reply := owner.expect(pcgen.MsgError)
			if field(reply, "code") != tt.code || field(reply, "message") != tt.message {
				t.Fatalf("reply = %v, want %s %q", reply, tt.code, tt.message)
			}
			if _, has := reply["data"].(map[string]any)["event"]; has != tt.echoes {
				t.Fatalf("reply = %v: event echoed = %v, want %v", reply, has, tt.echoes)
			}
		})
	}
	// The connection still works, and nothing reached the vet.
	owner.message(conv, "still here")
	vet.expect(pcgen.MsgNewMessage)
	if list := vet.conversations(); len(list) != 1 {
		t.Fatalf("vet sees %d conversations, want 1", len(list))
	}
}

// TestPetChatSeveralConnectionsOfOneUser: the sender's other connections get
// the message too; the sending connection gets only message_sent; a closed
// connection leaves delivery at once.
func TestPetChatSeveralConnectionsOfOneUser(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	token := chatToken(t, "owner", time.Hour)
	phone, laptop := dialChat(t, ts, chatBearer(token)), dialChat(t, ts, chatBearer(token))
	vet := dialChat(t, ts, nil)
	conv := phone.newConversation(vet.user)["conversation_id"].(string)
	laptop.expect(pcgen.MsgConversationCreated)
	vet.expect(pcgen.MsgConversationCreated)

	phone.message(conv, "from the phone")
	laptop.expect(pcgen.MsgNewMessage)
	vet.expect(pcgen.MsgNewMessage)
	if list := phone.conversations(); len(list) != 1 { // no new_message to the sender before this reply
		t.Fatalf("phone sees %v", list)
	}

	_ = laptop.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
	laptop.expectClose(websocket.CloseNormalClosure)
	deadline := time.Now().Add(5 * time.Second)
	for ts.metric(`websocket_connections_open{api="petchat"}`) != 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	vet.message(conv, "after the laptop left")
	phone.expect(pcgen.MsgNewMessage)
}

// TestPetChatNewConversationsAreBoundedAndListsPaged: strangers, each on a
// fresh anonymous connection, can add at most 30 conversations a minute to
// one user's list; one connection creates at most 10 (the defaults); the
// list comes in pages with a cursor.
func TestPetChatNewConversationsAreBoundedAndListsPaged(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	victim := dialChat(t, ts, nil)
	for i := 0; i < 30; i++ {
		stranger := dialChat(t, ts, nil)
		stranger.newConversation(victim.user)
		victim.expect(pcgen.MsgConversationCreated)
		_ = stranger.conn.Close()
	}
	late := dialChat(t, ts, nil)
	late.send(map[string]any{"event": "new_conversation", "data": map[string]any{"pet_id": uuid.NewString(), "providers": []string{victim.user}}})
	reply := late.expect(pcgen.MsgError)
	if field(reply, "code") != "RATE_LIMITED" || field(reply, "message") != "Too many new conversations for one of its participants; retry later" || field(reply, "event") != "new_conversation" {
		t.Fatalf("31st conversation with one user: %v, want RATE_LIMITED", reply)
	}
	if wait, _ := field(reply, "retry_after").(float64); wait < 1 || wait > 60 {
		t.Fatalf("retry_after = %v, want 1..60 seconds", field(reply, "retry_after"))
	}

	busy := dialChat(t, ts, nil)
	for i := 0; i < 10; i++ {
		busy.newConversation(uuid.NewString())
	}
	busy.send(map[string]any{"event": "new_conversation", "data": map[string]any{"pet_id": uuid.NewString(), "providers": []string{uuid.NewString()}}})
	reply = busy.expect(pcgen.MsgError)
	if field(reply, "code") != "RATE_LIMITED" || field(reply, "message") != "Too many new conversations on this connection; retry later" {
		t.Fatalf("11th conversation on one connection: %v, want RATE_LIMITED", reply)
	}

	// The seed's request: the newest page (all 30 fit in the default 50).
	if list := victim.conversations(); len(list) != 30 {
		t.Fatalf("conversations: %d, want 30", len(list))
	}
	victim.send(map[string]any{"event": "conversations", "data": map[string]any{"limit": 20}})
	page := victim.expect(pcgen.MsgConversationsReply)
	cursor, _ := field(page, "next_cursor").(string)
	if n := len(field(page, "conversations").([]any)); n != 20 || cursor == "" {
		t.Fatalf("first page of 20: %d conversations, next_cursor %v", n, field(page, "next_cursor"))
	}
	victim.send(map[string]any{"event": "conversations", "data": map[string]any{"limit": 20, "before": cursor}})
	page = victim.expect(pcgen.MsgConversationsReply)
	if n := len(field(page, "conversations").([]any)); n != 10 || field(page, "next_cursor") != nil {
		t.Fatalf("second page: %d conversations, next_cursor %v; want the last 10 and null", n, field(page, "next_cursor"))
	}
	victim.send(map[string]any{"event": "conversations", "data": map[string]any{"before": "not-a-cursor"}})
	if reply := victim.expect(pcgen.MsgError); field(reply, "code") != "VALIDATION_ERROR" || field(reply, "message") != "Invalid value for field: data.before (not a cursor of the conversations list)" {
		t.Fatalf("bad cursor: %v", reply)
	}
}
