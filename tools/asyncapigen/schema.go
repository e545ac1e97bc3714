package main

import (
	"fmt"
	"slices"
	"sort"
)

// schemaObj is one JSON Schema object as the AsyncAPI parser returns it.
type schemaObj = map[string]any

const schemaRefPrefix = "#/components/schemas/"

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// componentRef returns the components.schemas key s refers to, if any.
func componentRef(s schemaObj) (string, bool) {
	ref, ok := s["$ref"].(string)
	if !ok {
		return "", false
	}
	return cutRef(ref, schemaRefPrefix)
}

// resolve follows $refs (and a lone allOf item, the usual way to annotate a
// $ref) to the schema that holds the content; name is the last component
// passed through.
func (d *document) resolve(s schemaObj) (resolved schemaObj, name string, err error) {
	for range maxRefChain {
		if inner, ok := loneAllOf(s); ok {
			s = inner
			continue
		}
		ref, isRef := s["$ref"].(string)
		if !isRef {
			return s, name, nil
		}
		key, ok := cutRef(ref, schemaRefPrefix)
		target, found := d.Schemas[key]
		if !ok || !found {
			return nil, "", fmt.Errorf("unresolved schema $ref %q", ref)
		}
		s, name = target, key
	}
	return nil, "", fmt.Errorf("schema $ref chain through %q is too long", name)
}

// loneAllOf returns the only item of `allOf` when s has nothing else that
// constrains values.
func loneAllOf(s schemaObj) (schemaObj, bool) {
	items, ok := s["allOf"].([]any)
	if !ok || len(items) != 1 {
		return nil, false
	}
	for _, k := range []string{"type", "properties", "$ref", "oneOf", "anyOf", "enum", "const", "items"} {
		if _, has := s[k]; has {
			return nil, false
		}
	}
	inner, ok := items[0].(map[string]any)
	return inner, ok
}

// schemaTypes returns the JSON types s allows besides null, and whether null is
// allowed (OpenAPI `nullable: true` or a "null" member of a type list).
func schemaTypes(s schemaObj) (types []string, nullable bool) {
	nullable, _ = s["nullable"].(bool)
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, item := range t {
			if name, ok := item.(string); ok {
				types = append(types, name)
			}
		}
	}
	if i := slices.Index(types, "null"); i >= 0 {
		types = slices.Delete(types, i, i+1)
		nullable = true
	}
	return types, nullable
}

// singleType returns the one non-null type of s, or "" when there is none or
// several. An untyped schema with properties counts as an object.
func singleType(s schemaObj) string {
	types, _ := schemaTypes(s)
	if len(types) == 1 {
		return types[0]
	}
	if len(types) == 0 {
		if _, ok := s["properties"]; ok {
			return "object"
		}
	}
	return ""
}

func isNullable(s schemaObj) bool {
	_, nullable := schemaTypes(s)
	return nullable
}

func properties(s schemaObj) map[string]schemaObj {
	raw, _ := s["properties"].(map[string]any)
	out := make(map[string]schemaObj, len(raw))
	for name, p := range raw {
		if ps, ok := p.(map[string]any); ok {
			out[name] = ps
		}
	}
	return out
}

func requiredSet(s schemaObj) map[string]bool {
	list, _ := s["required"].([]any)
	set := make(map[string]bool, len(list))
	for _, item := range list {
		if name, ok := item.(string); ok {
			set[name] = true
		}
	}
	return set
}

// enumStrings returns the enum values when every one is a string.
func enumStrings(s schemaObj) ([]string, bool) {
	list, ok := s["enum"].([]any)
	if !ok || len(list) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		str, isStr := v.(string)
		if !isStr {
			if v == nil {
				continue // null in an enum only says "nullable"
			}
			return nil, false
		}
		out = append(out, str)
	}
	return out, len(out) > 0
}

// literalValues returns the fixed values a schema allows (const or enum).
func literalValues(s schemaObj) ([]any, bool) {
	if c, ok := s["const"]; ok {
		return []any{c}, true
	}
	list, ok := s["enum"].([]any)
	return list, ok && len(list) > 0
}

func stringField(s schemaObj, key string) string {
	v, _ := s[key].(string)
	return v
}

// description returns the schema's own description, or that of the schema it
// refers to.
func (d *document) description(s schemaObj) string {
	if desc := stringField(s, "description"); desc != "" {
		return desc
	}
	if resolved, _, err := d.resolve(s); err == nil {
		return stringField(resolved, "description")
	}
	return ""
}

// flattenAllOf merges an `allOf` of object schemas into one object schema
// (properties and required lists united) so it can become one struct or one
// field table. Anything else is returned unchanged.
func (d *document) flattenAllOf(s schemaObj) schemaObj {
	items, ok := s["allOf"].([]any)
	if _, lone := loneAllOf(s); !ok || lone {
		return s
	}
	parts := []schemaObj{withoutKey(s, "allOf")}
	for _, item := range items {
		part, isMap := item.(map[string]any)
		if !isMap {
			return s
		}
		parts = append(parts, part)
	}
	props := map[string]any{}
	var required []any
	merged := schemaObj{"type": "object"}
	for _, part := range parts {
		resolved, _, err := d.resolve(part)
		if err != nil {
			return s
		}
		resolved = d.flattenAllOf(resolved)
		if !isAnnotationOnly(resolved) && singleType(resolved) != "object" {
			return s
		}
		for name, p := range properties(resolved) {
			props[name] = p
		}
		for _, r := range sortedKeys(requiredSet(resolved)) {
			required = append(required, r)
		}
		if ap, has := resolved["additionalProperties"]; has {
			merged["additionalProperties"] = ap
		}
	}
	merged["properties"] = props
	merged["required"] = required
	for _, k := range []string{"description", "title", "nullable"} {
		if v, has := s[k]; has {
			merged[k] = v
		}
	}
	return merged
}

func withoutKey(s schemaObj, key string) schemaObj {
	out := make(schemaObj, len(s))
	for k, v := range s {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// isAnnotationOnly reports whether s constrains nothing (description etc.).
func isAnnotationOnly(s schemaObj) bool {
	for k := range s {
		switch k {
		case "description", "title", "nullable", "example", "examples", "deprecated":
		default:
			return false
		}
	}
	return true
}

// nullableAlternative recognises the JSON Schema way of writing "X or null",
// `oneOf`/`anyOf: [X, {type: 'null'}]`, and returns X.
func nullableAlternative(s schemaObj) (schemaObj, bool) {
	for _, keyword := range []string{"oneOf", "anyOf"} {
		items, ok := s[keyword].([]any)
		if !ok || len(items) != 2 || s["properties"] != nil {
			continue
		}
		var other schemaObj
		nulls := 0
		for _, item := range items {
			branch, _ := item.(map[string]any)
			if isNullOnly(branch) {
				nulls++
			} else {
				other = branch
			}
		}
		if nulls == 1 && other != nil {
			return other, true
		}
	}
	return nil, false
}

// isNullOnly reports whether s allows only null.
func isNullOnly(s schemaObj) bool {
	if s == nil {
		return false
	}
	types, nullable := schemaTypes(s)
	return len(types) == 0 && nullable && s["$ref"] == nil && s["properties"] == nil && s["enum"] == nil
}
