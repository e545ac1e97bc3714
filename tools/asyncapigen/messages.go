package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	spec "github.com/swaggest/go-asyncapi/spec-2.1.0"
)

const (
	messageRefPrefix = "#/components/messages/"
	maxRefChain      = 16
)

// operationMessages lists the messages of an operation: the items of a
// `oneOf`, or the single message.
func (l *loader) operationMessages(m *spec.Message) ([]*message, error) {
	if m == nil {
		return nil, errors.New("operation has no message")
	}
	if m.OneOf1 != nil && m.OneOf1.OneOf0 != nil {
		var out []*message
		for i := range m.OneOf1.OneOf0.OneOf {
			msg, err := l.message(&m.OneOf1.OneOf0.OneOf[i], "", 0)
			if err != nil {
				return nil, err
			}
			out = append(out, msg)
		}
		return out, nil
	}
	msg, err := l.message(m, "", 0)
	if err != nil {
		return nil, err
	}
	return []*message{msg}, nil
}

// message resolves a message that is either a $ref into components.messages
// or inline; key is the components key it was reached through.
func (l *loader) message(m *spec.Message, key string, depth int) (*message, error) {
	if depth > maxRefChain {
		return nil, fmt.Errorf("message $ref chain through %q is too long", key)
	}
	if m.Reference != nil {
		return l.referencedMessage(m.Reference.Ref, depth)
	}
	if m.OneOf1 == nil || m.OneOf1.MessageEntity == nil {
		return nil, fmt.Errorf("message %q: a oneOf inside a oneOf is not supported", key)
	}
	return l.entity(key, m.OneOf1.MessageEntity)
}

func (l *loader) referencedMessage(ref string, depth int) (*message, error) {
	key, ok := cutRef(ref, messageRefPrefix)
	if !ok {
		return nil, fmt.Errorf("message $ref %q: only %s… is supported", ref, messageRefPrefix)
	}
	if msg, done := l.byKey[key]; done {
		return msg, nil
	}
	var target spec.Message
	found := false
	if l.api.Components != nil {
		target, found = l.api.Components.Messages[key]
	}
	if !found {
		return nil, fmt.Errorf("unresolved message $ref %q", ref)
	}
	msg, err := l.message(&target, key, depth+1)
	if err != nil {
		return nil, err
	}
	l.byKey[key] = msg
	return msg, nil
}

func (l *loader) entity(key string, e *spec.MessageEntity) (*message, error) {
	name := e.Name
	if name == "" {
		name = key
	}
	switch {
	case name == "":
		return nil, errors.New("an inline message needs a name")
	case !messageNamePattern.MatchString(name):
		return nil, fmt.Errorf("message name %q: use letters, digits, '_', '.', '-'", name)
	case len(e.Traits) > 0:
		return nil, fmt.Errorf("message %q: traits are not supported", name)
	case e.Payload == nil:
		return nil, fmt.Errorf("message %q has no payload", name)
	}
	msg := &message{
		Key: key, Name: name, Title: e.Title, Summary: e.Summary, Description: e.Description, Payload: e.Payload,
	}
	if raw, ok := e.MapOfAnything["x-reply"]; ok {
		reply, err := parseReply(raw)
		if err != nil {
			return nil, fmt.Errorf("message %q: x-reply: %w", name, err)
		}
		msg.Reply = reply
	}
	for _, ex := range e.Examples {
		var payload any
		if ex.Payload != nil {
			payload = *ex.Payload
		}
		encoded, err := json.Marshal(payload)
		if err != nil {
			return nil, fmt.Errorf("message %q: example %q: %w", name, ex.Name, err)
		}
		msg.Examples = append(msg.Examples, example{Name: ex.Name, Summary: ex.Summary, Payload: payload, JSON: string(encoded)})
	}
	if other, dup := l.byName[name]; dup && other != msg {
		return nil, fmt.Errorf("two different messages are named %q", name)
	}
	l.byName[name] = msg
	return msg, nil
}

func cutRef(ref, prefix string) (string, bool) {
	key, ok := strings.CutPrefix(ref, prefix)
	return key, ok && key != "" && !strings.Contains(key, "/")
}
