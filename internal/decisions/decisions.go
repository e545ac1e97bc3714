// Package decisions is the decision-actions domain (seed 004): users
// identified by a checksum, the bearer tokens they are issued, and the
// append-only log of the decisions they take.
package decisions

import (
	"context"
	"errors"
	"time"

	"github.com/sessionhub/server/internal/platform/fielderr"
	"github.com/sessionhub/server/internal/platform/paging"
)

// Limits the spec documents.
const (
	MaxChecksumLength = 256
	MaxNameLength     = 200
	MaxPromptLength   = 10000
	MaxMessageLength  = 10000
	// MaxLiveTokens is how many unrevoked tokens one user may hold; issuing
	// another revokes that user's oldest.
	MaxLiveTokens = 100
)

// Pages bound GetDecisions pages.
var Pages = paging.Sizes{Default: 50, Max: 100}

var (
	// ErrInvalidAPIKey: Register without an accepted API key.
	ErrInvalidAPIKey = errors.New("invalid API key")
	// ErrChecksumTaken is the store's answer when a new user's checksum
	// belongs to a user already. Register answers it with a token for that
	// user, so no client ever sees it.
	ErrChecksumTaken = errors.New("checksum already registered")
	// ErrNotRegistered: no user has that checksum.
	ErrNotRegistered = errors.New("unknown checksum")
	// ErrInvalidToken: the token is missing, malformed, unknown or revoked.
	ErrInvalidToken = errors.New("invalid or revoked token")
	// ErrInvalid: a field breaks a domain rule (see FieldError).
	ErrInvalid = errors.New("invalid decision request")
)

// FieldError names the field that broke a rule and why; errors.Is(err,
// ErrInvalid) holds for it.
type FieldError = fielderr.Error

func fieldError(field, reason string) error { return fielderr.New(ErrInvalid, field, reason) }

// IsCredentialFailure reports whether err is a failed credential check (API
// key, checksum or token): the failures brute force produces, which the
// limiters count.
func IsCredentialFailure(err error) bool {
	return IsFailedGuess(err) || errors.Is(err, ErrInvalidToken)
}

// IsFailedGuess reports whether err is a failed check of a credential that
// could be guessed: an API key or a checksum (a token has 256 random bits).
func IsFailedGuess(err error) bool {
	return errors.Is(err, ErrInvalidAPIKey) || errors.Is(err, ErrNotRegistered)
}

// NewUser is what Register stores.
type NewUser struct {
	Checksum string
	Name     string
	Prompt   string
}

// Registration is Register's answer: a new token, and whether the Register
// created its user (false: the checksum was registered before).
type Registration struct {
	Token   string
	Created bool
}

// User is a registered user as stored: the checksum only as its hash.
type User struct {
	ID           string
	ChecksumHash string
	Name         string
	Prompt       string
	CreatedAt    time.Time
}

// IssuedToken is a token's stored form: its hash, never the token itself.
type IssuedToken struct {
	Hash     string
	UserID   string
	IssuedAt time.Time
}

// Decision is one entry of a user's append-only decision log.
type Decision struct {
	ID         string
	UserID     string
	Message    string
	RecordedAt time.Time
}

// Page is one page of a user's decisions, newest first. NextCursor is empty
// on the last page.
type Page struct {
	Decisions  []Decision
	NextCursor string
}

// PageQuery selects a page: Limit 0 means Pages.Default, Before a cursor
// from an earlier page ("" for the newest decisions).
type PageQuery struct {
	Limit  int
	Before string
}

// Principal is an authenticated token: only Service.Authenticate makes one,
// so every action that takes a Principal has checked its token.
type Principal struct {
	userID    string
	tokenHash string
}

// UserID is the token's user.
func (p Principal) UserID() string { return p.userID }

// Store keeps users, token hashes and decisions. Decisions are only ever
// appended and read: the store has no way to change or delete one.
type Store interface {
	// CreateUser stores u with its first token, or returns ErrChecksumTaken
	// (storing nothing) when u's checksum hash is taken.
	CreateUser(ctx context.Context, u User, first IssuedToken) error
	// UserIDByChecksum returns the id of the user with that checksum hash,
	// or ErrNotRegistered.
	UserIDByChecksum(ctx context.Context, checksumHash string) (string, error)
	// IssueToken stores t, revoking the user's oldest live tokens so that at
	// most maxLive remain live.
	IssueToken(ctx context.Context, t IssuedToken, maxLive int) error
	// UserIDByToken returns the user of a live (unrevoked) token hash, or
	// ErrInvalidToken.
	UserIDByToken(ctx context.Context, tokenHash string) (string, error)
	// RevokeToken revokes a live token hash, or returns ErrInvalidToken.
	RevokeToken(ctx context.Context, tokenHash string, at time.Time) error
	// AppendDecision adds d to its user's log if the token with tokenHash is
	// still live, else returns ErrInvalidToken and stores nothing.
	AppendDecision(ctx context.Context, d Decision, tokenHash string) error
	// ListDecisions returns up to limit decisions of userID, newest first,
	// older than the user's decision beforeID ("" for the newest), or
	// ErrInvalidCursor when beforeID is not one of the user's decisions.
	ListDecisions(ctx context.Context, userID, beforeID string, limit int) ([]Decision, error)
}
