package specs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	asyncapi "github.com/swaggest/go-asyncapi/spec-2.1.0"
	"gopkg.in/yaml.v3"

	"github.com/sessionhub/server/internal/platform/storedtext"
)

// The versions the generators are built for (see the spec conventions).
const (
	wantOpenAPIVersion  = "3.0.3"
	wantAsyncAPIVersion = "2.1.0"
)

// specFiles lists the spec documents matching pattern and fails when there are none,
// so a renamed or misplaced spec cannot make these tests pass vacuously.
func specFiles(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatalf("glob %s: %v", pattern, err)
	}
	if len(files) == 0 {
		t.Fatalf("no spec matches %s in specs/", pattern)
	}
	sort.Strings(files)
	return files
}

func TestOpenAPISpecs(t *testing.T) {
	for _, file := range specFiles(t, "*.openapi.yaml") {
		t.Run(file, func(t *testing.T) {
			doc := loadOpenAPI(t, file)
			examples := openAPIExamples(doc)
			if len(examples) == 0 {
				t.Fatalf("%s: no examples found; every seed example must appear in the spec", file)
			}
			t.Logf("%s: checking %d examples", file, len(examples))
			for _, ex := range examples {
				if err := ex.schema.VisitJSON(ex.value, ex.options()...); err != nil {
					t.Errorf("%s#%s: example does not match its schema: %v", file, ex.pointer, err)
				}
			}
		})
	}
}

func loadOpenAPI(t *testing.T, file string) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromFile(file)
	if err != nil {
		t.Fatalf("%s: load: %v", file, err)
	}
	if doc.OpenAPI != wantOpenAPIVersion {
		t.Errorf("%s#/openapi: got %q, want %q", file, doc.OpenAPI, wantOpenAPIVersion)
	}
	// Not fatal: the example check below names the JSON pointer of a bad example,
	// which Validate's message does not.
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("%s: invalid OpenAPI document: %v", file, err)
	}
	return doc
}

func TestAsyncAPISpecs(t *testing.T) {
	for _, file := range specFiles(t, "*.asyncapi.yaml") {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var parsed asyncapi.AsyncAPI
			if err := parsed.UnmarshalYAML(data); err != nil {
				t.Fatalf("%s: swaggest/go-asyncapi spec-2.1.0 cannot parse it: %v", file, err)
			}

			var raw any
			if err := yaml.Unmarshal(data, &raw); err != nil {
				t.Fatalf("%s: yaml: %v", file, err)
			}
			root, _ := raw.(map[string]any)
			if got, _ := root["asyncapi"].(string); got != wantAsyncAPIVersion {
				t.Errorf("%s#/asyncapi: got %v, want %q", file, root["asyncapi"], wantAsyncAPIVersion)
			}
			// swaggest does not resolve $refs, so check here that each one points
			// inside the document (the generator resolves them the same way).
			for _, ref := range localRefs(raw, "") {
				if ref.err != nil {
					t.Errorf("%s#%s: %v", file, ref.pointer, ref.err)
				} else if _, ok := resolvePointer(raw, ref.target); !ok {
					t.Errorf("%s#%s: $ref \"#%s\" does not resolve", file, ref.pointer, ref.target)
				}
			}
		})
	}
}

// example is one example value in an OpenAPI document and the schema it must satisfy.
type example struct {
	pointer string // JSON pointer of the example in the document
	value   any
	schema  *openapi3.Schema
	mode    visitMode
}

type visitMode int

const (
	visitAsSchema visitMode = iota // component schema: neither readOnly nor writeOnly applies
	visitAsRequest
	visitAsResponse
)

// uuidPattern backs format "uuid", which kin-openapi does not check by default.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (ex example) options() []openapi3.SchemaValidationOption {
	opts := []openapi3.SchemaValidationOption{
		openapi3.MultiErrors(),
		openapi3.DisableSchemaErrorDetails(), // the message names the pointer; skip the schema dump
		openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern.String())),
	}
	switch ex.mode {
	case visitAsRequest:
		opts = append(opts, openapi3.VisitAsRequest())
	case visitAsResponse:
		opts = append(opts, openapi3.VisitAsResponse())
	}
	return opts
}

// exampleCollector walks an OpenAPI document and records every example with the
// schema it belongs to. $ref'd objects are walked where they are defined, except
// example objects, which have no schema of their own and are checked where used.
type exampleCollector struct {
	examples []example
}

