package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// check runs the spec checks behind -check and returns one line per problem
// (a schema that does not compile is an error):
//   - every message example validates against its message's schema;
//   - within one channel and direction each example matches no other
//     message's schema (the schemas classify frames);
//   - within one channel and direction every pair of payload schemas is
//     provably exclusive (a required property with disjoint values or types,
//     or one the other forbids), so frames beyond the examples classify too;
//   - on every channel the client sends on, one top-level field names the
//     client message (its discriminator), so a server can read frames.
func (p *plan) check() ([]string, error) {
	compiled := map[*message]*jsonschema.Schema{}
	for _, msg := range p.doc.Messages {
		sch, err := compileSchema(p.schemas.files[p.schemas.messageFile[msg.Name]], "mem:///"+msg.Name+".json")
		if err != nil {
			return nil, fmt.Errorf("message %s: compile schema: %w", msg.Name, err)
		}
		compiled[msg] = sch
	}
	for _, status := range p.schemas.upgradeOrder {
		if _, err := compileSchema(p.schemas.files[p.schemas.upgradeFile[status]], fmt.Sprintf("mem:///upgrade_%d.json", status)); err != nil {
			return nil, fmt.Errorf("x-upgrade-responses %d: compile schema: %w", status, err)
		}
	}
	problems := append([]string(nil), p.discriminatorProblems...)
	for _, ch := range p.doc.Channels {
		for _, op := range ch.Operations {
			where := fmt.Sprintf("channel %s, %s messages", ch.Path, op.Direction)
			problems = append(problems, checkExamples(where, op.Messages, compiled)...)
			problems = append(problems, p.checkExclusive(where, op.Messages)...)
		}
	}
	return problems, nil
}

func compileSchema(data []byte, url string) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// checkExamples validates each example of each message against every schema
// of its group: it must match its own and no other.
func checkExamples(where string, group []*message, compiled map[*message]*jsonschema.Schema) []string {
	var problems []string
	for _, msg := range group {
		for i, ex := range msg.Examples {
			label := exampleLabel(msg, i, ex)
			instance, err := toInstance(ex.Payload)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %s: %v", where, label, err))
				continue
			}
			if err := compiled[msg].Validate(instance); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %s does not validate against its own schema: %s",
					where, label, oneLine(err)))
			}
			var alsoMatches []string
			for _, other := range group {
				if other != msg && compiled[other].Validate(instance) == nil {
					alsoMatches = append(alsoMatches, other.Name)
				}
			}
			if len(alsoMatches) > 0 {
				problems = append(problems, fmt.Sprintf("%s: %s also matches message(s) %s; the schemas of one channel and direction must be mutually exclusive",
					where, label, strings.Join(alsoMatches, ", ")))
			}
		}
	}
	return problems
}

func exampleLabel(msg *message, i int, ex example) string {
	if ex.Name != "" {
		return fmt.Sprintf("example %d (%s) of message %s", i+1, ex.Name, msg.Name)
	}
	return fmt.Sprintf("example %d of message %s", i+1, msg.Name)
}

// toInstance re-reads a parsed example the way the validator expects
// (numbers as json.Number).
func toInstance(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(data))
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
