package main

import "testing"

// TestDiscriminatorValuesComeFromTheSchemas: the field and each value are
// read from the payloads' const, not the message names (decisions'
// `Register` is message `register`); a channel without client messages
// has none.
func TestDiscriminatorValuesComeFromTheSchemas(t *testing.T) {
	p := loadPlan(t, "../../specs/decisions.asyncapi.yaml")
	ch := p.doc.Channels[0]
	disc := p.discriminators[ch]
	if disc == nil || disc.Field != "action" {
		t.Fatalf("decisions /ws discriminator = %+v, want field action", disc)
	}
	got := map[string]string{}
	for msg, value := range disc.Values {
		got[msg.Name] = value
	}
	want := map[string]string{"register": "Register", "connection": "Connection", "take_decision": "TakeDecision", "disconnect": "Disconnect", "get_decisions": "GetDecisions"}
	for name, value := range want {
		if got[name] != value {
			t.Errorf("message %s: discriminator value %q, want %q", name, got[name], value)
		}
	}
	if len(got) != len(want) {
		t.Errorf("values for %v, want exactly %v", got, want)
	}
	events := loadPlan(t, "../../specs/therapy-events.asyncapi.yaml")
	if disc := events.discriminators[events.doc.Channels[0]]; disc != nil || len(events.discriminatorProblems) > 0 {
		t.Errorf("therapy events (no client messages): discriminator %+v, problems %v; want none", disc, events.discriminatorProblems)
	}
}
