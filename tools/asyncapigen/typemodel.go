package main

import (
	"fmt"
)

// refKind is what a field or element holds, independent of the target language.
type refKind int

const (
	refNamed  refKind = iota // a named type of the model
	refString                // string (uuid and other formats included)
	refInt                   // integer
	refNumber                // number
	refBool                  // boolean
	refTime                  // string, format date-time
	refAny                   // any JSON value inside a free-form object
	refRaw                   // oneOf/anyOf/untyped: kept as raw JSON
	refSlice                 // array of Elem
	refMap                   // object whose values are Elem
)

type typeRef struct {
	Kind     refKind
	Name     string   // refNamed
	Elem     *typeRef // refSlice, refMap
	Nullable bool
	Literals []any // values a const or a non-string enum allows
}

type typeKind int

const (
	kindStruct typeKind = iota // an object with properties
	kindEnum                   // a string enum
	kindAlias                  // any other schema: a name for Target
)

// namedType is one type of the generated package; Go and TypeScript render
// the same model, so both sides use the same names.
type namedType struct {
	Name   string
	Doc    string
	Kind   typeKind
	Fields []field      // kindStruct
	Open   bool         // kindStruct: additionalProperties explicitly allowed
	Consts []namedConst // kindStruct: the fixed value of each const field
	Values []enumValue  // kindEnum
	Target typeRef      // kindAlias
}

type field struct {
	JSONName, GoName, Doc string
	Type                  typeRef
	Required              bool
}

type enumValue struct{ ConstName, Value string }

type namedConst struct {
	Name  string
	Field string // the Go name of the struct field it fixes
	Value any
}

// typeModel holds every named type generated for a document: one per
// components.schemas entry, one per inline message payload, and one per
// nested object or string enum (named <Parent><Prop>).
type typeModel struct {
	doc            *document
	names          *nameRegistry
	Types          []*namedType
	byName         map[string]*namedType
	componentNames map[string]string   // components.schemas key → type name
	payloadTypes   map[*message]string // message → type name of its payload
}

// newTypeModel claims the component type names first, so they win any clash
// with names derived later.
func newTypeModel(doc *document, names *nameRegistry) *typeModel {
	m := &typeModel{
		doc: doc, names: names, byName: map[string]*namedType{},
		componentNames: map[string]string{}, payloadTypes: map[*message]string{},
	}
	for _, key := range sortedKeys(doc.Schemas) {
		m.componentNames[key] = names.claim(goName(key))
	}
	return m
}

// build defines every type: components in key order, then inline payloads in
// message-name order.
func (m *typeModel) build() error {
	var inline []*message
	for _, msg := range m.doc.Messages {
		if key, ok := componentRef(msg.Payload); ok {
			name, found := m.componentNames[key]
			if !found {
				return fmt.Errorf("message %s: unresolved payload $ref to %q", msg.Name, key)
			}
			m.payloadTypes[msg] = name
			continue
		}
		m.payloadTypes[msg] = m.names.claim(goName(msg.Name) + "Payload")
		inline = append(inline, msg)
	}
	for _, key := range sortedKeys(m.doc.Schemas) {
		if err := m.define(m.componentNames[key], m.doc.Schemas[key]); err != nil {
			return fmt.Errorf("schema %s: %w", key, err)
		}
	}
	for _, msg := range inline {
		if err := m.define(m.payloadTypes[msg], msg.Payload); err != nil {
			return fmt.Errorf("message %s payload: %w", msg.Name, err)
		}
	}
	return nil
}

func (m *typeModel) define(name string, s schemaObj) error {
	s = m.doc.flattenAllOf(s)
	nt := &namedType{Name: name, Doc: stringField(s, "description")}
	m.Types = append(m.Types, nt)
	m.byName[name] = nt
	if isStruct(s) {
		return m.fillStruct(nt, s)
	}
	if values, ok := stringEnum(s); ok {
		nt.Kind = kindEnum
		for _, v := range values {
			nt.Values = append(nt.Values, enumValue{ConstName: m.names.claim(name + enumValueIdent(v)), Value: v})
		}
		return nil
	}
	nt.Kind = kindAlias
	target, err := m.ref(name, s)
	nt.Target = target
	return err
}

