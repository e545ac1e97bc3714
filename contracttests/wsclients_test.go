package contracttests

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	avatarstreamgen "github.com/sessionhub/server/gen/avatarstream"
	decisionsgen "github.com/sessionhub/server/gen/decisions"
	petchatgen "github.com/sessionhub/server/gen/petchat"
	therapyeventsgen "github.com/sessionhub/server/gen/therapyevents"
	vrgen "github.com/sessionhub/server/gen/vrtraining"
	"github.com/sessionhub/server/gen/wsclient"
)

// The generated typed clients (gen/<api>/client.gen.go) against the server.
// Every frame they send and receive goes through observe, which holds it to
// the spec and counts it in the ledger exactly as wsClient does for the
// frames the other tests build by hand.

// observe is a client's OnFrame: each frame must be exactly one documented
// message of channel, in its direction; requests are paired with their
// replies as for wsClient (frameTracker).
func (c *wsContract) observe(t *testing.T, channel string) func(direction string, frame []byte) {
	frames := &frameTracker{}
	return func(direction string, frame []byte) {
		name, err := c.classify(channel, direction, frame)
		if err != nil {
			t.Errorf("%s frame on %s is not one documented message: %v\nframe: %s", direction, channel, err, frame)
			return
		}
		if direction == wsclient.DirectionClient {
			frames.sent(c, channel, frame)
			return
		}
		frames.received(t, c, channel, name, frame)
	}
}

// requireClose requires err to be the typed end of the connection with code,
// documented for channel.
func (c *wsContract) requireClose(t *testing.T, channel string, err error, code int) {
	t.Helper()
	var ce *wsclient.CloseError
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("got %v, want a *CloseError with code %d", err, code)
	}
	if !ce.Documented() {
		t.Errorf("close %d on %s: the client found no documented meaning", code, channel)
	}
	c.hitClose(t, channel, code, ce.Reason)
}

// requireRefusal requires err to be the typed refusal of the upgrade with
// status, documented and with a body the spec allows.
func (c *wsContract) requireRefusal(t *testing.T, channel string, err error, status int) map[string]any {
	t.Helper()
	var ue *wsclient.UpgradeError
	if !errors.As(err, &ue) || ue.StatusCode != status {
		t.Fatalf("dial: got %v, want an *UpgradeError with HTTP %d", err, status)
	}
	if ue.Meaning == "" {
		t.Errorf("HTTP %d on %s: the client found no documented meaning", status, channel)
	}
	return c.checkRefusal(t, channel, channel, status, ue.Body)
}

// requireServerError requires err to be a documented error reply with code.
func requireServerError[T any](t *testing.T, err error, code func(T) string, want string) T {
	t.Helper()
	var se *wsclient.ServerError[T]
	if !errors.As(err, &se) || code(se.Payload) != want {
		t.Fatalf("got %v, want a *ServerError with code %s", err, want)
	}
	return se.Payload
}

