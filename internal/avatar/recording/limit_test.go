package recording

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/avatar"
)

// TestRecordingLimitPerSession: a session's recording, WAV headers and
// specials included, never passes the limit, whichever connection (or
// Recorder, as after a restart) writes it; interrupted audio frees its
// bytes.
func TestRecordingLimitPerSession(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const limit = wavHeaderSize + 1000
	r := New(dir, limit)
	id := uuid.NewString()
	requireFull := func(err error) {
		t.Helper()
		var full *avatar.SinkFullError
		if !errors.As(err, &full) || full.Limit != limit {
			t.Fatalf("want SinkFullError{%d}, got %v", limit, err)
		}
	}
	if err := r.Configure(ctx, id, avatar.Config{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Audio(ctx, id, pcm16k, make([]byte, 600)); err != nil {
		t.Fatal(err)
	}
	requireFull(r.Audio(ctx, id, pcm16k, make([]byte, 401)))
	if err := r.Audio(ctx, id, pcm16k, make([]byte, 400)); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
	requireFull(r.Special(ctx, id, avatar.Special{EventID: "e1", Content: "wave", ReceivedAt: time.Now()}))
	if err := r.Interrupt(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := r.Audio(ctx, id, pcm16k, make([]byte, 900)); err != nil {
		t.Fatalf("an interrupted utterance frees its bytes: %v", err)
	}
	if err := r.EndUtterance(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(ctx, id); err != nil {
		t.Fatal(err)
	}

	// A new connection, or a restarted process, counts what is on disk.
	again := New(dir, limit)
	if err := again.Configure(ctx, id, avatar.Config{}); err != nil {
		t.Fatal(err)
	}
	requireFull(again.Audio(ctx, id, pcm16k, make([]byte, 100)))
	if size, _, err := scanDir(again.Dir(id), time.Now()); err != nil || size > limit {
		t.Fatalf("the recording holds %d bytes (%v), limit %d", size, err, limit)
	}
}
