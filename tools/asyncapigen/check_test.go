package main

import (
	"strings"
	"testing"
)

func loadPlan(t *testing.T, specPath string) *plan {
	t.Helper()
	doc, err := loadDocument(specPath)
	if err != nil {
		t.Fatalf("load %s: %v", specPath, err)
	}
	p, err := newPlan(doc, "fixture")
	if err != nil {
		t.Fatalf("plan %s: %v", specPath, err)
	}
	return p
}

// Every fixture example validates against its own message schema and no
// other schema of its channel and direction; every pair is provably exclusive.
func TestFixturePassesCheck(t *testing.T) {
	problems, err := loadPlan(t, fixtureSpec).check()
	if err != nil {
		t.Fatal(err)
	}
	for _, problem := range problems {
		t.Error(problem)
	}
}

func TestFixtureHasExamplesForEveryMessage(t *testing.T) {
	for _, msg := range loadPlan(t, fixtureSpec).doc.Messages {
		if len(msg.Examples) == 0 {
			t.Errorf("fixture message %s has no example, so the check cannot exercise it", msg.Name)
		}
	}
}

func TestCheckReportsAmbiguousMessages(t *testing.T) {
	problems, err := loadPlan(t, "testdata/ambiguous.asyncapi.yaml").check()
	if err != nil {
		t.Fatal(err)
	}
	wantFragments := []string{
		"example 1 (overlapping) of message join also matches message(s) leave",
		"example 1 of message leave also matches message(s) join",
		"messages join and leave are not provably exclusive",
		"example 1 (bad-uuid) of message ack does not validate against its own schema",
		"channel /ws: no top-level field that every client message requires with a fixed string value of its own names the message",
	}
	joined := strings.Join(problems, "\n")
	for _, want := range wantFragments {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q; got:\n%s", want, joined)
		}
	}
	if len(problems) != len(wantFragments) {
		t.Errorf("got %d problems, want %d:\n%s", len(problems), len(wantFragments), joined)
	}
}

func TestCheckFlagFailsTheRun(t *testing.T) {
	var report strings.Builder
	err := run(options{specPath: "testdata/ambiguous.asyncapi.yaml", check: true}, &report)
	if err == nil || !strings.Contains(err.Error(), "5 check problem(s)") {
		t.Errorf("run -check error = %v, want 5 check problems", err)
	}
	if !strings.Contains(report.String(), "ambiguous.asyncapi.yaml: channel /ws, client messages") {
		t.Errorf("report does not name spec and channel:\n%s", report.String())
	}
}

func TestDisjoint(t *testing.T) {
	doc := &document{Schemas: map[string]schemaObj{
		"Status": {"type": "string", "enum": []any{"a", "b"}},
	}}
	obj := func(required []any, props map[string]any, extra ...any) schemaObj {
		s := schemaObj{"type": "object", "required": required, "properties": props}
		for i := 0; i+1 < len(extra); i += 2 {
			s[extra[i].(string)] = extra[i+1]
		}
		return s
	}
	constProp := func(v any) map[string]any { return map[string]any{"const": v} }
	tests := []struct {
		name string
		a, b schemaObj
		want bool
	}{
		{"different consts", schemaObj{"const": "x"}, schemaObj{"const": "y"}, true},
		{"const inside enum", schemaObj{"const": "a"}, schemaObj{"$ref": schemaRefPrefix + "Status"}, false},
		{"enum outside ref enum", schemaObj{"enum": []any{"c"}}, schemaObj{"$ref": schemaRefPrefix + "Status"}, true},
		{"nullable enums share null", schemaObj{"enum": []any{"x"}, "nullable": true}, schemaObj{"enum": []any{"y"}, "nullable": true}, false},
		{"string vs integer", schemaObj{"type": "string"}, schemaObj{"type": "integer"}, true},
		{"integer vs number", schemaObj{"type": "integer"}, schemaObj{"type": "number"}, false},
		{"required discriminator",
			obj([]any{"t"}, map[string]any{"t": constProp("x")}), obj([]any{"t"}, map[string]any{"t": constProp("y")}), true},
		{"optional discriminator",
			obj(nil, map[string]any{"t": constProp("x")}), obj([]any{"t"}, map[string]any{"t": constProp("y")}), false},
		{"nested discriminator",
			obj([]any{"d"}, map[string]any{"d": obj([]any{"k"}, map[string]any{"k": constProp(1.0)})}),
			obj([]any{"d"}, map[string]any{"d": obj([]any{"k"}, map[string]any{"k": constProp(2.0)})}), true},
		{"required property forbidden by the other",
			obj([]any{"only_a"}, map[string]any{"only_a": map[string]any{}}),
			obj(nil, map[string]any{"x": map[string]any{}}, "additionalProperties", false), true},
		{"required property allowed by the other",
			obj([]any{"only_a"}, map[string]any{"only_a": map[string]any{}}),
			obj(nil, map[string]any{"x": map[string]any{}}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := doc.disjoint(tt.a, tt.b, 0); got != tt.want {
				t.Errorf("disjoint(a, b) = %v, want %v", got, tt.want)
			}
			if got := doc.disjoint(tt.b, tt.a, 0); got != tt.want {
				t.Errorf("disjoint(b, a) = %v, want %v", got, tt.want)
			}
		})
	}
}
