// Package recording is the built-in avatar.AudioSink: it records each
// session's utterances as WAV files and its special instructions as JSON
// lines under DATA_DIR/avatar/<session_id>/.
package recording

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/avatar"
)

// Recorder writes every session's audio to disk.
type Recorder struct {
	root     string // DATA_DIR/avatar
	maxBytes int64  // what one session's directory may hold (0: no limit)

	mu       sync.Mutex
	sessions map[string]*sessionFiles
}

var _ avatar.AudioSink = (*Recorder)(nil)

// sessionFiles is one session's open recording.
type sessionFiles struct {
	dir  string
	open *wavWriter // the utterance being recorded, nil between utterances
	size int64      // bytes in dir, the open utterance's included
	next int        // the number the next utterance gets unless its file exists
}

// partialName is a new file name for an utterance in progress; it is
// renamed to UtteranceName once the utterance is complete. Every utterance
// gets its own, so writers of one session in processes that share DATA_DIR
// (a client that moved while its utterance was open) never touch each
// other's, and a file a failed rename left behind blocks nothing.
func partialName() string { return "utterance." + uuid.NewString() + ".partial.wav" }

// isPartial reports whether name is a partialName.
func isPartial(name string) bool {
	return strings.HasPrefix(name, "utterance.") && strings.HasSuffix(name, ".partial.wav")
}

// stalePartial is how long a partial file goes unwritten before it counts
// as left by a process that died mid-utterance: longer than a session's
// token lets it stay connected (a live writer may be waiting for its
// client to come back, or to hear that it moved).
const stalePartial = avatar.TokenTTL

// SpecialsName is the JSON-lines file of the special instructions.
const SpecialsName = "specials.jsonl"

// UtteranceName is the file of the n-th recorded utterance (from 1).
func UtteranceName(n int) string { return fmt.Sprintf("utterance-%04d.wav", n) }

// New records under dataDir/avatar, at most maxBytes per session (WAV
// headers and specials.jsonl included; 0: no limit). A session may stream
// for as long as it lives, and one with activity_idle_timeout 0 never ends
// by itself: the limit keeps one session from filling the disk.
func New(dataDir string, maxBytes int64) *Recorder {
	return &Recorder{root: filepath.Join(dataDir, "avatar"), maxBytes: maxBytes, sessions: map[string]*sessionFiles{}}
}

// Dir is where a session's recording lives.
func (r *Recorder) Dir(sessionID string) string { return filepath.Join(r.root, sessionID) }

func (r *Recorder) session(sessionID string) (*sessionFiles, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if sf := r.sessions[sessionID]; sf != nil {
		return sf, nil
	}
	if _, err := uuid.Parse(sessionID); err != nil {
		return nil, fmt.Errorf("recording: session id %q is not a UUID", sessionID)
	}
	dir := r.Dir(sessionID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	size, last, err := scanDir(dir, time.Now()) // what earlier connections, maybe other processes, recorded
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	sf := &sessionFiles{dir: dir, size: size, next: last + 1}
	r.sessions[sessionID] = sf
	return sf, nil
}

// scanDir reads what a session's directory holds: its size in bytes and
// the highest utterance number in it (0: none). Partial files stale at now
// are not audio anyone asked to keep: they are removed.
func scanDir(dir string, now time.Time) (size int64, last int, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range entries {
		info, err := e.Info()
		if errors.Is(err, os.ErrNotExist) {
			continue // renamed or removed by its writer meanwhile
		}
		if err != nil {
			return 0, 0, err
		}
		if isPartial(e.Name()) && now.Sub(info.ModTime()) > stalePartial && os.Remove(filepath.Join(dir, e.Name())) == nil {
			continue
		}
		size += info.Size()
		if n, ok := utteranceNumber(e.Name()); ok {
			last = max(last, n)
		}
	}
	return size, last, nil
}

// utteranceNumber reads n from UtteranceName(n).
func utteranceNumber(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, "utterance-")
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, ".wav"); !ok {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil && n > 0
}

