// Package therapystore keeps the therapy domain in the SQL database through GORM
// (SQLite or PostgreSQL).
package therapystore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/therapy"
)

type sessionRow struct {
	ID                string `gorm:"primaryKey;size:36;index:therapy_sessions_owner_created,priority:3;index:therapy_sessions_owner_updated,priority:3"`
	Owner             string `gorm:"size:255;not null;index:therapy_sessions_owner_created,priority:1;index:therapy_sessions_owner_updated,priority:1"`
	Title             string `gorm:"not null"`
	Description       string `gorm:"not null"`
	Duration          int    `gorm:"not null"`
	Status            string `gorm:"size:20;not null"`
	InputMethod       string `gorm:"size:10;not null"`
	Settings          string `gorm:"not null"`
	AnalysisStatus    string `gorm:"size:20;not null"`
	AnalysisProgress  float64
	AnalysisError     string    `gorm:"not null"`
	AnalysisUpdatedAt time.Time `gorm:"not null"`
	CreatedAt         time.Time `gorm:"not null;index:therapy_sessions_owner_created,priority:2"`
	UpdatedAt         time.Time `gorm:"not null;index:therapy_sessions_owner_updated,priority:2"`
}

func (sessionRow) TableName() string { return "therapy_sessions" }

type contentRow struct {
	ID        string `gorm:"primaryKey;size:36"`
	SessionID string `gorm:"size:36;not null;index"`
	Owner     string `gorm:"size:255;not null;index"` // the storage quota sums by owner
	Type      string `gorm:"size:10;not null"`
	Filename  string `gorm:"not null"`
	Path      string `gorm:"not null"`
	Size      int64  `gorm:"not null"`
	CreatedAt time.Time
}

func (contentRow) TableName() string { return "therapy_contents" }

// jobRow is one durable analysis job; its id is its content's id.
type jobRow struct {
	ID         string    `gorm:"primaryKey;size:36"`
	SessionID  string    `gorm:"size:36;not null;index"`
	Status     string    `gorm:"size:20;not null;index"`
	Progress   float64   `gorm:"not null"`
	Error      string    `gorm:"not null"`
	Attempts   int       `gorm:"not null"`
	LeaseOwner string    `gorm:"size:64;not null"`
	LeaseUntil time.Time `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null;index"`
	UpdatedAt  time.Time `gorm:"not null"`
}

func (jobRow) TableName() string { return "therapy_jobs" }

// resultKey is what every result row carries: its id, its session and job,
// and when in the content it was found. The lists are read per session in
// (found_at, id) order, which the (session_id, found_at, id) index gives
// without a sort; GORM names it after each table (idx_<table>_session_found).
type resultKey struct {
	ID        string    `gorm:"primaryKey;size:36;index:,composite:session_found,priority:3"`
	SessionID string    `gorm:"size:36;not null;index:,composite:session_found,priority:1"`
	JobID     string    `gorm:"size:36;not null;index"`
	Timestamp time.Time `gorm:"column:found_at;not null;index:,composite:session_found,priority:2"`
}

type emotionRow struct {
	Key       resultKey `gorm:"embedded"`
	Name      string    `gorm:"not null"`
	Category  string    `gorm:"not null"`
	Intensity float64   `gorm:"not null"`
}

func (emotionRow) TableName() string { return "therapy_emotions" }

type topicRow struct {
	Key        resultKey `gorm:"embedded"`
	Name       string    `gorm:"not null"`
	Category   string    `gorm:"not null"`
	Confidence float64   `gorm:"not null"`
}

func (topicRow) TableName() string { return "therapy_topics" }

type insightRow struct {
	Key        resultKey `gorm:"embedded"`
	Content    string    `gorm:"not null"`
	Type       string    `gorm:"column:kind;size:20;not null"`
	Confidence float64   `gorm:"not null"`
}

func (insightRow) TableName() string { return "therapy_insights" }

// Migrate creates or updates the therapy tables and drops the result
// lists' earlier indexes, which the session_found ones replace: on
// (session_id, found_at) before the lists were read in (found_at, id)
// order, and the same index under its earlier, hand-given name.
func Migrate(db *database.DB) error {
	if err := db.AutoMigrate(&sessionRow{}, &contentRow{}, &jobRow{}, &emotionRow{}, &topicRow{}, &insightRow{}); err != nil {
		return err
	}
	for _, model := range []interface{ TableName() string }{&emotionRow{}, &topicRow{}, &insightRow{}} {
		for _, suffix := range []string{"_session_time", "_session_found"} {
			index := model.TableName() + suffix
			if db.Migrator().HasIndex(model, index) {
				if err := db.Migrator().DropIndex(model, index); err != nil {
					return fmt.Errorf("drop index %s: %w", index, err)
				}
			}
		}
	}
	return nil
}

