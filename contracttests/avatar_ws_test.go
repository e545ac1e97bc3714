package contracttests

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	avatargen "github.com/sessionhub/server/gen/avatar"
	gen "github.com/sessionhub/server/gen/avatarstream"
	"github.com/sessionhub/server/internal/avatar/recording"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/config"
)

// avatarServer is a server whose recordings the test can read and whose
// idle check runs often, so short idle timeouts end promptly.
type avatarServer struct {
	*testServer
	dataDir string
	rest    *avatarClient
}

func newAvatarServer(t *testing.T, dsn string) *avatarServer {
	t.Helper()
	dir := t.TempDir()
	ts := startServer(t, dsn, func(cfg *config.Config) {
		cfg.DataDir = dir
		cfg.AvatarIdleCheckInterval = 50 * time.Millisecond
	})
	return &avatarServer{testServer: ts, dataDir: dir, rest: newAvatarClient(t, ts)}
}

// freshAvatarServer is newAvatarServer on a database of its own; against a
// remote server it is that server, whose data directory the suite cannot
// read (see files).
func freshAvatarServer(t *testing.T) *avatarServer {
	t.Helper()
	if remote.enabled() {
		ts := newServer(t)
		return &avatarServer{testServer: ts, rest: newAvatarClient(t, ts)}
	}
	return newAvatarServer(t, createDatabase(t))
}

// readsFiles reports whether the suite can read the server's recordings
// (a server of its own); against a remote server the checks of the files
// are left out and the rest of the test runs.
func (s *avatarServer) readsFiles() bool { return s.dataDir != "" }

// files is the server's avatar recordings directory (see readsFiles).
func (s *avatarServer) files() string { return filepath.Join(s.dataDir, "avatar") }

// avatarSession is a started session.
type avatarSession struct {
	id, token string
}

// startAvatar starts a session from the seed's body, with idle timeout
// idle (seconds) when not nil.
func (s *avatarServer) startAvatar(t *testing.T, idle *float64) avatarSession {
	t.Helper()
	body := seedStartBody
	if idle != nil {
		body = strings.Replace(seedStartBody, `"activity_idle_timeout": 120`, `"activity_idle_timeout": `+strconv.FormatFloat(*idle, 'f', -1, 64), 1)
	}
	status, resp := s.rest.raw(http.MethodPost, "/session/start", testAvatarKey, body)
	if status != http.StatusOK {
		t.Fatalf("start: %d %v", status, resp)
	}
	return avatarSession{id: resp["session_id"].(string), token: resp["session_token"].(string)}
}

func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

func (s *avatarServer) dial(t *testing.T, token string) *wsClient {
	t.Helper()
	return avatarWS.dial(t, gen.ChannelV1Websocket, s.wsURL(gen.ChannelV1Websocket), bearer(token))
}

// initFrame is the reference init for session id.
func initFrame(id string) map[string]any {
	return map[string]any{
		"command": "init", "session_id": id, "avatar_id": "16cb73e7de08", "quality": "high", "version": "v1",
		"video_encoding": "H264", "activity_idle_timeout": 120,
		"agora_settings": map[string]any{"app_id": "dllkSlkdmmppollalepls", "token": "lkmmopplek", "channel": "room1", "uid": "333", "enable_string_uid": false},
	}
}

func (s *avatarServer) connect(t *testing.T, sess avatarSession) *wsClient {
	t.Helper()
	c := s.dial(t, sess.token)
	c.send(initFrame(sess.id))
	c.expect(gen.MsgInitAck)
	return c
}

// frame20ms is 20 ms of 24 kHz PCM16 (480 samples), distinct per n.
func frame20ms(n int) []byte {
	b := make([]byte, 960)
	for i := range b {
		b[i] = byte(n + i)
	}
	return b
}

func voiceFrame(pcm []byte) map[string]any {
	return map[string]any{"command": "voice", "audio": base64.StdEncoding.EncodeToString(pcm), "sampleRate": 24000, "encoding": "PCM16", "event_id": uuid.NewString()}
}

func (s *avatarServer) status(t *testing.T, id string) *avatargen.SessionStatus {
	t.Helper()
	resp, err := s.rest.gen.GetSessionStatusWithResponse(context.Background(), id, withKey(testAvatarKey))
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("status: %v %v", err, resp)
	}
	return resp.JSON200
}

