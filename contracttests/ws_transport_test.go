package contracttests

import (
	"net/http"
	"testing"

	"github.com/gorilla/websocket"

	avatarstreamgen "github.com/sessionhub/server/gen/avatarstream"
	decisionsgen "github.com/sessionhub/server/gen/decisions"
	petchatgen "github.com/sessionhub/server/gen/petchat"
	vrgen "github.com/sessionhub/server/gen/vrtraining"
)

// wsTarget is one WebSocket channel of a server with credentials it
// accepts: what the shared transport rules are checked on.
type wsTarget struct {
	name     string
	contract *wsContract
	channel  string
	url      string
	header   http.Header
}

func (w wsTarget) dial(t *testing.T) *wsClient {
	t.Helper()
	return w.contract.dial(t, w.channel, w.url, w.header)
}

func (w wsTarget) dialRefused(t *testing.T, status int) (map[string]any, http.Header) {
	t.Helper()
	return w.contract.dialRefusedWithHeader(t, w.channel, w.url, w.header, status)
}

// everyWSChannel returns the five channels of ts, creating a therapy session
// and an avatar session so that their sockets accept the upgrade.
func everyWSChannel(t *testing.T, ts *testServer) []wsTarget {
	t.Helper()
	alice := newTherapyClient(t, ts, "alice")
	session := alice.create(`{"title": "transport"}`)
	avatarRest := newAvatarClient(t, ts)
	status, started := avatarRest.raw(http.MethodPost, "/session/start", testAvatarKey, seedStartBody)
	if status != http.StatusOK {
		t.Fatalf("avatar start: %d %v", status, started)
	}
	return []wsTarget{
		{"vrtraining", vrWS, vrgen.ChannelWsSessions, ts.wsURL(vrgen.ChannelWsSessions), nil},
		{"therapy events", therapyWS, therapyEventsChannel, ts.wsURL(therapyEventsPath(session.SessionId.String())), therapyBearer(alice.token)},
		{"petchat", petchatWS, petchatgen.ChannelWsSlash, ts.wsURL(petchatgen.ChannelWsSlash), nil},
		{"avatar stream", avatarWS, avatarstreamgen.ChannelV1Websocket, ts.wsURL(avatarstreamgen.ChannelV1Websocket), bearer(started["session_token"].(string))},
		{"decisions", decisionsWS, decisionsgen.ChannelWs, ts.wsURL(decisionsgen.ChannelWs), nil},
	}
}

// TestWSTextThatIsNotUTF8Closes1007: on every channel a text frame that
// is not valid UTF-8 closes the connection with 1007 (RFC 6455 §8.1)
// instead of being read with replacement characters.
func TestWSTextThatIsNotUTF8Closes1007(t *testing.T) {
	ts := newServer(t)
	for _, target := range everyWSChannel(t, ts) {
		t.Run(target.name, func(t *testing.T) {
			c := target.dial(t)
			if err := c.conn.WriteMessage(websocket.TextMessage, []byte("{\"command\":\"caf\xe9\"}")); err != nil {
				t.Fatalf("write: %v", err)
			}
			if reason := c.expectClose(1007); reason != "text message is not valid UTF-8" {
				t.Fatalf("close 1007 reason %q", reason)
			}
		})
	}
}
