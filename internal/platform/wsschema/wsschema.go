// Package wsschema validates inbound WebSocket frames against the JSON
// schemas generated from the AsyncAPI specs, and words each failure the way
// the specs document it ("Missing required field: data.scenarioId").
package wsschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/bytedance/sonic"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/sessionhub/server/internal/platform/fielderr"
	"github.com/sessionhub/server/internal/platform/storedtext"
)

// ErrInvalidJSON means the frame is not a JSON document.
var ErrInvalidJSON = errors.New("invalid JSON")

// Problem says why a frame does not match its message schema. Message is
// safe to send to the client: it never echoes the offending value.
type Problem struct {
	Field   string // dotted path of the offending field, empty for the whole frame
	Message string
}

func (p *Problem) Error() string { return p.Message }

// Validator holds the compiled schemas of one spec's messages.
type Validator struct {
	schemas map[string]*jsonschema.Schema
}

// SchemaSource is the generated MessageSchema function of a spec package.
type SchemaSource func(name string) ([]byte, bool)

// Compile compiles the schemas of the named messages.
func Compile(source SchemaSource, names ...string) (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	v := &Validator{schemas: make(map[string]*jsonschema.Schema, len(names))}
	for _, name := range names {
		raw, ok := source(name)
		if !ok {
			return nil, fmt.Errorf("no schema for message %q", name)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("schema of %q: %w", name, err)
		}
		url := "mem:///" + name + ".json"
		if err := c.AddResource(url, doc); err != nil {
			return nil, fmt.Errorf("schema of %q: %w", name, err)
		}
		if v.schemas[name], err = c.Compile(url); err != nil {
			return nil, fmt.Errorf("compile schema of %q: %w", name, err)
		}
	}
	return v, nil
}

// frameJSON decodes frames into the generic form exactly as encoding/json
// with UseNumber does (FuzzDecodeMatchesEncodingJSON holds them equal), at
// a fraction of its cost and garbage: every inbound frame of every socket
// passes through it. ValidateString refuses raw control characters in
// strings, as encoding/json does; CopyString keeps the decoded strings
// from pinning the frame.
var frameJSON = sonic.Config{UseNumber: true, ValidateString: true, CopyString: true}.Froze()

// Decode parses a frame into the generic form Validate takes (numbers are
// kept exact as json.Number, which point into the frame: it must not change
// while the result is in use).
func Decode(frame []byte) (any, error) {
	var doc any
	if err := frameJSON.UnmarshalFromString(view(frame), &doc); err != nil {
		return nil, ErrInvalidJSON
	}
	return doc, nil
}

// Validate checks a decoded frame against the named message's schema.
func (v *Validator) Validate(name string, frame any) *Problem {
	schema, ok := v.schemas[name]
	if !ok {
		return &Problem{Message: "Unknown message: " + name}
	}
	err := schema.Validate(frame)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return &Problem{Message: "Invalid message"}
	}
	return describe(firstLeaf(verr))
}

// firstLeaf follows the first cause down to the most specific failure.
func firstLeaf(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	for len(e.Causes) > 0 {
		e = e.Causes[0]
	}
	return e
}

func describe(e *jsonschema.ValidationError) *Problem {
	field := strings.Join(e.InstanceLocation, ".")
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		missing := joinPath(field, k.Missing[0])
		return &Problem{Field: missing, Message: "Missing required field: " + missing}
	case *kind.AdditionalProperties:
		unknown := joinPath(field, k.Properties[0])
		return &Problem{Field: unknown, Message: "Unknown field: " + unknown}
	}
	if field == "" {
		return &Problem{Message: "Invalid message (" + reason(e.ErrorKind) + ")"}
	}
	return &Problem{Field: field, Message: fielderr.Message(field, reason(e.ErrorKind))}
}

