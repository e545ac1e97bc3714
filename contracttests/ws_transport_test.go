package contracttests

import (
	"net/http"
	"testing"

	"github.com/gorilla/websocket"

	avatarstreamgen "github.com/sessionhub/server/gen/avatarstream"
	decisionsgen "github.com/sessionhub/server/gen/decisions"
	petchatgen "github.com/sessionhub/server/gen/petchat"
	vrgen "github.com/sessionhub/server/gen/vrtraining"
	"github.com/sessionhub/server/internal/platform/config"
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

func targetNamed(t *testing.T, targets []wsTarget, name string) wsTarget {
	t.Helper()
	for _, target := range targets {
		if target.name == name {
			return target
		}
	}
	t.Fatalf("no channel named %q", name)
	return wsTarget{}
}

// TestWSTextThatIsNotUTF8Closes1007: on every channel a text frame that
// is not valid UTF-8 closes the connection with 1007 (RFC 6455 §8.1)
// instead of being read with replacement characters.
func TestWSTextThatIsNotUTF8Closes1007(t *testing.T) {
	t.Parallel()
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

// refusalCode is the code of any channel's refusal body (pet-care nests it
// under data).
func refusalCode(body map[string]any) any {
	if data, ok := body["data"].(map[string]any); ok {
		return data["code"]
	}
	return body["code"]
}

func refusalMessage(body map[string]any) any {
	if data, ok := body["data"].(map[string]any); ok {
		return data["message"]
	}
	return body["message"]
}

// requireCeilingRefusals fills the ceiling with one connection, then
// requires every channel to refuse the next with status, its own body,
// code and message, and Retry-After: 5.
func requireCeilingRefusals(t *testing.T, ts *testServer, status int, code, message string) {
	t.Helper()
	targets := everyWSChannel(t, ts)
	targets[0].dial(t) // the one connection the ceiling allows
	for _, target := range targets {
		t.Run(target.name, func(t *testing.T) {
			body, header := target.dialRefused(t, status)
			if refusalCode(body) != code || refusalMessage(body) != message {
				t.Errorf("refusal %v, want %s %q", body, code, message)
			}
			if got := header.Get("Retry-After"); got != "5" {
				t.Errorf("Retry-After %q, want 5", got)
			}
		})
	}
}

// TestWSServerCeilingRefusesWith503: WS_MAX_CONNECTIONS counts the open
// connections of every channel together.
func TestWSServerCeilingRefusesWith503(t *testing.T) {
	t.Parallel()
	ts := startServer(t, createDatabase(t), func(cfg *config.Config) {
		cfg.WSMaxConnections, cfg.WSMaxConnectionsPerAddress = 1, 0
	})
	requireCeilingRefusals(t, ts, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE",
		"Too many open WebSocket connections on this server (limit 1); retry later")
}

// TestWSAddressCeilingRefusesWith429: WS_MAX_CONNECTIONS_PER_ADDRESS counts
// one client address's connections of every channel together.
func TestWSAddressCeilingRefusesWith429(t *testing.T) {
	t.Parallel()
	ts := startServer(t, createDatabase(t), func(cfg *config.Config) {
		cfg.WSMaxConnections, cfg.WSMaxConnectionsPerAddress = 0, 1
	})
	requireCeilingRefusals(t, ts, http.StatusTooManyRequests, "TOO_MANY_CONNECTIONS",
		"Too many open WebSocket connections from your address (limit 1); close one or retry later")
}

// TestAvatarWSUpgrade500: a failure while authorizing the upgrade (the
// database is gone) is the documented 500 body, never a plain-text one.
func TestAvatarWSUpgrade500(t *testing.T) {
	t.Parallel()
	ts := ownServer(t, "closes the database")
	targets := everyWSChannel(t, ts)
	if err := ts.srv.DB().Close(); err != nil {
		t.Fatal(err)
	}
	body, _ := targetNamed(t, targets, "avatar stream").dialRefused(t, http.StatusInternalServerError)
	if body["code"] != "INTERNAL_ERROR" || body["error"] != "Internal Server Error" || body["message"] != "Internal error" {
		t.Fatalf("refusal %v", body)
	}
}