// readWAV reads utterance n's recording (zero values when !readsFiles).
func (s *avatarServer) readWAV(t *testing.T, id string, n int) (recording.WAVInfo, []byte) {
	t.Helper()
	if !s.readsFiles() {
		return recording.WAVInfo{}, nil
	}
	raw, err := os.ReadFile(filepath.Join(s.files(), id, recording.UtteranceName(n)))
	if err != nil {
		t.Fatalf("recording %d: %v", n, err)
	}
	info, err := recording.ReadWAVHeader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return info, raw[44:]
}

func TestAvatarWSUpgradeRefusals(t *testing.T) {
	t.Parallel()
	s := freshAvatarServer(t)
	a, b := s.startAvatar(t, nil), s.startAvatar(t, nil)
	url := s.wsURL(gen.ChannelV1Websocket)
	signer := auth.NewSigner(auth.DeriveKey([]byte(testJWTSecret), "avatar-session-token"), "avatar-session")
	expired, _, _ := signer.Mint(a.id, a.id, -time.Minute)
	unknown := uuid.NewString()
	noSession, _, _ := signer.Mint(unknown, unknown, time.Hour)
	otherAPI := auth.NewSigner([]byte(testJWTSecret), "")
	foreign, _, _ := otherAPI.Mint(a.id, a.id, time.Hour)

	tests := []struct {
		name   string
		url    string
		header http.Header
		code   string
	}{
		{"no header", url, nil, "MISSING_SESSION_TOKEN"},
		{"not bearer", url, http.Header{"Authorization": {"Basic " + a.token}}, "MISSING_SESSION_TOKEN"},
		{"malformed", url, bearer("not-a-jwt"), "INVALID_SESSION_TOKEN"},
		{"forged", url, bearer(a.token[:len(a.token)-3] + "abc"), "INVALID_SESSION_TOKEN"},
		{"another API's token", url, bearer(foreign), "INVALID_SESSION_TOKEN"},
		{"names no session", url, bearer(noSession), "INVALID_SESSION_TOKEN"},
		{"expired", url, bearer(expired), "SESSION_TOKEN_EXPIRED"},
		{"session_id of another session", url + "?session_id=" + b.id, bearer(a.token), "SESSION_MISMATCH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := avatarWS.dialRefused(t, gen.ChannelV1Websocket, tt.url, tt.header, http.StatusUnauthorized)
			if body["code"] != tt.code || body["error"] != "Unauthorized" {
				t.Fatalf("refusal %v, want code %s", body, tt.code)
			}
		})
	}
	t.Run("stopped session", func(t *testing.T) {
		stop(t, s.rest, testAvatarKey, b.id, b.token)
		body := avatarWS.dialRefused(t, gen.ChannelV1Websocket, url, bearer(b.token), http.StatusUnauthorized)
		if body["code"] != "SESSION_ENDED" {
			t.Fatalf("refusal %v, want SESSION_ENDED", body)
		}
	})
	t.Run("own session_id is accepted", func(t *testing.T) {
		avatarWS.dial(t, gen.ChannelV1Websocket, url+"?session_id="+a.id, bearer(a.token))
	})
}

