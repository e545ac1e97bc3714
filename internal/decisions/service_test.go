package decisions_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/decisions"
	"github.com/sessionhub/server/internal/decisions/decisionstore"
	"github.com/sessionhub/server/internal/platform/auth"
	"github.com/sessionhub/server/internal/platform/database"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
)

const apiKey = "decision-key-unit"

func newService(t *testing.T) (*decisions.Service, *database.DB) {
	t.Helper()
	db := dbtest.SQLite(t, decisionstore.Migrate)
	return decisions.NewService(decisionstore.New(db), auth.NewKeySet([]string{apiKey, "second-key"})), db
}

// register creates the user with that checksum and returns its first token.
func register(t *testing.T, svc *decisions.Service, checksum string) string {
	t.Helper()
	reg, err := svc.Register(context.Background(), apiKey, decisions.NewUser{Checksum: checksum, Name: "tom", Prompt: "juste le boss"})
	if err != nil || !reg.Created {
		t.Fatalf("register %q: %+v, %v; want a new user", checksum, reg, err)
	}
	return reg.Token
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

func TestRegisterChecksTheAPIKeyFirst(t *testing.T) {
	svc, db := newService(t)
	ctx := context.Background()
	register(t, svc, "known")
	// The key is refused before the checksum or the other fields are looked
	// at, so a wrong key tells nothing about whether a checksum is taken.
	for _, key := range []string{"", "wrong", apiKey + " ", strings.ToUpper(apiKey)} {
		for _, user := range []decisions.NewUser{{Checksum: "new", Name: "n"}, {Checksum: "known", Name: "n"}, {Checksum: "known"}} {
			if _, err := svc.Register(ctx, key, user); !errors.Is(err, decisions.ErrInvalidAPIKey) {
				t.Errorf("Register %+v with key %q: err = %v, want ErrInvalidAPIKey", user, key, err)
			}
		}
	}
	if n := countRows(t, db, "decision_tokens"); n != 1 {
		t.Fatalf("%d tokens stored after refused Registers, want only the first user's one", n)
	}
	reg, err := svc.Register(ctx, "second-key", decisions.NewUser{Checksum: "c", Name: "n"})
	if err != nil || !reg.Created {
		t.Fatalf("Register with the second configured key: %+v, %v", reg, err)
	}
	if reg, err := svc.Register(ctx, apiKey, decisions.NewUser{Checksum: "C", Name: "n"}); err != nil || !reg.Created {
		t.Fatalf("checksums are compared exactly, but C was not a new user: %+v, %v", reg, err)
	}
}

// The seed's client registers on every start: from the second run on, its
// Register must work like a Connection.
func TestRegisterOfARegisteredChecksumIssuesANewToken(t *testing.T) {
	svc, db := newService(t)
	ctx := context.Background()
	first := register(t, svc, "azerty")
	owner := authenticate(t, svc, first)
	if _, err := svc.TakeDecision(ctx, owner, "before the restart"); err != nil {
		t.Fatal(err)
	}

	again, err := svc.Register(ctx, "second-key", decisions.NewUser{Checksum: "azerty", Name: "someone else", Prompt: "another prompt"})
	if err != nil {
		t.Fatalf("second Register of a checksum: %v, want a new token", err)
	}
	if again.Created || again.Token == first || len(again.Token) != decisions.TokenLength {
		t.Fatalf("second Register = %+v, want Created false and a new %d-character token", again, decisions.TokenLength)
	}
	if p := authenticate(t, svc, again.Token); p.UserID() != owner.UserID() {
		t.Fatalf("the new token is user %s's, want the registered user %s", p.UserID(), owner.UserID())
	}
	authenticate(t, svc, first) // earlier tokens stay valid, as with Connect
	page, err := svc.Decisions(ctx, authenticate(t, svc, again.Token), decisions.PageQuery{})
	if err != nil || len(page.Decisions) != 1 || page.Decisions[0].Message != "before the restart" {
		t.Fatalf("decisions through the new token = %+v, %v; want the user's earlier decision", page, err)
	}

	// Fields sent again are checked as in any Register, and never stored.
	var fe *decisions.FieldError
	if _, err := svc.Register(ctx, apiKey, decisions.NewUser{Checksum: "azerty", Name: strings.Repeat("n", decisions.MaxNameLength+1)}); !errors.As(err, &fe) || fe.Field != "name" {
		t.Fatalf("Register again with a too long name: err = %v, want a FieldError on name", err)
	}
	var users []struct{ Name, Prompt string }
	if err := db.Raw("SELECT name, prompt FROM decision_users").Scan(&users).Error; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(users) != "[{tom juste le boss}]" {
		t.Fatalf("stored users = %v, want only the first Register's name and prompt", users)
	}
	if n := countRows(t, db, "decision_tokens"); n != 2 {
		t.Fatalf("%d tokens stored, want 2 (the refused Register issues none)", n)
	}
}

func countRows(t *testing.T, db *database.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
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
	// Connect and a Register of the registered checksum issue alike.
	for len(tokens) < decisions.MaxLiveTokens+2 {
		var tok string
		var err error
		if len(tokens)%2 == 0 {
			var reg decisions.Registration
			reg, err = svc.Register(ctx, apiKey, decisions.NewUser{Checksum: "many", Name: "tom"})
			tok = reg.Token
		} else {
			tok, err = svc.Connect(ctx, "many")
		}
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

// The decision log.

func TestTakeDecisionAppendsToTheUsersLog(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	p := authenticate(t, svc, register(t, svc, "azerty"))
	d, err := svc.TakeDecision(ctx, p, "Hello World")
	if err != nil {
		t.Fatalf("take decision: %v", err)
	}
	if d.ID == "" || d.Message != "Hello World" || d.RecordedAt.IsZero() || d.UserID != p.UserID() {
		t.Fatalf("decision = %+v, want an id, the message and a time", d)
	}
	page, err := svc.Decisions(ctx, p, decisions.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Decisions) != 1 || page.Decisions[0].ID != d.ID || !page.Decisions[0].RecordedAt.Equal(d.RecordedAt) || page.NextCursor != "" {
		t.Fatalf("page = %+v, want exactly %+v and no cursor", page, d)
	}
	for _, msg := range []string{"", strings.Repeat("m", decisions.MaxMessageLength+1)} {
		if _, err := svc.TakeDecision(ctx, p, msg); !errors.Is(err, decisions.ErrInvalid) {
			t.Errorf("message of %d characters: err = %v, want ErrInvalid", len(msg), err)
		}
	}
}

// TestNoDecisionAfterItsTokenIsRevoked: a TakeDecision that authenticated
// before its token was revoked (by Disconnect, or by the cap as the oldest)
// stores nothing once the revocation is done and answers ErrInvalidToken.
func TestNoDecisionAfterItsTokenIsRevoked(t *testing.T) {
	svc, db := newService(t)
	ctx := context.Background()
	disconnected := authenticate(t, svc, register(t, svc, "azerty"))
	if err := svc.Disconnect(ctx, disconnected); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.TakeDecision(ctx, disconnected, "after Disconnect"); !errors.Is(err, decisions.ErrInvalidToken) {
		t.Errorf("decision after Disconnect: %v, want ErrInvalidToken", err)
	}

	first, err := svc.Connect(ctx, "azerty")
	if err != nil {
		t.Fatal(err)
	}
	oldest := authenticate(t, svc, first)
	for range decisions.MaxLiveTokens {
		if _, err := svc.Connect(ctx, "azerty"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.TakeDecision(ctx, oldest, "after the cap revoked it"); !errors.Is(err, decisions.ErrInvalidToken) {
		t.Errorf("decision after the cap revoked the token: %v, want ErrInvalidToken", err)
	}
	if n := countRows(t, db, "decisions"); n != 0 {
		t.Errorf("decisions stored: %d, want 0", n)
	}
}

func TestDecisionsPageNewestFirstWithACursor(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	p := authenticate(t, svc, register(t, svc, "pager"))
	other := authenticate(t, svc, register(t, svc, "other"))
	for i := 1; i <= 7; i++ {
		if _, err := svc.TakeDecision(ctx, p, fmt.Sprintf("d%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.TakeDecision(ctx, other, "not yours"); err != nil {
		t.Fatal(err)
	}
	var got []string
	cursor := ""
	pages := 0
	for {
		page, err := svc.Decisions(ctx, p, decisions.PageQuery{Limit: 3, Before: cursor})
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		for _, d := range page.Decisions {
			got = append(got, d.Message)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if want := "[d7 d6 d5 d4 d3 d2 d1]"; fmt.Sprint(got) != want || pages != 3 {
		t.Fatalf("paged %d times: %v, want %s in 3 pages", pages, got, want)
	}

	// A cursor is only good for the user it was issued to.
	first, _ := svc.Decisions(ctx, p, decisions.PageQuery{Limit: 1})
	for name, q := range map[string]decisions.PageQuery{
		"another user's cursor": {Before: first.NextCursor},
		"not base64":            {Before: "***"},
		"not a decision id":     {Before: "bm9wZQ"},
		"limit over 100":        {Limit: 101},
		"negative limit":        {Limit: -1},
	} {
		principal := other
		if name != "another user's cursor" {
			principal = p
		}
		if _, err := svc.Decisions(ctx, principal, q); !errors.Is(err, decisions.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := svc.Decisions(ctx, other, decisions.PageQuery{Before: first.NextCursor}); !errors.Is(err, decisions.ErrInvalidCursor) {
		t.Errorf("another user's cursor: err = %v, want ErrInvalidCursor", err)
	}
}
