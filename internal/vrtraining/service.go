package vrtraining

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/platform/idcursor"
	"github.com/sessionhub/server/internal/platform/paging"
)

// Store keeps sessions. Update runs fn inside one transaction on the locked
// row, so concurrent updates of a session are serialized.
type Store interface {
	Create(ctx context.Context, s Session) error
	Get(ctx context.Context, id string) (Session, error)
	// List returns up to limit sessions (only running and paused ones when
	// activeOnly) oldest first (createdAt, then id), after the session
	// after when it is not nil.
	List(ctx context.Context, activeOnly bool, after *Session, limit int) ([]Session, error)
	Update(ctx context.Context, id string, fn func(*Session) error) (Session, error)
}

// ChangeKind says what happened to a session.
type ChangeKind string

const (
	Created ChangeKind = "created"
	Updated ChangeKind = "updated"
)

// Change is one notification for watchers.
type Change struct {
	Kind    ChangeKind `json:"kind"`
	Session Session    `json:"session"`
}

// ChangesTopic is the bus topic that carries every Change to the watchers
// of every server process.
const ChangesTopic = "vrtraining.changes"

// Publisher reaches every server process (pubsub.Bus).
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte) error
}

// Service holds the session rules and publishes every change.
type Service struct {
	store   Store
	changes Publisher
	now     func() time.Time
}

// NewService returns a Service over store that publishes changes on bus.
func NewService(store Store, bus Publisher) *Service {
	return &Service{store: store, changes: bus, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Create starts a new session; it begins running.
func (s *Service) Create(ctx context.Context, n NewSession) (Session, error) {
	if err := n.validate(); err != nil {
		return Session{}, err
	}
	now := s.now()
	sess := Session{
		ID: uuid.NewString(), ScenarioID: n.ScenarioID, AvatarID: n.AvatarID, ObserverID: n.ObserverID,
		Status: StatusRunning, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store.Create(ctx, sess); err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	s.publish(ctx, Change{Kind: Created, Session: sess})
	return sess, nil
}

// Update changes a session's status, notes and score.
func (s *Service) Update(ctx context.Context, id string, u Update) (Session, error) {
	if u.Notes != nil && len([]rune(*u.Notes)) > MaxNotesLength {
		return Session{}, fmt.Errorf("%w: notes longer than %d characters", ErrInvalid, MaxNotesLength)
	}
	sess, err := s.store.Update(ctx, id, func(sess *Session) error { return u.apply(sess, s.now()) })
	if err != nil {
		return Session{}, err
	}
	s.publish(ctx, Change{Kind: Updated, Session: sess})
	return sess, nil
}

// Get returns one session.
func (s *Service) Get(ctx context.Context, id string) (Session, error) {
	return s.store.Get(ctx, id)
}

// PageQuery selects one page of a session list.
type PageQuery struct {
	ActiveOnly bool   // only running and paused sessions
	Limit      int    // 0: Pages.Default
	After      string // a Page's NextCursor; "" for the first page
}

// Page is one page of a session list, oldest first.
type Page struct {
	Sessions   []Session
	NextCursor string // "" on the last page
}

// List returns one page of all sessions, or of the active ones.
func (s *Service) List(ctx context.Context, q PageQuery) (Page, error) {
	limit, err := Pages.Of(ErrInvalid, q.Limit)
	if err != nil {
		return Page{}, err
	}
	var after *Session
	if q.After != "" {
		id, ok := idcursor.Decode(q.After)
		if !ok {
			return Page{}, errBadCursor
		}
		last, err := s.store.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return Page{}, errBadCursor
		}
		if err != nil {
			return Page{}, err
		}
		after = &last
	}
	list, next, err := paging.Read(limit, func(n int) ([]Session, error) {
		return s.store.List(ctx, q.ActiveOnly, after, n)
	}, func(last Session) string { return idcursor.Encode(last.ID) })
	if err != nil {
		return Page{}, err
	}
	return Page{Sessions: list, NextCursor: next}, nil
}

// publish tells the watchers of every process about a stored change; the
// change stands even when telling fails.
func (s *Service) publish(ctx context.Context, c Change) {
	payload, err := json.Marshal(c)
	if err == nil {
		err = s.changes.Publish(context.WithoutCancel(ctx), ChangesTopic, payload)
	}
	if err != nil {
		slog.Warn("vrtraining: publishing a session change failed", "session", c.Session.ID, "err", err)
	}
}
