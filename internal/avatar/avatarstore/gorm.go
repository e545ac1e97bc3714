// Package avatarstore keeps avatar sessions in the GORM database.
package avatarstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/platform/database"
)

// sessionRow is the table layout. The Agora token is a credential of the
// caller's channel; it is stored because the avatar must join the channel.
type sessionRow struct {
	ID              string `gorm:"primaryKey;size:36"`
	KeyFingerprint  string `gorm:"size:64;not null;index"`
	AvatarID        string `gorm:"size:200;not null"`
	Quality         string `gorm:"size:16;not null"`
	Version         string `gorm:"size:16;not null"`
	VideoEncoding   string `gorm:"size:16;not null"`
	IdleTimeoutSecs float64
	AgoraAppID      string `gorm:"not null"`
	AgoraToken      string `gorm:"not null"`
	AgoraChannel    string `gorm:"not null"`
	AgoraUID        string `gorm:"not null"`
	AgoraStringUID  bool
	Vendor          []byte
	State           string    `gorm:"size:16;not null;index"`
	EndedReason     string    `gorm:"size:32"`
	CreatedAt       time.Time `gorm:"not null;autoCreateTime:false"`
	EndedAt         *time.Time

	LastActivityAt    *time.Time
	IdleDeadline      *time.Time `gorm:"index"` // nil: timeout disabled
	Initialized       bool       `gorm:"not null;default:false"`
	ConnectedInstance string     `gorm:"size:36;not null;default:''"`
	Utterances        int64      `gorm:"not null;default:0"`
	AudioSeconds      float64    `gorm:"not null;default:0"`
	Interruptions     int64      `gorm:"not null;default:0"`
	Specials          int64      `gorm:"not null;default:0"`
	Frames            int64      `gorm:"not null;default:0"`
}

func (sessionRow) TableName() string { return "avatar_sessions" }

// Sessions is the GORM implementation of avatar.Store.
type Sessions struct {
	db *database.DB
}

var _ avatar.Store = (*Sessions)(nil)

// New returns the store; Migrate must have run.
func New(db *database.DB) *Sessions { return &Sessions{db: db} }

// Migrate creates or updates the tables.
func Migrate(db *database.DB) error {
	return db.AutoMigrate(&sessionRow{}, &instanceRow{})
}

func (s *Sessions) Create(ctx context.Context, sess avatar.Session, limit int) error {
	row := toRow(sess)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if limit > 0 {
			if s.db.Dialect == database.Postgres {
				// Serialize starts of one key across server processes so two
				// concurrent starts cannot both take the last free slot.
				if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", row.KeyFingerprint).Error; err != nil {
					return fmt.Errorf("lock key: %w", err)
				}
			}
			var active int64
			if err := tx.Model(&sessionRow{}).Where("key_fingerprint = ? AND state = ?", row.KeyFingerprint, string(avatar.StateActive)).Count(&active).Error; err != nil {
				return fmt.Errorf("count active sessions: %w", err)
			}
			if active >= int64(limit) {
				return &avatar.LimitError{Limit: limit}
			}
		}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("insert avatar session: %w", err)
		}
		return nil
	})
}

func (s *Sessions) Find(ctx context.Context, id string) (avatar.Session, error) {
	return s.readSession(ctx, "SELECT "+sessionColumns+" FROM avatar_sessions WHERE id = $1", id)
}

func (s *Sessions) Get(ctx context.Context, fingerprint, id string) (avatar.Session, error) {
	return s.readSession(ctx, "SELECT "+sessionColumns+" FROM avatar_sessions WHERE id = $1 AND key_fingerprint = $2", id, fingerprint)
}

// sessionColumns are sessionRow's columns in the order of its fields():
// the status call and every upgrade read one row, a prepared statement
// scanned by hand (database.Reads).
var sessionColumns = database.MustColumns((*sessionRow).fields).List("")

