package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// channelDoc is the part of an AsyncAPI channel the rules look at.
type channelDoc struct {
	Publish    *operationDoc             `yaml:"publish"`
	Subscribe  *operationDoc             `yaml:"subscribe"`
	CloseCodes map[string]any            `yaml:"x-close-codes"`
	Upgrade    map[string]map[string]any `yaml:"x-upgrade-responses"`
}

type operationDoc struct {
	Message struct {
		Ref   string `yaml:"$ref"`
		OneOf []struct {
			Ref string `yaml:"$ref"`
		} `yaml:"oneOf"`
	} `yaml:"message"`
}

type asyncDoc struct {
	Channels   map[string]channelDoc `yaml:"channels"`
	Components struct {
		Messages map[string]struct {
			Name string `yaml:"name"`
		} `yaml:"messages"`
	} `yaml:"components"`
}

// direction says who sends a message: a client's message must keep
// accepting what it accepted; a server's must keep giving what it gave.
type direction int

const (
	request direction = iota
	response
)

func (d direction) String() string {
	return map[direction]string{request: "client→server", response: "server→client"}[d]
}

// messages lists a channel operation's message names.
func (d asyncDoc) messages(op *operationDoc) []string {
	if op == nil {
		return nil
	}
	refs := []string{op.Message.Ref}
	for _, o := range op.Message.OneOf {
		refs = append(refs, o.Ref)
	}
	var out []string
	for _, ref := range refs {
		if ref == "" {
			continue
		}
		key := path.Base(ref)
		name := d.Components.Messages[key].Name
		if name == "" {
			name = key
		}
		out = append(out, name)
	}
	return out
}

func asyncAPIChanges(base string, old, current []byte, pkg string) ([]string, error) {
	var before, after asyncDoc
	if err := yaml.Unmarshal(old, &before); err != nil {
		return nil, fmt.Errorf("parse base: %w", err)
	}
	if err := yaml.Unmarshal(current, &after); err != nil {
		return nil, fmt.Errorf("parse revision: %w", err)
	}
	schemaDir := filepath.Join("gen", pkg, "schemas")
	var out []string
	for name, was := range before.Channels {
		now, ok := after.Channels[name]
		if !ok {
			out = append(out, fmt.Sprintf("channel %s removed", name))
			continue
		}
		for code := range was.CloseCodes {
			if _, ok := now.CloseCodes[code]; !ok {
				out = append(out, fmt.Sprintf("channel %s: close code %s removed", name, code))
			}
		}
		for status := range was.Upgrade {
			if _, ok := now.Upgrade[status]; !ok {
				out = append(out, fmt.Sprintf("channel %s: upgrade response %s removed", name, status))
			}
		}
		for _, side := range []struct {
			dir         direction
			before, now *operationDoc
		}{{request, was.Publish, now.Publish}, {response, was.Subscribe, now.Subscribe}} {
			current := after.messages(side.now)
			for _, msg := range before.messages(side.before) {
				where := fmt.Sprintf("channel %s %s message %s", name, side.dir, msg)
				if !slices.Contains(current, msg) {
					out = append(out, where+" removed")
					continue
				}
				changes, err := messageChanges(base, schemaDir, msg, side.dir)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", where, err)
				}
				for _, c := range changes {
					out = append(out, where+": "+c)
				}
			}
		}
	}
	return out, nil
}

// messageChanges compares a message's generated JSON Schema at base with
// the current one.
func messageChanges(base, schemaDir, msg string, dir direction) ([]string, error) {
	file := filepath.Join(schemaDir, msg+".json")
	oldRaw, err := gitShow(base, file)
	if err != nil {
		return nil, nil // no schema at base (a generator older than this rule): nothing to compare
	}
	newRaw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var before, after map[string]any
	if err := json.Unmarshal(oldRaw, &before); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(newRaw, &after); err != nil {
		return nil, err
	}
	c := schemaComparison{beforeRoot: before, afterRoot: after, dir: dir}
	c.compare("", before, after)
	return c.changes, nil
}

// schemaComparison walks two JSON Schemas of one message side by side.
type schemaComparison struct {
	beforeRoot, afterRoot map[string]any
	dir                   direction
	changes               []string
}

func (c *schemaComparison) add(at, format string, args ...any) {
	if at == "" {
		at = "(message)"
	}
	c.changes = append(c.changes, at+": "+fmt.Sprintf(format, args...))
}

// resolve follows a local $ref into the schema's $defs.
func resolve(root, s map[string]any) map[string]any {
	for i := 0; i < 32; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		target, ok := root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		if !ok {
			return s
		}
		s = target
	}
	return s
}

func (c *schemaComparison) compare(at string, before, after map[string]any) {
	if before == nil || after == nil {
		return
	}
	before, after = resolve(c.beforeRoot, before), resolve(c.afterRoot, after)
	c.compareTypes(at, before, after)
	c.compareEnums(at, before, after)
	if c.dir == request {
		c.compareBounds(at, before, after)
	}
	c.compareProperties(at, before, after)
	if items, ok := before["items"].(map[string]any); ok {
		if now, ok := after["items"].(map[string]any); ok {
			c.compare(at+"[]", items, now)
		}
	}
	for _, key := range []string{"oneOf", "anyOf", "allOf"} {
		was, _ := before[key].([]any)
		now, _ := after[key].([]any)
		for i := range min(len(was), len(now)) {
			w, _ := was[i].(map[string]any)
			n, _ := now[i].(map[string]any)
			c.compare(fmt.Sprintf("%s(%s %d)", at, key, i), w, n)
		}
	}
}

