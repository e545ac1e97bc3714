package recording

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/avatar"
)

// pcm16k is the audio format of the recorder tests.
var pcm16k = avatar.AudioFormat{Encoding: avatar.EncodingPCM16, SampleRate: 16000}

func TestWAVHeaderRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		format  WAVFormat
		data    int
		seconds float64
	}{
		{WAVFormat{SampleRate: 24000, BitsPerSample: 16}, 48000, 1},
		{WAVFormat{SampleRate: 16000, BitsPerSample: 8}, 8000, 0.5},
		{WAVFormat{SampleRate: 44100, BitsPerSample: 16}, 0, 0},
	} {
		path := filepath.Join(t.TempDir(), "a.wav")
		w, err := createWAV(path, tt.format)
		if err != nil {
			t.Fatal(err)
		}
		pcm := bytes.Repeat([]byte{7}, tt.data)
		if _, err := w.Write(pcm); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(path)
		info, err := ReadWAVHeader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if info.Format != tt.format || info.Channels != 1 || info.DataBytes != int64(tt.data) || info.Seconds() != tt.seconds || !bytes.Equal(raw[wavHeaderSize:], pcm) {
			t.Errorf("%+v: read back %+v (%.3f s)", tt.format, info, info.Seconds())
		}
		// byte rate and block align, which players use for the duration
		if br := int(raw[28]) | int(raw[29])<<8 | int(raw[30])<<16; br != tt.format.SampleRate*tt.format.BitsPerSample/8 {
			t.Errorf("byte rate %d", br)
		}
	}
}

func TestRecorderNumbersUtterancesAndDropsInterrupted(t *testing.T) {
	ctx := context.Background()
	r := New(t.TempDir(), 0)
	id := uuid.NewString()
	steps := []func() error{
		func() error { return r.Configure(ctx, id, avatar.Config{}) },
		func() error { return r.Audio(ctx, id, pcm16k, make([]byte, 320)) },
		func() error { return r.EndUtterance(ctx, id) },
		func() error { return r.Audio(ctx, id, pcm16k, make([]byte, 320)) },
		func() error { return r.Interrupt(ctx, id) },
		func() error { return r.Audio(ctx, id, pcm16k, make([]byte, 640)) },
		func() error { return r.EndUtterance(ctx, id) },
		func() error { return r.Close(ctx, id) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	entries, _ := os.ReadDir(r.Dir(id))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != UtteranceName(1) || names[1] != UtteranceName(2) {
		t.Fatalf("recording holds %v, want two utterances", names)
	}
	if err := r.Configure(ctx, "../escape", avatar.Config{}); err == nil {
		t.Fatal("a session id that is not a UUID was used as a directory")
	}
}

// TestUtteranceNumbersContinueAndNeverOverwrite: a restarted process goes
// on from the highest number on disk, and a process whose count is behind
// (another one recorded the session meanwhile) skips the taken numbers.
func TestUtteranceNumbersContinueAndNeverOverwrite(t *testing.T) {
	ctx := context.Background()
	dataDir, id := t.TempDir(), uuid.NewString()
	record := func(r *Recorder, bytes int) {
		t.Helper()
		if err := r.Audio(ctx, id, pcm16k, make([]byte, bytes)); err != nil {
			t.Fatal(err)
		}
		if err := r.EndUtterance(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	first, second := New(dataDir, 0), New(dataDir, 0)
	record(first, 100)
	record(first, 100)
	record(second, 300) // starts after the two on disk
	record(first, 200)  // its count says 3, which is taken
	sizes := map[string]int64{}
	entries, err := os.ReadDir(first.Dir(id))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, _ := e.Info()
		sizes[e.Name()] = info.Size() - wavHeaderSize
	}
	want := map[string]int64{UtteranceName(1): 100, UtteranceName(2): 100, UtteranceName(3): 300, UtteranceName(4): 200}
	if !maps.Equal(sizes, want) {
		t.Fatalf("recording holds %v, want %v", sizes, want)
	}
}