func TestAvatarWSStreamRecordsWAV(t *testing.T) {
	t.Parallel()
	s := freshAvatarServer(t)
	sess := s.startAvatar(t, nil)
	c := s.dial(t, sess.token)

	c.send(map[string]any{"command": "heartbeat", "event_id": "hb-1", "timestamp": 1673456789000})
	if ack := c.expect(gen.MsgHeartbeatAck); ack["event_id"] != "hb-1" || ack["timestamp"] != float64(1673456789000) {
		t.Fatalf("heartbeat_ack %v does not echo the heartbeat", ack)
	}
	c.send(voiceFrame(frame20ms(0)))
	if e := c.expect(gen.MsgError); e["code"] != "NOT_INITIALIZED" || e["in_reply_to"] != "voice" {
		t.Fatalf("voice before init: %v", e)
	}
	c.send(initFrame(sess.id))
	if ack := c.expect(gen.MsgInitAck); ack["session_id"] != sess.id || ack["resumed"] != false || ack["activity_idle_timeout"] != float64(120) {
		t.Fatalf("init_ack %v", ack)
	}

	var sent []byte
	for i := 0; i < 50; i++ { // one second of audio in 20 ms frames
		pcm := frame20ms(i)
		sent = append(sent, pcm...)
		c.send(voiceFrame(pcm))
	}
	c.send(map[string]any{"command": "voice_end", "event_id": "end-1"})
	ack := c.expect(gen.MsgVoiceEndAck)
	if ack["event_id"] != "end-1" || ack["recorded"] != true || ack["frames"] != float64(50) || ack["utterance_seconds"] != float64(1) {
		t.Fatalf("voice_end_ack %v, want 50 frames, 1 s", ack)
	}
	if info, data := s.readWAV(t, sess.id, 1); s.readsFiles() && (info.Channels != 1 || info.Format.SampleRate != 24000 || info.Format.BitsPerSample != 16 || info.Seconds() != 1 || !bytes.Equal(data, sent)) {
		t.Fatalf("WAV header %+v (%.3f s), want mono 16-bit 24 kHz lasting 1 s with the audio sent", info, info.Seconds())
	}

	c.send(map[string]any{"command": "special", "content": `{"type":"action","action":"wave"}`, "event_id": "sp-1"})
	c.send(map[string]any{"command": "voice_end", "event_id": "end-2"})
	if ack := c.expect(gen.MsgVoiceEndAck); ack["recorded"] != false {
		t.Fatalf("voice_end with nothing open: %v", ack)
	}
	specials, _ := os.ReadFile(filepath.Join(s.files(), sess.id, recording.SpecialsName))
	if s.readsFiles() && !bytes.Contains(specials, []byte(`"event_id":"sp-1"`)) {
		t.Fatalf("specials.jsonl = %q", specials)
	}
	st := s.status(t, sess.id)
	if !st.Connected || !st.Initialized || st.LastActivityAt == nil ||
		st.Counts != (avatargen.SessionCounts{Utterances: 1, AudioSeconds: 1, Frames: 50, Specials: 1}) {
		t.Fatalf("status %+v counts %+v", st, st.Counts)
	}
}

func TestAvatarWSInterruptDropsBufferedAudio(t *testing.T) {
	t.Parallel()
	s := freshAvatarServer(t)
	sess := s.startAvatar(t, nil)
	c := s.connect(t, sess)
	for i := 0; i < 10; i++ {
		c.send(voiceFrame(frame20ms(i)))
	}
	c.send(map[string]any{"command": "voice_interrupt", "event_id": "int-1"})
	ack := c.expect(gen.MsgVoiceInterruptAck)
	if ack["event_id"] != "int-1" || ack["dropped_frames"] != float64(10) || ack["dropped_seconds"] != 0.2 {
		t.Fatalf("voice_interrupt_ack %v, want 10 frames / 0.2 s dropped", ack)
	}
	c.send(map[string]any{"command": "voice_end", "event_id": "end"})
	if ack := c.expect(gen.MsgVoiceEndAck); ack["recorded"] != false {
		t.Fatalf("voice_end after the interrupt recorded: %v", ack)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.files(), sess.id)); s.readsFiles() && len(entries) != 0 {
		t.Fatalf("recording directory after an interrupt: %v, want empty", entries)
	}
	st := s.status(t, sess.id)
	if st.Counts != (avatargen.SessionCounts{Interruptions: 1, Frames: 10}) {
		t.Fatalf("counts %+v", st.Counts)
	}
}

