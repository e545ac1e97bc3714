package therapy_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/therapy"
)

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

// wav is a minimal valid WAV file (header and a little silence).
func wav() []byte {
	var b bytes.Buffer
	data := make([]byte, 1600)
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	_ = binary.Write(&b, binary.LittleEndian, []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)})
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestUploadLimitsAndTypes(t *testing.T) {
	const limit = 4096
	f := newFixture(t, limit)
	ctx := context.Background()
	s, err := f.svc.Create(ctx, "alice", therapy.NewSession{Title: "uploads"})
	if err != nil {
		t.Fatal(err)
	}
	upload := func(kind string, body []byte) (therapy.Content, error) {
		staged, err := f.svc.StageUpload(context.Background(), "alice", s.ID, bytes.NewReader(body))
		if err != nil {
			return therapy.Content{}, err
		}
		c, _, err := f.svc.AddUpload(ctx, "alice", s.ID, therapy.NewUpload{Type: kind, Filename: "../../etc/notes.txt", File: staged})
		return c, err
	}

	// Exactly at the limit is accepted; one byte more is refused, and
	// nothing of it is left on disk.
	atLimit := bytes.Repeat([]byte("a"), limit)
	c, err := upload("text", atLimit)
	if err != nil || c.Size != limit || c.Filename != "notes.txt" {
		t.Fatalf("upload at the limit: %+v %v", c, err)
	}
	_, err = upload("text", append(atLimit, 'b'))
	var tooLarge *therapy.TooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Limit != limit {
		t.Fatalf("upload over the limit: %v, want TooLargeError", err)
	}
	entries, _ := os.ReadDir(filepath.Join(f.dir, s.ID))
	if len(entries) != 1 {
		t.Errorf("files in the session folder: %d, want only the accepted upload", len(entries))
	}

	for _, tc := range []struct {
		name, kind string
		body       []byte
		field      string
	}{
		{"empty file", "text", nil, "file"},
		{"text with NUL", "text", []byte("abc\x00def"), "type"},
		{"text that is not UTF-8", "text", []byte{0xff, 0xfe, 'a'}, "type"},
		{"audio that is text", "audio", []byte("just some words"), "type"},
		{"video that is audio", "video", wav(), "type"},
		{"unknown type", "image", []byte("x"), "type"},
	} {
		_, err := upload(tc.kind, tc.body)
		var v *therapy.ValidationError
		if !errors.As(err, &v) || v.Field != tc.field {
			t.Errorf("%s: %v, want a validation error naming %s", tc.name, err, tc.field)
		}
	}
	if _, err := upload("audio", wav()); err != nil {
		t.Errorf("a WAV file as audio: %v", err)
	}
	if _, err := upload("text", []byte("caf\xc3\xa9 ok")); err != nil {
		t.Errorf("UTF-8 text: %v", err)
	}
}
