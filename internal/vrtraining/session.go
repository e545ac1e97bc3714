// Package vrtraining is the VR training session domain (seed 000): sessions,
// their status rules and the notifications watchers receive.
package vrtraining

import (
	"errors"
	"fmt"
	"time"

	"github.com/sessionhub/server/internal/platform/fielderr"
	"github.com/sessionhub/server/internal/platform/paging"
)

// Status is where a training session is in its life.
type Status string

const (
	StatusRunning   Status = "running"
	StatusPaused    Status = "paused"
	StatusCompleted Status = "completed"
	StatusFailed    Status = "failed"
)

// Valid reports whether s is one of the four documented statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusRunning, StatusPaused, StatusCompleted, StatusFailed:
		return true
	}
	return false
}

// Active sessions are the ones a trainee is in: running or paused.
func (s Status) Active() bool { return s == StatusRunning || s == StatusPaused }

// Final sessions never change again.
func (s Status) Final() bool { return s == StatusCompleted || s == StatusFailed }

// Limits the spec documents.
const (
	MaxIDLength    = 200
	MaxNotesLength = 10000
)

// Pages bound the pages of get_session_json and get_active_sessions.
var Pages = paging.Sizes{Default: 100, Max: 500}

var (
	// ErrNotFound: no session has that id.
	ErrNotFound = errors.New("session not found")
	// ErrFinal: the session is completed or failed and cannot change.
	ErrFinal = errors.New("session is final")
	// ErrInvalid: the request breaks a domain rule.
	ErrInvalid = errors.New("invalid session request")
)

// FieldError names the request field (below data) a refusal is about;
// errors.Is(err, ErrInvalid) holds for it.
type FieldError = fielderr.Error

func fieldError(field, reason string) error { return fielderr.New(ErrInvalid, field, reason) }

// FinalError says which final session an update tried to change.
type FinalError struct {
	ID     string
	Status Status
}

func (e *FinalError) Error() string { return fmt.Sprintf("session is final: %s is %s", e.ID, e.Status) }

// Is makes errors.Is(err, ErrFinal) hold.
func (e *FinalError) Is(target error) bool { return target == ErrFinal }

// Session is one VR training session.
type Session struct {
	ID         string
	ScenarioID string
	AvatarID   string
	ObserverID string
	Status     Status
	Notes      *string
	Score      *float64
	CreatedAt  time.Time
	UpdatedAt  time.Time
	EndedAt    *time.Time
}

// NewSession is what create_session supplies.
type NewSession struct {
	ScenarioID string
	AvatarID   string
	ObserverID string
}

// Update is what update_session supplies; nil fields keep stored values.
type Update struct {
	Status Status
	Notes  *string
	Score  *float64
}

// apply changes s according to u at time now, enforcing the status rules.
func (u Update) apply(s *Session, now time.Time) error {
	if !u.Status.Valid() {
		return fmt.Errorf("%w: status %q", ErrInvalid, u.Status)
	}
	if s.Status.Final() {
		return &FinalError{ID: s.ID, Status: s.Status}
	}
	s.Status = u.Status
	if u.Notes != nil {
		s.Notes = u.Notes
	}
	if u.Score != nil {
		s.Score = u.Score
	}
	s.UpdatedAt = now
	if s.Status.Final() {
		s.EndedAt = &now
	}
	return nil
}

func (n NewSession) validate() error {
	for field, v := range map[string]string{"scenarioId": n.ScenarioID, "avatarId": n.AvatarID, "observerId": n.ObserverID} {
		if v == "" || len([]rune(v)) > MaxIDLength {
			return fmt.Errorf("%w: %s must be 1..%d characters", ErrInvalid, field, MaxIDLength)
		}
	}
	return nil
}
