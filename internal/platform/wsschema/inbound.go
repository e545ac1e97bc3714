package wsschema

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/bytedance/sonic"
	"github.com/bytedance/sonic/ast"

	"github.com/sessionhub/server/gen/wsclient"
)

// Inbound reads the client frames of one channel by its generated tables:
// the channel's discriminator field names the message, whose schema the
// frame must match and whose payload type it is decoded into. Adapters keep
// only their dispatch and the wording of each refusal.
type Inbound struct {
	field     string                          // the discriminator field
	quoted    []byte                          // the field as a JSON string
	messages  map[string]wsclient.MessageInfo // by discriminator value
	validator *Validator
}

// UnknownMessageError is a frame whose discriminator names no client
// message of the channel. Value is the name as sent.
type UnknownMessageError struct{ Value string }

func (e *UnknownMessageError) Error() string { return "unknown message " + e.Value }

// NewInbound compiles the schemas of channel's client messages.
func NewInbound(channel wsclient.ChannelInfo, messages []wsclient.MessageInfo, schemas SchemaSource) (*Inbound, error) {
	in := &Inbound{field: channel.Discriminator, quoted: []byte(`"` + channel.Discriminator + `"`), messages: map[string]wsclient.MessageInfo{}}
	var names []string
	for _, m := range messages {
		if m.Channel != channel.Path || m.Direction != wsclient.DirectionClient {
			continue
		}
		if m.Discriminator == "" || m.NewPayload == nil {
			return nil, fmt.Errorf("%s: client message %q has no discriminator value or payload constructor", channel.Path, m.Name)
		}
		in.messages[m.Discriminator] = m
		names = append(names, m.Name)
	}
	if in.field == "" || len(names) == 0 {
		return nil, fmt.Errorf("%s: the client sends no messages on this channel", channel.Path)
	}
	var err error
	in.validator, err = Compile(schemas, names...)
	return in, err
}

// Frame is a client frame whose discriminator names a documented message.
type Frame struct {
	Name  string // the message name (MessageInfo.Name)
	Value string // the discriminator's value, as sent

	doc  any // the decoded frame; nil when it is not decoded (yet)
	data []byte
	info wsclient.MessageInfo
}

// Fields are the frame's top-level fields: nil when it is not a JSON
// object. A frame Open refused by its name alone is decoded here.
func (f Frame) Fields() map[string]any {
	doc := f.doc
	if doc == nil {
		doc, _ = Decode(f.data)
	}
	fields, _ := doc.(map[string]any)
	return fields
}

// Open decodes a frame (unless a scan shows it names no message, see
// unknownName) and finds the message its discriminator names. It fails
// with ErrInvalidJSON; with a *Problem when the frame is not an object
// or the discriminator is missing or not a string; or with an
// *UnknownMessageError. The Frame carries what could be read (Fields, and
// Value once the discriminator is a string) so refusals can echo it.
func (in *Inbound) Open(data []byte) (Frame, error) {
	if name, ok := in.unknownName(data); ok {
		return Frame{Value: name, data: data}, &UnknownMessageError{Value: name}
	}
	env, err := Open(data, in.field)
	f := Frame{Value: env.Name, doc: env.Doc, data: data}
	if err != nil {
		return f, err
	}
	info, known := in.messages[env.Name]
	if !known {
		return f, &UnknownMessageError{Value: env.Name}
	}
	f.Name, f.info = info.Name, info
	return f, nil
}

