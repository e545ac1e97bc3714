package avatar

import (
	"errors"
	"fmt"

	"github.com/sessionhub/server/internal/platform/fielderr"
)

var (
	// ErrNotFound: no active session with that id for this API key.
	ErrNotFound = errors.New("session not found or already terminated")
	// ErrInvalidToken: the session token is forged, malformed, of another
	// API, names no session, or belongs to another session.
	ErrInvalidToken = errors.New("invalid session token")
	// ErrMissingToken: no session token at all.
	ErrMissingToken = errors.New("missing session token")
	// ErrTokenExpired: an authentic token of the session, past its expiry.
	ErrTokenExpired = errors.New("session token expired")
	// ErrSessionEnded: the session was stopped or idled out.
	ErrSessionEnded = errors.New("session has ended")
	// ErrSessionMismatch: a session id that is not the token's session.
	ErrSessionMismatch = errors.New("session id does not match the session token")
	// ErrTooManySessions: the API key is at its concurrent-session limit.
	ErrTooManySessions = errors.New("too many concurrent sessions")
	// ErrNotInitialized: a stream command before an accepted init on the
	// connection.
	ErrNotInitialized = errors.New("send init first")
	// ErrUnsupportedEncoding: a valid encoding this server does not record.
	ErrUnsupportedEncoding = errors.New("unsupported audio encoding")
)

// LimitError says which limit a start ran into.
type LimitError struct{ Limit int }

func (e *LimitError) Error() string {
	return fmt.Sprintf("too many concurrent sessions (limit %d)", e.Limit)
}

// Is makes errors.Is(err, ErrTooManySessions) hold.
func (e *LimitError) Is(target error) bool { return target == ErrTooManySessions }

// SinkFullError is returned (wrapped) by an AudioSink that cannot keep
// more of a session's stream: the frame is refused, the session goes on.
type SinkFullError struct{ Limit int64 }

func (e *SinkFullError) Error() string {
	return fmt.Sprintf("The session's recording reached its limit of %d bytes; this frame was not recorded", e.Limit)
}

// InvalidFieldError is a value the contract's schema admits but a rule of
// the domain refuses; Field is the dotted path.
type InvalidFieldError = fielderr.Error

// InvalidAudioError is audio that cannot be recorded as sent.
type InvalidAudioError struct{ Reason string }

func (e *InvalidAudioError) Error() string { return e.Reason }

// FormatChangedError is a voice frame whose format differs from its
// utterance's.
type FormatChangedError struct{ Want AudioFormat }

func (e *FormatChangedError) Error() string {
	return fmt.Sprintf("Audio format changed within an utterance (%s at %d Hz expected)", e.Want.Encoding, e.Want.SampleRate)
}