func reason(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return "must be " + article(strings.Join(k.Want, " or "))
	case *kind.Enum:
		return "must be one of " + joinValues(k.Want)
	case *kind.Const:
		return "must be " + fmt.Sprint(k.Want)
	case *kind.Format:
		return "must be a valid " + k.Want
	case *kind.MinLength:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must be at least %d characters", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters", k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items", k.Want)
	case *kind.UniqueItems:
		return "must not contain duplicates"
	case *kind.Minimum:
		return "must be at least " + ratString(k.Want)
	case *kind.Maximum:
		return "must be at most " + ratString(k.Want)
	case *kind.ExclusiveMinimum:
		return "must be greater than " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return "must be less than " + ratString(k.Want)
	case *kind.Pattern:
		if r, ok := storedtext.Reason(k.Want); ok {
			return r
		}
		return "has an invalid format"
	default:
		return "is invalid"
	}
}

func joinPath(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

func joinValues(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

func article(typ string) string {
	switch {
	case typ == "integer" || typ == "object" || typ == "array":
		return "an " + typ
	default:
		return "a " + typ
	}
}

// ratString writes a schema bound as people read it: whole numbers as
// integers, fractions with six decimals, and bounds too large for that (the
// float64 range's ends, ±1.7976931348623157e+308) in float notation.
func ratString(r *big.Rat) string {
	switch {
	case r.IsInt() && r.Num().IsInt64():
		return r.Num().String()
	case r.Num().BitLen() > 64:
		f, _ := r.Float64()
		return strconv.FormatFloat(f, 'g', -1, 64)
	case r.IsInt():
		return r.Num().String()
	default:
		return r.FloatString(6)
	}
}

// Unmarshal fills v (a generated message struct) from a frame that passed
// Validate. JSON Schema and Go types disagree at the edges: 10.0 is a JSON
// Schema integer but not a Go int, and 1e999 is a JSON number but no
// float64. Such a value is the client's mistake, so it becomes a Problem
// naming the field, never an internal error.
//
// A frame is decoded with sonic in encoding/json's configuration
// (FuzzTypedDecodeMatchesEncodingJSON holds the two equal on every
// message type); one it refuses is decoded again with encoding/json, whose
// errors name the field. Audio frames spend most of their decoding in
// encoding/json's scan of the base64 string otherwise.
func Unmarshal(frame []byte, v any) error {
	if sonic.ConfigStd.UnmarshalFromString(view(frame), v) == nil {
		return nil
	}
	err := json.Unmarshal(frame, v)
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		return err
	}
	field, want := typeErr.Field, "must be a number a 64-bit float can hold"
	switch typeErr.Type.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "must be an integer"
	case reflect.Float32, reflect.Float64:
	default:
		want = "has the wrong type"
	}
	return &Problem{Field: field, Message: fielderr.Message(field, want)}
}

// view is frame as a string, without the copy sonic's []byte entry points
// make of every inbound frame (an audio frame is up to the read limit).
// Nothing modifies a frame once read: wsconn hands each message to its
// handler in a buffer of its own, and the decoders copy every string out
// (CopyString), so only Decode's json.Number values share its bytes.
func view(frame []byte) string { return unsafe.String(unsafe.SliceData(frame), len(frame)) }

// Envelope is a decoded frame and the value of its discriminator field
// (`command`, `event`, ...), which names the message it claims to be.
type Envelope struct {
	Doc  any    // the decoded frame, for Validate
	Name string // the discriminator's value
}

// Open decodes a frame and reads its discriminator field. It fails with
// ErrInvalidJSON, or with a *Problem worded as every API documents it when
// the frame is not an object or the field is missing or not a string; the
// returned Envelope then still carries what could be decoded.
func Open(frame []byte, field string) (Envelope, error) {
	doc, err := Decode(frame)
	if err != nil {
		return Envelope{}, err
	}
	env := Envelope{Doc: doc}
	obj, ok := doc.(map[string]any)
	if !ok {
		return env, &Problem{Message: "Invalid message (must be a JSON object)"}
	}
	raw, present := obj[field]
	name, isString := raw.(string)
	switch {
	case !present:
		return env, &Problem{Field: field, Message: "Missing required field: " + field}
	case !isString:
		return env, &Problem{Field: field, Message: fielderr.Message(field, "must be a string")}
	}
	env.Name = name
	return env, nil
}
