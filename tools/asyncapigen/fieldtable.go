package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// fieldRow is one line of a payload table: a property at some depth.
type fieldRow struct {
	Depth       int
	Path        string // e.g. data.items[].id
	Type        string
	Required    string // "yes", "no", or empty for array items and alternatives
	Description string
	Constraints string
}

// fieldTable flattens a schema into rows: every property, then the
// properties of nested objects, array items and map values below it.
type fieldTable struct {
	doc  *document
	rows []fieldRow
}

func (d *document) fieldRows(s schemaObj) []fieldRow {
	t := &fieldTable{doc: d}
	resolved, ref, err := d.resolve(s)
	if err != nil {
		return []fieldRow{{Path: "(payload)", Type: "unresolved: " + err.Error()}}
	}
	resolved = d.flattenAllOf(resolved)
	if len(properties(resolved)) == 0 {
		t.add("(payload)", 0, s, "", nil)
		return t.rows
	}
	t.children("", 0, resolved, stackOf(ref))
	return t.rows
}

// rootConstraints describes constraints on the payload object as a whole.
func (d *document) rootConstraints(s schemaObj) string {
	resolved, _, err := d.resolve(s)
	if err != nil {
		return ""
	}
	return constraints(d.flattenAllOf(resolved))
}

func stackOf(ref string) []string {
	if ref == "" {
		return nil
	}
	return []string{ref}
}

// children adds a row per property of the object s.
func (t *fieldTable) children(prefix string, depth int, s schemaObj, stack []string) {
	required := requiredSet(s)
	props := properties(s)
	for _, name := range sortedKeys(props) {
		t.add(prefix+name, depth, props[name], yesNo(required[name]), stack)
	}
	if values, ok := s["additionalProperties"].(map[string]any); ok && len(props) > 0 && len(values) > 0 {
		t.add(prefix+"{other keys}", depth, values, "no", stack)
	}
}

// add appends the row for one value and descends into what it contains.
func (t *fieldTable) add(path string, depth int, s schemaObj, required string, stack []string) {
	nullable := isNullable(s)
	if inner, ok := nullableAlternative(s); ok {
		nullable = true
		s = withDescription(inner, t.doc.description(s))
	}
	resolved, ref, err := t.doc.resolve(s)
	if err != nil {
		t.rows = append(t.rows, fieldRow{Depth: depth, Path: path, Type: "unresolved", Description: err.Error()})
		return
	}
	resolved = t.doc.flattenAllOf(resolved)
	row := fieldRow{
		Depth: depth, Path: path, Type: typeLabel(resolved, ref, nullable), Required: required,
		Description: t.doc.description(s), Constraints: constraints(resolved),
	}
	if ref != "" && slices.Contains(stack, ref) {
		row.Description = strings.TrimSpace(row.Description + " (recursive: see " + ref + " above)")
		t.rows = append(t.rows, row)
		return
	}
	t.rows = append(t.rows, row)
	if ref != "" {
		stack = append(slices.Clip(stack), ref)
	}
	t.descend(path, depth+1, resolved, stack)
}

// descend adds the rows nested inside a value: object properties, array items,
// map values and oneOf/anyOf alternatives.
func (t *fieldTable) descend(path string, depth int, s schemaObj, stack []string) {
	switch {
	case len(properties(s)) > 0:
		t.children(path+".", depth, s, stack)
	case singleType(s) == "array":
		if items, ok := s["items"].(map[string]any); ok && t.hasInner(items) {
			t.add(path+"[]", depth, items, "", stack)
		}
	case singleType(s) == "object":
		if values, ok := s["additionalProperties"].(map[string]any); ok && t.hasInner(values) {
			t.add(path+".{key}", depth, values, "", stack)
		}
	}
	for _, keyword := range []string{"oneOf", "anyOf"} {
		alternatives, _ := s[keyword].([]any)
		for i, alt := range alternatives {
			if as, ok := alt.(map[string]any); ok {
				t.add(fmt.Sprintf("%s⟨%s %d⟩", path, keyword, i+1), depth, as, "", stack)
			}
		}
	}
}

