package contracttests

import (
	"context"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/platform/config"
	"github.com/sessionhub/server/internal/therapy/therapystore"
)

// TestTherapyDeleteWhileAnalysingDoesNotDeadlock: deleting a session while
// its analysis job writes (the worker holds the job's row, then updates the
// session's) must wait for the worker, not deadlock with it (PostgreSQL
// then aborts one of them and the delete answered 500).
func TestTherapyDeleteWhileAnalysingDoesNotDeadlock(t *testing.T) {
	t.Parallel()
	ts := startServer(t, createDatabase(t), func(cfg *config.Config) { cfg.AnalysisWorkers = 0 })
	alice := newTherapyClient(t, ts, "alice")
	session := alice.create(`{"title": "busy", "inputMethod": "text", "text": "I worry about work."}`).SessionId.String()
	ctx := context.Background()
	db := ts.srv.DB().DB
	store := therapystore.New(ts.srv.DB())
	job, ok, err := store.ClaimJob(ctx, "test-worker", time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}

	worker := db.Begin() // a worker's write: its job's row, then its session's
	if err := worker.Exec("UPDATE therapy_jobs SET updated_at = now() WHERE id = ?", job.Content.ID).Error; err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	go func() {
		_, err := store.DeleteSession(ctx, "alice", session)
		deleted <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting int64
		if err := db.Raw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting).Error; err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break // the delete waits for a lock the worker holds
		}
		if time.Now().After(deadline) {
			t.Fatal("the delete never waited for the worker's lock")
		}
	}
	if err := worker.Exec("UPDATE therapy_sessions SET updated_at = now() WHERE id = ?", session).Error; err != nil {
		worker.Rollback()
		t.Fatalf("the worker's session update: %v", err)
	}
	if err := worker.Commit().Error; err != nil {
		t.Fatalf("the worker's commit: %v", err)
	}
	if err := <-deleted; err != nil {
		t.Fatalf("delete while the analysis wrote: %v", err)
	}
}