// closeAtEnd closes a client's connection when the test ends, so its reader
// (which reports through t) is done before the test is.
func closeAtEnd(t *testing.T, conn *wsclient.Conn) {
	t.Cleanup(func() { _ = conn.Close(context.Background(), 1000, "") })
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestTypedClientDecisions(t *testing.T) {
	t.Parallel()
	ts, ctx := newServer(t), testContext(t)
	c, err := decisionsgen.Dial(ctx, ts.wsURL(""), decisionsgen.DialOptions{OnFrame: decisionsWS.observe(t, decisionsgen.ChannelWs)})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, c.Conn())

	reg, err := c.Register(ctx, decisionsgen.RegisterRequest{APIKey: testDecisionKey, Checksum: remote.subject(t, "typed"), Name: "tom"})
	if err != nil || !tokenPattern.MatchString(reg.Token) || reg.Data != reg.Token || !reg.Created {
		t.Fatalf("Register = %+v, %v; want a new user's token as token and data", reg, err)
	}
	_, err = c.Register(ctx, decisionsgen.RegisterRequest{APIKey: "wrong", Checksum: remote.subject(t, "typed"), Name: "tom"})
	requireServerError(t, err, func(e decisionsgen.ErrorReply) string { return string(e.Code) }, string(decisionsgen.ErrorCodeInvalidAPIKey))

	// Sent without waiting, a reply comes through Receive; a request sent
	// after it still gets its own reply.
	if err := c.SendTakeDecision(ctx, decisionsgen.TakeDecisionRequest{Token: reg.Token, Message: "first"}); err != nil {
		t.Fatal(err)
	}
	second, err := c.TakeDecision(ctx, decisionsgen.TakeDecisionRequest{Token: reg.Token, Message: "second"})
	if err != nil || second.Data.Message != "second" {
		t.Fatalf("TakeDecision = %+v, %v; want the second decision", second, err)
	}
	msg, err := c.Receive(ctx)
	if first, ok := msg.(*decisionsgen.TakeDecisionSuccess); err != nil || !ok || first.Data.Message != "first" {
		t.Fatalf("Receive = %#v, %v; want the reply to the first decision", msg, err)
	}
	page, err := c.GetDecisions(ctx, decisionsgen.GetDecisionsRequest{Token: reg.Token})
	if err != nil || len(page.Data.Decisions) != 2 || page.Data.Decisions[0].Message != "second" {
		t.Fatalf("GetDecisions = %+v, %v; want both decisions, newest first", page, err)
	}
	if _, err := c.Disconnect(ctx, decisionsgen.DisconnectRequest{Token: reg.Token}); err != nil {
		t.Fatal(err)
	}
	_, err = c.TakeDecision(ctx, decisionsgen.TakeDecisionRequest{Token: reg.Token, Message: "late"})
	requireServerError(t, err, func(e decisionsgen.ErrorReply) string { return string(e.Code) }, string(decisionsgen.ErrorCodeInvalidToken))

	// A graceful shutdown ends the connection with the documented 1001.
	remote.skip(t, "shuts the server down")
	ts.shutdown(t)
	_, err = c.Receive(ctx)
	decisionsWS.requireClose(t, decisionsgen.ChannelWs, err, decisionsgen.CloseCode1001)
}

func TestTypedClientVRTraining(t *testing.T) {
	t.Parallel()
	ts, ctx := newServer(t), testContext(t)
	dial := func() *vrgen.Client {
		c, err := vrgen.Dial(ctx, ts.wsURL(""), vrgen.DialOptions{OnFrame: vrWS.observe(t, vrgen.ChannelWsSessions)})
		if err != nil {
			t.Fatal(err)
		}
		closeAtEnd(t, c.Conn())
		return c
	}
	watcher, c := dial(), dial()
	if _, err := watcher.WatchSessions(ctx, vrgen.WatchSessionsRequest{}); err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateSession(ctx, vrgen.CreateSessionRequest{Data: vrgen.CreateSessionData{ScenarioID: "s", AvatarID: "a", ObserverID: "o"}})
	if err != nil || created.Data.Status != vrgen.SessionStatusRunning {
		t.Fatalf("CreateSession = %+v, %v; want a running session", created, err)
	}
	// The watcher's notification is no reply: it arrives through Receive,
	// while the watcher's own request gets its reply.
	id := created.Data.SessionID
	one, err := watcher.GetSessionJSON(ctx, vrgen.GetSessionJSONRequest{Data: &vrgen.GetSessionJSONData{SessionID: &id}})
	if got, ok := one.(*vrgen.GetSessionJSONSuccessOne); err != nil || !ok || got.Data.SessionID != id {
		t.Fatalf("GetSessionJSON(%s) = %#v, %v; want that session", id, one, err)
	}
	all, err := watcher.GetSessionJSON(ctx, vrgen.GetSessionJSONRequest{})
	// VR sessions are shared by every client: a remote server lists (and
	// announces) other clients' sessions too.
	if got, ok := all.(*vrgen.GetSessionJSONSuccessAll); err != nil || !ok || len(got.Data) != 1 && !remote.enabled() {
		t.Fatalf("GetSessionJSON() = %#v, %v; want all (one) sessions", all, err)
	}
	note, err := watcher.Receive(ctx)
	for remote.enabled() && err == nil {
		if changed, ok := note.(*vrgen.SessionChanged); ok && changed.Data.SessionID == id {
			break
		}
		note, err = watcher.Receive(ctx)
	}
	if changed, ok := note.(*vrgen.SessionChanged); err != nil || !ok || changed.Data.SessionID != id {
		t.Fatalf("Receive = %#v, %v; want session_changed for %s", note, err, id)
	}
	_, err = c.UpdateSession(ctx, vrgen.UpdateSessionRequest{Data: vrgen.UpdateSessionData{SessionID: uuid.NewString(), Status: vrgen.SessionStatusPaused}})
	requireServerError(t, err, func(e vrgen.ErrorReply) string { return string(e.Code) }, string(vrgen.ErrorCodeSessionNotFound))
	if err := c.Close(ctx); err != nil {
		t.Fatalf("Close: %v, want the server's 1000", err)
	}
	vrWS.requireClose(t, vrgen.ChannelWsSessions, c.Conn().Err(), vrgen.CloseCode1000)
}

