package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func schema(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// base is a message schema with a $defs reference, as the generator
// writes them.
const base = `{
  "$defs": {"Data": {"type": "object", "additionalProperties": true,
    "properties": {"name": {"type": "string", "maxLength": 100}, "kind": {"type": "string", "enum": ["a", "b"]},
      "count": {"type": "integer", "minimum": 0}, "rate": {"type": "integer"}},
    "required": ["name"]}},
  "type": "object",
  "properties": {"command": {"type": "string", "const": "x"}, "data": {"$ref": "#/$defs/Data"}, "note": {"type": "string"}},
  "required": ["command", "data", "note"]
}`

func TestSchemaRules(t *testing.T) {
	tests := []struct {
		name    string
		dir     direction
		edit    func(string) string
		changes []string // each must appear; none when empty
	}{
		{"unchanged", request, func(s string) string { return s }, nil},
		{"request field removed", request, func(s string) string {
			return strings.Replace(s, `"count": {"type": "integer", "minimum": 0}, `, "", 1)
		}, []string{"data.count: field removed"}},
		{"request type narrowed", request, func(s string) string {
			return strings.Replace(s, `"count": {"type": "integer", "minimum": 0}`, `"count": {"type": "string"}`, 1)
		}, []string{"data.count: type integer no longer accepted"}},
		{"request enum narrowed", request, func(s string) string {
			return strings.Replace(s, `["a", "b"]`, `["a"]`, 1)
		}, []string{"data.kind: enum value b removed"}},
		{"request bound tightened", request, func(s string) string {
			return strings.Replace(s, `"maxLength": 100`, `"maxLength": 50`, 1)
		}, []string{"data.name: maxLength tightened from 100 to 50"}},
		{"request bound added", request, func(s string) string {
			return strings.Replace(s, `"minimum": 0`, `"minimum": 0, "maximum": 9`, 1)
		}, []string{"data.count: maximum 9 added"}},
		{"new required request field", request, func(s string) string {
			return strings.Replace(s, `"required": ["name"]`, `"required": ["name", "kind"]`, 1)
		}, []string{"data.kind: new required field"}},
		{"closed to unknown fields", request, func(s string) string {
			return strings.Replace(s, `"additionalProperties": true`, `"additionalProperties": false`, 1)
		}, []string{"data: additional properties no longer accepted"}},
		{"request widened is fine", request, func(s string) string {
			s = strings.Replace(s, `"maxLength": 100`, `"maxLength": 200`, 1)
			s = strings.Replace(s, `["a", "b"]`, `["a", "b", "c"]`, 1)
			s = strings.Replace(s, `"rate": {"type": "integer"}`, `"rate": {"type": "number", "multipleOf": 1}`, 1)
			return strings.Replace(s, `"required": ["command", "data", "note"]`, `"required": ["command", "data"]`, 1)
		}, nil},
		{"response field removed", response, func(s string) string {
			return strings.Replace(s, `, "note": {"type": "string"}`, "", 1)
		}, []string{"note: field removed"}},
		{"response field made optional", response, func(s string) string {
			return strings.Replace(s, `"required": ["command", "data", "note"]`, `"required": ["command", "data"]`, 1)
		}, []string{"note: no longer always present"}},
		{"response type widened", response, func(s string) string {
			return strings.Replace(s, `"rate": {"type": "integer"}`, `"rate": {"type": "number"}`, 1)
		}, []string{"data.rate: may now be number"}},
		{"response error code removed", response, func(s string) string {
			return strings.Replace(s, `["a", "b"]`, `["a"]`, 1)
		}, []string{"data.kind: enum value b removed"}},
		{"response narrowed is fine", response, func(s string) string {
			return strings.Replace(s, `"maxLength": 100`, `"maxLength": 10`, 1)
		}, nil},
		{"const changed", request, func(s string) string {
			return strings.Replace(s, `"const": "x"`, `"const": "y"`, 1)
		}, []string{"command: const x changed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := schema(t, base), schema(t, tt.edit(base))
			c := schemaComparison{beforeRoot: before, afterRoot: after, dir: tt.dir}
			c.compare("", before, after)
			if len(tt.changes) == 0 && len(c.changes) > 0 {
				t.Fatalf("changes %q, want none", c.changes)
			}
			for _, want := range tt.changes {
				found := false
				for _, got := range c.changes {
					found = found || got == want
				}
				if !found {
					t.Errorf("changes %q, want %q among them", c.changes, want)
				}
			}
		})
	}
}

const openAPIBase = `openapi: 3.0.3
info: {title: t, version: 1.0.0}
paths:
  /items:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
      responses:
        '200': {description: ok}
        '404': {description: missing}
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}, tag: {type: string}}, required: [name]}
      responses:
        '201': {description: created}
`

func TestOpenAPIRules(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		want string // a fragment of one change; "" for none
	}{
		{"unchanged", func(s string) string { return s }, ""},
		{"operation removed", func(s string) string {
			return s[:strings.Index(s, "    post:")]
		}, "POST /items"},
		{"status code removed", func(s string) string {
			return strings.Replace(s, "        '404': {description: missing}\n", "", 1)
		}, "404"},
		{"new required request field", func(s string) string {
			return strings.Replace(s, "required: [name]", "required: [name, tag]", 1)
		}, "tag"},
		{"bound narrowed", func(s string) string {
			return strings.Replace(s, "maximum: 100", "maximum: 10", 1)
		}, "max was decreased"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes, err := openAPIChanges([]byte(openAPIBase), []byte(tt.edit(openAPIBase)), "t.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(changes) > 0 {
					t.Fatalf("changes %q, want none", changes)
				}
				return
			}
			if !strings.Contains(strings.Join(changes, "\n"), tt.want) {
				t.Fatalf("changes %q, want one mentioning %q", changes, tt.want)
			}
		})
	}
}

func TestMajor(t *testing.T) {
	for v, want := range map[string]int{"1.0.0": 1, "2.3.1": 2, "v3": 3, "": 0} {
		if got := major(v); got != want {
			t.Errorf("major(%q) = %d, want %d", v, got, want)
		}
	}
}
