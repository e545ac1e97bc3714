package avatar_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/avatar/avatarstore"
	"github.com/sessionhub/server/internal/avatar/recording"
	"github.com/sessionhub/server/internal/platform/clocktest"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
	"github.com/sessionhub/server/internal/platform/pubsub"
)

// fixture is a service on SQLite with the recorder and a settable clock.
type fixture struct {
	t       *testing.T
	svc     *avatar.Service
	rec     *recording.Recorder
	clock   *clocktest.Clock
	db      *database.DB
	bus     *pubsub.Local
	dataDir string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: clocktest.New(), db: dbtest.SQLite(t, avatarstore.Migrate), bus: pubsub.NewLocal(), dataDir: t.TempDir()}
	f.svc, f.rec = f.service("instance-a")
	return f
}

// service is another server process on the same database and data dir.
func (f *fixture) service(instance string) (*avatar.Service, *recording.Recorder) {
	return f.serviceOn(instance, f.bus)
}

// serviceOn is a server process that hears the session events of bus.
func (f *fixture) serviceOn(instance string, bus avatar.Bus) (*avatar.Service, *recording.Recorder) {
	rec := recording.New(f.dataDir, 0)
	return avatar.NewService(avatarstore.New(f.db), signer, avatar.Options{Sink: rec, Bus: bus, Instance: instance, Now: f.clock.Now}), rec
}

