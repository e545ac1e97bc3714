package therapy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/storedtext"
)

// sniffBytes is how much of a file the type check looks at.
const sniffBytes = 3072

// stagedFile is an upload written to disk but not yet accepted.
type stagedFile struct {
	path string
	size int64
	head []byte
	text textCheck
}

// textCheck follows the whole stream: text must be UTF-8 without NUL.
type textCheck struct {
	valid   bool
	pending []byte // an incomplete rune at a chunk boundary
}

func (t *textCheck) feed(p []byte) {
	if !t.valid {
		return
	}
	buf := append(t.pending, p...)
	t.pending = nil
	for i := 0; i < len(buf); {
		if buf[i] == 0 {
			t.valid = false
			return
		}
		if buf[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(buf[i:])
		if r == utf8.RuneError && size == 1 {
			if !utf8.FullRune(buf[i:]) {
				t.pending = append([]byte(nil), buf[i:]...)
				return
			}
			t.valid = false
			return
		}
		i += size
	}
}

// UploadPart is one part of an upload form, in the order it came.
type UploadPart struct {
	Name     string // the form field
	Filename string // the name the client gave the file part
	Body     io.Reader
}

// uploadForm is what the parts of one upload said.
type uploadForm struct {
	kind     string // empty: not given, inferred from the bytes
	filename string
	file     *stagedFile
}

// maxTypeBytes bounds the type part, read as a short value.
const maxTypeBytes = 64

// Upload stores the file of an upload form as the caller's session's
// content and queues its analysis. The form holds one file part and at most
// one type part; without a type (or with an empty one) the bytes tell it.
// The file goes straight to disk while it streams in, and nothing of it is
// kept unless it is accepted.
func (s *Service) Upload(ctx context.Context, owner, sessionID string, parts iter.Seq2[UploadPart, error]) (Content, AnalysisState, error) {
	if err := s.Authorize(ctx, owner, sessionID); err != nil {
		return Content{}, AnalysisState{}, err
	}
	form := uploadForm{}
	defer func() {
		if form.file != nil {
			s.files.Remove(form.file.path) // gone already once accepted
		}
	}()
	if err := s.readUploadForm(ctx, owner, sessionID, parts, &form); err != nil {
		return Content{}, AnalysisState{}, err
	}
	return s.addUpload(ctx, owner, sessionID, form)
}

// readUploadForm reads the parts in order, staging the file part.
func (s *Service) readUploadForm(ctx context.Context, owner, sessionID string, parts iter.Seq2[UploadPart, error], form *uploadForm) error {
	haveType := false
	for part, err := range parts {
		if err != nil {
			return err
		}
		switch part.Name {
		case "file":
			if form.file != nil {
				return invalid("file", "must be sent only once")
			}
			form.filename = part.Filename
			form.file = &stagedFile{text: textCheck{valid: true}}
			if err := s.stage(ctx, owner, sessionID, part.Body, form.file); err != nil {
				return err
			}
		case "type":
			if haveType {
				return invalid("type", "must be sent only once")
			}
			haveType = true
			raw, err := io.ReadAll(io.LimitReader(part.Body, maxTypeBytes))
			if err != nil {
				return err
			}
			form.kind = strings.TrimSpace(string(raw))
		default:
			field := part.Name
			if field == "" {
				field = "(unnamed part)"
			}
			return &ValidationError{Field: field, Message: field + " is not a part of this form (only file and type are)"}
		}
	}
	if form.file == nil {
		return invalid("file", "is required")
	}
	return nil
}

// stage streams r into the session's folder, refusing it as soon as it
// passes the file limit (TooLargeError) or what is left of its owner's
// storage quota (QuotaError). The caller removes the staged file.
func (s *Service) stage(ctx context.Context, owner, sessionID string, r io.Reader, staged *stagedFile) error {
	fileLimit, tooLarge := s.limits.MaxFileBytes, error(&TooLargeError{Field: "file", Limit: s.limits.MaxFileBytes})
	if quota := s.limits.OwnerQuotaBytes; quota > 0 {
		stored, err := s.store.StoredBytes(ctx, owner)
		if err != nil {
			return err
		}
		if left := quota - stored; left < fileLimit {
			fileLimit, tooLarge = max(left, 0), &QuotaError{Field: "file", Limit: quota, Stored: stored}
		}
	}
	dir := s.files.sessionDir(sessionID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create session directory: %w", err)
	}
	out, err := os.CreateTemp(dir, "upload-*.part")
	if err != nil {
		return fmt.Errorf("create upload file: %w", err)
	}
	staged.path = out.Name()
	err = staged.fill(out, r, fileLimit, tooLarge)
	if closeErr := out.Close(); err == nil && closeErr != nil {
		err = fmt.Errorf("close upload: %w", closeErr)
	}
	return err
}

// fill copies r to out, following the size, the head and the text check.
func (f *stagedFile) fill(out io.Writer, r io.Reader, limit int64, tooLarge error) error {
	buf := make([]byte, 32<<10)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			f.size += int64(n)
			if f.size > limit {
				return tooLarge
			}
			if len(f.head) < sniffBytes {
				f.head = append(f.head, chunk[:min(n, sniffBytes-len(f.head))]...)
			}
			f.text.feed(chunk)
			if _, err := out.Write(chunk); err != nil {
				return fmt.Errorf("write upload: %w", err)
			}
		}
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

// addUpload accepts a staged file: its bytes must match its type, or,
// without a type, tell it. The content is stored and its analysis job
// queued.
func (s *Service) addUpload(ctx context.Context, owner, sessionID string, form uploadForm) (Content, AnalysisState, error) {
	if form.file.size == 0 {
		return Content{}, AnalysisState{}, invalid("file", "must not be empty")
	}
	if !storedtext.Valid(form.filename) {
		// Stored as the upload's filename; the multipart header (RFC 2231's
		// filename*=UTF-8''a%00b) can carry a NUL that no schema sees.
		return Content{}, AnalysisState{}, invalid("file", "name %s", storedtext.NoNULReason)
	}
	kind, err := uploadKind(form.kind, *form.file)
	if err != nil {
		return Content{}, AnalysisState{}, err
	}
	c := Content{
		ID: uuid.NewString(), SessionID: sessionID, Owner: owner, Type: kind,
		Filename: cleanFilename(form.filename), Size: form.file.size, CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	c.Path = filepath.Join(s.files.sessionDir(sessionID), c.ID)
	if err := os.Rename(form.file.path, c.Path); err != nil {
		return Content{}, AnalysisState{}, fmt.Errorf("store upload: %w", err)
	}
	state, err := s.store.AddContent(ctx, c, s.storageCheck("file", c.Size))
	if err != nil {
		s.files.Remove(c.Path)
		return Content{}, AnalysisState{}, err
	}
	s.events.jobQueued(ctx)
	return c, state, nil
}

// uploadKind is the content's type: the declared one when the bytes match
// it, else the one the bytes tell. A declared type is never overridden: a
// client that says audio and sends text made a mistake worth reporting.
func uploadKind(declared string, f stagedFile) (string, error) {
	if declared != "" {
		return declared, checkKind(declared, f)
	}
	if kind, ok := inferKind(f); ok {
		return kind, nil
	}
	return "", invalid("type", "is required: the file is not recognisable as audio, video or text (send type: audio, video or text)")
}

// inferKind tells the type from the bytes. Text comes first: real audio and
// video always hold NUL bytes or invalid UTF-8, while notes that happen to
// start like a media signature are still notes. Otherwise the recognised
// format's own family decides, so a container that may hold either (MP4,
// WebM, Matroska) goes by what the detector names it; an Ogg stream whose
// codec it does not name is audio, as Ogg video (Theora) is named.
// Every answer passes checkKind.
func inferKind(f stagedFile) (string, bool) {
	if f.isText() {
		return ContentText, true
	}
	detected := mimetype.Detect(f.head).String()
	switch {
	case strings.HasPrefix(detected, "audio/"), detected == "application/ogg":
		return ContentAudio, true
	case strings.HasPrefix(detected, "video/"):
		return ContentVideo, true
	}
	return "", false
}

// isText: the whole file is UTF-8 without NUL, its last rune complete.
func (f stagedFile) isText() bool {
	return f.text.valid && len(f.text.pending) == 0
}

// checkKind compares the declared type with what the bytes are.
func checkKind(kind string, f stagedFile) error {
	detected := mimetype.Detect(f.head)
	switch kind {
	case ContentText:
		if f.isText() {
			return nil
		}
	case ContentAudio:
		for m := detected; m != nil; m = m.Parent() {
			if strings.HasPrefix(m.String(), "audio/") || isContainer(m.String()) {
				return nil
			}
		}
	case ContentVideo:
		for m := detected; m != nil; m = m.Parent() {
			if strings.HasPrefix(m.String(), "video/") || isContainer(m.String()) && m.String() != "audio/ogg" {
				return nil
			}
		}
	default:
		return invalid("type", "must be one of audio, video, text")
	}
	what := detected.String()
	if kind != ContentText && f.isText() {
		what = "text/plain"
	}
	return invalid("type", "is %s but file content is %s", kind, strings.SplitN(what, ";", 2)[0])
}

// isContainer: formats that may hold audio or video.
func isContainer(m string) bool {
	switch m {
	case "video/mp4", "video/webm", "video/x-matroska", "audio/mp4", "application/ogg", "video/ogg", "audio/ogg", "video/quicktime":
		return true
	}
	return false
}

func cleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = strings.TrimSpace(filepath.Base("/" + name))
	if name == "/" || name == "." || name == "" {
		return "upload"
	}
	for len(name) > maxFilenameBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return strings.ToValidUTF8(name, "")
}
