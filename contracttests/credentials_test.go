package contracttests

import (
	"net/http"
	"strings"
	"testing"
	"time"

	pcgen "github.com/sessionhub/server/gen/petchat"
	"github.com/sessionhub/server/internal/petchat"
)

// unreadableCredentialQueries hide a bad access_token where a query parser
// that drops what it cannot read would not see it.
var unreadableCredentialQueries = map[string]string{
	"10,001 parameters":  "access_token=bad" + strings.Repeat("&f=1", 10_000),
	"semicolon":          "access_token=bad;f=1",
	"access_token twice": "access_token=bad&access_token=bad",
}

const unreadableCredentialsMessage = "Credentials cannot be read: the query string is malformed or repeats access_token"

// TestUnreadableQueryCredentialsAreRefused: every API that reads a token
// from the query string refuses a query it cannot read with its 401, and
// never treats the request as one without credentials (pet-care would
// upgrade it as a new anonymous user).
func TestUnreadableQueryCredentialsAreRefused(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	alice := newTherapyClient(t, ts, "alice")
	session := alice.create(`{"title": "query tokens"}`).SessionId.String()
	for name, query := range unreadableCredentialQueries {
		t.Run(name, func(t *testing.T) {
			body := petchatWS.dialRefused(t, pcgen.ChannelWsSlash, ts.wsURL(pcgen.ChannelWsSlash)+"?"+query, nil, http.StatusUnauthorized)
			if field(body, "code") != "UNAUTHORIZED" || field(body, "message") != unreadableCredentialsMessage {
				t.Errorf("pet-care refusal = %v", body)
			}
			body = therapyWS.dialRefused(t, therapyEventsChannel, ts.wsURL(therapyEventsPath(session))+"?"+query, nil, http.StatusUnauthorized)
			if body["code"] != "UNAUTHORIZED" || body["message"] != unreadableCredentialsMessage {
				t.Errorf("therapy events refusal = %v", body)
			}
			status, rest := alice.http.rawRequest(http.MethodGet, ts.baseURL+"/api/v1/sessions?"+query, nil, nil)
			if status != http.StatusUnauthorized || rest["message"] != unreadableCredentialsMessage {
				t.Errorf("therapy REST: %d %v", status, rest)
			}
		})
	}
	// With an Authorization header the query is not read for credentials.
	c := dialChatURL(t, ts.wsURL(pcgen.ChannelWsSlash)+"?"+unreadableCredentialQueries["semicolon"], chatBearer(chatToken(t, "alice", time.Hour)))
	if c.user != petchat.UserIDForSubject(remote.subject(t, "alice")) {
		t.Fatalf("with a valid header, connected as %s, want alice", c.user)
	}
}
