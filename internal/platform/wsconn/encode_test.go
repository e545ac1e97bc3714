package wsconn

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/sessionhub/server/internal/platform/wsschema/wsschematest"
)

// FuzzEncodeMatchesEncodingJSON holds MarshalFrame to encoding/json's bytes
// on every message type of every spec: each input that encoding/json
// decodes into the type (the specs' examples are the seeds) must encode to
// the same bytes both ways.
func FuzzEncodeMatchesEncodingJSON(f *testing.F) {
	messages := wsschematest.Messages()
	// Text and numbers where encoders differ: HTML characters, U+2028,
	// a lone surrogate, a byte that is not UTF-8; exponents at both ends.
	const text = `"<tag> & \u2028 \ud800 ` + "\xff" + `"`
	const odd = `{"message":` + text + `,"notes":` + text + `,"content":` + text + `,"score":1e21,"timestamp":1e-7,` +
		`"data":{"message":` + text + `,"notes":` + text + `,"content":` + text + `,"score":123456789.123456789,"confidence":0.000001}}`
	for i, m := range messages {
		for _, example := range m.Examples {
			f.Add(uint8(i), []byte(example))
		}
		f.Add(uint8(i), []byte(odd))
	}
	f.Fuzz(func(t *testing.T, which uint8, frame []byte) {
		m := messages[int(which)%len(messages)]
		v := m.NewPayload()
		if json.Unmarshal(frame, v) != nil {
			return
		}
		want, wantErr := json.Marshal(v)
		got, err := MarshalFrame(v)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: MarshalFrame error %v, encoding/json error %v (from %q)", m.Name, err, wantErr, frame)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("%s: MarshalFrame gives\n%s\nencoding/json gives\n%s\n(from %q)", m.Name, got, want, frame)
		}
	})
}
