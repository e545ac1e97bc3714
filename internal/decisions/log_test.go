package decisions_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/decisions"
)

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
