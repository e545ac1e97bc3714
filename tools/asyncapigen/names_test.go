package main

import "testing"

func TestGoName(t *testing.T) {
	tests := map[string]string{
		"sessionId":      "SessionID",
		"session_id":     "SessionID",
		"API_KEY":        "APIKey",
		"websocket_url":  "WebsocketURL",
		"HTTPServer":     "HTTPServer",
		"jsonBody":       "JSONBody",
		"userUuids":      "UserUUIDs",
		"sessionIds":     "SessionIDs",
		"response_type":  "ResponseType",
		"create-session": "CreateSession",
		"v1":             "V1",
		"2fa":            "X2fa",
		"":               "X",
		"Élan vital":     "ÉlanVital",
		"TakeDecision":   "TakeDecision",
		"avatar_id":      "AvatarID",
	}
	for in, want := range tests {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestChannelIdent(t *testing.T) {
	tests := map[string]string{
		"/ws/sessions":                         "WsSessions",
		"/ws/":                                 "WsSlash",
		"/ws":                                  "Ws",
		"/":                                    "Root",
		"/api/v1/sessions/{session_id}/events": "APIV1SessionsBySessionIDEvents",
		"/session/{token}":                     "SessionByToken",
	}
	for in, want := range tests {
		if got := channelIdent(in); got != want {
			t.Errorf("channelIdent(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnumValueIdent(t *testing.T) {
	tests := map[string]string{"running": "Running", "2nd-hand": "2ndHand", "": "Empty", "INVALID_JSON": "InvalidJSON"}
	for in, want := range tests {
		if got := enumValueIdent(in); got != want {
			t.Errorf("enumValueIdent(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNameRegistryAddsSuffixOnClash(t *testing.T) {
	r := newNameRegistry("Messages")
	for _, want := range []string{"Messages2", "Messages3"} {
		if got := r.claim("Messages"); got != want {
			t.Errorf("claim(Messages) = %q, want %q", got, want)
		}
	}
	if got := r.claim("Item"); got != "Item" {
		t.Errorf("claim(Item) = %q, want Item", got)
	}
}
