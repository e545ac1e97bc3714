// Package avatar is the avatar video-session domain (seed 003): sessions that
// Agora ConvoAI starts and stops over REST, each with a signed session token.
package avatar

import (
	"errors"
	"fmt"
	"time"
)

// State is whether a session can still be used.
type State string

const (
	StateActive State = "active"
	StateEnded  State = "ended"
)

// EndReason says why a session ended.
type EndReason string

const (
	EndedByStop        EndReason = "stopped"
	EndedByIdleTimeout EndReason = "idle_timeout"
	EndedByRestart     EndReason = "server_restart"
)

var (
	// ErrNotFound: no active session with that id for this API key.
	ErrNotFound = errors.New("session not found or already terminated")
	// ErrInvalidToken: the session token is forged, expired or belongs to
	// another session.
	ErrInvalidToken = errors.New("invalid session token")
	// ErrMissingToken: a stop named no session token at all.
	ErrMissingToken = errors.New("missing session token")
	// ErrTooManySessions: the API key is at its concurrent-session limit.
	ErrTooManySessions = errors.New("too many concurrent sessions")
)

// LimitError says which limit a start ran into.
type LimitError struct{ Limit int }

func (e *LimitError) Error() string {
	return fmt.Sprintf("too many concurrent sessions (limit %d)", e.Limit)
}

// Is makes errors.Is(err, ErrTooManySessions) hold.
func (e *LimitError) Is(target error) bool { return target == ErrTooManySessions }

// AgoraSettings is where the avatar publishes its stream.
type AgoraSettings struct {
	AppID           string
	Token           string
	Channel         string
	UID             string
	EnableStringUID bool
}

// Config is what /session/start (and the WebSocket init) configures.
type Config struct {
	AvatarID            string
	Quality             string
	Version             string
	VideoEncoding       string
	ActivityIdleTimeout time.Duration // 0 disables
	Agora               AgoraSettings
	// Vendor holds the optional and unknown top-level fields as sent (JSON).
	Vendor []byte
}

// DefaultIdleTimeout applies when the start request names none.
const DefaultIdleTimeout = 120 * time.Second

// TokenTTL bounds a session's token, and so how long a session can be
// connected to.
const TokenTTL = 24 * time.Hour

// Session is one avatar session.
type Session struct {
	ID             string
	KeyFingerprint string // which API key started it (never the key itself)
	Config         Config
	State          State
	EndedReason    EndReason
	CreatedAt      time.Time
	EndedAt        *time.Time
}

// Started is what a successful start returns to the caller.
type Started struct {
	Session Session
	Token   string
}
