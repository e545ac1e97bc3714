package therapy_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"iter"
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
	s := f.session(t, therapy.NewSession{Title: "uploads"})
	upload := func(kind string, body []byte) (therapy.Content, error) {
		c, _, err := f.svc.Upload(ctx, "alice", s.ID, uploadForm(kind, "../../etc/notes.txt", bytes.NewReader(body)))
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

// Minimal file heads with the signatures real recorders write.
var (
	mp4Video = append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 64)...)
	m4aAudio = append([]byte("\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42"), make([]byte, 64)...)
	webm     = append([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"), make([]byte, 64)...)
	oggOpus  = append([]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"), make([]byte, 64)...)
	png      = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
)

// The seed's Python client uploads a file with no type part; its
// TypeScript client sends an empty one when the browser does not know the
// file's MIME type. Both leave the type to the bytes.
func TestUploadInfersAMissingType(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	s := f.session(t, therapy.NewSession{Title: "inferred"})
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"UTF-8 notes", []byte("I have been anxious about work. caf\xc3\xa9"), "text"},
		{"notes that start like a WAV", []byte("RIFF1234WAVE and then plain words"), "text"},
		{"WAV", wav(), "audio"},
		{"M4A", m4aAudio, "audio"},
		{"Ogg Opus", oggOpus, "audio"},
		{"MP4", mp4Video, "video"},
		{"WebM", webm, "video"},
	} {
		c, _, err := f.svc.Upload(ctx, "alice", s.ID, uploadForm("", "upload", bytes.NewReader(tc.body)))
		if err != nil || c.Type != tc.want {
			t.Errorf("%s without a type: stored as %q (%v), want %q", tc.name, c.Type, err, tc.want)
		}
	}

	// Bytes that are none of the three: the client is told to send type,
	// and nothing is kept.
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"PNG", png},
		{"text with NUL", []byte("abc\x00def")},
		{"Latin-1 text", []byte("caf\xe9 cr\xe8me")},
	} {
		_, _, err := f.svc.Upload(ctx, "alice", s.ID, uploadForm("", "upload", bytes.NewReader(tc.body)))
		var v *therapy.ValidationError
		if !errors.As(err, &v) || v.Field != "type" || !strings.HasPrefix(v.Message, "type is required: ") || !strings.Contains(v.Message, "send type: audio, video or text") {
			t.Errorf("%s without a type: %v, want a validation error on type telling the client to send it", tc.name, err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(f.dir, s.ID))
	if len(entries) != 7 {
		t.Errorf("files in the session folder: %d, want only the 7 accepted uploads", len(entries))
	}

	// A given type still wins over inference and is still checked.
	for _, tc := range []struct {
		kind  string
		body  []byte
		field string // the field refused, "" when accepted as kind
	}{
		{"audio", webm, ""},     // inferred as video, but may hold audio only
		{"video", m4aAudio, ""}, // inferred as audio, but an MP4 container
		{"audio", []byte("plain words"), "type"},
	} {
		c, _, err := f.svc.Upload(ctx, "alice", s.ID, uploadForm(tc.kind, "upload", bytes.NewReader(tc.body)))
		var v *therapy.ValidationError
		switch {
		case tc.field != "" && (!errors.As(err, &v) || v.Field != tc.field):
			t.Errorf("%s declared for %.12q: %v, want a validation error on %s", tc.kind, tc.body, err, tc.field)
		case tc.field == "" && (err != nil || c.Type != tc.kind):
			t.Errorf("%s declared for %.12q: stored as %q (%v), want %q", tc.kind, tc.body, c.Type, err, tc.kind)
		}
	}
}

// TestUploadFormRules: the form holds one file part and at most one type
// part, nothing else; a refused form leaves nothing on disk, and a session
// that is not the caller's is refused before any part is read.
func TestUploadFormRules(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	s := f.session(t, therapy.NewSession{Title: "forms"})
	part := func(name, body string) therapy.UploadPart {
		return therapy.UploadPart{Name: name, Filename: "notes.txt", Body: strings.NewReader(body)}
	}
	for _, tc := range []struct {
		name         string
		parts        []therapy.UploadPart
		field, about string
	}{
		{"no file", []therapy.UploadPart{part("type", "text")}, "file", "file is required"},
		{"two files", []therapy.UploadPart{part("file", "one"), part("file", "two")}, "file", "file must be sent only once"},
		{"two types", []therapy.UploadPart{part("type", "text"), part("type", "text"), part("file", "x")}, "type", "type must be sent only once"},
		{"another part", []therapy.UploadPart{part("file", "notes"), part("title", "x")}, "title", "title is not a part of this form (only file and type are)"},
		{"an unnamed part", []therapy.UploadPart{part("", "x")}, "(unnamed part)", "(unnamed part) is not a part of this form (only file and type are)"},
	} {
		_, _, err := f.svc.Upload(ctx, "alice", s.ID, partsOf(tc.parts))
		var v *therapy.ValidationError
		if !errors.As(err, &v) || v.Field != tc.field || v.Message != tc.about {
			t.Errorf("%s: %v, want a validation error on %s: %q", tc.name, err, tc.field, tc.about)
		}
	}
	formFailed := errors.New("the form could not be read")
	broken := func(yield func(therapy.UploadPart, error) bool) {
		if yield(part("file", "half a file"), nil) {
			yield(therapy.UploadPart{}, formFailed)
		}
	}
	if _, _, err := f.svc.Upload(ctx, "alice", s.ID, broken); !errors.Is(err, formFailed) {
		t.Errorf("a form that fails after its file: %v, want the form's error", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(f.dir, s.ID)); len(entries) != 0 {
		t.Errorf("files left in the session folder after refused forms: %d, want none", len(entries))
	}

	read := false
	unread := func(yield func(therapy.UploadPart, error) bool) {
		read = true
		yield(part("file", "notes"), nil)
	}
	if _, _, err := f.svc.Upload(ctx, "bob", s.ID, unread); !errors.Is(err, therapy.ErrNotFound) || read {
		t.Errorf("upload to another user's session: %v (form read: %v), want ErrNotFound before reading", err, read)
	}
}

func partsOf(parts []therapy.UploadPart) iter.Seq2[therapy.UploadPart, error] {
	return func(yield func(therapy.UploadPart, error) bool) {
		for _, p := range parts {
			if !yield(p, nil) {
				return
			}
		}
	}
}
