package wsschema

import (
	"errors"
	"testing"

	"github.com/sessionhub/server/gen/wsclient"
)

type registerPayload struct {
	Action string `json:"action"`
	Count  int    `json:"count"`
}

func testInbound(t *testing.T) *Inbound {
	t.Helper()
	channel := wsclient.ChannelInfo{Path: "/ws", Discriminator: "action"}
	messages := []wsclient.MessageInfo{
		{Name: "register", Direction: wsclient.DirectionClient, Channel: "/ws", Discriminator: "Register", NewPayload: func() any { return new(registerPayload) }},
		{Name: "registered", Direction: wsclient.DirectionServer, Channel: "/ws"},
		{Name: "elsewhere", Direction: wsclient.DirectionClient, Channel: "/other", Discriminator: "Elsewhere", NewPayload: func() any { return new(registerPayload) }},
	}
	in, err := NewInbound(channel, messages, func(name string) ([]byte, bool) { return testSchema(t, "register"), name == "register" })
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestInboundReadsByTheDiscriminatorValue: the frame names its message by
// the discriminator's value, the reader answers with the message name and
// the payload decoded into the generated type.
func TestInboundReadsByTheDiscriminatorValue(t *testing.T) {
	frame, payload, err := testInbound(t).Read([]byte(`{"action": "Register", "count": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	req, ok := payload.(*registerPayload)
	if frame.Name != "register" || frame.Value != "Register" || !ok || req.Count != 2 {
		t.Errorf("Read = %+v, %#v; want message register (value Register) with count 2", frame, payload)
	}
}

// TestInboundRefusalsAreTyped: each way a frame fails has its own error, so
// each adapter words it as its spec documents.
func TestInboundRefusalsAreTyped(t *testing.T) {
	in := testInbound(t)
	tests := []struct {
		frame   string
		check   func(error) bool
		want    string // what the error must be
		message string // the Problem's message, when it is one
		value   string // Frame.Value
	}{
		{`{`, func(err error) bool { return errors.Is(err, ErrInvalidJSON) }, "ErrInvalidJSON", "", ""},
		{`[]`, isProblem, "*Problem", "Invalid message (must be a JSON object)", ""},
		{`{"count": 1}`, isProblem, "*Problem", "Missing required field: action", ""},
		{`{"action": 1}`, isProblem, "*Problem", "Invalid value for field: action (must be a string)", ""},
		{`{"action": "register"}`, isUnknown, "*UnknownMessageError", "", "register"},
		{`{"action": "Elsewhere"}`, isUnknown, "*UnknownMessageError", "", "Elsewhere"},
		{`{"action": "Register"}`, isProblem, "*Problem", "Missing required field: count", "Register"},
		{`{"action": "Register", "count": 0}`, isProblem, "*Problem", "Invalid value for field: count (must be at least 1)", "Register"},
		{`{"action": "Register", "count": 2.0}`, isProblem, "*Problem", "Invalid value for field: count (must be an integer)", "Register"},
	}
	for _, tt := range tests {
		frame, payload, err := in.Read([]byte(tt.frame))
		if !tt.check(err) || payload != nil {
			t.Errorf("Read(%s) = %v, %v; want %s and no payload", tt.frame, payload, err, tt.want)
			continue
		}
		var problem *Problem
		if errors.As(err, &problem) && problem.Message != tt.message {
			t.Errorf("Read(%s): problem %q, want %q", tt.frame, problem.Message, tt.message)
		}
		if frame.Value != tt.value {
			t.Errorf("Read(%s): Value %q, want %q", tt.frame, frame.Value, tt.value)
		}
	}
}

// TestNewInboundRefusesAChannelWithoutClientMessages: a channel the client
// sends nothing on has no discriminator, so there is nothing to read.
func TestNewInboundRefusesAChannelWithoutClientMessages(t *testing.T) {
	_, err := NewInbound(wsclient.ChannelInfo{Path: "/events"}, nil, func(string) ([]byte, bool) { return nil, false })
	if err == nil {
		t.Error("NewInbound built a reader for a channel without client messages")
	}
}

func isProblem(err error) bool {
	var p *Problem
	return errors.As(err, &p)
}

func isUnknown(err error) bool {
	var u *UnknownMessageError
	return errors.As(err, &u)
}

// TestEchoingRepliesWordEachRefusal: Answer gives every frame one reply,
// echoing the discriminator value only when the frame named a message.
func TestEchoingRepliesWordEachRefusal(t *testing.T) {
	type reply struct{ echo, code, message string }
	replies := EchoingReplies("action", RefusalCodes{InvalidJSON: "BAD_JSON", Unknown: "UNKNOWN", Invalid: "INVALID"},
		func(echo *string, code, message string) any {
			r := reply{code: code, message: message}
			if echo != nil {
				r.echo = *echo
			}
			return r
		},
		func(f Frame, err error) any { return reply{echo: f.Value, code: "FAILED", message: err.Error()} })
	dispatch := func(f Frame, payload any) (any, error) {
		if payload.(*registerPayload).Count > 5 {
			return nil, errors.New("too many")
		}
		return "ok", nil
	}
	tests := []struct {
		frame string
		want  any
	}{
		{`{"action": "Register", "count": 2}`, "ok"},
		{`{"action": `, reply{code: "BAD_JSON", message: "Invalid JSON"}},
		{`{"action": "Nope"}`, reply{echo: "Nope", code: "UNKNOWN", message: "Unknown action: Nope"}},
		{`{"count": 2}`, reply{code: "INVALID", message: "Missing required field: action"}},
		{`{"action": "Register", "count": 0}`, reply{echo: "Register", code: "INVALID"}},
		{`{"action": "Register", "count": 6}`, reply{echo: "Register", code: "FAILED", message: "too many"}},
	}
	for _, tc := range tests {
		got := testInbound(t).Answer([]byte(tc.frame), replies, dispatch)
		if r, ok := got.(reply); ok && tc.want.(reply).message == "" {
			r.message = "" // the schema's own wording, checked elsewhere
			got = r
		}
		if got != tc.want {
			t.Errorf("Answer(%s) = %+v, want %+v", tc.frame, got, tc.want)
		}
	}
}