// Store implements therapy.Store.
type Store struct {
	db      *gorm.DB
	reads   *database.Reads
	dialect database.Dialect
}

var _ therapy.Store = (*Store)(nil)

// New returns the store on db.
func New(db *database.DB) *Store { return &Store{db: db.DB, reads: db.Reads, dialect: db.Dialect} }

func toSessionRow(s therapy.Session) (sessionRow, error) {
	settings, err := json.Marshal(s.Settings)
	if err != nil {
		return sessionRow{}, fmt.Errorf("encode settings: %w", err)
	}
	return sessionRow{
		ID: s.ID, Owner: s.Owner, Title: s.Title, Description: s.Description, Duration: s.Duration,
		Status: s.Status, InputMethod: s.InputMethod, Settings: string(settings),
		AnalysisStatus: s.Analysis.Status, AnalysisProgress: s.Analysis.Progress, AnalysisError: s.Analysis.Error,
		AnalysisUpdatedAt: s.Analysis.UpdatedAt, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}, nil
}

func (r sessionRow) toDomain() therapy.Session {
	settings := map[string]any{}
	_ = json.Unmarshal([]byte(r.Settings), &settings) // written by toSessionRow
	return therapy.Session{
		ID: r.ID, Owner: r.Owner, Title: r.Title, Description: r.Description, Duration: r.Duration,
		Status: r.Status, InputMethod: r.InputMethod, Settings: settings,
		Analysis: therapy.AnalysisState{
			Status: r.AnalysisStatus, Progress: r.AnalysisProgress, Error: r.AnalysisError, UpdatedAt: r.AnalysisUpdatedAt.UTC(),
		},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func toContentRow(c therapy.Content) contentRow {
	return contentRow{ID: c.ID, SessionID: c.SessionID, Owner: c.Owner, Type: c.Type, Filename: c.Filename, Path: c.Path, Size: c.Size, CreatedAt: c.CreatedAt}
}

func (r contentRow) toDomain() therapy.Content {
	return therapy.Content{ID: r.ID, SessionID: r.SessionID, Owner: r.Owner, Type: r.Type, Filename: r.Filename, Path: r.Path, Size: r.Size, CreatedAt: r.CreatedAt.UTC()}
}

func newJobRow(c therapy.Content) jobRow {
	return jobRow{ID: c.ID, SessionID: c.SessionID, Status: therapy.AnalysisPending, CreatedAt: c.CreatedAt, UpdatedAt: c.CreatedAt, LeaseUntil: c.CreatedAt}
}

func (s *Store) CreateSession(ctx context.Context, sess therapy.Session, first *therapy.Content, admit therapy.StorageCheck) error {
	row, err := toSessionRow(sess)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if first != nil {
			if err := s.admitStorage(tx, first.Owner, admit); err != nil {
				return err
			}
		}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		if first == nil {
			return nil
		}
		content, job := toContentRow(*first), newJobRow(*first)
		if err := tx.Create(&content).Error; err != nil {
			return fmt.Errorf("insert content: %w", err)
		}
		if err := tx.Create(&job).Error; err != nil {
			return fmt.Errorf("insert job: %w", err)
		}
		return nil
	})
}

func (s *Store) GetSession(ctx context.Context, owner, id string) (therapy.Session, error) {
	var row sessionRow
	err := s.reads.QueryRow(ctx, "SELECT "+sessionColumns.List("")+" FROM therapy_sessions WHERE id = $1 AND owner = $2", id, owner).Scan(row.fields()...)
	if err := database.LookupError(err, therapy.ErrNotFound, "get session"); err != nil {
		return therapy.Session{}, err
	}
	return row.toDomain(), nil
}

// sessionColumns are sessionRow's columns in the order of fields():
// the session reads every request makes are prepared statements scanned by
// hand (database.Reads).
var sessionColumns = database.MustColumns((*sessionRow).fields)

func (r *sessionRow) fields() []any {
	return []any{&r.ID, &r.Owner, &r.Title, &r.Description, &r.Duration, &r.Status, &r.InputMethod, &r.Settings,
		&r.AnalysisStatus, &r.AnalysisProgress, &r.AnalysisError, &r.AnalysisUpdatedAt, &r.CreatedAt, &r.UpdatedAt}
}

