package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// discriminator is the top-level field whose fixed string value names a
// channel's client message (`command`, `event`, `action`): the server reads
// it to tell which message a frame claims to be before validating it.
type discriminator struct {
	Field  string
	Values map[*message]string // each client message's value, as sent
}

// clientDiscriminator finds the field every client message of ch requires
// with one fixed string value, each message's value its own. A channel
// without client messages has none; one with client messages and no such
// field, or more than one, is refused: the server could not read it.
func (d *document) clientDiscriminator(ch *channel) (*discriminator, error) {
	var msgs []*message
	for _, op := range ch.Operations {
		if op.Direction == directionClient {
			msgs = append(msgs, op.Messages...)
		}
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	var found []*discriminator
	for _, field := range sortedKeys(fixedStringFields(d.frameShape(msgs[0].Payload, 0))) {
		disc := &discriminator{Field: field, Values: map[*message]string{}}
		taken := map[string]bool{}
		for _, msg := range msgs {
			value, ok := fixedStringFields(d.frameShape(msg.Payload, 0))[field]
			if !ok || taken[value] {
				disc = nil
				break
			}
			taken[value] = true
			disc.Values[msg] = value
		}
		if disc != nil {
			found = append(found, disc)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("channel %s: no top-level field that every client message requires with a fixed string value of its own names the message", ch.Path)
	default:
		fields := make([]string, len(found))
		for i, f := range found {
			fields[i] = f.Field
		}
		return nil, fmt.Errorf("channel %s: the client messages can be told apart by more than one field (%s); the server reads one", ch.Path, strings.Join(fields, ", "))
	}
}

// fixedStringFields maps each required top-level property with one fixed
// string value to that value.
func fixedStringFields(sh *frameShape) map[string]string {
	out := map[string]string{}
	for name, prop := range sh.Props {
		if len(prop.Values) != 1 {
			continue
		}
		var value string
		if json.Unmarshal([]byte(prop.Values[0]), &value) == nil {
			out[name] = value
		}
	}
	return out
}
