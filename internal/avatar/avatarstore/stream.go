package avatarstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/platform/database"
)

// instanceRow is a server process's lease: it holds the WebSockets of the
// sessions whose connected_instance names it while seen_at is recent.
type instanceRow struct {
	ID     string    `gorm:"primaryKey;size:36"`
	SeenAt time.Time `gorm:"not null;index"`
}

func (instanceRow) TableName() string { return "avatar_instances" }

const active = string(avatar.StateActive)

func (s *Sessions) Configure(ctx context.Context, id string, cfg avatar.Config, deadline *time.Time) (bool, error) {
	var resumed bool
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row sessionRow
		err := tx.Select("initialized").Where("id = ? AND state = ?", id, active).Take(&row).Error
		if err := database.LookupError(err, avatar.ErrSessionEnded, "load avatar session"); err != nil {
			return err
		}
		resumed = row.Initialized
		r := toRow(avatar.Session{Config: cfg})
		return tx.Model(&sessionRow{}).Where("id = ? AND state = ?", id, active).Updates(map[string]any{
			"avatar_id": r.AvatarID, "quality": r.Quality, "version": r.Version, "video_encoding": r.VideoEncoding,
			"idle_timeout_secs": r.IdleTimeoutSecs, "agora_app_id": r.AgoraAppID, "agora_token": r.AgoraToken,
			"agora_channel": r.AgoraChannel, "agora_uid": r.AgoraUID, "agora_string_uid": r.AgoraStringUID,
			"vendor": r.Vendor, "idle_deadline": deadline, "initialized": true,
		}).Error
	})
	if err != nil {
		return false, fmt.Errorf("configure avatar session: %w", err)
	}
	return resumed, nil
}

func (s *Sessions) Connect(ctx context.Context, id, instance string) error {
	res := s.db.WithContext(ctx).Model(&sessionRow{}).Where("id = ? AND state = ?", id, active).Update("connected_instance", instance)
	return database.ChangedError(res, avatar.ErrNotFound, "connect avatar session")
}

func (s *Sessions) Disconnect(ctx context.Context, id, instance string) error {
	err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("id = ? AND connected_instance = ?", id, instance).Update("connected_instance", "").Error
	if err != nil {
		return fmt.Errorf("disconnect avatar session: %w", err)
	}
	return nil
}

// Record writes a batch of sessions' deltas in one transaction: the
// counters are added in the database (so several processes can write for
// one session) and the idle clock moves only for a session still active.
func (s *Sessions) Record(ctx context.Context, batch []avatar.Recorded) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, r := range batch {
			if err := tx.Model(&sessionRow{}).Where("id = ?", r.SessionID).Updates(recordSet(r.Delta)).Error; err != nil {
				return fmt.Errorf("record avatar session activity: %w", err)
			}
		}
		return nil
	})
}

func recordSet(d avatar.Delta) map[string]any {
	c := d.Counts
	set := map[string]any{
		"utterances":    gorm.Expr("utterances + ?", c.Utterances),
		"audio_seconds": gorm.Expr("audio_seconds + ?", c.AudioSeconds),
		"interruptions": gorm.Expr("interruptions + ?", c.Interruptions),
		"specials":      gorm.Expr("specials + ?", c.Specials),
		"frames":        gorm.Expr("frames + ?", c.Frames),
	}
	if d.Activity != nil {
		set["last_activity_at"] = gorm.Expr("CASE WHEN state = ? THEN ? ELSE last_activity_at END", active, *d.Activity)
		set["idle_deadline"] = gorm.Expr("CASE WHEN state = ? THEN ? ELSE idle_deadline END", active, d.Deadline)
	}
	return set
}

func (s *Sessions) EndIdle(ctx context.Context, now time.Time) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&sessionRow{}).
		Where("state = ? AND idle_deadline IS NOT NULL AND idle_deadline <= ?", active, now).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("find idle avatar sessions: %w", err)
	}
	return s.endEach(ctx, ids, avatar.EndedByIdleTimeout, now, "idle_deadline <= ?", now)
}

// ReleaseOrphaned is one UPDATE: a session connected to an instance whose
// lease is stale (or gone) is no longer connected.
func (s *Sessions) ReleaseOrphaned(ctx context.Context, staleBefore time.Time) error {
	live := s.db.WithContext(ctx).Model(&instanceRow{}).Select("id").Where("seen_at >= ?", staleBefore)
	err := s.db.WithContext(ctx).Model(&sessionRow{}).
		Where("state = ? AND connected_instance <> '' AND connected_instance NOT IN (?)", active, live).
		Update("connected_instance", "").Error
	if err != nil {
		return fmt.Errorf("release orphaned avatar sessions: %w", err)
	}
	return nil
}

// endEach ends every session of ids that is still active and still meets
// cond; a conditional UPDATE per row, so concurrent callers never both end
// one session.
func (s *Sessions) endEach(ctx context.Context, ids []string, reason avatar.EndReason, at time.Time, cond string, arg any) ([]string, error) {
	var ended []string
	for _, id := range ids {
		res := s.db.WithContext(ctx).Model(&sessionRow{}).Where("id = ? AND state = ?", id, active).Where(cond, arg).
			Updates(map[string]any{"state": string(avatar.StateEnded), "ended_reason": string(reason), "ended_at": at, "connected_instance": ""})
		if res.Error != nil {
			return ended, fmt.Errorf("end avatar session: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			ended = append(ended, id)
		}
	}
	return ended, nil
}

func (s *Sessions) Lease(ctx context.Context, instance string, now time.Time) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoUpdates: clause.AssignmentColumns([]string{"seen_at"})}).
		Create(&instanceRow{ID: instance, SeenAt: now}).Error
	if err != nil {
		return fmt.Errorf("renew avatar instance lease: %w", err)
	}
	return nil
}

func (s *Sessions) DropLease(ctx context.Context, instance string) error {
	if err := s.db.WithContext(ctx).Delete(&instanceRow{ID: instance}).Error; err != nil {
		return fmt.Errorf("drop avatar instance lease: %w", err)
	}
	return nil
}
