package decisions_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/decisions"
	"github.com/sessionhub/server/internal/decisions/store"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
)

const apiKey = "decision-key-unit"

func newService(t *testing.T) (*decisions.Service, *database.DB) {
	t.Helper()
	db := dbtest.SQLite(t, store.Migrate)
	return decisions.NewService(store.New(db), auth.NewKeySet([]string{apiKey, "second-key"})), db
}

func register(t *testing.T, svc *decisions.Service, checksum string) string {
	t.Helper()
	token, err := svc.Register(context.Background(), apiKey, decisions.NewUser{Checksum: checksum, Name: "tom", Prompt: "juste le boss"})
	if err != nil {
		t.Fatalf("register %q: %v", checksum, err)
	}
	return token
}

func authenticate(t *testing.T, svc *decisions.Service, token string) decisions.Principal {
	t.Helper()
	p, err := svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return p
}

func TestTokensAreRandomURLSafeAndStoredOnlyAsHashes(t *testing.T) {
	svc, db := newService(t)
	first := register(t, svc, "azerty")
	second, err := svc.Connect(context.Background(), "azerty")
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	for _, tok := range []string{first, second} {
		if len(tok) != decisions.TokenLength || strings.Trim(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("token %q: want 43 URL-safe base64 characters", tok)
		}
	}
	if first == second {
		t.Fatal("Register and Connection issued the same token")
	}
	var stored []string
	if err := db.Raw("SELECT hash FROM decision_tokens ORDER BY seq").Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	want := []string{decisions.HashToken(first), decisions.HashToken(second)}
	if fmt.Sprint(stored) != fmt.Sprint(want) {
		t.Fatalf("stored token hashes = %v, want the SHA-256 of each token %v", stored, want)
	}
	assertNotStored(t, db, first, second, "azerty")
}

// assertNotStored fails when any secret appears anywhere in the tables.
func assertNotStored(t *testing.T, db *database.DB, secrets ...string) {
	t.Helper()
	for _, table := range []string{"decision_users", "decision_tokens"} {
		var rows []map[string]any
		if err := db.Table(table).Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		dump := fmt.Sprint(rows)
		for _, s := range secrets {
			if strings.Contains(dump, s) {
				t.Fatalf("%s stores %q in clear: %s", table, s, dump)
			}
		}
	}
}

func TestRegisterChecksAPIKeyAndRefusesADuplicate(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	for _, key := range []string{"", "wrong", apiKey + " ", strings.ToUpper(apiKey)} {
		if _, err := svc.Register(ctx, key, decisions.NewUser{Checksum: "c", Name: "n"}); !errors.Is(err, decisions.ErrInvalidAPIKey) {
			t.Errorf("Register with key %q: err = %v, want ErrInvalidAPIKey", key, err)
		}
	}
	if _, err := svc.Register(ctx, "second-key", decisions.NewUser{Checksum: "c", Name: "n"}); err != nil {
		t.Fatalf("Register with the second configured key: %v", err)
	}
	_, err := svc.Register(ctx, apiKey, decisions.NewUser{Checksum: "c", Name: "someone else"})
	if !errors.Is(err, decisions.ErrAlreadyRegistered) {
		t.Fatalf("second Register of a checksum: err = %v, want ErrAlreadyRegistered", err)
	}
	if _, err := svc.Register(ctx, apiKey, decisions.NewUser{Checksum: "C", Name: "n"}); err != nil {
		t.Fatalf("checksums are compared exactly, but C was refused: %v", err)
	}
}

func TestRegisterValidatesFields(t *testing.T) {
	svc, _ := newService(t)
	tests := map[string]struct {
		user  decisions.NewUser
		field string
	}{
		"empty checksum": {decisions.NewUser{Name: "n"}, "checksum"},
		"long checksum":  {decisions.NewUser{Checksum: strings.Repeat("c", 257), Name: "n"}, "checksum"},
		"empty name":     {decisions.NewUser{Checksum: "c"}, "name"},
		"long name":      {decisions.NewUser{Checksum: "c", Name: strings.Repeat("é", 201)}, "name"},
		"long prompt":    {decisions.NewUser{Checksum: "c", Name: "n", Prompt: strings.Repeat("p", 10001)}, "prompt"},
	}
	for name, tt := range tests {
		_, err := svc.Register(context.Background(), apiKey, tt.user)
		var fe *decisions.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, decisions.ErrInvalid) {
			t.Errorf("%s: err = %v, want a FieldError on %s", name, err, tt.field)
		}
	}
	if _, err := svc.Register(context.Background(), apiKey, decisions.NewUser{Checksum: strings.Repeat("c", 256), Name: strings.Repeat("é", 200)}); err != nil {
		t.Errorf("register at the limits: %v", err)
	}
}

func TestConnectNeedsARegisteredChecksum(t *testing.T) {
	svc, _ := newService(t)
	if _, err := svc.Connect(context.Background(), "never-registered"); !errors.Is(err, decisions.ErrNotRegistered) {
		t.Fatalf("connect: err = %v, want ErrNotRegistered", err)
	}
	register(t, svc, "known")
	tok, err := svc.Connect(context.Background(), "known")
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	authenticate(t, svc, tok)
}

func TestDisconnectRevokesOnlyThatToken(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	a := register(t, svc, "azerty")
	b, _ := svc.Connect(ctx, "azerty")
	if err := svc.Disconnect(ctx, authenticate(t, svc, a)); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	if _, err := svc.Authenticate(ctx, a); !errors.Is(err, decisions.ErrInvalidToken) {
		t.Fatalf("revoked token: err = %v, want ErrInvalidToken", err)
	}
	pb := authenticate(t, svc, b)
	if _, err := svc.TakeDecision(ctx, pb, "still allowed"); err != nil {
		t.Fatalf("the user's other token stopped working: %v", err)
	}
	// A principal whose token was revoked meanwhile cannot revoke it again.
	if err := svc.Disconnect(ctx, pb); err != nil {
		t.Fatal(err)
	}
	if err := svc.Disconnect(ctx, pb); !errors.Is(err, decisions.ErrInvalidToken) {
		t.Fatalf("second revoke: err = %v, want ErrInvalidToken", err)
	}
}

func TestAuthenticateRefusesUnknownAndMalformedTokens(t *testing.T) {
	svc, _ := newService(t)
	tok := register(t, svc, "azerty")
	for _, bad := range []string{"", "TOKEN1234", tok[:42], tok + "A", strings.Repeat("A", 42) + "=", strings.Repeat("A", 43), strings.Repeat("+", 43)} {
		if _, err := svc.Authenticate(context.Background(), bad); !errors.Is(err, decisions.ErrInvalidToken) {
			t.Errorf("token %q: err = %v, want ErrInvalidToken", bad, err)
		}
	}
}

func TestALiveTokenCapRevokesTheOldest(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	tokens := []string{register(t, svc, "many")}
	for len(tokens) < decisions.MaxLiveTokens+2 {
		tok, err := svc.Connect(ctx, "many")
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	for i, tok := range tokens {
		_, err := svc.Authenticate(ctx, tok)
		if live := err == nil; live != (i >= 2) {
			t.Fatalf("token %d of %d: live = %v (err %v), want only the newest %d live", i, len(tokens), live, err, decisions.MaxLiveTokens)
		}
	}
}