func TestAvatarWSErrors(t *testing.T) {
	t.Parallel()
	s := freshAvatarServer(t)
	sess := s.startAvatar(t, nil)
	other := s.startAvatar(t, nil)
	c := s.dial(t, sess.token)
	expectError := func(code, message string) map[string]any {
		t.Helper()
		e := c.expect(gen.MsgError)
		if e["code"] != code || (message != "" && e["message"] != message) {
			t.Fatalf("error %v, want code %s message %q", e, code, message)
		}
		return e
	}
	c.send(initFrame(other.id))
	expectError("SESSION_MISMATCH", "session_id does not match the session token")
	bad := initFrame(sess.id)
	bad["agora_settings"].(map[string]any)["uid"] = "alice"
	c.send(bad)
	expectError("VALIDATION_ERROR", "Invalid value for field: agora_settings.uid (must be a decimal integer 0 to 4294967295 when enable_string_uid is false)")
	c.send(map[string]any{"command": "init", "session_id": sess.id, "quality": "ultra"})
	expectError("VALIDATION_ERROR", "")
	c.send(initFrame(sess.id))
	c.expect(gen.MsgInitAck)

	c.sendRaw([]byte(`{"command": "voice",`))
	expectError("INVALID_JSON", "Invalid JSON")
	c.sendRaw([]byte(`[1,2]`))
	expectError("VALIDATION_ERROR", "")
	c.send(map[string]any{"event_id": "x"})
	expectError("VALIDATION_ERROR", "Missing required field: command")
	if e := c.send2(map[string]any{"command": "speak", "event_id": "e-9"}); e != nil {
		t.Fatal(e)
	}
	if e := expectError("UNKNOWN_COMMAND", "Unknown command: speak"); e["in_reply_to"] != "speak" || e["event_id"] != "e-9" {
		t.Fatalf("unknown command error does not echo: %v", e)
	}
	c.send(map[string]any{"command": "voice", "audio": "AAAA", "encoding": "PCM16", "event_id": "v"})
	expectError("VALIDATION_ERROR", "")
	c.send(map[string]any{"command": "voice", "audio": "AAAA", "sampleRate": 4000, "encoding": "PCM16", "event_id": "v"})
	expectError("VALIDATION_ERROR", "")
	c.send(map[string]any{"command": "voice", "audio": "AAEC", "sampleRate": 48000, "encoding": "OPUS", "event_id": "v"})
	expectError("UNSUPPORTED_ENCODING", "Encoding OPUS is not supported; send PCM16 or PCM8")
	c.send(map[string]any{"command": "voice", "audio": "AAAA", "sampleRate": 24000.5, "encoding": "PCM16", "event_id": "v"})
	expectError("VALIDATION_ERROR", "")
	c.send(map[string]any{"command": "voice", "audio": "*not base64*", "sampleRate": 24000, "encoding": "PCM16", "event_id": "v"})
	expectError("INVALID_AUDIO", "Audio is not valid base64")
	c.send(map[string]any{"command": "voice", "audio": "AAAA", "sample_rate": 16000, "encoding": "PCM8", "event_id": "v"})
	c.send(map[string]any{"command": "voice", "audio": "AAAA", "sampleRate": 24000, "encoding": "PCM8", "event_id": "v"})
	expectError("AUDIO_FORMAT_CHANGED", "Audio format changed within an utterance (PCM8 at 16000 Hz expected)")
	c.send(map[string]any{"command": "heartbeat", "event_id": "h", "timestamp": -1})
	expectError("VALIDATION_ERROR", "")
	// A number the schema allows but no Go number holds is the client's
	// mistake, not an internal error.
	c.sendRaw([]byte(`{"command": "heartbeat", "event_id": "h", "timestamp": 1e999}`))
	expectError("VALIDATION_ERROR", "")
	c.send(map[string]any{"command": "special", "event_id": "s"})
	expectError("VALIDATION_ERROR", "Missing required field: content")
	// The connection is still usable after every refusal.
	c.send(map[string]any{"command": "voice_end", "event_id": "end"})
	if ack := c.expect(gen.MsgVoiceEndAck); ack["frames"] != float64(1) {
		t.Fatalf("voice_end_ack %v, want the one accepted PCM8 frame", ack)
	}
}

// send2 sends a frame the spec does not document (it is not recorded).
func (w *wsClient) send2(v map[string]any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.conn.WriteMessage(websocket.TextMessage, b)
}

func TestAvatarWSReconnectReplacesAndReinitializes(t *testing.T) {
	t.Parallel()
	s := freshAvatarServer(t)
	sess := s.startAvatar(t, nil)
	first := s.connect(t, sess)
	first.send(voiceFrame(frame20ms(1)))
	first.send(map[string]any{"command": "heartbeat", "event_id": "sync", "timestamp": 1})
	first.expect(gen.MsgHeartbeatAck) // the voice frame was handled

	second := s.dial(t, sess.token)
	if reason := first.expectClose(4009); reason != "replaced by a newer connection" {
		t.Fatalf("close reason %q", reason)
	}
	second.send(voiceFrame(frame20ms(2)))
	if e := second.expect(gen.MsgError); e["code"] != "NOT_INITIALIZED" {
		t.Fatalf("voice on a new connection before init: %v", e)
	}
	second.send(initFrame(sess.id))
	if ack := second.expect(gen.MsgInitAck); ack["resumed"] != true {
		t.Fatalf("init after reconnect: %v, want resumed true", ack)
	}
	second.send(voiceFrame(frame20ms(3)))
	second.send(map[string]any{"command": "voice_end", "event_id": "e"})
	if ack := second.expect(gen.MsgVoiceEndAck); ack["frames"] != float64(2) {
		t.Fatalf("voice_end_ack %v: the utterance did not survive the reconnect", ack)
	}
	if st := s.status(t, sess.id); !st.Connected {
		t.Fatal("status: not connected after the reconnect")
	}
}

