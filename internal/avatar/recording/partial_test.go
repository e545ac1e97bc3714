package recording

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/avatar"
)

// TestWritersSharingADataDirKeepTheirOwnUtterances: two processes on one
// DATA_DIR each hold an open utterance of one session (its client moved
// mid-utterance); each records its own audio, under its own number.
func TestWritersSharingADataDirKeepTheirOwnUtterances(t *testing.T) {
	ctx, dir, id := context.Background(), t.TempDir(), uuid.NewString()
	a, b := New(dir, 0), New(dir, 0)
	if err := a.Audio(ctx, id, pcm16k, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if err := b.Audio(ctx, id, pcm16k, make([]byte, 200)); err != nil { // b's first touch of the session
		t.Fatal(err)
	}
	if err := a.EndUtterance(ctx, id); err != nil {
		t.Fatalf("a's end: %v", err)
	}
	if err := b.EndUtterance(ctx, id); err != nil {
		t.Fatalf("b's end: %v", err)
	}
	sizes := map[int64]bool{}
	for n := 1; n <= 2; n++ {
		info, err := os.Stat(filepath.Join(a.Dir(id), UtteranceName(n)))
		if err != nil {
			t.Fatal(err)
		}
		sizes[info.Size()-wavHeaderSize] = true
	}
	if !sizes[100] || !sizes[200] {
		t.Fatalf("recorded utterances of %v bytes of audio, want one of 100 (a's) and one of 200 (b's)", sizes)
	}
}

// TestOnlyStalePartialFilesAreRemoved: a process touching a session for the
// first time removes partial files nobody has written for longer than a
// session can stay connected, and keeps the others (another process may
// still be writing them).
func TestOnlyStalePartialFilesAreRemoved(t *testing.T) {
	r, id := New(t.TempDir(), 0), uuid.NewString()
	if err := os.MkdirAll(r.Dir(id), 0o750); err != nil {
		t.Fatal(err)
	}
	stale, live := filepath.Join(r.Dir(id), partialName()), filepath.Join(r.Dir(id), partialName())
	for _, p := range []string{stale, live} {
		if err := os.WriteFile(p, make([]byte, 64), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-stalePartial - time.Minute)
	if err := os.Chtimes(stale, long, long); err != nil {
		t.Fatal(err)
	}
	if err := r.Configure(context.Background(), id, avatar.Config{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale partial file is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a partial file written just now was removed: %v", err)
	}
}