func openAPIExamples(doc *openapi3.T) []example {
	c := &exampleCollector{}
	if comp := doc.Components; comp != nil {
		for _, name := range sortedKeys(comp.Schemas) {
			c.schema(ptr("/components/schemas", name), comp.Schemas[name], visitAsSchema)
		}
		for _, name := range sortedKeys(comp.Parameters) {
			c.parameter(ptr("/components/parameters", name), comp.Parameters[name])
		}
		for _, name := range sortedKeys(comp.Headers) {
			if h := comp.Headers[name]; h.Ref == "" && h.Value != nil {
				c.parameterValue(ptr("/components/headers", name), &h.Value.Parameter, visitAsResponse)
			}
		}
		for _, name := range sortedKeys(comp.RequestBodies) {
			if rb := comp.RequestBodies[name]; rb.Ref == "" && rb.Value != nil {
				c.content(ptr("/components/requestBodies", name)+"/content", rb.Value.Content, visitAsRequest)
			}
		}
		for _, name := range sortedKeys(comp.Responses) {
			c.response(ptr("/components/responses", name), comp.Responses[name])
		}
	}
	if doc.Paths != nil {
		paths := doc.Paths.Map()
		for _, path := range sortedKeys(paths) {
			c.pathItem(ptr("/paths", path), paths[path])
		}
	}
	return c.examples
}

func (c *exampleCollector) pathItem(at string, item *openapi3.PathItem) {
	for i, p := range item.Parameters {
		c.parameter(at+"/parameters/"+strconv.Itoa(i), p)
	}
	ops := item.Operations()
	for _, method := range sortedKeys(ops) {
		op, opAt := ops[method], ptr(at, strings.ToLower(method))
		for i, p := range op.Parameters {
			c.parameter(opAt+"/parameters/"+strconv.Itoa(i), p)
		}
		if rb := op.RequestBody; rb != nil && rb.Ref == "" && rb.Value != nil {
			c.content(opAt+"/requestBody/content", rb.Value.Content, visitAsRequest)
		}
		if op.Responses != nil {
			responses := op.Responses.Map()
			for _, status := range sortedKeys(responses) {
				c.response(ptr(opAt+"/responses", status), responses[status])
			}
		}
	}
}

func (c *exampleCollector) response(at string, ref *openapi3.ResponseRef) {
	if ref == nil || ref.Ref != "" || ref.Value == nil {
		return
	}
	for _, name := range sortedKeys(ref.Value.Headers) {
		if h := ref.Value.Headers[name]; h.Ref == "" && h.Value != nil {
			c.parameterValue(ptr(at+"/headers", name), &h.Value.Parameter, visitAsResponse)
		}
	}
	c.content(at+"/content", ref.Value.Content, visitAsResponse)
}

func (c *exampleCollector) parameter(at string, ref *openapi3.ParameterRef) {
	if ref == nil || ref.Ref != "" || ref.Value == nil {
		return
	}
	c.parameterValue(at, ref.Value, visitAsRequest)
}

func (c *exampleCollector) parameterValue(at string, p *openapi3.Parameter, mode visitMode) {
	if p.Schema != nil {
		c.schema(at+"/schema", p.Schema, mode)
		c.exampleAndExamples(at, p.Schema.Value, p.Example, p.Examples, mode)
	}
	c.content(at+"/content", p.Content, mode)
}

func (c *exampleCollector) content(at string, content openapi3.Content, mode visitMode) {
	for _, mediaType := range sortedKeys(content) {
		mt, mtAt := content[mediaType], ptr(at, mediaType)
		if mt == nil || mt.Schema == nil {
			continue
		}
		c.schema(mtAt+"/schema", mt.Schema, mode)
		c.exampleAndExamples(mtAt, mt.Schema.Value, mt.Example, mt.Examples, mode)
	}
}

func (c *exampleCollector) exampleAndExamples(at string, schema *openapi3.Schema, single any, named openapi3.Examples, mode visitMode) {
	if schema == nil {
		return
	}
	if single != nil {
		c.add(at+"/example", single, schema, mode)
	}
	for _, name := range sortedKeys(named) {
		ex := named[name]
		if ex == nil || ex.Value == nil || ex.Value.ExternalValue != "" {
			continue
		}
		exAt := ptr(at+"/examples", name) + "/value"
		if ex.Ref != "" {
			exAt += " (" + ex.Ref + ")"
		}
		c.add(exAt, ex.Value.Value, schema, mode)
	}
}

