package main

import (
	"encoding/json"
	"strconv"
	"strings"
)

// frameShape is what a generated client checks of a server frame to tell
// which message it is: exactly the conditions checkExclusive proves the
// messages of one channel and direction apart with (fixed values, JSON types,
// required properties and their shapes, properties an additionalProperties:
// false object forbids). Every valid frame of a message matches its shape,
// and, once -check has passed, no frame matches the shapes of two messages.
type frameShape struct {
	Types    []string               // JSON types, "null" included when nullable; empty: any
	Values   []string               // JSON encodings of the only values allowed; empty: any
	Required []string               // an object's required properties
	Props    map[string]*frameShape // shapes of the required properties that declare a schema
	Closed   bool                   // additionalProperties: false
	Declared []string               // the properties a closed object may have
}

func (d *document) frameShape(s schemaObj, depth int) *frameShape {
	sh := &frameShape{}
	resolved, _, err := d.resolve(s)
	if err != nil || resolved == nil {
		return sh
	}
	resolved = d.flattenAllOf(resolved)
	sh.Types = typeSet(resolved)
	if set, ok := literalSet(resolved); ok {
		sh.Values = sortedKeys(set)
	}
	if singleType(resolved) != "object" || depth > maxExclusiveDepth {
		return sh
	}
	if len(sh.Types) == 0 {
		sh.Types = []string{"object"} // properties without a type: an object, as checkExclusive takes it
	}
	required := requiredSet(resolved)
	props := properties(resolved)
	sh.Required = sortedKeys(required)
	for _, name := range sh.Required {
		if ps, ok := props[name]; ok {
			if sh.Props == nil {
				sh.Props = map[string]*frameShape{}
			}
			sh.Props[name] = d.frameShape(ps, depth+1)
		}
	}
	if ap, ok := resolved["additionalProperties"].(bool); ok && !ap && resolved["patternProperties"] == nil {
		sh.Closed = true
		sh.Declared = sortedKeys(props)
	}
	return sh
}

// goLiteral renders the shape as a *wsclient.Shape composite literal.
func (sh *frameShape) goLiteral(runtime string) string {
	return "&" + runtime + ".Shape" + sh.goFields(runtime)
}

// goFields renders the shape's braces, which is all a map value needs.
func (sh *frameShape) goFields(runtime string) string {
	var parts []string
	if len(sh.Types) > 0 {
		parts = append(parts, "Types: "+goStrings(sh.Types))
	}
	if len(sh.Values) > 0 {
		parts = append(parts, "Values: "+goStrings(sh.Values))
	}
	if len(sh.Required) > 0 {
		parts = append(parts, "Required: "+goStrings(sh.Required))
	}
	if len(sh.Props) > 0 {
		var props []string
		for _, name := range sortedKeys(sh.Props) {
			props = append(props, strconv.Quote(name)+": "+sh.Props[name].goFields(runtime))
		}
		parts = append(parts, "Props: map[string]*"+runtime+".Shape{"+strings.Join(props, ", ")+"}")
	}
	if sh.Closed {
		parts = append(parts, "Closed: true", "Declared: "+goStrings(sh.Declared))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func goStrings(list []string) string {
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = strconv.Quote(s)
	}
	return "[]string{" + strings.Join(quoted, ", ") + "}"
}

// tsLiteral renders the shape as a TypeScript object literal (wsclient.Shape).
func (sh *frameShape) tsLiteral() string {
	var parts []string
	if len(sh.Types) > 0 {
		parts = append(parts, "types: "+tsStrings(sh.Types))
	}
	if len(sh.Values) > 0 {
		// JSON encodings are TypeScript literals as they are.
		parts = append(parts, "values: ["+strings.Join(sh.Values, ", ")+"]")
	}
	if len(sh.Required) > 0 {
		parts = append(parts, "required: "+tsStrings(sh.Required))
	}
	if len(sh.Props) > 0 {
		var props []string
		for _, name := range sortedKeys(sh.Props) {
			props = append(props, strconv.Quote(name)+": "+sh.Props[name].tsLiteral())
		}
		parts = append(parts, "props: { "+strings.Join(props, ", ")+" }")
	}
	if sh.Closed {
		parts = append(parts, "closed: true", "declared: "+tsStrings(sh.Declared))
	}
	if len(parts) == 0 {
		return "{}"
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

func tsStrings(list []string) string {
	quoted := make([]string, len(list))
	for i, s := range list {
		encoded, _ := json.Marshal(s)
		quoted[i] = string(encoded)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
