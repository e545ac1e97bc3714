// Package decisionstore keeps decision-action users, token hashes and the decision
// log in the GORM database.
package decisionstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/sessionhub/server/internal/decisions"
	"github.com/sessionhub/server/internal/platform/convert"
	"github.com/sessionhub/server/internal/platform/database"
)

// userRow is a registered user; the checksum is kept only as its hash.
type userRow struct {
	ID           string    `gorm:"primaryKey;size:36"`
	ChecksumHash string    `gorm:"size:64;not null;uniqueIndex"`
	Name         string    `gorm:"size:200;not null"`
	Prompt       string    `gorm:"type:text;not null"`
	CreatedAt    time.Time `gorm:"not null;autoCreateTime:false"`
}

func (userRow) TableName() string { return "decision_users" }

// tokenRow is an issued token, kept only as its hash. Seq orders a user's
// tokens by issue, for revoking the oldest beyond the cap.
type tokenRow struct {
	Seq       int64      `gorm:"primaryKey;autoIncrement"`
	Hash      string     `gorm:"size:64;not null;uniqueIndex"`
	UserID    string     `gorm:"size:36;not null;index:idx_decision_tokens_live,priority:1"`
	IssuedAt  time.Time  `gorm:"not null"`
	RevokedAt *time.Time `gorm:"index:idx_decision_tokens_live,priority:2"`
}

func (tokenRow) TableName() string { return "decision_tokens" }

// decisionRow is one entry of the append-only log. Seq is the log order
// (newest = highest), independent of the clocks of several processes.
type decisionRow struct {
	Seq        int64     `gorm:"primaryKey;autoIncrement"`
	ID         string    `gorm:"size:36;not null;uniqueIndex"`
	UserID     string    `gorm:"size:36;not null;index"`
	Message    string    `gorm:"type:text;not null"`
	RecordedAt time.Time `gorm:"not null"`
}

func (decisionRow) TableName() string { return "decisions" }

// Store is the GORM implementation of decisions.Store.
type Store struct {
	db *database.DB
}

var _ decisions.Store = (*Store)(nil)

// New returns the store; Migrate must have run.
func New(db *database.DB) *Store { return &Store{db: db} }

// Migrate creates or updates the tables.
func Migrate(db *database.DB) error {
	return db.AutoMigrate(&userRow{}, &tokenRow{}, &decisionRow{})
}

func (s *Store) CreateUser(ctx context.Context, u decisions.User, first decisions.IssuedToken) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := userRow{ID: u.ID, ChecksumHash: u.ChecksumHash, Name: u.Name, Prompt: u.Prompt, CreatedAt: u.CreatedAt}
		// ON CONFLICT DO NOTHING answers a concurrent Register of the same
		// checksum (on any process) without a constraint error.
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "checksum_hash"}}, DoNothing: true}).Create(&row)
		if err := database.ChangedError(res, decisions.ErrChecksumTaken, "insert user"); err != nil {
			return err
		}
		if err := tx.Create(toTokenRow(first)).Error; err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return nil
	})
}

func (s *Store) UserIDByChecksum(ctx context.Context, checksumHash string) (string, error) {
	var row userRow
	err := s.db.WithContext(ctx).Select("id").Where("checksum_hash = ?", checksumHash).Take(&row).Error
	if err := database.LookupError(err, decisions.ErrNotRegistered, "load user"); err != nil {
		return "", err
	}
	return row.ID, nil
}

func (s *Store) IssueToken(ctx context.Context, t decisions.IssuedToken, maxLive int) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Serialize issues for one user across processes, so the cap holds
		// under concurrent Connections (the SQLite driver drops the lock:
		// its transactions are serialized anyway).
		var locked userRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Where("id = ?", t.UserID).Take(&locked).Error; err != nil {
			return fmt.Errorf("lock user: %w", err)
		}
		var live []int64
		if err := tx.Model(&tokenRow{}).Where("user_id = ? AND revoked_at IS NULL", t.UserID).Order("seq DESC").Pluck("seq", &live).Error; err != nil {
			return fmt.Errorf("list live tokens: %w", err)
		}
		if excess := len(live) - (maxLive - 1); excess > 0 {
			oldest := live[len(live)-excess:]
			if err := tx.Model(&tokenRow{}).Where("seq IN ?", oldest).Update("revoked_at", t.IssuedAt).Error; err != nil {
				return fmt.Errorf("revoke oldest tokens: %w", err)
			}
		}
		if err := tx.Create(toTokenRow(t)).Error; err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return nil
	})
}

// UserIDByToken is the check every token action makes first: a prepared
// statement read by hand (database.Reads).
func (s *Store) UserIDByToken(ctx context.Context, tokenHash string) (string, error) {
	var userID string
	err := s.db.Reads.QueryRow(ctx, "SELECT user_id FROM decision_tokens WHERE hash = $1 AND revoked_at IS NULL", tokenHash).Scan(&userID)
	if err := database.LookupError(err, decisions.ErrInvalidToken, "load token"); err != nil {
		return "", err
	}
	return userID, nil
}

func (s *Store) RevokeToken(ctx context.Context, tokenHash string, at time.Time) error {
	res := s.db.WithContext(ctx).Model(&tokenRow{}).Where("hash = ? AND revoked_at IS NULL", tokenHash).Update("revoked_at", at)
	return database.ChangedError(res, decisions.ErrInvalidToken, "revoke token") // untouched: revoked meanwhile
}

// AppendDecision reads the live token row under a share lock before the
// insert (PostgreSQL; SQLite has one writer), so a revocation, an UPDATE of
// that row, waits for the insert to commit: a decision is never stored
// after its token's revocation was answered.
func (s *Store) AppendDecision(ctx context.Context, d decisions.Decision, tokenHash string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var live tokenRow
		err := tx.Clauses(clause.Locking{Strength: "SHARE"}).Select("seq").Where("hash = ? AND revoked_at IS NULL", tokenHash).Take(&live).Error
		if err := database.LookupError(err, decisions.ErrInvalidToken, "check token"); err != nil {
			return err // revoked meanwhile: nothing stored
		}
		row := decisionRow{ID: d.ID, UserID: d.UserID, Message: d.Message, RecordedAt: d.RecordedAt}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("insert decision: %w", err)
		}
		return nil
	})
}

func (s *Store) ListDecisions(ctx context.Context, userID, beforeID string, limit int) ([]decisions.Decision, error) {
	q := s.db.WithContext(ctx).Where("user_id = ?", userID)
	if beforeID != "" {
		var cursor decisionRow
		err := s.db.WithContext(ctx).Select("seq").Where("id = ? AND user_id = ?", beforeID, userID).Take(&cursor).Error
		if err := database.LookupError(err, decisions.ErrInvalidCursor, "load cursor decision"); err != nil {
			return nil, err
		}
		q = q.Where("seq < ?", cursor.Seq)
	}
	var rows []decisionRow
	if err := q.Order("seq DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list decisions: %w", err)
	}
	return convert.Each(rows, func(r decisionRow) decisions.Decision {
		return decisions.Decision{ID: r.ID, UserID: r.UserID, Message: r.Message, RecordedAt: r.RecordedAt.UTC()}
	}), nil
}

func toTokenRow(t decisions.IssuedToken) *tokenRow {
	return &tokenRow{Hash: t.Hash, UserID: t.UserID, IssuedAt: t.IssuedAt}
}
