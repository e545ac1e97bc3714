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
	Create(ctx context.Context, s Session) error
	// Get returns the session with id started by the key with fingerprint.
	Get(ctx context.Context, fingerprint, id string) (Session, error)
	// End marks an active session ended; ErrNotFound when it is not active.
	End(ctx context.Context, fingerprint, id string, reason EndReason, at time.Time) error
}

// Service starts and stops sessions.
type Service struct {
	store  Store
	tokens *auth.Signer
	now    func() time.Time
}

// NewService returns a Service; tokens signs the session tokens.
func NewService(store Store, tokens *auth.Signer) *Service {
	return &Service{store: store, tokens: tokens, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
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
	if err := s.store.Create(ctx, sess); err != nil {
		return Started{}, fmt.Errorf("store avatar session: %w", err)
	}
	return Started{Session: sess, Token: token}, nil
}

// Stop ends the session id if token is that session's token.
func (s *Service) Stop(ctx context.Context, apiKey, id, token string) error {
	if _, err := s.VerifyToken(token, id); err != nil {
		return err
	}
	return s.store.End(ctx, auth.Fingerprint(apiKey), id, EndedByStop, s.now())
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
