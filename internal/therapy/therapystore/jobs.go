package therapystore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/therapy"
)

var lockForUpdate = clause.Locking{Strength: "UPDATE"}

// runnable selects the oldest job that may run now: pending, or processing
// under an expired lease, with no older job in its session unfinished or
// still announcing its end (so a session's jobs run one at a time, oldest
// first, and their events do not interleave; with two processes the older
// job blocks the newer one until it is done and announced).
const runnable = `SELECT j.id FROM therapy_jobs j
WHERE (j.status = 'pending' OR (j.status = 'processing' AND j.lease_until < ?))
  AND NOT EXISTS (SELECT 1 FROM therapy_jobs o
    WHERE o.session_id = j.session_id AND (o.status IN ('pending', 'processing') OR o.lease_until > ?)
      AND (o.created_at < j.created_at OR (o.created_at = j.created_at AND o.id < j.id)))
ORDER BY j.created_at, j.id LIMIT 1`

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// ClaimJob takes the next runnable job. On PostgreSQL the candidate row is
// locked with FOR UPDATE SKIP LOCKED, so concurrent claimers in any process
// never take the same job; on SQLite the one process's claim is a
// conditional UPDATE in a serialized transaction.
func (s *Store) ClaimJob(ctx context.Context, worker string, lease time.Duration) (therapy.Job, bool, error) {
	var job therapy.Job
	claimed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t := now()
		var ids []string
		query := runnable
		if s.dialect == database.Postgres {
			query += " FOR UPDATE OF j SKIP LOCKED"
		}
		if err := tx.Raw(query, t, t).Scan(&ids).Error; err != nil {
			return fmt.Errorf("find runnable job: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		res := tx.Model(&jobRow{}).
			Where("id = ? AND (status = 'pending' OR (status = 'processing' AND lease_until < ?))", ids[0], t).
			Updates(map[string]any{
				"status": therapy.AnalysisProcessing, "progress": 0, "error": "", "attempts": gorm.Expr("attempts + 1"),
				"lease_owner": worker, "lease_until": t.Add(lease), "updated_at": t,
			})
		if res.Error != nil {
			return fmt.Errorf("claim job: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // taken meanwhile; the caller looks again
		}
		var row jobRow
		if err := tx.Where("id = ?", ids[0]).Take(&row).Error; err != nil {
			return fmt.Errorf("load job: %w", err)
		}
		var content contentRow
		if err := tx.Where("id = ?", row.ID).Take(&content).Error; err != nil {
			return fmt.Errorf("load job content: %w", err)
		}
		// A re-run starts clean: whatever an interrupted run stored goes.
		for _, model := range []any{&emotionRow{}, &topicRow{}, &insightRow{}} {
			if err := tx.Where("job_id = ?", row.ID).Delete(model).Error; err != nil {
				return fmt.Errorf("clear earlier results: %w", err)
			}
		}
		if err := setSessionAnalysis(tx, row, therapy.AnalysisProcessing, 0, "", t); err != nil {
			return err
		}
		job = therapy.Job{Content: content.toDomain(), Attempts: row.Attempts}
		claimed = true
		return nil
	})
	return job, claimed, err
}

// holdLease extends the lease of a job this worker holds, inside tx.
func holdLease(tx *gorm.DB, jobID, worker string, lease time.Duration, extra map[string]any) (jobRow, error) {
	t := now()
	fields := map[string]any{"lease_until": t.Add(lease), "updated_at": t}
	for k, v := range extra {
		fields[k] = v
	}
	res := tx.Model(&jobRow{}).Where("id = ? AND lease_owner = ? AND status = ?", jobID, worker, therapy.AnalysisProcessing).Updates(fields)
	if err := database.ChangedError(res, therapy.ErrLeaseLost, "extend lease"); err != nil {
		return jobRow{}, err
	}
	var row jobRow
	if err := tx.Where("id = ?", jobID).Take(&row).Error; err != nil {
		return jobRow{}, fmt.Errorf("load job: %w", err)
	}
	return row, nil
}

func (s *Store) Heartbeat(ctx context.Context, jobID, worker string, lease time.Duration) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		_, err := holdLease(tx, jobID, worker, lease, nil)
		return err
	})
}

func (s *Store) SetProgress(ctx context.Context, jobID, worker string, progress float64, lease time.Duration) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := holdLease(tx, jobID, worker, lease, map[string]any{"progress": progress})
		if err != nil {
			return err
		}
		return setSessionAnalysis(tx, row, therapy.AnalysisProcessing, progress, "", now())
	})
}