func (m *typeModel) fillStruct(nt *namedType, s schemaObj) error {
	nt.Kind = kindStruct
	switch ap := s["additionalProperties"].(type) {
	case bool:
		nt.Open = ap
	case map[string]any:
		nt.Open = true
	}
	required := requiredSet(s)
	props := properties(s)
	fieldNames := newNameRegistry()
	for _, prop := range sortedKeys(props) {
		ps := props[prop]
		goField := fieldNames.claim(goName(prop))
		ref, err := m.ref(nt.Name+goField, ps)
		if err != nil {
			return fmt.Errorf("property %s: %w", prop, err)
		}
		nt.Fields = append(nt.Fields, field{
			JSONName: prop, GoName: goField, Doc: m.doc.description(ps), Type: ref, Required: required[prop],
		})
		if c, ok := ps["const"]; ok && isScalar(c) {
			nt.Consts = append(nt.Consts, namedConst{Name: m.names.claim(nt.Name + goField + "Value"), Field: goField, Value: c})
		}
	}
	return nil
}

// ref describes the value of schema s; ctx is the name a nested type defined
// for s would get.
func (m *typeModel) ref(ctx string, s schemaObj) (typeRef, error) {
	nullable := isNullable(s)
	if inner, ok := loneAllOf(s); ok {
		r, err := m.ref(ctx, inner)
		r.Nullable = r.Nullable || nullable
		return r, err
	}
	if _, isRef := s["$ref"]; isRef {
		key, _ := componentRef(s)
		name, found := m.componentNames[key]
		if !found {
			return typeRef{}, fmt.Errorf("unresolved $ref %v", s["$ref"])
		}
		return typeRef{Kind: refNamed, Name: name, Nullable: nullable}, nil
	}
	if inner, ok := nullableAlternative(s); ok {
		r, err := m.ref(ctx, inner)
		r.Nullable = true
		return r, err
	}
	if (s["oneOf"] != nil || s["anyOf"] != nil) && !isStruct(s) {
		return typeRef{Kind: refRaw, Nullable: nullable}, nil
	}
	s = m.doc.flattenAllOf(s)
	r, err := m.valueRef(ctx, s)
	r.Nullable = r.Nullable || nullable
	return r, err
}

func (m *typeModel) valueRef(ctx string, s schemaObj) (typeRef, error) {
	literals, _ := literalValues(s)
	if needsNamedType(s) {
		name := m.names.claim(ctx)
		return typeRef{Kind: refNamed, Name: name}, m.define(name, s)
	}
	switch singleType(s) {
	case "string":
		if stringField(s, "format") == "date-time" {
			return typeRef{Kind: refTime}, nil
		}
		return typeRef{Kind: refString, Literals: literals}, nil
	case "integer":
		return typeRef{Kind: refInt, Literals: literals}, nil
	case "number":
		return typeRef{Kind: refNumber, Literals: literals}, nil
	case "boolean":
		return typeRef{Kind: refBool, Literals: literals}, nil
	case "array":
		items, _ := s["items"].(map[string]any)
		elem, err := m.ref(ctx+"Item", items)
		return typeRef{Kind: refSlice, Elem: &elem}, err
	case "object":
		return m.mapRef(ctx, s)
	}
	return typeRef{Kind: refRaw}, nil
}

// mapRef describes an object without properties: a map of its
// additionalProperties schema, or of any JSON value.
func (m *typeModel) mapRef(ctx string, s schemaObj) (typeRef, error) {
	values, ok := s["additionalProperties"].(map[string]any)
	if !ok || len(values) == 0 {
		return typeRef{Kind: refMap, Elem: &typeRef{Kind: refAny}}, nil
	}
	elem, err := m.ref(ctx+"Value", values)
	return typeRef{Kind: refMap, Elem: &elem}, err
}

// needsNamedType: nested objects with properties and string enums get a type
// of their own.
func needsNamedType(s schemaObj) bool {
	if isStruct(s) {
		return true
	}
	_, isEnum := stringEnum(s)
	return isEnum && s["const"] == nil
}

func isStruct(s schemaObj) bool {
	props, _ := s["properties"].(map[string]any)
	return len(props) > 0 && singleType(s) == "object"
}

// stringEnum returns the values of a string enum (typed string or untyped).
func stringEnum(s schemaObj) ([]string, bool) {
	t := singleType(s)
	if t != "string" && t != "" {
		return nil, false
	}
	return enumStrings(s)
}

// enumValueIdent is the suffix of an enum constant: "running" → Running,
// "2nd-hand" → 2ndHand, "" → Empty.
func enumValueIdent(v string) string {
	if id := camel(v); id != "" {
		return id
	}
	return "Empty"
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, float64, bool:
		return true
	}
	return false
}
