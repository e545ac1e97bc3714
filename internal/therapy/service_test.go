package therapy_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sessionhub/server/internal/therapy"
)

func requireValidation(t *testing.T, err error, field string) {
	t.Helper()
	var v *therapy.ValidationError
	if !errors.As(err, &v) || v.Field != field {
		t.Fatalf("got %v, want a validation error naming %q", err, field)
	}
}

func TestCreateBothShapes(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()

	withText := f.session(t, therapy.NewSession{Title: "Therapy Session 1", InputMethod: ptr("text"), Text: ptr("Session transcript")})
	if withText.Status != therapy.StatusCreated || withText.InputMethod != "text" || withText.Analysis.Status != therapy.AnalysisPending {
		t.Errorf("created with text = %+v, want status created, input text, analysis pending", withText)
	}
	fields, err := f.svc.Create(ctx, "alice", therapy.NewSession{
		Title: "Weekly", Description: ptr("d"), Duration: ptr(3000), Status: ptr("in_progress"), AnalysisStatus: ptr("success"),
		Settings: map[string]any{"theme": "dark"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := f.svc.Get(ctx, "alice", fields.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Description != "d" || got.Duration != 3000 || got.Status != "in_progress" || got.Analysis.Status != "completed" || got.Analysis.Progress != 1 || got.Settings["theme"] != "dark" || got.InputMethod != "" {
		t.Errorf("stored = %+v, want the fields as given and success stored as completed", got)
	}

	for _, tc := range []struct {
		in    therapy.NewSession
		field string
	}{
		{therapy.NewSession{Title: "  "}, "title"},
		{therapy.NewSession{Title: "x", InputMethod: ptr("audio"), Text: ptr("words")}, "text"},
		{therapy.NewSession{Title: "x", Duration: ptr(86401)}, "duration"},
		{therapy.NewSession{Title: "x", Status: ptr("done")}, "status"},
		{therapy.NewSession{Title: "x", Settings: settingsWithKeys(101)}, "settings"},
	} {
		_, err := f.svc.Create(ctx, "alice", tc.in)
		requireValidation(t, err, tc.field)
	}
}

func settingsWithKeys(n int) map[string]any {
	m := map[string]any{}
	for i := 0; i < n; i++ {
		m[fmt.Sprint("k", i)] = i
	}
	return m
}

func TestOwnershipIsolation(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	s := f.session(t, therapy.NewSession{Title: "mine", Text: ptr("hello")})
	checks := map[string]error{}
	_, _, checks["get"] = f.svc.Get(ctx, "bob", s.ID)
	checks["update"] = f.svc.Update(ctx, "bob", s.ID, therapy.Update{Title: ptr("stolen")})
	_, checks["status"] = f.svc.AnalysisStatus(ctx, "bob", s.ID)
	_, checks["emotions"] = f.svc.Emotions(ctx, "bob", s.ID, therapy.Filter{})
	_, checks["topics"] = f.svc.Topics(ctx, "bob", s.ID, therapy.Filter{})
	_, checks["insights"] = f.svc.Insights(ctx, "bob", s.ID, therapy.Filter{})
	_, _, checks["upload"] = f.svc.Upload(ctx, "bob", s.ID, uploadForm("text", "", stringsReader("text")))
	checks["delete"] = f.svc.Delete(ctx, "bob", s.ID)
	for op, err := range checks {
		if !errors.Is(err, therapy.ErrNotFound) {
			t.Errorf("%s by another user: %v, want ErrNotFound", op, err)
		}
	}
	page, _, err := f.svc.List(ctx, "bob", therapy.ListQuery{})
	if err != nil || page.Total != 0 || len(page.Sessions) != 0 {
		t.Errorf("bob's list = %+v, %v; want empty", page, err)
	}
	if got, _, err := f.svc.Get(ctx, "alice", s.ID); err != nil || got.Title != "mine" {
		t.Errorf("alice's session after bob's attempts = %+v, %v", got, err)
	}
}

func TestListPagination(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 25; i++ {
		s := f.session(t, therapy.NewSession{Title: fmt.Sprint("s", i)})
		ids = append(ids, s.ID)
	}
	if _, err := f.svc.Create(ctx, "bob", therapy.NewSession{Title: "other"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q         therapy.ListQuery
		wantLen   int
		wantFirst string
	}{
		{therapy.ListQuery{Desc: true}, 10, ids[24]},                   // defaults: page 1 of 10, newest first
		{therapy.ListQuery{Page: 3, Desc: true}, 5, ids[4]},            // last page is partial
		{therapy.ListQuery{Page: 4, Desc: true}, 0, ""},                // past the last page: empty
		{therapy.ListQuery{PerPage: 100}, 25, ids[0]},                  // upper bound, ascending
		{therapy.ListQuery{PerPage: 1, Page: 25}, 1, ids[24]},          // lower bound
		{therapy.ListQuery{Sort: "updated_at", PerPage: 3}, 3, ids[0]}, // other sort key
	} {
		page, q, err := f.svc.List(ctx, "alice", tc.q)
		if err != nil {
			t.Fatalf("%+v: %v", tc.q, err)
		}
		if page.Total != 25 || len(page.Sessions) != tc.wantLen {
			t.Errorf("%+v (as %+v): total %d, %d items; want 25 and %d", tc.q, q, page.Total, len(page.Sessions), tc.wantLen)
			continue
		}
		if tc.wantLen > 0 && page.Sessions[0].ID != tc.wantFirst {
			t.Errorf("%+v: first item %s, want %s", tc.q, page.Sessions[0].Title, tc.wantFirst)
		}
	}
	for _, tc := range []struct {
		q     therapy.ListQuery
		field string
	}{
		{therapy.ListQuery{PerPage: 101}, "per_page"},
		{therapy.ListQuery{PerPage: -1}, "per_page"},
		{therapy.ListQuery{Page: -2}, "page"},
		{therapy.ListQuery{Sort: "title"}, "sort"},
	} {
		_, _, err := f.svc.List(ctx, "alice", tc.q)
		requireValidation(t, err, tc.field)
	}
}

func TestPartialUpdateKeepsOtherFields(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	s := f.session(t, therapy.NewSession{Title: "t", Description: ptr("keep me"), Duration: ptr(60), Settings: map[string]any{"a": 1.0}})
	if err := f.svc.Update(ctx, "alice", s.ID, therapy.Update{Title: ptr("renamed")}); err != nil {
		t.Fatal(err)
	}
	got, _, _ := f.svc.Get(ctx, "alice", s.ID)
	if got.Title != "renamed" || got.Description != "keep me" || got.Duration != 60 || got.Settings["a"] != 1.0 || !got.UpdatedAt.After(s.UpdatedAt) {
		t.Errorf("after a title update: %+v", got)
	}
	requireValidation(t, f.svc.Update(ctx, "alice", s.ID, therapy.Update{Duration: ptr(-1)}), "duration")
}

func TestDeleteRemovesFilesAndResults(t *testing.T) {
	f := newFixture(t, 1<<20)
	ctx := context.Background()
	f.startWorker(t, &scriptedAnalyzer{}, nil)
	s := f.session(t, therapy.NewSession{Title: "t", Text: ptr("I feel anxious about work")})
	f.waitAnalysis(t, "alice", s.ID)
	if entries, _ := os.ReadDir(filepath.Join(f.dir, s.ID)); len(entries) != 1 {
		t.Fatalf("content files before delete: %d, want 1", len(entries))
	}
	if err := f.svc.Delete(ctx, "alice", s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, s.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("session folder still there after delete: %v", err)
	}
	var left int64
	for _, table := range []string{"therapy_contents", "therapy_jobs", "therapy_emotions", "therapy_topics", "therapy_insights"} {
		var n int64
		f.db.Table(table).Where("session_id = ?", s.ID).Count(&n)
		left += n
	}
	if left != 0 {
		t.Errorf("%d rows of the deleted session remain", left)
	}
	if err := f.svc.Delete(ctx, "alice", s.ID); !errors.Is(err, therapy.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}