// TestAvatarWSInitLikeConvoAISendsIt: init needs only session_id; every
// configuration field it leaves out keeps the start's (issue 9, item 4).
func TestAvatarWSInitLikeConvoAISendsIt(t *testing.T) {
	t.Parallel()
	s := freshAvatarServer(t)
	sess := s.startAvatar(t, nil)
	c := s.dial(t, sess.token)
	c.send(map[string]any{"command": "init", "session_id": sess.id})
	if ack := c.expect(gen.MsgInitAck); ack["resumed"] != false || ack["activity_idle_timeout"] != float64(120) {
		t.Fatalf("init_ack %v, want the start's timeout", ack)
	}
	c.send(map[string]any{"command": "init", "session_id": sess.id, "avatar_id": "other-avatar", "video_width": 720.0, "agora_settings": map[string]any{"token": "renewed"}})
	c.expect(gen.MsgInitAck)
	if st := s.status(t, sess.id); st.AvatarId != "other-avatar" || !st.Initialized {
		t.Fatalf("status after a partial init: %+v", st)
	}
	c.send(voiceFrame(frame20ms(1)))
	c.send(map[string]any{"command": "voice_end", "event_id": "end"})
	if ack := c.expect(gen.MsgVoiceEndAck); ack["recorded"] != true {
		t.Fatalf("voice_end_ack %v", ack)
	}
}

// kitVoiceAudio is the audio of the voice example in Agora's reference kit
// README (websocket-receive-audio): 285 bytes, an odd count for PCM16.
const kitVoiceAudio = "UklGRnoGAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQoGAACBhYqFbF1fdJivrJBhNjVgodDbq2EcBj+a2/LDciUFLIHO8tiJNwgZaLvt559NEAxQp+PwtmMcBjiR1/LMeSwFJHfH8N2QQAoUXrTp66hVFApGn+LyvmASBjqT2fPNeSsFJHfH8N2QQAoUXrTp66hVFApGn+LyvmASBjqT2fPNeSsFJHfH8N2QQAoUXrTp66hVFApGn+LyvmASBjqT2fPNeSsFJHfH8N2QQAoUXrTp66hVFApGn+LyvmASBjqT2fPNeSsFJHfH8N2QQAoUXrTp66hVFApGn+LyvmASBjqT2fPNeSsFJHfH8N2QQAoUXrTp"

// TestAvatarWSOddChunksAndFloatNumbers: PCM16 chunks with an odd byte
// count are reassembled byte for byte, and integral floats (24000.0) and
// float timestamps are accepted (issue 9, item 5).
func TestAvatarWSOddChunksAndFloatNumbers(t *testing.T) {
	t.Parallel()
	s := freshAvatarServer(t)
	sess := s.startAvatar(t, nil)
	c := s.connect(t, sess)
	chunk, err := base64.StdEncoding.DecodeString(kitVoiceAudio)
	if err != nil || len(chunk) != 285 {
		t.Fatalf("the kit's audio decodes to %d bytes (%v), want 285", len(chunk), err)
	}
	for i := 0; i < 2; i++ {
		c.sendRaw([]byte(`{"command":"voice","audio":"` + kitVoiceAudio + `","sampleRate":24000.0,"encoding":"PCM16","event_id":"550e8400-e29b-41d4-a716-44665544000` + strconv.Itoa(i) + `"}`))
	}
	c.sendRaw([]byte(`{"command":"heartbeat","event_id":"hb","timestamp":1673456789000.25}`))
	if ack := c.expect(gen.MsgHeartbeatAck); ack["timestamp"] != 1673456789000.25 {
		t.Fatalf("heartbeat_ack %v, want the float timestamp echoed", ack)
	}
	c.send(map[string]any{"command": "voice_end", "event_id": "end"})
	ack := c.expect(gen.MsgVoiceEndAck)
	if ack["recorded"] != true || ack["frames"] != float64(2) || ack["utterance_seconds"] != 570.0/48000 {
		t.Fatalf("voice_end_ack %v, want 2 frames, 570 bytes = %.6f s", ack, 570.0/48000)
	}
	info, data := s.readWAV(t, sess.id, 1)
	if want := append(append([]byte{}, chunk...), chunk...); s.readsFiles() && (!bytes.Equal(data, want) || info.Format.SampleRate != 24000) {
		t.Fatalf("recorded %d bytes at %d Hz, want the 570 sent bytes at 24000 Hz", len(data), info.Format.SampleRate)
	}
}