func (r *sessionRow) fields() []any {
	return []any{&r.ID, &r.KeyFingerprint, &r.AvatarID, &r.Quality, &r.Version, &r.VideoEncoding, &r.IdleTimeoutSecs,
		&r.AgoraAppID, &r.AgoraToken, &r.AgoraChannel, &r.AgoraUID, &r.AgoraStringUID, &r.Vendor, &r.State, &r.EndedReason,
		&r.CreatedAt, &r.EndedAt, &r.LastActivityAt, &r.IdleDeadline, &r.Initialized, &r.ConnectedInstance,
		&r.Utterances, &r.AudioSeconds, &r.Interruptions, &r.Specials, &r.Frames}
}

func (s *Sessions) readSession(ctx context.Context, query string, args ...any) (avatar.Session, error) {
	var row sessionRow
	err := s.db.Reads.QueryRow(ctx, query, args...).Scan(row.fields()...)
	if err := database.LookupError(err, avatar.ErrNotFound, "load avatar session"); err != nil {
		return avatar.Session{}, err
	}
	return toSession(row), nil
}

// End flips an active row to ended in one conditional UPDATE, so two
// concurrent stops cannot both succeed.
func (s *Sessions) End(ctx context.Context, fingerprint, id string, reason avatar.EndReason, at time.Time) error {
	res := s.db.WithContext(ctx).Model(&sessionRow{}).
		Where("id = ? AND key_fingerprint = ? AND state = ?", id, fingerprint, string(avatar.StateActive)).
		Updates(map[string]any{"state": string(avatar.StateEnded), "ended_reason": string(reason), "ended_at": at})
	return database.ChangedError(res, avatar.ErrNotFound, "end avatar session")
}

func toRow(s avatar.Session) sessionRow {
	c := s.Config
	return sessionRow{
		ID: s.ID, KeyFingerprint: s.KeyFingerprint, AvatarID: c.AvatarID, Quality: c.Quality, Version: c.Version,
		VideoEncoding: c.VideoEncoding, IdleTimeoutSecs: c.ActivityIdleTimeout.Seconds(),
		AgoraAppID: c.Agora.AppID, AgoraToken: c.Agora.Token, AgoraChannel: c.Agora.Channel, AgoraUID: c.Agora.UID,
		AgoraStringUID: c.Agora.EnableStringUID, Vendor: vendorOrNil(c.Vendor),
		State: string(s.State), EndedReason: string(s.EndedReason), CreatedAt: s.CreatedAt, EndedAt: s.EndedAt,
		IdleDeadline: avatar.IdleDeadline(s.CreatedAt, c.ActivityIdleTimeout),
	}
}

func toSession(r sessionRow) avatar.Session {
	return avatar.Session{
		ID: r.ID, KeyFingerprint: r.KeyFingerprint,
		Config: avatar.Config{
			AvatarID: r.AvatarID, Quality: r.Quality, Version: r.Version, VideoEncoding: r.VideoEncoding,
			ActivityIdleTimeout: avatar.IdleTimeoutOf(r.IdleTimeoutSecs),
			Agora:               avatar.AgoraSettings{AppID: r.AgoraAppID, Token: r.AgoraToken, Channel: r.AgoraChannel, UID: r.AgoraUID, EnableStringUID: r.AgoraStringUID},
			Vendor:              r.Vendor,
		},
		State: avatar.State(r.State), EndedReason: avatar.EndReason(r.EndedReason), CreatedAt: r.CreatedAt.UTC(), EndedAt: utc(r.EndedAt),
		LastActivityAt: utc(r.LastActivityAt), Initialized: r.Initialized, ConnectedInstance: r.ConnectedInstance,
		Counts: avatar.Counts{Utterances: r.Utterances, AudioSeconds: r.AudioSeconds, Interruptions: r.Interruptions, Specials: r.Specials, Frames: r.Frames},
	}
}

func vendorOrNil(b []byte) []byte {
	if len(b) == 0 || !json.Valid(b) {
		return nil
	}
	return b
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
