// Package avatar is the avatar video-session domain (seed 003): sessions that
// Agora ConvoAI starts and stops over REST, each with a signed session token.
package avatar

import (
	"strconv"
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

// Earlier versions also ended a session whose process stopped
// ("server_restart"); such stored sessions read back as they were.
const (
	EndedByStop        EndReason = "stopped"
	EndedByIdleTimeout EndReason = "idle_timeout"
)

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

// IdleTimeoutOf is activity_idle_timeout, in seconds, as a duration: 0
// disables the timeout, and a positive value too small for a Duration is
// its smallest (1 ns), never 0.
func IdleTimeoutOf(seconds float64) time.Duration {
	d := time.Duration(seconds * float64(time.Second))
	if d == 0 && seconds > 0 {
		return time.Nanosecond
	}
	return d
}

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

	// LastActivityAt is the last accepted activity frame (nil before one).
	LastActivityAt *time.Time
	// Initialized: an init was accepted on one of its connections.
	Initialized bool
	// ConnectedInstance names the server process holding its WebSocket
	// ("" when none is open).
	ConnectedInstance string
	Counts            Counts
}

// Connected reports whether a WebSocket of the session is open.
func (s Session) Connected() bool { return s.State == StateActive && s.ConnectedInstance != "" }

// Counts is what the session's avatar backend received.
type Counts struct {
	Utterances    int64
	AudioSeconds  float64
	Interruptions int64
	Specials      int64
	Frames        int64
}

func (c *Counts) add(d Counts) {
	c.Utterances += d.Utterances
	c.AudioSeconds += d.AudioSeconds
	c.Interruptions += d.Interruptions
	c.Specials += d.Specials
	c.Frames += d.Frames
}

// IdleDeadline is when a session whose last activity (or start) was at
// base ends by itself; nil when the timeout is disabled.
func IdleDeadline(base time.Time, timeout time.Duration) *time.Time {
	if timeout <= 0 {
		return nil
	}
	d := base.Add(timeout)
	return &d
}

// Started is what a successful start returns to the caller.
type Started struct {
	Session Session
	Token   string
}

// validate applies the rules the contract's schema cannot express.
func (c Config) validate() error {
	if !c.Agora.EnableStringUID {
		if n, err := strconv.ParseUint(c.Agora.UID, 10, 32); err != nil || strconv.FormatUint(n, 10) != c.Agora.UID {
			return &InvalidFieldError{Field: "agora_settings.uid", Reason: "must be a decimal integer 0 to 4294967295 when enable_string_uid is false"}
		}
	}
	return nil
}
