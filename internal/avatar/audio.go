package avatar

import (
	"context"
	"encoding/base64"
	"math"
	"strings"
	"time"
)

// AudioSink is what the server does with a session's stream: the one place
// where audio, utterance boundaries and special instructions leave the
// domain. The built-in implementation (internal/avatar/recording) records
// them under DATA_DIR; rendering the avatar and publishing its video and
// audio to the session's Agora channel is what a production implementation
// does behind the same interface.
//
// Calls for one session never overlap and come in stream order; calls for
// different sessions run concurrently. Every method is called only for a
// session whose init was accepted, Configure first. An error from a method
// refuses that one frame (the client gets INTERNAL_ERROR, or
// RECORDING_LIMIT_REACHED for a SinkFullError); Close is always called once
// the session is over in this process.
type AudioSink interface {
	// Configure passes the session's configuration (each accepted init,
	// and again after a reconnect): avatar, quality, encoding, Agora
	// settings and the vendor fields.
	Configure(ctx context.Context, sessionID string, cfg Config) error
	// Audio passes the PCM of one voice frame. The first frame after
	// Configure, EndUtterance or Interrupt opens an utterance; the
	// domain guarantees that frames of one utterance share a format.
	Audio(ctx context.Context, sessionID string, format AudioFormat, pcm []byte) error
	// EndUtterance completes the open utterance: it is spoken in full.
	// After it returns, with an error too, no utterance is open.
	EndUtterance(ctx context.Context, sessionID string) error
	// Interrupt drops the open utterance's audio: stop speaking at once.
	// After it returns, with an error too, no utterance is open.
	Interrupt(ctx context.Context, sessionID string) error
	// Special passes a special instruction (a gesture, XML or JSON).
	Special(ctx context.Context, sessionID string, s Special) error
	// Close releases the session: it ended, or its process is stopping.
	// An utterance still open was completed with EndUtterance first.
	Close(ctx context.Context, sessionID string) error
}

// Audio encodings the protocol names.
const (
	EncodingPCM16 = "PCM16"
	EncodingPCM8  = "PCM8"
	EncodingOpus  = "OPUS"
)

// MaxAudioBytes bounds the decoded audio of one voice frame (1 MiB).
const MaxAudioBytes = 1 << 20

// AudioFormat is how a frame's PCM is laid out: mono, signed 16-bit
// little-endian (PCM16) or unsigned 8-bit (PCM8), at SampleRate Hz.
type AudioFormat struct {
	Encoding   string
	SampleRate int
}

// BytesPerSample is 2 for PCM16 and 1 for PCM8.
func (f AudioFormat) BytesPerSample() int {
	if f.Encoding == EncodingPCM16 {
		return 2
	}
	return 1
}

// Seconds is how long n bytes of audio in this format play.
func (f AudioFormat) Seconds(n int64) float64 {
	if f.SampleRate <= 0 {
		return 0
	}
	return float64(n) / float64(f.SampleRate*f.BytesPerSample())
}

// Voice is one voice frame as sent: base64 audio, the encoding and the
// sample rate under either of its names. JSON encoders may write a whole
// number as 24000.0, so rates arrive as floats and must be whole.
type Voice struct {
	Audio           string
	Encoding        string
	SampleRate      *float64 // sampleRate
	SampleRateAlias *float64 // sample_rate
}

// decode applies the protocol's rules to a voice frame and returns its
// format and PCM. The PCM need not hold whole samples: the utterance
// carries a partial sample over to its next chunk.
func (v Voice) decode() (AudioFormat, []byte, error) {
	if v.Encoding == EncodingOpus {
		return AudioFormat{}, nil, ErrUnsupportedEncoding
	}
	if v.Encoding != EncodingPCM16 && v.Encoding != EncodingPCM8 {
		return AudioFormat{}, nil, &InvalidFieldError{Field: "encoding", Reason: "must be one of PCM16, PCM8, OPUS"}
	}
	var rate float64
	switch {
	case v.SampleRate != nil && v.SampleRateAlias != nil && *v.SampleRate != *v.SampleRateAlias:
		return AudioFormat{}, nil, &InvalidFieldError{Field: "sample_rate", Reason: "must equal sampleRate"}
	case v.SampleRate != nil:
		rate = *v.SampleRate
	case v.SampleRateAlias != nil:
		rate = *v.SampleRateAlias
	default:
		return AudioFormat{}, nil, &InvalidFieldError{Field: "sampleRate", Reason: "missing"}
	}
	if rate < 8000 || rate > 48000 || rate != math.Trunc(rate) {
		return AudioFormat{}, nil, &InvalidFieldError{Field: "sampleRate", Reason: "must be a whole number from 8000 to 48000"}
	}
	pcm, err := decodeBase64(v.Audio)
	if err != nil {
		return AudioFormat{}, nil, &InvalidAudioError{Reason: "Audio is not valid base64"}
	}
	if len(pcm) == 0 || len(pcm) > MaxAudioBytes {
		return AudioFormat{}, nil, &InvalidFieldError{Field: "audio", Reason: "must decode to 1 to 1048576 bytes"}
	}
	return AudioFormat{Encoding: v.Encoding, SampleRate: int(rate)}, pcm, nil
}

// decodeBase64 accepts standard base64 with or without padding and
// refuses whitespace (which encoding/base64 would skip).
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, " \t\r\n") {
		return nil, base64.CorruptInputError(0)
	}
	if len(s)%4 == 0 {
		return base64.StdEncoding.Strict().DecodeString(s)
	}
	return base64.RawStdEncoding.Strict().DecodeString(s)
}

// Special is one accepted special instruction.
type Special struct {
	EventID    string
	Content    string
	ReceivedAt time.Time
}

// Utterance is what voice_end closed.
type Utterance struct {
	Recorded bool
	Seconds  float64
	Frames   int64
}

// Dropped is what voice_interrupt discarded.
type Dropped struct {
	Seconds float64
	Frames  int64
}