// unknownName reads the discriminator of a frame that names no message of
// the channel by scanning the frame instead of decoding it, so that such
// frames (a client's mistakes, or a flood of junk) are refused at the cost
// of a scan. A frame naming a message costs one search for the field,
// which stops at it. It answers only where the scan is sure to agree with
// Open's decoding (FuzzUnknownNameAgreesWithOpen): a valid JSON object
// naming the field once (the decoder keeps the last of duplicates), with no
// escape (a key may be spelled with escapes), no byte below 0x20 (sonic's
// scan passes raw control characters in strings, the decoder refuses them),
// in UTF-8 (the decoder replaces invalid bytes, the scan keeps them) and
// nested less deep than the decoder's limit (4,096).
func (in *Inbound) unknownName(data []byte) (string, bool) {
	node, err := sonic.GetFromString(view(data), in.field)
	if err != nil || node.TypeSafe() != ast.V_STRING {
		return "", false
	}
	name, err := node.String()
	if _, known := in.messages[name]; known || err != nil {
		return "", false
	}
	openers := 0
	for _, b := range data {
		switch {
		case b < 0x20, b == '\\':
			return "", false
		case b == '[', b == '{':
			openers++
		}
	}
	if openers >= 4000 || bytes.Count(data, in.quoted) != 1 || !utf8.Valid(data) || !frameJSON.Valid(data) {
		return "", false
	}
	return name, true
}

// Decode validates an opened frame against its message's schema and decodes
// it into a new *PayloadType of the generated package. It fails with a
// *Problem worded as every API documents it.
func (in *Inbound) Decode(f Frame) (any, error) {
	if problem := in.validator.Validate(f.Name, f.doc); problem != nil {
		return nil, problem
	}
	payload := f.info.NewPayload()
	if err := Unmarshal(f.data, payload); err != nil {
		return nil, err
	}
	return payload, nil
}

// Read opens, validates and decodes a frame: the message name with its
// payload, or the error of Open or Decode.
func (in *Inbound) Read(data []byte) (Frame, any, error) {
	f, err := in.Open(data)
	if err != nil {
		return f, nil, err
	}
	payload, err := in.Decode(f)
	return f, payload, err
}

// Replies word one API's answers to a frame: its refusal of each thing Read
// finds wrong, and of a dispatch that fails. Each returns the reply to send
// (nil: none).
type Replies struct {
	InvalidJSON func() any
	// Unknown: the discriminator names no client message (f.Value).
	Unknown func(f Frame) any
	// Invalid: the frame is not an object, names no message (f.Name is
	// empty), or does not match its message's schema.
	Invalid func(f Frame, problem *Problem) any
	// Failed: the dispatch, or decoding the payload, failed with err.
	Failed func(f Frame, err error) any
}

// EchoingReplies are the Replies of an API whose error reply names the
// refused frame's discriminator value (echo, nil when the frame names no
// message) and words the refusals of Read alike: "Invalid JSON", "Unknown
// <noun>: <value>", the schema problem's message. codes are the API's
// codes for them; failed maps the errors of decoding and dispatch.
func EchoingReplies(noun string, codes RefusalCodes, reply func(echo *string, code, message string) any, failed func(f Frame, err error) any) Replies {
	return Replies{
		InvalidJSON: func() any { return reply(nil, codes.InvalidJSON, "Invalid JSON") },
		Unknown:     func(f Frame) any { return reply(&f.Value, codes.Unknown, "Unknown "+noun+": "+f.Value) },
		Invalid: func(f Frame, problem *Problem) any {
			if f.Name == "" { // no message named: nothing to echo
				return reply(nil, codes.Invalid, problem.Message)
			}
			return reply(&f.Value, codes.Invalid, problem.Message)
		},
		Failed: failed,
	}
}

// RefusalCodes are one API's error codes for what Read refuses.
type RefusalCodes struct{ InvalidJSON, Unknown, Invalid string }

// Answer reads one frame and runs dispatch on its decoded payload, or
// refuses it: the one reply to the frame, worded by r.
func (in *Inbound) Answer(data []byte, r Replies, dispatch func(f Frame, payload any) (any, error)) any {
	f, payload, err := in.Read(data)
	var problem *Problem
	var unknown *UnknownMessageError
	switch {
	case errors.Is(err, ErrInvalidJSON):
		return r.InvalidJSON()
	case errors.As(err, &unknown):
		return r.Unknown(f)
	case errors.As(err, &problem):
		return r.Invalid(f, problem)
	case err != nil:
		return r.Failed(f, err)
	}
	reply, err := dispatch(f, payload)
	if err != nil {
		return r.Failed(f, err)
	}
	return reply
}
