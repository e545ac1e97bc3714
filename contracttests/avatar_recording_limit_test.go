package contracttests

import (
	"bytes"
	"testing"
	"time"

	gen "github.com/sessionhub/server/gen/avatarstream"
	"github.com/sessionhub/server/internal/platform/config"
)

// TestAvatarWSRecordingLimit: AVATAR_MAX_RECORDING_BYTES bounds a session's
// recording (here a session that never idles out): a frame past it is
// refused with RECORDING_LIMIT_REACHED and the session goes on.
func TestAvatarWSRecordingLimit(t *testing.T) {
	t.Parallel()
	const limit = 44 + 2*960 // a WAV header and two 20 ms frames of 24 kHz PCM16
	dir := t.TempDir()
	ts := startServer(t, createDatabase(t), func(cfg *config.Config) {
		cfg.DataDir = dir
		cfg.AvatarMaxRecordingBytes = limit
	})
	s := &avatarServer{testServer: ts, dataDir: dir, rest: newAvatarClient(t, ts)}
	never := 0.0
	sess := s.startAvatar(t, &never)
	c := s.connect(t, sess)
	expectLimit := func(command string) {
		t.Helper()
		e := c.expect(gen.MsgError)
		if e["code"] != "RECORDING_LIMIT_REACHED" || e["in_reply_to"] != command ||
			e["message"] != "The session's recording reached its limit of 1964 bytes; this frame was not recorded" {
			t.Fatalf("%s past the limit: %v", command, e)
		}
	}

	c.send(voiceFrame(frame20ms(0)))
	c.send(voiceFrame(frame20ms(1)))
	c.send(voiceFrame(frame20ms(2)))
	expectLimit("voice")
	c.send(map[string]any{"command": "special", "content": "wave", "event_id": "sp-1"})
	expectLimit("special")
	c.send(map[string]any{"command": "heartbeat", "event_id": "hb-1", "timestamp": time.Now().UnixMilli()})
	c.expect(gen.MsgHeartbeatAck)
	c.send(map[string]any{"command": "voice_end", "event_id": "end-1"})
	if ack := c.expect(gen.MsgVoiceEndAck); ack["recorded"] != true || ack["frames"] != float64(2) {
		t.Fatalf("voice_end_ack %v, want the two frames that fit", ack)
	}
	if _, data := s.readWAV(t, sess.id, 1); !bytes.Equal(data, append(frame20ms(0), frame20ms(1)...)) {
		t.Fatalf("the recording holds %d bytes of audio, want the two frames that fit", len(data))
	}
	c.send(voiceFrame(frame20ms(3)))
	expectLimit("voice")
	if st := s.status(t, sess.id); st.Counts.Frames != 2 || st.Counts.Specials != 0 {
		t.Fatalf("refused frames were counted: %+v", st.Counts)
	}
}