func TestTypedClientPetChat(t *testing.T) {
	t.Parallel()
	ts, ctx := newServer(t), testContext(t)
	dial := func(opts petchatgen.DialOptions) (*petchatgen.Client, string) {
		t.Helper()
		opts.OnFrame = petchatWS.observe(t, petchatgen.ChannelWsSlash)
		c, err := petchatgen.Dial(ctx, ts.wsURL(""), opts)
		if err != nil {
			t.Fatal(err)
		}
		closeAtEnd(t, c.Conn())
		msg, err := c.Receive(ctx)
		connected, ok := msg.(*petchatgen.Connected)
		if err != nil || !ok {
			t.Fatalf("first message %#v, %v; want connected", msg, err)
		}
		return c, connected.Data.UserID
	}
	owner, _ := dial(petchatgen.DialOptions{AccessToken: mintTherapyToken(t, "owner", time.Hour)})
	provider, providerID := dial(petchatgen.DialOptions{Authorization: "Bearer " + mintTherapyToken(t, "vet", time.Hour)})

	pet := uuid.NewString()
	conv, err := owner.NewConversation(ctx, petchatgen.NewConversationRequest{Data: petchatgen.NewConversationRequestData{PetID: pet, Providers: []string{providerID}}})
	if err != nil || conv.Data.PetID != pet {
		t.Fatalf("NewConversation = %+v, %v", conv, err)
	}
	delivered, err := provider.Receive(ctx)
	if got, ok := delivered.(*petchatgen.ConversationCreated); err != nil || !ok || got.Data.ConversationID != conv.Data.ConversationID {
		t.Fatalf("provider got %#v, %v; want conversation_created", delivered, err)
	}
	sent, err := owner.Message(ctx, petchatgen.MessageRequest{Data: petchatgen.MessageRequestData{ConversationID: conv.Data.ConversationID, Content: "Hello"}})
	if err != nil || sent.Data.Content != "Hello" {
		t.Fatalf("Message = %+v, %v", sent, err)
	}
	news, err := provider.Receive(ctx)
	if got, ok := news.(*petchatgen.NewMessage); err != nil || !ok || got.Data.MessageID != sent.Data.MessageID {
		t.Fatalf("provider got %#v, %v; want new_message %s", news, err, sent.Data.MessageID)
	}
	history, err := provider.History(ctx, petchatgen.HistoryRequest{Data: petchatgen.HistoryRequestData{ConversationID: conv.Data.ConversationID}})
	if err != nil || len(history.Data.Messages) != 1 {
		t.Fatalf("History = %+v, %v; want the one message", history, err)
	}
	_, err = owner.Message(ctx, petchatgen.MessageRequest{Data: petchatgen.MessageRequestData{ConversationID: uuid.NewString(), Content: "lost"}})
	requireServerError(t, err, func(e petchatgen.ErrorEvent) string { return string(e.Data.Code) }, string(petchatgen.ErrorCodeConversationNotFound))

	_, err = petchatgen.Dial(ctx, ts.wsURL(""), petchatgen.DialOptions{Authorization: "Bearer forged"})
	petchatWS.requireRefusal(t, petchatgen.ChannelWsSlash, err, http.StatusUnauthorized)
}

