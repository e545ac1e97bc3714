package main

import (
	"encoding/json"
	"reflect"
	"testing"
)

func convertOne(t *testing.T, doc *document, s schemaObj) map[string]any {
	t.Helper()
	data, err := doc.exportSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	delete(out, "$schema")
	return out
}

func TestExportSchemaTranslatesOpenAPIKeywords(t *testing.T) {
	doc := &document{Schemas: map[string]schemaObj{"Ref": {"type": "string"}}}
	tests := []struct {
		name string
		in   schemaObj
		want map[string]any
	}{
		{"nullable type", schemaObj{"type": "string", "nullable": true},
			map[string]any{"type": []any{"string", "null"}}},
		{"nullable enum gains null", schemaObj{"type": "string", "enum": []any{"a"}, "nullable": true},
			map[string]any{"type": []any{"string", "null"}, "enum": []any{"a", nil}}},
		{"nullable ref becomes anyOf", schemaObj{"$ref": schemaRefPrefix + "Ref", "nullable": true, "description": "d"},
			map[string]any{"description": "d", "anyOf": []any{map[string]any{"$ref": "#/$defs/Ref"}, map[string]any{"type": "null"}},
				"$defs": map[string]any{"Ref": map[string]any{"type": "string"}}}},
		{"example becomes examples", schemaObj{"type": "integer", "example": 3.0},
			map[string]any{"type": "integer", "examples": []any{3.0}}},
		{"boolean exclusiveMinimum", schemaObj{"type": "number", "minimum": 0.0, "exclusiveMinimum": true},
			map[string]any{"type": "number", "exclusiveMinimum": 0.0}},
		{"extensions and discriminator dropped", schemaObj{"type": "object", "x-go-type": "T", "discriminator": "k"},
			map[string]any{"type": "object"}},
		{"tuple items", schemaObj{"type": "array", "items": []any{map[string]any{"type": "string"}}, "additionalItems": false},
			map[string]any{"type": "array", "prefixItems": []any{map[string]any{"type": "string"}}, "items": false}},
		{"root ref is inlined", schemaObj{"$ref": schemaRefPrefix + "Ref"}, map[string]any{"type": "string"}},
		{"enum data is not treated as schema", schemaObj{"enum": []any{map[string]any{"$ref": "not-a-ref"}}},
			map[string]any{"enum": []any{map[string]any{"$ref": "not-a-ref"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := convertOne(t, doc, tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestExportSchemaKeepsRecursiveRootAsRef(t *testing.T) {
	doc := &document{Schemas: map[string]schemaObj{"Node": {
		"type": "object", "properties": map[string]any{"next": map[string]any{"$ref": schemaRefPrefix + "Node"}},
	}}}
	got := convertOne(t, doc, schemaObj{"$ref": schemaRefPrefix + "Node"})
	if got["$ref"] != "#/$defs/Node" || got["$defs"] == nil {
		t.Errorf("recursive root should stay a $ref into $defs, got %v", got)
	}
}

func TestExportSchemaRejectsUnknownRef(t *testing.T) {
	doc := &document{Schemas: map[string]schemaObj{}}
	if _, err := doc.exportSchema(schemaObj{"$ref": "other.yaml#/X"}); err == nil {
		t.Error("expected an error for an unresolvable $ref")
	}
}