// addResult stores one item of a job this worker still holds.
func (s *Store) addResult(ctx context.Context, jobID, worker string, lease time.Duration, row any) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := holdLease(tx, jobID, worker, lease, nil); err != nil {
			return err
		}
		if err := tx.Create(row).Error; err != nil {
			return fmt.Errorf("insert result: %w", err)
		}
		return nil
	})
}

func (s *Store) AddEmotion(ctx context.Context, worker string, e therapy.Emotion, lease time.Duration) error {
	return s.addResult(ctx, e.JobID, worker, lease, &emotionRow{Key: resultKey(e.Found), Name: e.Name, Category: e.Category, Intensity: e.Intensity})
}

func (s *Store) AddTopic(ctx context.Context, worker string, t therapy.Topic, lease time.Duration) error {
	return s.addResult(ctx, t.JobID, worker, lease, &topicRow{Key: resultKey(t.Found), Name: t.Name, Category: t.Category, Confidence: t.Confidence})
}

func (s *Store) AddInsight(ctx context.Context, worker string, i therapy.Insight, lease time.Duration) error {
	return s.addResult(ctx, i.JobID, worker, lease, &insightRow{Key: resultKey(i.Found), Content: i.Content, Type: i.Type, Confidence: i.Confidence})
}

// FinishJob records the final state; the job keeps its session's turn
// (lease_until) for hold, until JobAnnounced.
func (s *Store) FinishJob(ctx context.Context, jobID, worker, status string, progress float64, errMsg string, hold time.Duration) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := holdLease(tx, jobID, worker, hold, map[string]any{"status": status, "progress": progress, "error": errMsg, "lease_owner": ""})
		if err != nil {
			return err
		}
		return setSessionAnalysis(tx, row, status, progress, errMsg, now())
	})
}

func (s *Store) JobAnnounced(ctx context.Context, jobID string) error {
	t := now()
	err := s.db.WithContext(ctx).Model(&jobRow{}).
		Where("id = ? AND status IN ? AND lease_until > ?", jobID, []string{therapy.AnalysisCompleted, therapy.AnalysisFailed}, t).
		UpdateColumn("lease_until", t).Error
	if err != nil {
		return fmt.Errorf("end the job's hold: %w", err)
	}
	return nil
}

func (s *Store) ReleaseJob(ctx context.Context, jobID, worker string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := holdLease(tx, jobID, worker, 0, map[string]any{"status": therapy.AnalysisPending, "progress": 0, "lease_owner": ""})
		if err != nil {
			return err
		}
		return setSessionAnalysis(tx, row, therapy.AnalysisPending, 0, "", now())
	})
}

func (s *Store) RecoverJobs(ctx context.Context) error {
	t := now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&jobRow{}).Where("status = ?", therapy.AnalysisProcessing).
			Updates(map[string]any{"status": therapy.AnalysisPending, "lease_owner": "", "lease_until": t, "updated_at": t}).Error
		if err != nil {
			return fmt.Errorf("recover jobs: %w", err)
		}
		// A finished job whose end was not announced before the stop: there
		// is no one left to announce it, so its session's next job may run.
		if err := tx.Model(&jobRow{}).Where("lease_until > ?", t).UpdateColumn("lease_until", t).Error; err != nil {
			return fmt.Errorf("recover jobs: end holds: %w", err)
		}
		return nil
	})
}

// setSessionAnalysis mirrors a job's state on its session when it is the
// session's newest job; updated_at moves only when the status changes.
func setSessionAnalysis(tx *gorm.DB, job jobRow, status string, progress float64, errMsg string, at time.Time) error {
	err := tx.Exec(`UPDATE therapy_sessions SET analysis_status = ?, analysis_progress = ?, analysis_error = ?, analysis_updated_at = ?,
  updated_at = CASE WHEN analysis_status <> ? THEN ? ELSE updated_at END
WHERE id = ? AND NOT EXISTS (SELECT 1 FROM therapy_jobs n WHERE n.session_id = ?
  AND (n.created_at > ? OR (n.created_at = ? AND n.id > ?)))`,
		status, progress, errMsg, at, status, at, job.SessionID, job.SessionID, job.CreatedAt, job.CreatedAt, job.ID).Error
	if err != nil {
		return fmt.Errorf("update session analysis: %w", err)
	}
	return nil
}