func TestTypedClientAvatarStream(t *testing.T) {
	t.Parallel()
	s, ctx := freshAvatarServer(t), testContext(t)
	sess := s.startAvatar(t, nil)
	_, err := avatarstreamgen.Dial(ctx, s.wsURL(""), avatarstreamgen.DialOptions{Authorization: "Bearer forged"})
	avatarWS.requireRefusal(t, avatarstreamgen.ChannelV1Websocket, err, http.StatusUnauthorized)

	c, err := avatarstreamgen.Dial(ctx, s.wsURL(""), avatarstreamgen.DialOptions{
		Authorization: "Bearer " + sess.token, OnFrame: avatarWS.observe(t, avatarstreamgen.ChannelV1Websocket),
	})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, c.Conn())
	// voice before init is refused with an error that names voice; the
	// heartbeat sent right after gets its own ack, not that error.
	rate := avatarstreamgen.SampleRate(24000)
	voice := avatarstreamgen.VoiceCommand{Audio: "AAAA", Encoding: avatarstreamgen.AudioEncodingPcm16, SampleRate: &rate, EventID: uuid.NewString()}
	if err := c.SendVoice(ctx, voice); err != nil {
		t.Fatal(err)
	}
	beat := avatarstreamgen.HeartbeatCommand{EventID: uuid.NewString(), Timestamp: 1700000000000}
	ack, err := c.Heartbeat(ctx, beat)
	if err != nil || ack.EventID != beat.EventID {
		t.Fatalf("Heartbeat = %+v, %v; want the ack of %s", ack, err, beat.EventID)
	}
	msg, err := c.Receive(ctx)
	refused, ok := msg.(*avatarstreamgen.ErrorMessage)
	if err != nil || !ok || refused.Code != avatarstreamgen.ErrorCodeNotInitialized || refused.InReplyTo == nil || *refused.InReplyTo != avatarstreamgen.MsgVoice {
		t.Fatalf("Receive = %#v, %v; want NOT_INITIALIZED in reply to voice", msg, err)
	}

	initAck, err := c.Init(ctx, avatarstreamgen.InitCommand{SessionID: sess.id})
	if err != nil || initAck.SessionID != sess.id || initAck.Resumed {
		t.Fatalf("Init = %+v, %v", initAck, err)
	}
	end, err := c.VoiceEnd(ctx, avatarstreamgen.VoiceEndCommand{EventID: uuid.NewString()})
	if err != nil || end.Recorded {
		t.Fatalf("VoiceEnd = %+v, %v; want nothing recorded", end, err)
	}
	_, err = c.Init(ctx, avatarstreamgen.InitCommand{SessionID: uuid.NewString()})
	requireServerError(t, err, func(e avatarstreamgen.ErrorMessage) string { return string(e.Code) }, string(avatarstreamgen.ErrorCodeSessionMismatch))

	stop(t, s.rest, testAvatarKey, sess.id, sess.token)
	_, err = c.Receive(ctx)
	avatarWS.requireClose(t, avatarstreamgen.ChannelV1Websocket, err, avatarstreamgen.CloseCode1000)
}

func TestTypedClientTherapyEvents(t *testing.T) {
	t.Parallel()
	ts, ctx := newServer(t), testContext(t)
	alice := newTherapyClient(t, ts, "alice")
	s := alice.create(`{"title": "typed"}`)
	_, err := therapyeventsgen.Dial(ctx, ts.wsURL(""), therapyeventsgen.DialOptions{SessionID: s.SessionId.String()})
	therapyWS.requireRefusal(t, therapyeventsgen.ChannelAPIV1SessionsBySessionIDEvents, err, http.StatusUnauthorized)

	c, err := therapyeventsgen.Dial(ctx, ts.wsURL(""), therapyeventsgen.DialOptions{
		SessionID: s.SessionId.String(), AccessToken: alice.token,
		OnFrame: therapyWS.observe(t, therapyeventsgen.ChannelAPIV1SessionsBySessionIDEvents),
	})
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, c.Conn())
	alice.upload(s.SessionId, "text", "notes.txt", []byte(therapyWorkTranscript))
	var kinds []string
	for {
		msg, err := c.Receive(ctx)
		if err != nil {
			t.Fatalf("Receive after %v: %v", kinds, err)
		}
		switch ev := msg.(type) {
		case *therapyeventsgen.NewEmotionEvent:
			kinds = append(kinds, ev.Type)
		case *therapyeventsgen.NewTopicEvent:
			kinds = append(kinds, ev.Type)
		case *therapyeventsgen.NewInsightEvent:
			kinds = append(kinds, ev.Type)
		case *therapyeventsgen.AnalysisProgressEvent:
			kinds = append(kinds, ev.Type)
			if ev.Data.Status == therapyeventsgen.AnalysisProgressDataStatusCompleted {
				for _, want := range []string{therapyeventsgen.MsgNewEmotion, therapyeventsgen.MsgNewTopic, therapyeventsgen.MsgNewInsight} {
					if !slices.Contains(kinds, want) {
						t.Errorf("events %v: no %s before the analysis completed", kinds, want)
					}
				}
				return
			}
		default:
			t.Fatalf("unexpected %#v", msg)
		}
	}
}