// withDescription returns s with description desc (a copy when it changes).
func withDescription(s schemaObj, desc string) schemaObj {
	if desc == "" || stringField(s, "description") == desc {
		return s
	}
	out := withoutKey(s, "description")
	out["description"] = desc
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// hasInner reports whether a schema has structure worth its own rows.
func (t *fieldTable) hasInner(s schemaObj) bool {
	resolved, _, err := t.doc.resolve(s)
	if err != nil {
		return false
	}
	resolved = t.doc.flattenAllOf(resolved)
	return len(properties(resolved)) > 0 || resolved["oneOf"] != nil || resolved["anyOf"] != nil ||
		singleType(resolved) == "array" || singleType(resolved) == "object"
}

// typeLabel is a short, readable type: "string (uuid)", "array of ItemRef",
// "map of string", "ItemStatus: string", with "| null" when nullable.
func typeLabel(s schemaObj, ref string, nullable bool) string {
	label := baseTypeLabel(s)
	if ref != "" {
		label = ref + ": " + label
	}
	if nullable || isNullable(s) {
		label += " | null"
	}
	return label
}

func baseTypeLabel(s schemaObj) string {
	switch t := singleType(s); t {
	case "array":
		items, _ := s["items"].(map[string]any)
		if name, ok := componentRef(items); ok {
			return "array of " + name
		}
		return "array of " + baseTypeLabel(items)
	case "object":
		if values, ok := s["additionalProperties"].(map[string]any); ok && len(properties(s)) == 0 && len(values) > 0 {
			if name, ok := componentRef(values); ok {
				return "map of " + name
			}
			return "map of " + baseTypeLabel(values)
		}
		return "object"
	case "":
		switch {
		case s["oneOf"] != nil:
			return "one of"
		case s["anyOf"] != nil:
			return "any of"
		}
		if types, _ := schemaTypes(s); len(types) > 1 {
			return strings.Join(types, " | ")
		}
		return "any"
	default:
		if format := stringField(s, "format"); format != "" {
			return t + " (" + format + ")"
		}
		return t
	}
}

// constraintKeywords are shown as "keyword: value", in this order.
var constraintKeywords = []string{
	"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength",
	"pattern", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "default",
}

func constraints(s schemaObj) string {
	var parts []string
	if c, ok := s["const"]; ok {
		parts = append(parts, "const "+jsonText(c))
	} else if values, ok := s["enum"].([]any); ok {
		texts := make([]string, len(values))
		for i, v := range values {
			texts[i] = jsonText(v)
		}
		parts = append(parts, "one of "+strings.Join(texts, ", "))
	}
	for _, k := range constraintKeywords {
		if v, ok := s[k]; ok {
			parts = append(parts, k+": "+jsonText(v))
		}
	}
	if ap, ok := s["additionalProperties"].(bool); ok && !ap {
		parts = append(parts, "no other properties")
	}
	if sets := requiredAlternatives(s, "anyOf"); sets != "" {
		parts = append(parts, "requires at least one of "+sets)
	}
	if sets := requiredAlternatives(s, "oneOf"); sets != "" {
		parts = append(parts, "requires exactly one of "+sets)
	}
	return strings.Join(parts, "; ")
}

// requiredAlternatives describes an anyOf/oneOf whose items only list
// required properties: "sampleRate | sample_rate".
func requiredAlternatives(s schemaObj, keyword string) string {
	items, _ := s[keyword].([]any)
	var sets []string
	for _, item := range items {
		branch, _ := item.(map[string]any)
		if len(branch) != 1 || branch["required"] == nil {
			return ""
		}
		sets = append(sets, strings.Join(sortedKeys(requiredSet(branch)), " + "))
	}
	return strings.Join(sets, " | ")
}

// jsonText renders a value as compact JSON, leaving <, > and & readable.
func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