// waitActivity waits until the session's stored last activity is at (the
// counts and activity of frames are written by a timer, not before the
// reply).
func (f *fixture) waitActivity(id string, at time.Time) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := f.status(id)
		if st.LastActivityAt != nil && st.LastActivityAt.Equal(at) {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("last_activity_at = %v, never became %v", st.LastActivityAt, at)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// link records what the domain asked of the connection.
type link struct{ events chan string }

func newLink() *link                            { return &link{events: make(chan string, 4)} }
func (l *link) SessionEnded(r avatar.EndReason) { l.events <- "ended:" + string(r) }
func (l *link) Replaced()                       { l.events <- "replaced" }

func (l *link) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-l.events:
		if got != want {
			t.Fatalf("link got %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("link never got %q", want)
	}
}

func (f *fixture) start(idle time.Duration) avatar.Started {
	f.t.Helper()
	c := cfg
	c.ActivityIdleTimeout = idle
	started, err := f.svc.Start(context.Background(), "key-1", c)
	if err != nil {
		f.t.Fatal(err)
	}
	return started
}

// attached starts a session idling out after idle and attaches a
// connection to it, without an init.
func (f *fixture) attached(idle time.Duration) (string, *avatar.Connection) {
	f.t.Helper()
	id := f.start(idle).Session.ID
	return id, f.attach(f.svc, id, newLink())
}

func (f *fixture) attach(svc *avatar.Service, id string, l *link) *avatar.Connection {
	f.t.Helper()
	conn, err := svc.Attach(context.Background(), id, l)
	if err != nil {
		f.t.Fatalf("attach: %v", err)
	}
	return conn
}

// connect attaches a connection and sends the init.
func (f *fixture) connect(svc *avatar.Service, id string, l *link) (*avatar.Connection, avatar.InitResult) {
	f.t.Helper()
	conn := f.attach(svc, id, l)
	res, err := conn.Init(context.Background(), avatar.InitRequest{SessionID: id, Patch: patchOf(cfg)})
	if err != nil {
		f.t.Fatalf("init: %v", err)
	}
	return conn, res
}

// patchOf is an init that repeats every field of c, as ConvoAI sends it.
func patchOf(c avatar.Config) avatar.ConfigPatch {
	return avatar.ConfigPatch{
		AvatarID: &c.AvatarID, Quality: &c.Quality, Version: &c.Version, VideoEncoding: &c.VideoEncoding,
		Agora: avatar.AgoraPatch{AppID: &c.Agora.AppID, Token: &c.Agora.Token, Channel: &c.Agora.Channel, UID: &c.Agora.UID, EnableStringUID: &c.Agora.EnableStringUID},
	}
}

func (f *fixture) status(id string) avatar.Session {
	f.t.Helper()
	s, err := f.svc.Status(context.Background(), "key-1", id)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func rate(n float64) *float64 { return &n }

func voice(pcm []byte, encoding string, sampleRate float64) avatar.Voice {
	return avatar.Voice{Audio: base64.StdEncoding.EncodeToString(pcm), Encoding: encoding, SampleRate: rate(sampleRate)}
}

// pcm16 is n samples of a ramp, little-endian.
func pcm16(n int) []byte {
	b := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		b[2*i], b[2*i+1] = byte(i), byte(i>>8)
	}
	return b
}

// utterance reads the WAV file of session id's utterance n: its header and
// its samples.
func (f *fixture) utterance(id string, n int) (recording.WAVInfo, []byte) {
	f.t.Helper()
	raw, err := os.ReadFile(filepath.Join(f.rec.Dir(id), recording.UtteranceName(n)))
	if err != nil {
		f.t.Fatalf("read recording: %v", err)
	}
	info, err := recording.ReadWAVHeader(bytes.NewReader(raw))
	if err != nil {
		f.t.Fatal(err)
	}
	return info, raw[44:]
}

func TestUtterancesAreRecordedAsWAV(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.start(avatar.DefaultIdleTimeout)
	id := s.Session.ID
	conn, res := f.connect(f.svc, id, newLink())
	if res.Resumed || res.IdleTimeout != avatar.DefaultIdleTimeout {
		t.Fatalf("first init = %+v", res)
	}
	var sent []byte
	for i := 0; i < 3; i++ { // three 20 ms frames at 24 kHz
		frame := pcm16(480)
		sent = append(sent, frame...)
		if err := conn.Voice(ctx, voice(frame, avatar.EncodingPCM16, 24000)); err != nil {
			t.Fatal(err)
		}
	}
	u, err := conn.VoiceEnd(ctx)
	if err != nil || !u.Recorded || u.Frames != 3 || u.Seconds != 0.06 {
		t.Fatalf("voice_end = %+v, %v; want 3 frames, 0.06 s", u, err)
	}
	info, data := f.utterance(id, 1)
	if info.Format.SampleRate != 24000 || info.Format.BitsPerSample != 16 || info.Channels != 1 || info.Seconds() != 0.06 || !bytes.Equal(data, sent) {
		t.Fatalf("wav = %+v (%.3f s, %d bytes), want mono 16-bit 24 kHz 0.06 s of the sent audio", info, info.Seconds(), len(data))
	}

	// PCM8 at 16 kHz, sent with the sample_rate alias.
	pcm8 := bytes.Repeat([]byte{128}, 8000)
	if err := conn.Voice(ctx, avatar.Voice{Audio: base64.RawStdEncoding.EncodeToString(pcm8), Encoding: avatar.EncodingPCM8, SampleRateAlias: rate(16000)}); err != nil {
		t.Fatal(err)
	}
	if u, _ := conn.VoiceEnd(ctx); u.Seconds != 0.5 {
		t.Fatalf("PCM8 utterance = %+v, want 0.5 s", u)
	}
	info, _ = f.utterance(id, 2)
	if info.Format.BitsPerSample != 8 || info.Seconds() != 0.5 {
		t.Fatalf("PCM8 wav = %+v", info)
	}
	if u, _ := conn.VoiceEnd(ctx); u.Recorded || u.Frames != 0 {
		t.Fatalf("voice_end with nothing open = %+v, want recorded false", u)
	}
	conn.Received() // the special frame arrives
	if err := conn.Special(ctx, "e1", `{"type":"action","action":"wave"}`); err != nil {
		t.Fatal(err)
	}
	lines, _ := os.ReadFile(filepath.Join(f.rec.Dir(id), recording.SpecialsName))
	if !bytes.Contains(lines, []byte(`"content":"{\"type\":\"action\",\"action\":\"wave\"}"`)) {
		t.Fatalf("specials.jsonl = %s", lines)
	}
	st := f.status(id)
	want := avatar.Counts{Utterances: 2, AudioSeconds: 0.56, Frames: 4, Specials: 1}
	if st.Counts.Utterances != want.Utterances || st.Counts.Frames != want.Frames || st.Counts.Specials != want.Specials ||
		st.Counts.AudioSeconds < 0.5599 || st.Counts.AudioSeconds > 0.5601 || !st.Initialized || !st.Connected() || st.LastActivityAt == nil {
		t.Fatalf("status = %+v, want counts %+v, initialized, connected", st, want)
	}
}

func TestInterruptDropsBufferedAudio(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.start(avatar.DefaultIdleTimeout).Session.ID
	conn, _ := f.connect(f.svc, id, newLink())
	for i := 0; i < 2; i++ {
		if err := conn.Voice(ctx, voice(pcm16(2400), avatar.EncodingPCM16, 24000)); err != nil {
			t.Fatal(err)
		}
	}
	d, err := conn.Interrupt(ctx)
	if err != nil || d.Frames != 2 || d.Seconds != 0.2 {
		t.Fatalf("interrupt = %+v, %v; want 2 frames, 0.2 s dropped", d, err)
	}
	if u, _ := conn.VoiceEnd(ctx); u.Recorded {
		t.Fatalf("voice_end after interrupt recorded %+v", u)
	}
	entries, _ := os.ReadDir(f.rec.Dir(id))
	if len(entries) != 0 {
		t.Fatalf("recording dir holds %v after an interrupt, want nothing", entries)
	}
	// The next utterance is recorded as the first.
	_ = conn.Voice(ctx, voice(pcm16(240), avatar.EncodingPCM16, 24000))
	_, _ = conn.VoiceEnd(ctx)
	if _, err := os.Stat(filepath.Join(f.rec.Dir(id), recording.UtteranceName(1))); err != nil {
		t.Fatal(err)
	}
	st := f.status(id)
	if st.Counts.Interruptions != 1 || st.Counts.Utterances != 1 || st.Counts.Frames != 3 || st.Counts.AudioSeconds != 0.01 {
		t.Fatalf("counts = %+v", st.Counts)
	}
}

func TestVoiceRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id, conn := f.attached(avatar.DefaultIdleTimeout)
	if err := conn.Voice(ctx, voice(pcm16(10), avatar.EncodingPCM16, 24000)); !errors.Is(err, avatar.ErrNotInitialized) {
		t.Fatalf("voice before init: %v", err)
	}
	for _, call := range []func() error{
		func() error { _, err := conn.VoiceEnd(ctx); return err },
		func() error { _, err := conn.Interrupt(ctx); return err },
		func() error { return conn.Special(ctx, "e", "x") },
	} {
		if err := call(); !errors.Is(err, avatar.ErrNotInitialized) {
			t.Fatalf("command before init: %v", err)
		}
	}
	if _, err := conn.Init(ctx, avatar.InitRequest{SessionID: id, Patch: patchOf(cfg)}); err != nil {
		t.Fatal(err)
	}
	var audioErr *avatar.InvalidAudioError
	var fieldErr *avatar.InvalidFieldError
	var formatErr *avatar.FormatChangedError
	tests := []struct {
		name  string
		voice avatar.Voice
		check func(error) bool
	}{
		{"opus", voice([]byte{1, 2}, avatar.EncodingOpus, 48000), func(e error) bool { return errors.Is(e, avatar.ErrUnsupportedEncoding) }},
		{"fractional rate", voice([]byte{1, 2}, avatar.EncodingPCM16, 24000.5), func(e error) bool { return errors.As(e, &fieldErr) }},
		{"not base64", avatar.Voice{Audio: "!!!!", Encoding: avatar.EncodingPCM16, SampleRate: rate(24000)}, func(e error) bool { return errors.As(e, &audioErr) }},
		{"whitespace", avatar.Voice{Audio: "AAAA\nAAAA", Encoding: avatar.EncodingPCM16, SampleRate: rate(24000)}, func(e error) bool { return errors.As(e, &audioErr) }},
		{"rates differ", avatar.Voice{Audio: "AAAA", Encoding: avatar.EncodingPCM16, SampleRate: rate(24000), SampleRateAlias: rate(16000)}, func(e error) bool { return errors.As(e, &fieldErr) }},
		{"too large", voice(make([]byte, avatar.MaxAudioBytes+2), avatar.EncodingPCM16, 24000), func(e error) bool { return errors.As(e, &fieldErr) }},
	}
	for _, tt := range tests {
		if err := conn.Voice(ctx, tt.voice); !tt.check(err) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	if err := conn.Voice(ctx, voice(pcm16(10), avatar.EncodingPCM16, 24000)); err != nil {
		t.Fatal(err)
	}
	if err := conn.Voice(ctx, voice(pcm16(10), avatar.EncodingPCM16, 16000)); !errors.As(err, &formatErr) || formatErr.Want.SampleRate != 24000 {
		t.Fatalf("format change: %v", err)
	}
	if _, err := conn.Interrupt(ctx); err != nil { // writes the counts at once
		t.Fatal(err)
	}
	if st := f.status(id); st.Counts.Frames != 1 {
		t.Fatalf("refused frames were counted: %+v", st.Counts)
	}
}

func TestInitRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id, conn := f.attached(30 * time.Second)
	if _, err := conn.Init(ctx, avatar.InitRequest{SessionID: f.start(0).Session.ID, Patch: patchOf(cfg)}); !errors.Is(err, avatar.ErrSessionMismatch) {
		t.Fatalf("init for another session: %v", err)
	}
	bad := patchOf(cfg)
	alice := "alice"
	bad.Agora.UID = &alice
	var fieldErr *avatar.InvalidFieldError
	if _, err := conn.Init(ctx, avatar.InitRequest{SessionID: id, Patch: bad}); !errors.As(err, &fieldErr) || fieldErr.Field != "agora_settings.uid" {
		t.Fatalf("init with a string uid but enable_string_uid false: %v", err)
	}
	res, err := conn.Init(ctx, avatar.InitRequest{SessionID: id, Patch: patchOf(cfg)})
	if err != nil || res.Resumed || res.IdleTimeout != 30*time.Second {
		t.Fatalf("init without a timeout keeps the session's: %+v %v", res, err)
	}
	changed := patchOf(cfg)
	other, five := "other", 5*time.Second
	changed.AvatarID, changed.ActivityIdleTimeout = &other, &five
	res, err = conn.Init(ctx, avatar.InitRequest{SessionID: id, Patch: changed})
	if err != nil || !res.Resumed || res.IdleTimeout != 5*time.Second {
		t.Fatalf("repeated init: %+v %v", res, err)
	}
	if st := f.status(id); st.Config.AvatarID != "other" || st.Config.ActivityIdleTimeout != 5*time.Second {
		t.Fatalf("stored config after init: %+v", st.Config)
	}
}