// types is a schema's type set; integer is a part of number.
func types(s map[string]any) map[string]bool {
	out := map[string]bool{}
	switch t := s["type"].(type) {
	case string:
		out[t] = true
	case []any:
		for _, v := range t {
			if name, ok := v.(string); ok {
				out[name] = true
			}
		}
	}
	return out
}

func admits(set map[string]bool, t string) bool {
	return len(set) == 0 || set[t] || (t == "integer" && set["number"])
}

func (c *schemaComparison) compareTypes(at string, before, after map[string]any) {
	was, now := types(before), types(after)
	if c.dir == request {
		for t := range was {
			if !admits(now, t) {
				c.add(at, "type %s no longer accepted", t)
			}
		}
		if len(was) == 0 && len(now) > 0 {
			c.add(at, "type restricted to %v", keys(now))
		}
		return
	}
	for t := range now {
		if !admits(was, t) {
			c.add(at, "may now be %s", t)
		}
	}
}

func (c *schemaComparison) compareEnums(at string, before, after map[string]any) {
	was, hadEnum := before["enum"].([]any)
	now, hasEnum := after["enum"].([]any)
	if wc, ok := before["const"]; ok {
		if nc, ok := after["const"]; !ok || fmt.Sprint(nc) != fmt.Sprint(wc) {
			if c.dir == request || ok {
				c.add(at, "const %v changed", wc)
			}
		}
	}
	if c.dir == request && !hadEnum && hasEnum {
		c.add(at, "values restricted to an enum")
	}
	if !hadEnum || !hasEnum {
		return
	}
	for _, v := range was {
		if !slices.ContainsFunc(now, func(n any) bool { return fmt.Sprint(n) == fmt.Sprint(v) }) {
			c.add(at, "enum value %v removed", v)
		}
	}
}

// bounds are the keywords whose tightening refuses what was accepted: for
// each, whether a larger value is tighter.
var bounds = map[string]bool{
	"minimum": true, "exclusiveMinimum": true, "minLength": true, "minItems": true, "minProperties": true,
	"maximum": false, "exclusiveMaximum": false, "maxLength": false, "maxItems": false, "maxProperties": false,
}

func (c *schemaComparison) compareBounds(at string, before, after map[string]any) {
	for key, largerIsTighter := range bounds {
		nv, hasNew := after[key].(float64)
		if !hasNew {
			continue
		}
		ov, hadOld := before[key].(float64)
		switch {
		case !hadOld:
			c.add(at, "%s %v added", key, nv)
		case largerIsTighter && nv > ov, !largerIsTighter && nv < ov:
			c.add(at, "%s tightened from %v to %v", key, ov, nv)
		}
	}
	for _, key := range []string{"pattern", "format"} {
		if nv, ok := after[key]; ok && fmt.Sprint(before[key]) != fmt.Sprint(nv) {
			c.add(at, "%s %v set (was %v)", key, nv, before[key])
		}
	}
	if m, ok := after["multipleOf"].(float64); ok && !multipleOfAdmits(before, m) {
		c.add(at, "multipleOf %v set (was %v)", m, before["multipleOf"])
	}
	if ap, ok := after["additionalProperties"].(bool); ok && !ap {
		if was, ok := before["additionalProperties"].(bool); !ok || was {
			c.add(at, "additional properties no longer accepted")
		}
	}
}

func (c *schemaComparison) compareProperties(at string, before, after map[string]any) {
	was, _ := before["properties"].(map[string]any)
	now, _ := after["properties"].(map[string]any)
	wasRequired, nowRequired := stringSet(before["required"]), stringSet(after["required"])
	for _, name := range keys(was) {
		field := joinPath(at, name)
		if _, ok := now[name]; !ok {
			c.add(field, "field removed")
			continue
		}
		if c.dir == response && wasRequired[name] && !nowRequired[name] {
			c.add(field, "no longer always present")
		}
		ws, _ := was[name].(map[string]any)
		ns, _ := now[name].(map[string]any)
		c.compare(field, ws, ns)
	}
	if c.dir == request {
		for _, name := range keys(nowRequired) {
			if !wasRequired[name] {
				c.add(joinPath(at, name), "new required field")
			}
		}
	}
}

func joinPath(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	list, _ := v.([]any)
	for _, s := range list {
		if name, ok := s.(string); ok {
			out[name] = true
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// multipleOfAdmits reports whether every value the old schema allowed is a
// multiple of m: the old multipleOf is one, or the old type was integer and
// m is 1.
func multipleOfAdmits(before map[string]any, m float64) bool {
	if b, ok := before["multipleOf"].(float64); ok {
		q := b / m
		return q == float64(int64(q))
	}
	return m == 1 && types(before)["integer"] && !types(before)["number"]
}
