package vrtraining_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/sessionhub/server/internal/platform/database/dbtest"
	"github.com/sessionhub/server/internal/platform/pubsub"
	"github.com/sessionhub/server/internal/vrtraining"
	"github.com/sessionhub/server/internal/vrtraining/vrstore"
)

func newService(t *testing.T) *vrtraining.Service {
	t.Helper()
	svc, _ := newServiceOnBus(t)
	return svc
}

func newServiceOnBus(t *testing.T) (*vrtraining.Service, pubsub.Bus) {
	t.Helper()
	bus := pubsub.NewLocal()
	return vrtraining.NewService(vrstore.New(dbtest.SQLite(t, vrstore.Migrate)), bus), bus
}

func create(t *testing.T, svc *vrtraining.Service) vrtraining.Session {
	t.Helper()
	s, err := svc.Create(context.Background(), vrtraining.NewSession{ScenarioID: "fire-drill", AvatarID: "avatar-7", ObserverID: "obs-1"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func TestCreateStartsRunningAndIsStored(t *testing.T) {
	svc := newService(t)
	s := create(t, svc)
	if s.Status != vrtraining.StatusRunning || s.ID == "" || s.EndedAt != nil {
		t.Fatalf("new session = %+v, want running with an id and no endedAt", s)
	}
	got, err := svc.Get(context.Background(), s.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.ScenarioID != "fire-drill" || got.AvatarID != "avatar-7" || got.ObserverID != "obs-1" || !got.CreatedAt.Equal(s.CreatedAt) {
		t.Fatalf("stored session = %+v, want what was created (%+v)", got, s)
	}
}

func TestCreateRejectsEmptyAndLongIDs(t *testing.T) {
	svc := newService(t)
	long := string(make([]rune, vrtraining.MaxIDLength+1))
	for name, n := range map[string]vrtraining.NewSession{
		"empty scenario": {ScenarioID: "", AvatarID: "a", ObserverID: "o"},
		"long avatar":    {ScenarioID: "s", AvatarID: long, ObserverID: "o"},
	} {
		if _, err := svc.Create(context.Background(), n); !errors.Is(err, vrtraining.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func TestStatusTransitions(t *testing.T) {
	tests := []struct {
		name    string
		steps   []vrtraining.Status
		wantErr error
	}{
		{"pause and resume", []vrtraining.Status{"paused", "running", "paused"}, nil},
		{"complete", []vrtraining.Status{"completed"}, nil},
		{"same status again", []vrtraining.Status{"running", "running"}, nil},
		{"completed is final", []vrtraining.Status{"completed", "running"}, vrtraining.ErrFinal},
		{"failed is final", []vrtraining.Status{"failed", "failed"}, vrtraining.ErrFinal},
		{"unknown status", []vrtraining.Status{"stopped"}, vrtraining.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := newService(t)
			s := create(t, svc)
			var err error
			for _, st := range tt.steps {
				if _, err = svc.Update(context.Background(), s.ID, vrtraining.Update{Status: st}); err != nil {
					break
				}
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("after %v: err = %v, want %v", tt.steps, err, tt.wantErr)
			}
		})
	}
}

func TestUpdateKeepsUnnamedFieldsAndSetsEndedAt(t *testing.T) {
	svc := newService(t)
	s := create(t, svc)
	ctx := context.Background()
	if _, err := svc.Update(ctx, s.ID, vrtraining.Update{Status: "paused", Notes: ptr("trainee hesitated"), Score: ptr(71.5)}); err != nil {
		t.Fatal(err)
	}
	done, err := svc.Update(ctx, s.ID, vrtraining.Update{Status: "completed"})
	if err != nil {
		t.Fatal(err)
	}
	if done.Notes == nil || *done.Notes != "trainee hesitated" || done.Score == nil || *done.Score != 71.5 {
		t.Fatalf("notes/score = %v/%v, want kept from the previous update", done.Notes, done.Score)
	}
	if done.EndedAt == nil || done.UpdatedAt.Before(done.CreatedAt) {
		t.Fatalf("completed session = %+v, want endedAt set and updatedAt >= createdAt", done)
	}
	stored, _ := svc.Get(ctx, s.ID)
	if stored.EndedAt == nil || !stored.EndedAt.Equal(*done.EndedAt) {
		t.Fatalf("stored endedAt = %v, want %v", stored.EndedAt, done.EndedAt)
	}
}

func TestUnknownSessionIsNotFound(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	if _, err := svc.Get(ctx, "2f1c8c1e-4c38-4f7b-9d55-0d7c0c3c6a11"); !errors.Is(err, vrtraining.ErrNotFound) {
		t.Fatalf("get unknown: err = %v, want ErrNotFound", err)
	}
	if _, err := svc.Update(ctx, "2f1c8c1e-4c38-4f7b-9d55-0d7c0c3c6a11", vrtraining.Update{Status: "paused"}); !errors.Is(err, vrtraining.ErrNotFound) {
		t.Fatalf("update unknown: err = %v, want ErrNotFound", err)
	}
}

func TestActiveIsRunningOrPausedOldestFirst(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	running, paused, completed, failed := create(t, svc), create(t, svc), create(t, svc), create(t, svc)
	mustUpdate := func(id string, st vrtraining.Status) {
		if _, err := svc.Update(ctx, id, vrtraining.Update{Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	mustUpdate(paused.ID, "paused")
	mustUpdate(completed.ID, "completed")
	mustUpdate(failed.ID, "failed")

	active, err := svc.List(ctx, vrtraining.PageQuery{ActiveOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(active.Sessions) != 2 || active.Sessions[0].ID != running.ID || active.Sessions[1].ID != paused.ID || active.NextCursor != "" {
		t.Fatalf("active = %v, want [%s %s] and no next page", ids(active.Sessions), running.ID, paused.ID)
	}
	all, _ := svc.List(ctx, vrtraining.PageQuery{})
	if len(all.Sessions) != 4 || all.Sessions[0].ID != running.ID || all.Sessions[3].ID != failed.ID {
		t.Fatalf("all = %v, want the four sessions oldest first", ids(all.Sessions))
	}
}

// TestEveryChangeIsPublished: creations and updates reach the bus's
// subscribers, each with the session as stored; a refused update
// publishes nothing.
func TestEveryChangeIsPublished(t *testing.T) {
	svc, bus := newServiceOnBus(t)
	var mu sync.Mutex
	var seen []vrtraining.Change
	stop := bus.Subscribe(vrtraining.ChangesTopic, func(payload []byte) {
		var c vrtraining.Change
		if err := json.Unmarshal(payload, &c); err != nil {
			t.Errorf("published change %s: %v", payload, err)
		}
		mu.Lock()
		seen = append(seen, c)
		mu.Unlock()
	})
	defer stop()
	s := create(t, svc)
	paused, err := svc.Update(context.Background(), s.ID, vrtraining.Update{Status: "paused", Notes: ptr("half way")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Update(context.Background(), s.ID, vrtraining.Update{Status: "stopped"}); !errors.Is(err, vrtraining.ErrInvalid) {
		t.Fatalf("update to an unknown status: %v, want ErrInvalid", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []vrtraining.Change{{Kind: vrtraining.Created, Session: s}, {Kind: vrtraining.Updated, Session: paused}}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("published %+v, want %+v", seen, want)
	}
}

func TestConcurrentUpdatesAreSerialized(t *testing.T) {
	svc := newService(t)
	s := create(t, svc)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st := vrtraining.StatusPaused
			if i%2 == 0 {
				st = vrtraining.StatusRunning
			}
			_, err := svc.Update(context.Background(), s.ID, vrtraining.Update{Status: st, Score: ptr(float64(i))})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent update failed: %v", err)
		}
	}
}

func ids(ss []vrtraining.Session) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

// TestListsArePaged: without a limit a page holds Pages.Default sessions
// (the seed's request gets the oldest ones, never an unbounded list); the
// cursor walks every session exactly once, also in the active list.
func TestListsArePaged(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	total := vrtraining.Pages.Default + 30
	var want []string
	for i := 0; i < total; i++ {
		s := create(t, svc)
		want = append(want, s.ID)
		if i%3 == 0 {
			if _, err := svc.Update(ctx, s.ID, vrtraining.Update{Status: "completed"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	first, err := svc.List(ctx, vrtraining.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Sessions) != vrtraining.Pages.Default || first.NextCursor == "" {
		t.Fatalf("first page: %d sessions, cursor %q; want %d and a cursor", len(first.Sessions), first.NextCursor, vrtraining.Pages.Default)
	}
	for _, active := range []bool{false, true} {
		// The reference order is one page holding every session: ties of
		// createdAt are broken by id, which need not be creation order.
		whole, err := svc.List(ctx, vrtraining.PageQuery{ActiveOnly: active, Limit: vrtraining.Pages.Max})
		if err != nil || whole.NextCursor != "" {
			t.Fatalf("one page of %d: %v, next %q", vrtraining.Pages.Max, err, whole.NextCursor)
		}
		var got []string
		q := vrtraining.PageQuery{ActiveOnly: active, Limit: 7}
		for pages := 0; ; pages++ {
			page, err := svc.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(page.Sessions)...)
			if page.NextCursor == "" {
				break
			}
			if pages > total {
				t.Fatal("the cursor does not end")
			}
			q.After = page.NextCursor
		}
		wantCount := len(want)
		if active {
			wantCount = len(want) - (len(want)+2)/3
		}
		if len(whole.Sessions) != wantCount || strings.Join(got, ",") != strings.Join(ids(whole.Sessions), ",") {
			t.Fatalf("active=%v: paging gave %d sessions, want each of the %d once, oldest first", active, len(got), wantCount)
		}
	}
	for name, q := range map[string]vrtraining.PageQuery{
		"a limit over the maximum":   {Limit: vrtraining.Pages.Max + 1},
		"not base64":                 {After: "%%%"},
		"a cursor naming no session": {After: "MmYxYzhjMWUtNGMzOC00ZjdiLTlkNTUtMGQ3YzBjM2M2YTEx"},
	} {
		var field *vrtraining.FieldError
		if _, err := svc.List(ctx, q); !errors.As(err, &field) {
			t.Errorf("%s: err = %v, want a FieldError", name, err)
		}
	}
}