// ConvoAI's init repeats the start configuration, but a field it leaves
// out keeps the session's value (issue 9, item 4).
func TestInitFieldsAreOptional(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id, conn := f.attached(30 * time.Second)
	if _, err := conn.Init(ctx, avatar.InitRequest{SessionID: id}); err != nil {
		t.Fatalf("init with only session_id: %v", err)
	}
	if st := f.status(id); st.Config.AvatarID != cfg.AvatarID || st.Config.Agora != cfg.Agora || !st.Initialized {
		t.Fatalf("a bare init changed the stored config: %+v", st.Config)
	}
	token, quality := "fresh-token", "low"
	res, err := conn.Init(ctx, avatar.InitRequest{SessionID: id, Patch: avatar.ConfigPatch{
		Quality: &quality, Agora: avatar.AgoraPatch{Token: &token}, Vendor: []byte(`{"area":"JAPAN","agora_settings":{"region":"eu"}}`),
	}})
	if err != nil || !res.Resumed || res.IdleTimeout != 30*time.Second {
		t.Fatalf("partial init: %+v %v", res, err)
	}
	st := f.status(id)
	want := cfg.Agora
	want.Token = token
	if st.Config.Quality != "low" || st.Config.AvatarID != cfg.AvatarID || st.Config.Agora != want {
		t.Fatalf("after a partial init: %+v, want quality low, agora %+v", st.Config, want)
	}
	if _, err := conn.Init(ctx, avatar.InitRequest{SessionID: id, Patch: avatar.ConfigPatch{Vendor: []byte(`{"video_width":720,"agora_settings":{"zone":1}}`)}}); err != nil {
		t.Fatal(err)
	}
	if got, want := string(f.status(id).Config.Vendor), `{"agora_settings":{"region":"eu","zone":1},"area":"JAPAN","video_width":720}`; got != want {
		t.Fatalf("vendor fields = %s, want %s (merged key by key)", got, want)
	}
	// The numeric uid rule judges the merged settings.
	yes, name := true, "avatar-1"
	if _, err := conn.Init(ctx, avatar.InitRequest{SessionID: id, Patch: avatar.ConfigPatch{Agora: avatar.AgoraPatch{UID: &name}}}); err == nil {
		t.Fatal("a string uid was accepted while the stored enable_string_uid is false")
	}
	if _, err := conn.Init(ctx, avatar.InitRequest{SessionID: id, Patch: avatar.ConfigPatch{Agora: avatar.AgoraPatch{UID: &name, EnableStringUID: &yes}}}); err != nil {
		t.Fatalf("a string uid with enable_string_uid true: %v", err)
	}
}

