package wsschema

import (
	"errors"
	"strings"
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

// TestInboundUnknownFramesKeepTheirFields: a frame refused by its name
// alone still shows its fields to the refusal (which may echo one), and a
// frame whose discriminator is given twice is read by the last, as the
// decoder reads it.
func TestInboundUnknownFramesKeepTheirFields(t *testing.T) {
	in := testInbound(t)
	frame, err := in.Open([]byte(`{"action": "Nope", "request_id": "r-1"}`))
	if !isUnknown(err) || frame.Value != "Nope" || frame.Fields()["request_id"] != "r-1" {
		t.Errorf("Open(unknown) = %+v (fields %v), %v; want Nope refused as unknown with its request_id", frame, frame.Fields(), err)
	}
	frame, err = in.Open([]byte(`{"action": "Nope", "action": "Register", "count": 2}`))
	if err != nil || frame.Name != "register" {
		t.Errorf("Open(duplicate action) = %+v, %v; want the last action, Register", frame, err)
	}
	if frame, err := in.Open([]byte(`[`)); !errors.Is(err, ErrInvalidJSON) || frame.Fields() != nil {
		t.Errorf("Open(invalid JSON) = %+v, %v; want ErrInvalidJSON and no fields", frame, err)
	}
}

// FuzzUnknownNameAgreesWithOpen holds the scan that refuses unknown
// frames without decoding them to the decoding: whenever it answers, the
// decoded frame is an object whose discriminator is that unknown name.
func FuzzUnknownNameAgreesWithOpen(f *testing.F) {
	for _, seed := range []string{
		`{"action":"Nope"}`, `{"action":"Register","count":2}`, `{"action":"Nope","action":"Register"}`,
		`{"act\u0069on":"Nope"}`, `{"action":"N\u006fpe"}`, "{\"action\":\"Nope\",\"x\":\"a\x01b\"}",
		"{\"action\":\"Nope\",\"x\":\"a\tb\"}", `{"action":"Nope"}x`, `{"action":"Nope",}`, `["action","Nope"]`,
		`{"x":{"action":"Nope"}}`, `{"action":"Nope","n":01}`, `{"action":"Nope","n":1e999}`, `{"action":"x","v":"action"}`,
		`{"action":"Nope","deep":` + strings.Repeat("[", 4095) + strings.Repeat("]", 4095) + `}`,
	} {
		f.Add([]byte(seed))
	}
	in := &Inbound{field: "action", quoted: []byte(`"action"`), messages: map[string]wsclient.MessageInfo{"Register": {Name: "register"}}}
	f.Fuzz(func(t *testing.T, frame []byte) {
		name, ok := in.unknownName(frame)
		if !ok {
			return
		}
		env, err := Open(frame, in.field)
		if err != nil || env.Name != name {
			t.Fatalf("unknownName(%q) = %q, but Open gives %+v, %v", frame, name, env, err)
		}
		if _, known := in.messages[name]; known {
			t.Fatalf("unknownName(%q) refused the known %q", frame, name)
		}
	})
}
