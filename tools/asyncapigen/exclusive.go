package main

import (
	"encoding/json"
	"fmt"
	"slices"
)

// maxExclusiveDepth bounds the descent into nested objects.
const maxExclusiveDepth = 8

// checkExclusive reports every pair of messages in a group whose payload
// schemas are not provably disjoint.
func (p *plan) checkExclusive(where string, group []*message) []string {
	var problems []string
	for i, a := range group {
		for _, b := range group[i+1:] {
			if a == b || p.doc.disjoint(a.Payload, b.Payload, 0) {
				continue
			}
			problems = append(problems, fmt.Sprintf("%s: messages %s and %s are not provably exclusive: "+
				"give both a required property with different const/enum values or types, "+
				"or require in one a property the other forbids (additionalProperties: false)", where, a.Name, b.Name))
		}
	}
	return problems
}

// disjoint reports whether no JSON value can satisfy both schemas, by rules
// that are sound but not complete: different fixed values, different types,
// and for objects a required property that is disjoint or forbidden.
func (d *document) disjoint(a, b schemaObj, depth int) bool {
	if depth > maxExclusiveDepth {
		return false
	}
	ra, _, errA := d.resolve(a)
	rb, _, errB := d.resolve(b)
	if errA != nil || errB != nil || ra == nil || rb == nil {
		return false
	}
	ra, rb = d.flattenAllOf(ra), d.flattenAllOf(rb)
	if valuesDisjoint(ra, rb) || typesDisjoint(ra, rb) {
		return true
	}
	return singleType(ra) == "object" && singleType(rb) == "object" && d.objectsDisjoint(ra, rb, depth)
}

func (d *document) objectsDisjoint(a, b schemaObj, depth int) bool {
	reqA, reqB := requiredSet(a), requiredSet(b)
	propsA, propsB := properties(a), properties(b)
	for _, name := range sortedKeys(reqA) {
		if reqB[name] && propsA[name] != nil && propsB[name] != nil &&
			d.disjoint(propsA[name], propsB[name], depth+1) {
			return true
		}
		if forbids(b, name) {
			return true
		}
	}
	for _, name := range sortedKeys(reqB) {
		if forbids(a, name) {
			return true
		}
	}
	return false
}

// forbids reports whether s rejects any object that has the property name.
func forbids(s schemaObj, name string) bool {
	if ap, ok := s["additionalProperties"].(bool); !ok || ap {
		return false
	}
	if _, patterned := s["patternProperties"]; patterned {
		return false
	}
	_, declared := properties(s)[name]
	return !declared
}

// valuesDisjoint: both schemas allow only fixed values, and none is shared.
func valuesDisjoint(a, b schemaObj) bool {
	la, okA := literalSet(a)
	lb, okB := literalSet(b)
	if !okA || !okB {
		return false
	}
	for v := range la {
		if lb[v] {
			return false
		}
	}
	return true
}

// literalSet returns the JSON encodings of the values s allows, null included
// when s is nullable.
func literalSet(s schemaObj) (map[string]bool, bool) {
	values, ok := literalValues(s)
	if !ok {
		return nil, false
	}
	set := map[string]bool{}
	for _, v := range values {
		encoded, _ := json.Marshal(v)
		set[string(encoded)] = true
	}
	if isNullable(s) {
		set["null"] = true
	}
	return set, true
}

// typesDisjoint: both schemas declare types, and none is shared (integer is
// a number).
func typesDisjoint(a, b schemaObj) bool {
	ta, tb := typeSet(a), typeSet(b)
	if len(ta) == 0 || len(tb) == 0 {
		return false
	}
	for _, t := range ta {
		if slices.Contains(tb, t) ||
			t == "integer" && slices.Contains(tb, "number") || t == "number" && slices.Contains(tb, "integer") {
			return false
		}
	}
	return true
}

func typeSet(s schemaObj) []string {
	types, nullable := schemaTypes(s)
	if len(types) == 0 {
		return nil
	}
	if nullable {
		types = append(types, "null")
	}
	return types
}