// A PCM16 chunk with an odd byte count is accepted; its last byte goes to
// the front of the utterance's next chunk (issue 9, item 5).
func TestOddPCM16ChunksCarryTheirLastByte(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.start(avatar.DefaultIdleTimeout).Session.ID
	conn, _ := f.connect(f.svc, id, newLink())
	sent := pcm16(300) // 600 bytes, sent as 285 + 285 + 30 + 1 (the last byte is half a sample)
	for _, chunk := range [][]byte{sent[:285], sent[285:570], sent[570:600], {0x7f}} {
		if err := conn.Voice(ctx, voice(chunk, avatar.EncodingPCM16, 24000)); err != nil {
			t.Fatalf("voice with %d bytes: %v", len(chunk), err)
		}
	}
	u, err := conn.VoiceEnd(ctx)
	if err != nil || !u.Recorded || u.Frames != 4 || u.Seconds != 0.0125 {
		t.Fatalf("voice_end = %+v, %v; want 4 frames, 0.0125 s (300 samples)", u, err)
	}
	_, data := f.utterance(id, 1)
	if !bytes.Equal(data, sent) {
		t.Fatalf("recorded %d bytes, want the 600 sent bytes in order (the dangling byte dropped)", len(data))
	}
	// An utterance of less than one sample records nothing.
	if err := conn.Voice(ctx, voice([]byte{1}, avatar.EncodingPCM16, 24000)); err != nil {
		t.Fatal(err)
	}
	if u, _ := conn.VoiceEnd(ctx); u.Recorded || u.Frames != 1 {
		t.Fatalf("voice_end of one byte = %+v, want recorded false, 1 frame", u)
	}
	if st := f.status(id); st.Counts.Utterances != 1 || st.Counts.Frames != 5 {
		t.Fatalf("counts = %+v", st.Counts)
	}
}

