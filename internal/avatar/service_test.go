package avatar_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/avatar"
	"github.com/sessionhub/server/internal/avatar/avatarstore"
	"github.com/sessionhub/server/internal/avatar/recording"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
	"github.com/sessionhub/server/internal/platform/pubsub"
)

var signer = auth.NewSigner([]byte("0123456789abcdef0123456789abcdef"), "avatar-session")

func newService(t *testing.T, limit int) *avatar.Service {
	t.Helper()
	return avatar.NewService(avatarstore.New(dbtest.SQLite(t, avatarstore.Migrate)), signer, avatar.Options{
		MaxSessionsPerKey: limit, Sink: recording.New(t.TempDir(), 0), Bus: pubsub.NewLocal(),
	})
}

// twoSessionsOfOneKey starts two sessions of key-1 (a, b) and mints an
// authentic but expired token of a.
func twoSessionsOfOneKey(t *testing.T) (svc *avatar.Service, a, b avatar.Started, expiredA string) {
	t.Helper()
	svc = newService(t, 0)
	var err error
	for _, s := range []*avatar.Started{&a, &b} {
		if *s, err = svc.Start(context.Background(), "key-1", cfg); err != nil {
			t.Fatal(err)
		}
	}
	if expiredA, _, err = signer.Mint(a.Session.ID, a.Session.ID, -time.Minute); err != nil {
		t.Fatal(err)
	}
	return svc, a, b, expiredA
}

var cfg = avatar.Config{AvatarID: "16cb73e7de08", Quality: "high", Version: "v1", VideoEncoding: "H264", ActivityIdleTimeout: avatar.DefaultIdleTimeout,
	Agora: avatar.AgoraSettings{AppID: "app", Token: "tok", Channel: "room1", UID: "333"}}

func TestStartStopStatus(t *testing.T) {
	svc := newService(t, 0)
	ctx := context.Background()
	started, err := svc.Start(ctx, "key-1", cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := started.Session.ID
	if got, err := svc.VerifyToken(started.Token, id); err != nil || got != id {
		t.Fatalf("VerifyToken = %q, %v; want the session id", got, err)
	}
	st, err := svc.Status(ctx, "key-1", id)
	if err != nil || st.State != avatar.StateActive || st.Config.Agora.Channel != "room1" {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	if _, err := svc.Status(ctx, "key-2", id); !errors.Is(err, avatar.ErrNotFound) {
		t.Fatalf("another key's Status err = %v, want ErrNotFound", err)
	}
	if err := svc.Stop(ctx, "key-2", id, started.Token); !errors.Is(err, avatar.ErrNotFound) {
		t.Fatalf("stop through another key: err = %v, want ErrNotFound", err)
	}
	if err := svc.Stop(ctx, "key-1", id, started.Token); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := svc.Stop(ctx, "key-1", id, started.Token); !errors.Is(err, avatar.ErrNotFound) {
		t.Fatalf("second stop: err = %v, want ErrNotFound", err)
	}
	st, _ = svc.Status(ctx, "key-1", id)
	if st.State != avatar.StateEnded || st.EndedReason != avatar.EndedByStop || st.EndedAt == nil {
		t.Fatalf("after stop: %+v", st)
	}
}

func TestStopRefusesOtherTokens(t *testing.T) {
	ctx := context.Background()
	svc, a, b, expired := twoSessionsOfOneKey(t)
	for _, tc := range []struct { // in order: the last one stops the session
		name  string
		token string
		want  error
	}{
		{"missing", "", avatar.ErrMissingToken},
		{"other session", b.Token, avatar.ErrInvalidToken},
		{"forged", a.Token + "x", avatar.ErrInvalidToken},
		{"expired but theirs", expired, nil},
	} {
		err := svc.Stop(ctx, "key-1", a.Session.ID, tc.token)
		if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// The session is looked up before the token is checked: an unknown
// session is ErrNotFound whatever token comes with it (issue 10, item 10).
func TestStopOfAnUnknownSessionIsNotFoundWhateverTheToken(t *testing.T) {
	svc := newService(t, 0)
	ctx := context.Background()
	a, _ := svc.Start(ctx, "key-1", cfg)
	for _, id := range []string{"invalid_session_id_that_does_not_exist", "550e8400-e29b-41d4-a716-446655440000"} {
		for _, token := range []string{"test_session_token", a.Token} {
			if err := svc.Stop(ctx, "key-1", id, token); !errors.Is(err, avatar.ErrNotFound) {
				t.Errorf("stop %q with token %.12s…: err = %v, want ErrNotFound", id, token, err)
			}
		}
	}
	if err := svc.Stop(ctx, "key-2", a.Session.ID, "test_session_token"); !errors.Is(err, avatar.ErrNotFound) {
		t.Errorf("stop of another key's session: err = %v, want ErrNotFound", err)
	}
}

func TestConcurrentStartsRespectTheLimit(t *testing.T) {
	svc := newService(t, 3)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, limited := 0, 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Start(context.Background(), "key-1", cfg)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, avatar.ErrTooManySessions):
				limited++
			default:
				t.Errorf("start: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 3 || limited != 7 {
		t.Fatalf("%d started, %d limited; want 3 and 7", ok, limited)
	}
	if _, err := svc.Start(context.Background(), "key-2", cfg); err != nil {
		t.Fatalf("another key is limited too: %v", err)
	}
}

func TestAuthorizeChecksInTheDocumentedOrder(t *testing.T) {
	ctx := context.Background()
	svc, a, b, expired := twoSessionsOfOneKey(t)
	id := a.Session.ID
	other := auth.NewSigner([]byte("0123456789abcdef0123456789abcdef"), "another-api")
	foreign, _, _ := other.Mint(id, id, time.Hour)
	unknown, _, _ := signer.Mint("nobody", "nobody", time.Hour)
	if err := svc.Stop(ctx, "key-1", b.Session.ID, b.Token); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		token, wantID string
		want          error
	}{
		"missing":                      {"", "", avatar.ErrMissingToken},
		"forged":                       {a.Token + "x", "", avatar.ErrInvalidToken},
		"another API's":                {foreign, "", avatar.ErrInvalidToken},
		"names no session":             {unknown, "", avatar.ErrInvalidToken},
		"expired, before the mismatch": {expired, b.Session.ID, avatar.ErrTokenExpired},
		"ended, before the mismatch":   {b.Token, id, avatar.ErrSessionEnded},
		"mismatch":                     {a.Token, b.Session.ID, avatar.ErrSessionMismatch},
	} {
		if _, err := svc.Authorize(ctx, tc.token, tc.wantID); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
	if got, err := svc.Authorize(ctx, a.Token, id); err != nil || got != id {
		t.Fatalf("own token: %q, %v", got, err)
	}
}
