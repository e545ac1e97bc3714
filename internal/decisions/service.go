package decisions

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/idcursor"
	"github.com/sessionhub/server/internal/platform/paging"
)

// Service holds the rules of registration, tokens and the decision log.
type Service struct {
	store Store
	keys  *auth.KeySet
	now   func() time.Time
}

// NewService returns a Service over store that accepts apiKeys for Register.
func NewService(store Store, apiKeys *auth.KeySet) *Service {
	return &Service{store: store, keys: apiKeys, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// CheckAPIKey accepts one of the configured keys (compared in constant
// time). The adapter calls it before looking at Register's other fields, as
// the spec orders the checks; Register calls it again.
func (s *Service) CheckAPIKey(key string) error {
	if key == "" || !s.keys.Contains(key) {
		return ErrInvalidAPIKey
	}
	return nil
}

// Register creates the user identified by n.Checksum and issues its first
// token. The seed's client registers on every start, so a checksum already
// registered gets a new token as Connect would give it; the stored name and
// prompt are never overwritten. The key is checked before anything else, so
// a wrong key says nothing about the checksum.
func (s *Service) Register(ctx context.Context, apiKey string, n NewUser) (Registration, error) {
	if err := s.CheckAPIKey(apiKey); err != nil {
		return Registration{}, err
	}
	if err := n.validate(); err != nil {
		return Registration{}, err
	}
	now := s.now()
	user := User{ID: uuid.NewString(), ChecksumHash: HashChecksum(n.Checksum), Name: n.Name, Prompt: n.Prompt, CreatedAt: now}
	token := newToken()
	err := s.store.CreateUser(ctx, user, IssuedToken{Hash: HashToken(token), UserID: user.ID, IssuedAt: now})
	switch {
	case err == nil:
		return Registration{Token: token, Created: true}, nil
	case errors.Is(err, ErrChecksumTaken):
		// Also the loser of two concurrent first Registers: the winner's
		// user is committed by now, and users are never deleted.
		token, err := s.issueToken(ctx, user.ChecksumHash)
		return Registration{Token: token}, err
	default:
		return Registration{}, fmt.Errorf("register: %w", err)
	}
}

// Connect issues a new token to the user with that checksum; the user's
// other tokens stay valid (up to MaxLiveTokens).
func (s *Service) Connect(ctx context.Context, checksum string) (string, error) {
	if err := checkLength("checksum", checksum, 1, MaxChecksumLength); err != nil {
		return "", err
	}
	return s.issueToken(ctx, HashChecksum(checksum))
}

// issueToken gives the user with that checksum hash one more live token,
// revoking its oldest beyond MaxLiveTokens.
func (s *Service) issueToken(ctx context.Context, checksumHash string) (string, error) {
	userID, err := s.store.UserIDByChecksum(ctx, checksumHash)
	if err != nil {
		return "", fmt.Errorf("find user: %w", err)
	}
	token := newToken()
	if err := s.store.IssueToken(ctx, IssuedToken{Hash: HashToken(token), UserID: userID, IssuedAt: s.now()}, MaxLiveTokens); err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return token, nil
}

// Authenticate checks a token against the stored hashes; every token
// action calls it, so a revocation anywhere takes effect at once.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if !wellFormedToken(token) {
		return Principal{}, ErrInvalidToken
	}
	hash := HashToken(token)
	userID, err := s.store.UserIDByToken(ctx, hash)
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	return Principal{userID: userID, tokenHash: hash}, nil
}

// Disconnect revokes the principal's token (only that one).
func (s *Service) Disconnect(ctx context.Context, p Principal) error {
	if err := s.store.RevokeToken(ctx, p.tokenHash, s.now()); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// TakeDecision appends message to the principal's decision log.
func (s *Service) TakeDecision(ctx context.Context, p Principal, message string) (Decision, error) {
	if err := checkLength("message", message, 1, MaxMessageLength); err != nil {
		return Decision{}, err
	}
	d := Decision{ID: uuid.NewString(), UserID: p.userID, Message: message, RecordedAt: s.now()}
	if err := s.store.AppendDecision(ctx, d, p.tokenHash); err != nil {
		return Decision{}, fmt.Errorf("record decision: %w", err)
	}
	return d, nil
}

// Decisions reads back one page of the principal's decisions, newest first.
func (s *Service) Decisions(ctx context.Context, p Principal, q PageQuery) (Page, error) {
	limit, err := Pages.Of(ErrInvalid, q.Limit)
	if err != nil {
		return Page{}, err
	}
	before := ""
	if q.Before != "" {
		var ok bool
		if before, ok = idcursor.Decode(q.Before); !ok {
			return Page{}, ErrInvalidCursor
		}
	}
	list, next, err := paging.Read(limit, func(n int) ([]Decision, error) {
		return s.store.ListDecisions(ctx, p.userID, before, n)
	}, func(last Decision) string { return idcursor.Encode(last.ID) })
	if err != nil {
		return Page{}, fmt.Errorf("list decisions: %w", err)
	}
	return Page{Decisions: list, NextCursor: next}, nil
}

func (n NewUser) validate() error {
	if err := checkLength("checksum", n.Checksum, 1, MaxChecksumLength); err != nil {
		return err
	}
	if err := checkLength("name", n.Name, 1, MaxNameLength); err != nil {
		return err
	}
	return checkLength("prompt", n.Prompt, 0, MaxPromptLength)
}

// checkLength counts characters (runes), as JSON Schema's lengths do.
func checkLength(field, value string, lo, hi int) error {
	n := utf8.RuneCountInString(value)
	switch {
	case n < lo && lo == 1:
		return fieldError(field, "must not be empty")
	case n < lo:
		return fieldError(field, fmt.Sprintf("must be at least %d characters", lo))
	case n > hi:
		return fieldError(field, fmt.Sprintf("must be at most %d characters", hi))
	}
	return nil
}