func TestReconnectReplacesTheOlderConnection(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.start(avatar.DefaultIdleTimeout).Session.ID
	first := newLink()
	old, _ := f.connect(f.svc, id, first)
	if err := old.Voice(ctx, voice(pcm16(240), avatar.EncodingPCM16, 24000)); err != nil {
		t.Fatal(err)
	}
	newer, res := f.connect(f.svc, id, newLink())
	first.expect(t, "replaced")
	if !res.Resumed {
		t.Fatal("init after a reconnect: resumed = false")
	}
	if err := old.Voice(ctx, voice(pcm16(240), avatar.EncodingPCM16, 24000)); !errors.Is(err, avatar.ErrSessionEnded) {
		t.Fatalf("the replaced connection still streams: %v", err)
	}
	old.Detach(ctx, false) // its socket closes; the newer one stays connected
	if err := newer.Voice(ctx, voice(pcm16(240), avatar.EncodingPCM16, 24000)); err != nil {
		t.Fatal(err)
	}
	if u, _ := newer.VoiceEnd(ctx); u.Frames != 2 {
		t.Fatalf("the utterance did not survive the reconnect: %+v", u)
	}
	if !f.status(id).Connected() {
		t.Fatal("not connected after the older connection closed")
	}
	newer.Detach(ctx, false)
	if f.status(id).Connected() {
		t.Fatal("still connected after the last connection closed")
	}
}

// failingEnd is the recorder with one failing EndUtterance, as on a full
// disk.
type failingEnd struct {
	*recording.Recorder
	fail bool
}

func (s *failingEnd) EndUtterance(ctx context.Context, sessionID string) error {
	if s.fail {
		s.fail = false
		return errors.New("disk full")
	}
	return s.Recorder.EndUtterance(ctx, sessionID)
}

// TestAnUtteranceTheSinkFailedToEndIsOver: after a voice_end the sink
// could not complete, the utterance is over, neither recorded nor counted;
// a retried voice_end has nothing to record and the next utterance records.
func TestAnUtteranceTheSinkFailedToEndIsOver(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sink := &failingEnd{Recorder: recording.New(f.dataDir, 0), fail: true}
	f.svc = avatar.NewService(avatarstore.New(f.db), signer, avatar.Options{Sink: sink, Bus: f.bus, Instance: "instance-f", Now: f.clock.Now})
	id := f.start(avatar.DefaultIdleTimeout).Session.ID
	conn, _ := f.connect(f.svc, id, newLink())
	if err := conn.Voice(ctx, voice(pcm16(2400), avatar.EncodingPCM16, 24000)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.VoiceEnd(ctx); err == nil {
		t.Fatal("voice_end: want the sink's error")
	}
	if u, err := conn.VoiceEnd(ctx); err != nil || u.Recorded {
		t.Fatalf("voice_end again: %+v, %v; want nothing recorded", u, err)
	}
	if err := conn.Voice(ctx, voice(pcm16(4800), avatar.EncodingPCM16, 24000)); err != nil {
		t.Fatal(err)
	}
	if u, err := conn.VoiceEnd(ctx); err != nil || !u.Recorded || u.Seconds != 0.2 {
		t.Fatalf("the next utterance: %+v, %v; want 0.2 s recorded", u, err)
	}
	if st := f.status(id); st.Counts.Utterances != 1 {
		t.Fatalf("utterances counted: %d, want the one recorded", st.Counts.Utterances)
	}
}
