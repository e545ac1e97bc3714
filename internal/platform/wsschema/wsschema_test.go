package wsschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/sessionhub/server/gen/wsclient"
	"github.com/sessionhub/server/internal/platform/wsschema/wsschematest"
)

// testSchema is testdata/<name>.schema.json: create is a command with data;
// register is a client message whose discriminator value (Register) is not
// its message name (register), as in the decisions API.
func testSchema(t *testing.T, name string) []byte {
	t.Helper()
	schema, err := os.ReadFile(filepath.Join("testdata", name+".schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return schema
}

func TestValidateWordsEachFailure(t *testing.T) {
	v, err := Compile(func(string) ([]byte, bool) { return testSchema(t, "create"), true }, "create")
	if err != nil {
		t.Fatal(err)
	}
	const id = `"id": "0b7d8a2e-6b0c-4d6f-9d4e-9a1f8a1c3b5d"`
	tests := map[string]string{
		`{"command": "create", "data": {` + id + `, "status": "running"}}`: "",
		`{"command": "create"}`:                                                             "Missing required field: data",
		`{"command": "create", "data": {` + id + `}}`:                                       "Missing required field: data.status",
		`{"command": "create", "data": {` + id + `, "status": "done"}}`:                     "Invalid value for field: data.status (must be one of running, paused)",
		`{"command": "create", "data": {"id": "x", "status": "running"}}`:                   "Invalid value for field: data.id (must be a valid uuid)",
		`{"command": "create", "data": {` + id + `, "status": "running", "name": ""}}`:      "Invalid value for field: data.name (must not be empty)",
		`{"command": "create", "data": {` + id + `, "status": "running", "name": "abcd"}}`:  "Invalid value for field: data.name (must be at most 3 characters)",
		`{"command": "create", "data": {` + id + `, "status": "running", "score": "high"}}`: "Invalid value for field: data.score (must be a number)",
		`{"command": "create", "data": {` + id + `, "status": "running", "score": -1}}`:     "Invalid value for field: data.score (must be at least 0)",
		`{"command": "create", "data": {` + id + `, "status": "running", "extra": 1}}`:      "Unknown field: data.extra",
		`{"command": "create", "data": {` + id + `, "status": "running", "score": 1e999}}`:  "Invalid value for field: data.score (must be at most 1.7976931348623157e+308)",
	}
	for frame, want := range tests {
		doc, err := Decode([]byte(frame))
		if err != nil {
			t.Fatalf("decode %s: %v", frame, err)
		}
		p := v.Validate("create", doc)
		switch {
		case want == "" && p != nil:
			t.Errorf("%s: unexpected problem %q", frame, p.Message)
		case want != "" && (p == nil || p.Message != want):
			t.Errorf("%s: problem = %v, want %q", frame, p, want)
		}
	}
}

func TestUnmarshalNamesValuesGoCannotHold(t *testing.T) {
	var frame struct {
		Data struct {
			Score *float64 `json:"score"`
			Limit *int64   `json:"limit"`
		} `json:"data"`
	}
	tests := map[string]string{
		`{"data": {"score": 1e999}}`:  "Invalid value for field: data.score (must be a number a 64-bit float can hold)",
		`{"data": {"score": -1e999}}`: "Invalid value for field: data.score (must be a number a 64-bit float can hold)",
		`{"data": {"limit": 10.0}}`:   "Invalid value for field: data.limit (must be an integer)",
		`{"data": {"limit": 1e30}}`:   "Invalid value for field: data.limit (must be an integer)",
	}
	for in, want := range tests {
		err := Unmarshal([]byte(in), &frame)
		var p *Problem
		if !errors.As(err, &p) || p.Message != want {
			t.Errorf("Unmarshal(%s) = %v, want the problem %q", in, err, want)
		}
	}
	if err := Unmarshal([]byte(`{"data": {"score": 1.7976931348623157e308, "limit": 7}}`), &frame); err != nil || *frame.Data.Limit != 7 {
		t.Fatalf("Unmarshal of values that fit = %v (limit %v), want them stored", err, frame.Data.Limit)
	}
}

func TestDecodeRejectsNonJSON(t *testing.T) {
	for _, frame := range []string{`{"a":`, ``, `nope`} {
		if _, err := Decode([]byte(frame)); err != ErrInvalidJSON {
			t.Errorf("Decode(%q) err = %v, want ErrInvalidJSON", frame, err)
		}
	}
}

func TestOpenReadsTheDiscriminator(t *testing.T) {
	tests := map[string]struct{ name, problem string }{
		`{"command": "create", "data": {}}`: {name: "create"},
		`["create"]`:                        {problem: "Invalid message (must be a JSON object)"},
		`{"data": {}}`:                      {problem: "Missing required field: command"},
		`{"command": 7}`:                    {problem: "Invalid value for field: command (must be a string)"},
	}
	for frame, want := range tests {
		env, err := Open([]byte(frame), "command")
		var p *Problem
		switch {
		case want.problem == "" && (err != nil || env.Name != want.name):
			t.Errorf("Open(%s) = %q, %v; want %q", frame, env.Name, err, want.name)
		case want.problem != "" && (!errors.As(err, &p) || p.Message != want.problem):
			t.Errorf("Open(%s) err = %v; want problem %q", frame, err, want.problem)
		}
	}
	if _, err := Open([]byte(`{"command":`), "command"); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("Open(truncated) err = %v, want ErrInvalidJSON", err)
	}
}

// FuzzDecodeMatchesEncodingJSON holds Decode to the generic form the
// schema library's own reader (encoding/json with UseNumber) gives: the same
// tree for every document it accepts, a refusal for every one it refuses.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"command":"create","data":{"id":"x","n":1.50,"big":123456789012345678901234567890,"e":-2e-3}}`,
		`[1,"two",null,true,false,{"a":[]}]`, `  {"a":"\u00e9\ud83d\ude00\n"}  `, `{"a":1,"a":2}`,
		`{"a":"` + "\xff" + `"}`, `{"a":"` + "\x01" + `"}`, `{"a":1}x`, `{"a":1} {}`, ``, `nul`, `"\ud800"`,
		`1e999`, `-0`, `{"a":01}`, `{"a" 1}`, `[1,]`, `{"a":"\/\b\f\r\t"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		want, wantErr := jsonschema.UnmarshalJSON(bytes.NewReader(frame))
		got, err := Decode(frame)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("Decode(%q) error %v, encoding/json error %v", frame, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%q) = %#v, encoding/json gives %#v", frame, got, want)
		}
	})
}

// FuzzTypedDecodeMatchesEncodingJSON holds Unmarshal's fast path to
// encoding/json on every client message type of every spec: the same
// payload for every frame encoding/json decodes, a refusal for every one it
// refuses. Unmarshal is given only JSON documents (Decode has read the
// frame before); sonic does not check the values of fields it skips.
func FuzzTypedDecodeMatchesEncodingJSON(f *testing.F) {
	var messages []wsclient.MessageInfo
	for _, m := range wsschematest.Messages() {
		if m.Direction == wsclient.DirectionClient {
			messages = append(messages, m)
		}
	}
	for i, m := range messages {
		for _, example := range m.Examples {
			f.Add(uint8(i), []byte(example))
		}
		f.Add(uint8(i), []byte(`{"command":1.5,"data":{"limit":10.0,"sampleRate":"x"},"timestamp":1e999}`))
	}
	f.Fuzz(func(t *testing.T, which uint8, frame []byte) {
		if !json.Valid(frame) {
			return
		}
		m := messages[int(which)%len(messages)]
		want, got := m.NewPayload(), m.NewPayload()
		wantErr := json.Unmarshal(frame, want)
		err := Unmarshal(frame, got)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: Unmarshal(%q) error %v, encoding/json error %v", m.Name, frame, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Unmarshal(%q) = %+v, encoding/json gives %+v", m.Name, frame, got, want)
		}
	})
}