func (s *Store) ListSessions(ctx context.Context, owner string, q therapy.ListQuery) (therapy.SessionPage, error) {
	db := s.db.WithContext(ctx).Model(&sessionRow{}).Where("owner = ?", owner)
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return therapy.SessionPage{}, fmt.Errorf("count sessions: %w", err)
	}
	page := therapy.SessionPage{Total: int(total), Sessions: []therapy.Session{}}
	offset := (q.Page - 1) * q.PerPage
	if offset >= int(total) {
		return page, nil
	}
	column := "created_at"
	if q.Sort == "updated_at" {
		column = "updated_at"
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	var rows []sessionRow
	err := s.db.WithContext(ctx).Where("owner = ?", owner).
		Order(column + " " + dir + ", id " + dir).Limit(q.PerPage).Offset(offset).Find(&rows).Error
	if err != nil {
		return therapy.SessionPage{}, fmt.Errorf("list sessions: %w", err)
	}
	for _, r := range rows {
		page.Sessions = append(page.Sessions, r.toDomain())
	}
	return page, nil
}

func (s *Store) UpdateSession(ctx context.Context, owner, id string, change func(*therapy.Session) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row sessionRow
		// FOR UPDATE on PostgreSQL; the SQLite driver drops it.
		err := tx.Clauses(lockForUpdate).Where("id = ? AND owner = ?", id, owner).Take(&row).Error
		if err := database.LookupError(err, therapy.ErrNotFound, "load session"); err != nil {
			return err
		}
		sess := row.toDomain()
		if err := change(&sess); err != nil {
			return err
		}
		updated, err := toSessionRow(sess)
		if err != nil {
			return err
		}
		return tx.Save(&updated).Error
	})
}

func (s *Store) DeleteSession(ctx context.Context, owner, id string) ([]therapy.Content, error) {
	var contents []therapy.Content
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var owned int64
		if err := tx.Model(&sessionRow{}).Where("id = ? AND owner = ?", id, owner).Count(&owned).Error; err != nil {
			return fmt.Errorf("find session: %w", err)
		}
		if owned == 0 {
			return therapy.ErrNotFound
		}
		var rows []contentRow
		if err := tx.Where("session_id = ?", id).Find(&rows).Error; err != nil {
			return fmt.Errorf("load contents: %w", err)
		}
		for _, r := range rows {
			contents = append(contents, r.toDomain())
		}
		// Jobs first, the session last: a running analysis holds its job's
		// row, then updates its session's; taking them in the other order
		// deadlocks with it on PostgreSQL.
		for _, model := range []any{&jobRow{}, &emotionRow{}, &topicRow{}, &insightRow{}, &contentRow{}} {
			if err := tx.Where("session_id = ?", id).Delete(model).Error; err != nil {
				return fmt.Errorf("delete session data: %w", err)
			}
		}
		res := tx.Where("id = ? AND owner = ?", id, owner).Delete(&sessionRow{})
		return database.ChangedError(res, therapy.ErrNotFound, "delete session") // untouched: deleted meanwhile
	})
	return contents, err
}

func (s *Store) AddContent(ctx context.Context, c therapy.Content, admit therapy.StorageCheck) (therapy.AnalysisState, error) {
	var state therapy.AnalysisState
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.admitStorage(tx, c.Owner, admit); err != nil {
			return err
		}
		content, job := toContentRow(c), newJobRow(c)
		if err := tx.Create(&content).Error; err != nil {
			return fmt.Errorf("insert content: %w", err)
		}
		if err := tx.Create(&job).Error; err != nil {
			return fmt.Errorf("insert job: %w", err)
		}
		if err := setSessionAnalysis(tx, job, therapy.AnalysisPending, 0, "", c.CreatedAt); err != nil {
			return err
		}
		var row sessionRow
		if err := database.LookupError(tx.Where("id = ?", c.SessionID).Take(&row).Error, therapy.ErrNotFound, "load session"); err != nil {
			return err
		}
		state = row.toDomain().Analysis
		return nil
	})
	return state, err
}

// StoredBytes sums the sizes of the owner's contents.
func (s *Store) StoredBytes(ctx context.Context, owner string) (int64, error) {
	return storedBytes(s.db.WithContext(ctx), owner)
}

func storedBytes(db *gorm.DB, owner string) (int64, error) {
	var total int64
	if err := db.Model(&contentRow{}).Where("owner = ?", owner).Select("COALESCE(SUM(size), 0)").Scan(&total).Error; err != nil {
		return 0, fmt.Errorf("sum stored content: %w", err)
	}
	return total, nil
}

// admitStorage runs admit on the owner's stored total inside tx. On
// PostgreSQL a transaction lock on the owner serializes the owner's
// additions until tx ends, so two uploads cannot both be admitted against
// the same total; SQLite has a single writer already.
func (s *Store) admitStorage(tx *gorm.DB, owner string, admit therapy.StorageCheck) error {
	if admit == nil {
		return nil
	}
	if s.dialect == database.Postgres {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "therapy-storage:"+owner).Error; err != nil {
			return fmt.Errorf("lock the owner's storage: %w", err)
		}
	}
	stored, err := storedBytes(tx, owner)
	if err != nil {
		return err
	}
	return admit(stored)
}
