package avatar

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/auth"
)

// Store keeps avatar sessions.
type Store interface {
	// Create stores s unless its key already has limit active sessions
	// (limit 0: no limit), atomically; then it returns a *LimitError.
	Create(ctx context.Context, s Session, limit int) error
	// Get returns the session with id started by the key with fingerprint.
	Get(ctx context.Context, fingerprint, id string) (Session, error)
	// End marks an active session ended; ErrNotFound when it is not active.
	End(ctx context.Context, fingerprint, id string, reason EndReason, at time.Time) error
}

// Service starts and stops sessions.
type Service struct {
	store          Store
	tokens         *auth.Signer
	maxSessionsKey int
	now            func() time.Time
}

// NewService returns a Service; tokens signs the session tokens and
// maxPerKey bounds the active sessions of one API key (0: unbounded).
func NewService(store Store, tokens *auth.Signer, maxPerKey int) *Service {
	return &Service{store: store, tokens: tokens, maxSessionsKey: maxPerKey, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Start creates a session for the API key and mints its token.
func (s *Service) Start(ctx context.Context, apiKey string, cfg Config) (Started, error) {
	sess := Session{
		ID:             uuid.NewString(),
		KeyFingerprint: auth.Fingerprint(apiKey),
		Config:         cfg,
		State:          StateActive,
		CreatedAt:      s.now(),
	}
	token, _, err := s.tokens.Mint(sess.ID, sess.ID, TokenTTL)
	if err != nil {
		return Started{}, err
	}
	if err := s.store.Create(ctx, sess, s.maxSessionsKey); err != nil {
		return Started{}, fmt.Errorf("store avatar session: %w", err)
	}
	return Started{Session: sess, Token: token}, nil
}

// Stop ends the session id if token is that session's token. The token's
// expiry is not checked: it still proves whose session it is.
func (s *Service) Stop(ctx context.Context, apiKey, id, token string) error {
	if token == "" {
		return ErrMissingToken
	}
	claims, err := s.tokens.VerifyAllowExpired(token)
	if err != nil || claims.SessionID != id {
		return fmt.Errorf("%w: not a token of session %s", ErrInvalidToken, id)
	}
	return s.store.End(ctx, auth.Fingerprint(apiKey), id, EndedByStop, s.now())
}

// Status returns a session of the API key, active or ended.
func (s *Service) Status(ctx context.Context, apiKey, id string) (Session, error) {
	return s.store.Get(ctx, auth.Fingerprint(apiKey), id)
}

// VerifyToken checks a session token and, when wantID is not empty, that it
// belongs to that session. It returns the session id the token is bound to.
func (s *Service) VerifyToken(token, wantID string) (string, error) {
	claims, err := s.tokens.Verify(token)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if claims.SessionID == "" || (wantID != "" && claims.SessionID != wantID) {
		return "", fmt.Errorf("%w: token is bound to another session", ErrInvalidToken)
	}
	return claims.SessionID, nil
}