// reserve counts n more bytes of the session's recording, or refuses them
// past the limit.
func (r *Recorder) reserve(sf *sessionFiles, n int64) error {
	if r.maxBytes > 0 && sf.size+n > r.maxBytes {
		return &avatar.SinkFullError{Limit: r.maxBytes}
	}
	sf.size += n
	return nil
}

// Configure prepares the session's directory.
func (r *Recorder) Configure(_ context.Context, sessionID string, _ avatar.Config) error {
	_, err := r.session(sessionID)
	return err
}

// Audio appends PCM to the utterance in progress, starting its file.
func (r *Recorder) Audio(_ context.Context, sessionID string, format avatar.AudioFormat, pcm []byte) error {
	sf, err := r.session(sessionID)
	if err != nil {
		return err
	}
	need := int64(len(pcm))
	if sf.open == nil {
		need += wavHeaderSize
	}
	if err := r.reserve(sf, need); err != nil {
		return err
	}
	if sf.open == nil {
		wf := WAVFormat{SampleRate: format.SampleRate, BitsPerSample: 8 * format.BytesPerSample()}
		if sf.open, err = createWAV(filepath.Join(sf.dir, partialName()), wf); err != nil {
			sf.size -= need
			return fmt.Errorf("recording: %w", err)
		}
	}
	if _, err := sf.open.Write(pcm); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	return nil
}

// EndUtterance finishes the WAV file and gives it the next number.
func (r *Recorder) EndUtterance(_ context.Context, sessionID string) error {
	sf, w, err := r.takeUtterance(sessionID)
	if err != nil || w == nil {
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	// The number is known from the directory's scan and the utterances
	// since; a file that exists all the same (another process recorded the
	// session meanwhile) is skipped, never overwritten.
	for n := sf.next; ; n++ {
		name := filepath.Join(sf.dir, UtteranceName(n))
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			sf.next = n + 1
			return os.Rename(w.path(), name)
		}
	}
}

// Interrupt discards the utterance in progress.
func (r *Recorder) Interrupt(_ context.Context, sessionID string) error {
	sf, w, err := r.takeUtterance(sessionID)
	if err != nil || w == nil {
		return err
	}
	sf.size -= wavHeaderSize + w.data
	return w.abort()
}

// takeUtterance detaches the session's utterance in progress (nil: none)
// for the caller to finish or discard.
func (r *Recorder) takeUtterance(sessionID string) (*sessionFiles, *wavWriter, error) {
	sf, err := r.session(sessionID)
	if err != nil {
		return nil, nil, err
	}
	w := sf.open
	sf.open = nil
	return sf, w, nil
}

// specialLine is one line of specials.jsonl.
type specialLine struct {
	EventID    string    `json:"event_id"`
	ReceivedAt time.Time `json:"received_at"`
	Content    string    `json:"content"`
}

// Special appends the instruction to specials.jsonl.
func (r *Recorder) Special(_ context.Context, sessionID string, s avatar.Special) error {
	sf, err := r.session(sessionID)
	if err != nil {
		return err
	}
	line, err := json.Marshal(specialLine{EventID: s.EventID, ReceivedAt: s.ReceivedAt, Content: s.Content})
	if err != nil {
		return err
	}
	if err := r.reserve(sf, int64(len(line))+1); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(sf.dir, SpecialsName), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	_, werr := f.Write(append(line, '\n'))
	return errors.Join(werr, f.Close())
}

// Close forgets the session; an utterance still open (the domain ends it
// first) is discarded.
func (r *Recorder) Close(_ context.Context, sessionID string) error {
	r.mu.Lock()
	sf := r.sessions[sessionID]
	delete(r.sessions, sessionID)
	r.mu.Unlock()
	if sf == nil || sf.open == nil {
		return nil
	}
	return sf.open.abort()
}