func (c *exampleCollector) schema(at string, ref *openapi3.SchemaRef, mode visitMode) {
	if ref == nil || ref.Ref != "" || ref.Value == nil {
		return
	}
	s := ref.Value
	if s.Example != nil {
		c.add(at+"/example", s.Example, s, mode)
	}
	for _, name := range sortedKeys(s.Properties) {
		c.schema(ptr(at+"/properties", name), s.Properties[name], mode)
	}
	c.schema(at+"/items", s.Items, mode)
	c.schema(at+"/additionalProperties", s.AdditionalProperties.Schema, mode)
	c.schema(at+"/not", s.Not, mode)
	for i, sub := range s.AllOf {
		c.schema(at+"/allOf/"+strconv.Itoa(i), sub, mode)
	}
	for i, sub := range s.AnyOf {
		c.schema(at+"/anyOf/"+strconv.Itoa(i), sub, mode)
	}
	for i, sub := range s.OneOf {
		c.schema(at+"/oneOf/"+strconv.Itoa(i), sub, mode)
	}
}

func (c *exampleCollector) add(at string, value any, schema *openapi3.Schema, mode visitMode) {
	c.examples = append(c.examples, example{pointer: at, value: value, schema: schema, mode: mode})
}

// ptr appends one escaped reference token (RFC 6901) to a JSON pointer.
func ptr(base, token string) string {
	return base + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type localRef struct {
	pointer string // where the $ref is
	target  string // the pointer it names, without the leading '#'
	err     error
}

// localRefs finds every $ref in a decoded YAML document; only same-document
// references ("#/...") are allowed.
func localRefs(node any, at string) []localRef {
	var refs []localRef
	switch n := node.(type) {
	case map[any]any: // a mapping with a non-string key, e.g. an unquoted close code
		return localRefs(stringKeys(n), at)
	case map[string]any:
		for _, key := range sortedKeys(n) {
			if key == "$ref" {
				s, _ := n[key].(string)
				if target, ok := strings.CutPrefix(s, "#"); ok {
					refs = append(refs, localRef{pointer: at, target: target})
				} else {
					refs = append(refs, localRef{pointer: at, err: fmt.Errorf("external or malformed $ref %q (only #/... is allowed)", s)})
				}
				continue
			}
			refs = append(refs, localRefs(n[key], ptr(at, key))...)
		}
	case []any:
		for i, v := range n {
			refs = append(refs, localRefs(v, at+"/"+strconv.Itoa(i))...)
		}
	}
	return refs
}

// resolvePointer follows an RFC 6901 JSON pointer through a decoded YAML document.
func resolvePointer(doc any, pointer string) (any, bool) {
	if pointer == "" {
		return doc, true
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil, false
	}
	node := doc
	for _, token := range strings.Split(pointer[1:], "/") {
		token = strings.NewReplacer("~1", "/", "~0", "~").Replace(token)
		if m, ok := node.(map[any]any); ok {
			node = stringKeys(m)
		}
		switch n := node.(type) {
		case map[string]any:
			next, ok := n[token]
			if !ok {
				return nil, false
			}
			node = next
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			node = n[i]
		default:
			return nil, false
		}
	}
	return node, true
}

func stringKeys(m map[any]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[fmt.Sprint(k)] = v
	}
	return out
}

// TestNULPatternsAreTheSharedOnes: a pattern about NUL is worded for
// clients only when it is exactly one of storedtext's (the validators map
// those to "must not contain the NUL character U+0000").
func TestNULPatternsAreTheSharedOnes(t *testing.T) {
	patternLine := regexp.MustCompile(`^\s*pattern: '(.*)'\s*$`)
	found := 0
	for _, file := range specFiles(t, "*.yaml") {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(raw), "\n") {
			m := patternLine.FindStringSubmatch(line)
			if m == nil || !strings.Contains(m[1], `\x00`) {
				continue
			}
			found++
			if _, ok := storedtext.Reason(m[1]); !ok {
				t.Errorf("%s:%d: NUL pattern %s is not one of internal/platform/storedtext's", file, i+1, m[1])
			}
		}
	}
	if found == 0 {
		t.Fatal("no NUL pattern in any spec; the stored-text rule is not stated")
	}
}
