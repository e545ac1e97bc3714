package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// replySpec is a client message's x-reply: which server messages answer it.
//
//	x-reply:
//	  messages: [register_success]   # the replies when it succeeds
//	  errors: [error]                # the documented error replies
//	  echoes:                        # reply field: request field it copies (JSON pointers)
//	    /action: /action
//
// The server answers a connection's requests in order; a reply that has an
// echoed field with another value than the request's answers another frame
// (a message sent without waiting, or a delivery of the same name).
//
// A message with errors but no messages is answered only when it is refused
// (an audio chunk): the typed clients send it without waiting, and its error
// arrives through Receive.
type replySpec struct {
	Messages []string
	Errors   []string
	Echoes   []echo // sorted by reply pointer
}

type echo struct{ Reply, Request string }

func parseReply(raw any) (*replySpec, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("want an object with messages, errors and echoes")
	}
	r := &replySpec{}
	for key, v := range m {
		var err error
		switch key {
		case "messages":
			r.Messages, err = stringList(v)
		case "errors":
			r.Errors, err = stringList(v)
		case "echoes":
			r.Echoes, err = echoList(v)
		default:
			err = errors.New("unknown key (want messages, errors, echoes)")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
	}
	if len(r.Messages) == 0 && len(r.Errors) == 0 {
		return nil, errors.New("name at least one reply in messages or errors")
	}
	return r, nil
}

func stringList(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("want a list of message names")
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%v is not a message name", item)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func echoList(v any) ([]echo, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("want an object of reply pointer: request pointer")
	}
	var out []echo
	for _, reply := range sortedKeys(m) {
		request, ok := m[reply].(string)
		if !ok || !isJSONPointer(reply) || !isJSONPointer(request) {
			return nil, fmt.Errorf("%s: %v: want two JSON pointers (/a/b)", reply, m[reply])
		}
		out = append(out, echo{Reply: reply, Request: request})
	}
	return out, nil
}

func isJSONPointer(s string) bool { return strings.HasPrefix(s, "/") && len(s) > 1 }

// replyNames lists every message that answers msg, successes first.
func (r *replySpec) names() []string { return append(slices.Clone(r.Messages), r.Errors...) }

// awaited reports whether a sender waits for the reply: only a message that
// is answered when it succeeds has one to wait for.
func (r *replySpec) awaited() bool { return r != nil && len(r.Messages) > 0 }

// checkReplies makes sure every x-reply names server messages of the
// channel the request is sent on, and that every error reply of the document
// has one payload type (the typed clients' ServerError).
func (p *plan) checkReplies() error {
	errorType := ""
	for _, ch := range p.doc.Channels {
		server := map[string]bool{}
		for _, op := range ch.Operations {
			if op.Direction == directionServer {
				for _, msg := range op.Messages {
					server[msg.Name] = true
				}
			}
		}
		for _, op := range ch.Operations {
			if op.Direction != directionClient {
				continue
			}
			for _, msg := range op.Messages {
				if msg.Reply == nil {
					continue
				}
				for _, name := range msg.Reply.names() {
					if !server[name] {
						return fmt.Errorf("channel %s: message %s: x-reply names %s, which the server does not send on this channel", ch.Path, msg.Name, name)
					}
				}
				if err := p.checkEchoes(msg); err != nil {
					return fmt.Errorf("channel %s: message %s: x-reply: %w", ch.Path, msg.Name, err)
				}
				for _, name := range msg.Reply.Errors {
					if slices.Contains(msg.Reply.Messages, name) {
						return fmt.Errorf("message %s: x-reply lists %s both as a reply and as an error", msg.Name, name)
					}
					typ := p.types.payloadTypes[p.messageByName(name)]
					if errorType != "" && typ != errorType {
						return fmt.Errorf("message %s: x-reply error %s has payload type %s, another error has %s; the typed clients need one error payload type per document", msg.Name, name, typ, errorType)
					}
					errorType = typ
				}
			}
		}
	}
	p.errorType = errorType
	return nil
}

func (p *plan) messageByName(name string) *message {
	for _, msg := range p.doc.Messages {
		if msg.Name == name {
			return msg
		}
	}
	return nil
}

// checkEchoes requires every echoed field to be a property of the request
// and of at least one of its replies, so a misspelt pointer cannot quietly
// stop pairing replies with requests.
func (p *plan) checkEchoes(msg *message) error {
	for _, e := range msg.Reply.Echoes {
		if !p.doc.declares(msg.Payload, e.Request) {
			return fmt.Errorf("echoes %s: the request has no property %s", e.Reply, e.Request)
		}
		found := false
		for _, name := range msg.Reply.names() {
			found = found || p.doc.declares(p.messageByName(name).Payload, e.Reply)
		}
		if !found {
			return fmt.Errorf("echoes %s: no reply has that property", e.Reply)
		}
	}
	return nil
}

// declares reports whether the JSON pointer ptr names a declared property
// path of schema s (through $refs and allOf).
func (d *document) declares(s schemaObj, ptr string) bool {
	for _, token := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		resolved, _, err := d.resolve(s)
		if err != nil || resolved == nil {
			return false
		}
		next, ok := properties(d.flattenAllOf(resolved))[strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")]
		if !ok {
			return false
		}
		s = next
	}
	return true
}
