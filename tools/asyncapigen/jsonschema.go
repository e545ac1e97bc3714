package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

const draft202012 = "https://json-schema.org/draft/2020-12/schema"

// Keywords whose values are schemas, maps of schemas, or lists of schemas.
var (
	subschemaKeywords = map[string]bool{
		"items": true, "additionalProperties": true, "not": true, "if": true, "then": true, "else": true,
		"contains": true, "propertyNames": true, "unevaluatedProperties": true, "unevaluatedItems": true,
		"additionalItems": true,
	}
	schemaMapKeywords  = map[string]bool{"properties": true, "patternProperties": true, "dependentSchemas": true}
	schemaListKeywords = map[string]bool{"allOf": true, "anyOf": true, "oneOf": true, "prefixItems": true}
	// droppedKeywords are OpenAPI/AsyncAPI additions that JSON Schema lacks.
	droppedKeywords = map[string]bool{"discriminator": true, "xml": true, "externalDocs": true}
	// annotationKeywords stay outside the anyOf that a nullable $ref becomes.
	annotationKeywords = map[string]bool{
		"title": true, "description": true, "examples": true, "default": true, "deprecated": true,
		"readOnly": true, "writeOnly": true,
	}
)

// schemaConverter turns AsyncAPI schema objects into standalone JSON Schema
// 2020-12 documents: components become $defs, nullable becomes a null type.
type schemaConverter struct {
	doc  *document
	defs map[string]any
}

// exportSchema returns root as a pretty-printed 2020-12 document. A root that
// is only a $ref to a component is replaced by that component, unless the
// component refers to itself.
func (d *document) exportSchema(root schemaObj) ([]byte, error) {
	c := &schemaConverter{doc: d, defs: map[string]any{}}
	key, isRef := componentRef(root)
	if target, found := d.Schemas[key]; isRef && found && len(root) == 1 {
		out, err := c.schema(target)
		if _, recursive := c.defs[key]; err == nil && !recursive {
			return c.document(out)
		}
		c.defs = map[string]any{}
	}
	out, err := c.schema(root)
	if err != nil {
		return nil, err
	}
	return c.document(out)
}

func (c *schemaConverter) document(out map[string]any) ([]byte, error) {
	out["$schema"] = draft202012
	if len(c.defs) > 0 {
		out["$defs"] = c.defs
	}
	return marshalPretty(out)
}

// marshalPretty writes JSON with sorted keys, two-space indent, no HTML escaping.
func marshalPretty(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (c *schemaConverter) schema(s schemaObj) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range sortedKeys(s) {
		v := s[k]
		var err error
		switch {
		case strings.HasPrefix(k, "x-") || droppedKeywords[k]:
		case k == "$ref":
			out[k], err = c.ref(v)
		case k == "example":
			if _, has := s["examples"]; !has {
				out["examples"] = []any{v}
			}
		case k == "items" && isList(v):
			out["prefixItems"], err = c.list(v)
		case k == "additionalItems" && isList(s["items"]):
			out["items"], err = c.sub(v)
		case subschemaKeywords[k]:
			out[k], err = c.sub(v)
		case schemaMapKeywords[k]:
			out[k], err = c.schemaMap(v)
		case schemaListKeywords[k]:
			out[k], err = c.list(v)
		default:
			out[k] = v
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	fixExclusiveBounds(out)
	applyNullable(out)
	return out, nil
}

// ref rewrites #/components/schemas/X to #/$defs/X and converts X once.
func (c *schemaConverter) ref(v any) (any, error) {
	key, ok := componentRef(schemaObj{"$ref": v})
	target, found := c.doc.Schemas[key]
	if !ok || !found {
		return nil, fmt.Errorf("unresolved $ref %v", v)
	}
	if _, done := c.defs[key]; !done {
		c.defs[key] = true // placeholder: a recursive schema refers back here
		converted, err := c.schema(target)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		c.defs[key] = converted
	}
	return "#/$defs/" + key, nil
}

func (c *schemaConverter) sub(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case map[string]any:
		return c.schema(x)
	}
	return nil, fmt.Errorf("expected a schema, got %T", v)
}

func (c *schemaConverter) schemaMap(v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a map of schemas, got %T", v)
	}
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		s, err := c.sub(m[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = s
	}
	return out, nil
}

func (c *schemaConverter) list(v any) (any, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("expected a list of schemas, got %T", v)
	}
	out := make([]any, len(items))
	for i, item := range items {
		s, err := c.sub(item)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = s
	}
	return out, nil
}

func isList(v any) bool {
	_, ok := v.([]any)
	return ok
}

// fixExclusiveBounds turns draft-04/OpenAPI 3.0 boolean exclusiveMinimum /
// exclusiveMaximum into the numeric form.
func fixExclusiveBounds(out map[string]any) {
	for excl, bound := range map[string]string{"exclusiveMinimum": "minimum", "exclusiveMaximum": "maximum"} {
		flag, isBool := out[excl].(bool)
		if !isBool {
			continue
		}
		delete(out, excl)
		if limit, has := out[bound]; has && flag {
			out[excl] = limit
			delete(out, bound)
		}
	}
}

// applyNullable translates OpenAPI `nullable: true` into JSON Schema: null
// joins the type list (and the enum), or, without a type, an anyOf with null.
func applyNullable(out map[string]any) {
	nullable, _ := out["nullable"].(bool)
	delete(out, "nullable")
	if !nullable {
		return
	}
	if c, has := out["const"]; has {
		delete(out, "const")
		out["enum"] = []any{c}
	}
	if enum, ok := out["enum"].([]any); ok && !containsNull(enum) {
		out["enum"] = append(enum, nil)
	}
	switch t := out["type"].(type) {
	case string:
		out["type"] = []any{t, "null"}
	case []any:
		if !containsString(t, "null") {
			out["type"] = append(t, "null")
		}
	default:
		branch := map[string]any{}
		for k, v := range out {
			if !annotationKeywords[k] {
				branch[k] = v
				delete(out, k)
			}
		}
		out["anyOf"] = []any{branch, map[string]any{"type": "null"}}
	}
}

func containsNull(list []any) bool {
	for _, v := range list {
		if v == nil {
			return true
		}
	}
	return false
}

func containsString(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
