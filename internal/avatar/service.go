package avatar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/uuidform"
)

// Store keeps avatar sessions.
type Store interface {
	// Create stores s unless its key already has limit active sessions
	// (limit 0: no limit), atomically; then it returns a *LimitError.
	Create(ctx context.Context, s Session, limit int) error
	// Get returns the session with id started by the key with fingerprint.
	Get(ctx context.Context, fingerprint, id string) (Session, error)
	// Find returns the session with id, whoever started it.
	Find(ctx context.Context, id string) (Session, error)
	// End marks an active session ended; ErrNotFound when it is not active.
	End(ctx context.Context, fingerprint, id string, reason EndReason, at time.Time) error
	// Configure stores an accepted init of an active session: cfg, the
	// idle deadline that follows from it, and that it was initialized. It
	// reports whether it had been initialized before.
	Configure(ctx context.Context, id string, cfg Config, deadline *time.Time) (resumed bool, err error)
	// Connect records that instance holds the active session's WebSocket.
	Connect(ctx context.Context, id, instance string) error
	// Disconnect clears the WebSocket owner if it is still instance.
	Disconnect(ctx context.Context, id, instance string) error
	// Record adds each delta's counts, in one transaction; when a delta
	// carries an activity time and its session is active, it also moves the
	// last activity and idle deadline.
	Record(ctx context.Context, batch []Recorded) error
	// EndIdle ends the active sessions whose idle deadline is not after
	// now and returns their ids; each is ended by exactly one caller.
	EndIdle(ctx context.Context, now time.Time) ([]string, error)
	// Lease records that instance is alive at now.
	Lease(ctx context.Context, instance string, now time.Time) error
	// DropLease forgets instance (it is stopping).
	DropLease(ctx context.Context, instance string) error
	// ReleaseOrphaned marks as not connected the sessions held by an
	// instance with no lease since staleBefore (it died); they stay active.
	ReleaseOrphaned(ctx context.Context, staleBefore time.Time) error
}

// Delta is what a live session adds to its stored state.
type Delta struct {
	Counts   Counts
	Activity *time.Time // last activity, nil when none happened
	Deadline *time.Time // idle deadline after Activity (nil: disabled)
}

// Recorded is one session's delta in a Record batch.
type Recorded struct {
	SessionID string
	Delta
}

// Bus reaches every server process sharing the database
// (internal/platform/pubsub satisfies it).
type Bus interface {
	Publish(ctx context.Context, topic string, payload []byte) error
	Subscribe(topic string, fn func(payload []byte)) (unsubscribe func())
}

// Options configure a Service.
type Options struct {
	// MaxSessionsPerKey bounds the active sessions of one API key (0: none).
	MaxSessionsPerKey int
	// Sink receives every session's audio (required).
	Sink AudioSink
	// Bus carries session events between server processes (required).
	Bus Bus
	// Instance names this server process (default: a random UUID).
	Instance string
	// Now is the clock (default: time.Now in UTC, microseconds).
	Now func() time.Time
	// Logger receives background failures (default slog.Default()).
	Logger *slog.Logger
}

// Service starts, streams and ends sessions.
type Service struct {
	store     Store
	tokens    *auth.Signer
	maxPerKey int
	sink      AudioSink
	bus       Bus
	instance  string
	now       func() time.Time
	log       *slog.Logger

	mu   sync.Mutex
	live map[string]*liveSession // sessions with state in this process

	writer *recordWriter

	unsubscribe func()
}

// NewService returns a Service; tokens signs the session tokens.
func NewService(store Store, tokens *auth.Signer, opts Options) *Service {
	s := &Service{
		store: store, tokens: tokens, maxPerKey: opts.MaxSessionsPerKey, sink: opts.Sink, bus: opts.Bus,
		instance: opts.Instance, now: opts.Now, log: opts.Logger, live: map[string]*liveSession{},
	}
	if s.instance == "" {
		s.instance = uuid.NewString()
	}
	if s.now == nil {
		s.now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.writer = newRecordWriter(store)
	s.unsubscribe = s.bus.Subscribe(eventTopic, s.onEvent)
	return s
}

// Start creates a session for the API key and mints its token.
func (s *Service) Start(ctx context.Context, apiKey string, cfg Config) (Started, error) {
	if err := cfg.validate(); err != nil {
		return Started{}, err
	}
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
	if err := s.store.Create(ctx, sess, s.maxPerKey); err != nil {
		return Started{}, fmt.Errorf("store avatar session: %w", err)
	}
	return Started{Session: sess, Token: token}, nil
}

// Stop ends the session id if token is that session's token. The session
// is looked up first, among the API key's active sessions (ErrNotFound),
// then the token is checked (ErrInvalidToken): Agora's reference tests
// expect 404 for an unknown session whatever token comes with it. The
// token's expiry is not checked: it still proves whose session it is. The
// session's live WebSocket, wherever it is, is closed.
func (s *Service) Stop(ctx context.Context, apiKey, id, token string) error {
	if token == "" {
		return ErrMissingToken
	}
	if !uuidform.Valid(id) {
		return ErrNotFound
	}
	fingerprint := auth.Fingerprint(apiKey)
	sess, err := s.store.Get(ctx, fingerprint, id)
	if err != nil {
		return err
	}
	if sess.State != StateActive {
		return ErrNotFound
	}
	claims, err := s.tokens.VerifyAllowExpired(token)
	if err != nil || claims.SessionID != id {
		return fmt.Errorf("%w: not a token of session %s", ErrInvalidToken, id)
	}
	if err := s.store.End(ctx, fingerprint, id, EndedByStop, s.now()); err != nil {
		return err
	}
	s.announceEnded(ctx, id, EndedByStop)
	return nil
}

// Status returns a session of the API key, active or ended. Ids are UUIDs
// minted here, so any other text names no session and never reaches the
// database (PostgreSQL refuses NUL and invalid UTF-8 in a query).
func (s *Service) Status(ctx context.Context, apiKey, id string) (Session, error) {
	if !uuidform.Valid(id) {
		return Session{}, ErrNotFound
	}
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

// Authorize decides whether token may open a WebSocket, checking in the
// documented order: authentic and naming a session (ErrInvalidToken), not
// expired (ErrTokenExpired), session active (ErrSessionEnded), and, when
// wantID is not empty, that session (ErrSessionMismatch). A missing token
// is the caller's ErrMissingToken.
func (s *Service) Authorize(ctx context.Context, token, wantID string) (string, error) {
	if token == "" {
		return "", ErrMissingToken
	}
	claims, err := s.tokens.VerifyAllowExpired(token)
	if err != nil || claims.SessionID == "" {
		return "", fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	sess, err := s.store.Find(ctx, claims.SessionID)
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("%w: names no session", ErrInvalidToken)
	}
	if err != nil {
		return "", err
	}
	if claims.ExpiresAt == nil || !s.now().Before(claims.ExpiresAt.Time) {
		return "", ErrTokenExpired
	}
	if sess.State != StateActive {
		return "", ErrSessionEnded
	}
	if wantID != "" && wantID != sess.ID {
		return "", ErrSessionMismatch
	}
	return sess.ID, nil
}
