// Package vrstore keeps VR training sessions in the GORM database.
package vrstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/sessionhub/server/internal/platform/convert"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/vrtraining"
)

// sessionRow is the table layout; the domain never sees it.
type sessionRow struct {
	ID         string `gorm:"primaryKey;size:36"`
	ScenarioID string `gorm:"size:200;not null"`
	AvatarID   string `gorm:"size:200;not null"`
	ObserverID string `gorm:"size:200;not null"`
	Status     string `gorm:"size:16;not null;index"`
	Notes      *string
	Score      *float64
	CreatedAt  time.Time `gorm:"not null;index;autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"not null;autoUpdateTime:false"`
	EndedAt    *time.Time
}

func (sessionRow) TableName() string { return "vr_sessions" }

// Sessions is the GORM implementation of vrtraining.Store.
type Sessions struct {
	db *database.DB
}

var _ vrtraining.Store = (*Sessions)(nil)

// New returns the store; Migrate must have run.
func New(db *database.DB) *Sessions { return &Sessions{db: db} }

// Migrate creates or updates the table.
func Migrate(db *database.DB) error {
	return db.AutoMigrate(&sessionRow{})
}

func (s *Sessions) Create(ctx context.Context, sess vrtraining.Session) error {
	row := toRow(sess)
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("insert vr session: %w", err)
	}
	return nil
}

// sessionColumns are sessionRow's columns in the order of its fields():
// a session read by id, what every get_session_json does, is a prepared
// statement scanned by hand (database.Reads).
var sessionColumns = database.MustColumns((*sessionRow).fields).List("")

func (r *sessionRow) fields() []any {
	return []any{&r.ID, &r.ScenarioID, &r.AvatarID, &r.ObserverID, &r.Status, &r.Notes, &r.Score, &r.CreatedAt, &r.UpdatedAt, &r.EndedAt}
}

func (s *Sessions) Get(ctx context.Context, id string) (vrtraining.Session, error) {
	var row sessionRow
	err := s.db.Reads.QueryRow(ctx, "SELECT "+sessionColumns+" FROM vr_sessions WHERE id = $1", id).Scan(row.fields()...)
	if err := database.LookupError(err, vrtraining.ErrNotFound, "load vr session"); err != nil {
		return vrtraining.Session{}, err
	}
	return toSession(row), nil
}

func (s *Sessions) List(ctx context.Context, activeOnly bool, after *vrtraining.Session, limit int) ([]vrtraining.Session, error) {
	q := s.db.WithContext(ctx).Order("created_at ASC").Order("id ASC").Limit(limit)
	if activeOnly {
		q = q.Where("status IN ?", []string{string(vrtraining.StatusRunning), string(vrtraining.StatusPaused)})
	}
	if after != nil {
		q = q.Where("created_at > ? OR (created_at = ? AND id > ?)", after.CreatedAt, after.CreatedAt, after.ID)
	}
	var rows []sessionRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list vr sessions: %w", err)
	}
	return convert.Each(rows, toSession), nil
}

func (s *Sessions) Update(ctx context.Context, id string, fn func(*vrtraining.Session) error) (vrtraining.Session, error) {
	var updated vrtraining.Session
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row sessionRow
		// FOR UPDATE on PostgreSQL; the SQLite driver drops it (its
		// transactions are serialized anyway).
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error
		if err := database.LookupError(err, vrtraining.ErrNotFound, "load vr session"); err != nil {
			return err
		}
		sess := toSession(row)
		if err := fn(&sess); err != nil {
			return err
		}
		next := toRow(sess)
		if err := tx.Save(&next).Error; err != nil {
			return fmt.Errorf("save vr session: %w", err)
		}
		updated = sess
		return nil
	})
	return updated, err
}

func toRow(s vrtraining.Session) sessionRow {
	return sessionRow{
		ID: s.ID, ScenarioID: s.ScenarioID, AvatarID: s.AvatarID, ObserverID: s.ObserverID,
		Status: string(s.Status), Notes: s.Notes, Score: s.Score,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, EndedAt: s.EndedAt,
	}
}

func toSession(r sessionRow) vrtraining.Session {
	return vrtraining.Session{
		ID: r.ID, ScenarioID: r.ScenarioID, AvatarID: r.AvatarID, ObserverID: r.ObserverID,
		Status: vrtraining.Status(r.Status), Notes: r.Notes, Score: r.Score,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), EndedAt: utcPtr(r.EndedAt),
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
