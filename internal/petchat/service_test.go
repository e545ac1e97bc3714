package petchat_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/petchat/petchatstore"
	"github.com/sessionhub/server/internal/platform/clocktest"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
)

var ctx = context.Background()

func newService(t *testing.T) *petchat.Service {
	t.Helper()
	svc, _ := newServiceWithNotifier(t)
	return svc
}

// notifications records what the service told the participants.
type notifications struct {
	mu      sync.Mutex
	batches [][]petchat.Sent
	created []petchat.Conversation
	changed chan struct{}
}

func (n *notifications) MessagesSent(_ context.Context, batch []petchat.Sent) {
	n.mu.Lock()
	n.batches = append(n.batches, batch)
	n.mu.Unlock()
	n.changed <- struct{}{}
}

func (n *notifications) ConversationCreated(_ context.Context, c petchat.Conversation, _ string) {
	n.mu.Lock()
	n.created = append(n.created, c)
	n.mu.Unlock()
}

// sent waits until want messages were told and returns them in order.
func (n *notifications) sent(t *testing.T, want int) []petchat.Sent {
	t.Helper()
	for {
		n.mu.Lock()
		var all []petchat.Sent
		for _, b := range n.batches {
			all = append(all, b...)
		}
		n.mu.Unlock()
		if len(all) >= want {
			return all
		}
		select {
		case <-n.changed:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d messages told, want %d", len(all), want)
		}
	}
}

func newServiceWithNotifier(t *testing.T) (*petchat.Service, *notifications) {
	t.Helper()
	n := &notifications{changed: make(chan struct{}, 1024)}
	svc := petchat.NewService(petchatstore.New(dbtest.SQLite(t, petchatstore.Migrate)), n, petchat.Limits{})
	t.Cleanup(svc.Close)
	return svc, n
}

func create(t *testing.T, svc *petchat.Service, client string, providers ...string) petchat.Conversation {
	t.Helper()
	c, err := svc.Create(ctx, client, "conn-1", petchat.NewConversation{PetID: uuid.NewString(), Providers: providers})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return c
}

// createMany creates n conversations, each of a client of its own with one
// provider, and returns them with their clients.
func createMany(t *testing.T, svc *petchat.Service, n int) ([]petchat.Conversation, []string) {
	t.Helper()
	convs, clients := make([]petchat.Conversation, n), make([]string, n)
	for i := range convs {
		clients[i] = uuid.NewString()
		convs[i] = create(t, svc, clients[i], uuid.NewString())
	}
	return convs, clients
}

func send(t *testing.T, svc *petchat.Service, sender, conv, content string) petchat.Message {
	t.Helper()
	m, err := svc.Send(ctx, sender, "conn-1", conv, content)
	if err != nil {
		t.Fatalf("send %q: %v", content, err)
	}
	return m
}

func TestUserIDForSubject(t *testing.T) {
	id := uuid.NewString()
	if got := petchat.UserIDForSubject(strings.ToUpper(id)); got != id {
		t.Errorf("UUID sub %s -> %s, want its canonical form %s", strings.ToUpper(id), got, id)
	}
	alice := petchat.UserIDForSubject("alice")
	if alice != "f973db58-e8d8-5ab1-b0d2-bf03f8a71153" || petchat.UserIDForSubject("alice") != alice {
		t.Errorf("alice -> %s, want the stable UUID v5 f973db58-e8d8-5ab1-b0d2-bf03f8a71153", alice)
	}
	if petchat.UserIDForSubject("bob") == alice {
		t.Error("two subjects share an id")
	}
	if a, b := petchat.NewAnonymousUserID(), petchat.NewAnonymousUserID(); a == b {
		t.Error("anonymous ids repeat")
	}
}

func TestCreateValidates(t *testing.T) {
	svc := newService(t)
	me, p := uuid.NewString(), uuid.NewString()
	many := make([]string, petchat.MaxProviders+1)
	for i := range many {
		many[i] = uuid.NewString()
	}
	tests := map[string]struct {
		n     petchat.NewConversation
		field string
	}{
		"bad pet":        {petchat.NewConversation{PetID: "rex", Providers: []string{p}}, "pet_id"},
		"no providers":   {petchat.NewConversation{PetID: uuid.NewString()}, "providers"},
		"too many":       {petchat.NewConversation{PetID: uuid.NewString(), Providers: many}, "providers"},
		"duplicates":     {petchat.NewConversation{PetID: uuid.NewString(), Providers: []string{p, strings.ToUpper(p)}}, "providers"},
		"yourself":       {petchat.NewConversation{PetID: uuid.NewString(), Providers: []string{me}}, "providers"},
		"malformed uuid": {petchat.NewConversation{PetID: uuid.NewString(), Providers: []string{"x"}}, "providers"},
	}
	for name, tt := range tests {
		_, err := svc.Create(ctx, me, "conn-1", tt.n)
		var inv *petchat.InvalidError
		if !errors.As(err, &inv) || inv.Field != tt.field || !errors.Is(err, petchat.ErrInvalid) {
			t.Errorf("%s: err = %v, want invalid %s", name, err, tt.field)
		}
	}
}

func TestConversationsListedForParticipantsOnly(t *testing.T) {
	svc := newService(t)
	owner, vet, groomer, stranger := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	older := create(t, svc, owner, vet, groomer)
	newer := create(t, svc, owner, vet)
	if older.Providers[0] != vet || older.Providers[1] != groomer {
		t.Fatalf("providers = %v, want the given order", older.Providers)
	}
	// A message makes the older conversation the most recently active.
	m := send(t, svc, groomer, older.ID, "Rex is fine")

	for user, want := range map[string][]string{owner: {older.ID, newer.ID}, vet: {older.ID, newer.ID}, groomer: {older.ID}, stranger: {}} {
		page, err := svc.List(ctx, user, petchat.ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		list := page.Conversations
		var got []string
		for _, c := range list {
			got = append(got, c.ID)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("conversations of %s = %v, want %v", user, got, want)
		}
		if len(list) > 0 && (list[0].LastMessage == nil || list[0].LastMessage.ID != m.ID || list[0].LastMessage.Content != "Rex is fine") {
			t.Errorf("last message = %+v, want %s", list[0].LastMessage, m.ID)
		}
		if len(list) == 2 && list[1].LastMessage != nil {
			t.Errorf("conversation without messages has last message %+v", list[1].LastMessage)
		}
	}
}

func TestSendRules(t *testing.T) {
	svc, told := newServiceWithNotifier(t)
	owner, vet := uuid.NewString(), uuid.NewString()
	c := create(t, svc, owner, vet)
	if _, err := svc.Send(ctx, uuid.NewString(), "conn-9", c.ID, "hi"); !errors.Is(err, petchat.ErrNotParticipant) {
		t.Errorf("stranger send: %v, want ErrNotParticipant", err)
	}
	if _, err := svc.Send(ctx, owner, "conn-1", uuid.NewString(), "hi"); !errors.Is(err, petchat.ErrConversationNotFound) {
		t.Errorf("unknown conversation: %v, want ErrConversationNotFound", err)
	}
	for _, content := range []string{"", strings.Repeat("é", petchat.MaxContentLength+1)} {
		if _, err := svc.Send(ctx, owner, "conn-1", c.ID, content); !errors.Is(err, petchat.ErrInvalid) {
			t.Errorf("content of %d runes: %v, want ErrInvalid", len([]rune(content)), err)
		}
	}
	m, err := svc.Send(ctx, vet, "conn-2", c.ID, strings.Repeat("é", petchat.MaxContentLength))
	if err != nil || m.SenderID != vet || m.ConversationID != c.ID || m.Timestamp.IsZero() {
		t.Fatalf("send = %+v, %v, want stored by vet", m, err)
	}
	got := told.sent(t, 1)
	if len(got) != 1 || got[0].Message.ID != m.ID || got[0].Origin != "conn-2" || len(got[0].Participants) != 2 || got[0].Participants[0] != owner || got[0].Participants[1] != vet {
		t.Errorf("told %+v, want the one stored message for [owner vet], skipping conn-2", got)
	}
}

// Messages sent at once from many connections are stored in a few
// transactions (group commit); each sender is answered once its message is
// durable, every message is told exactly once, and each sender's messages
// are told in the order they were sent (issue 11, item 3).
func TestConcurrentSendsAreBatchedAndToldOnceInOrder(t *testing.T) {
	svc, told := newServiceWithNotifier(t)
	const senders, each = 40, 25
	convs, users := createMany(t, svc, senders)
	var wg sync.WaitGroup
	for i := 0; i < senders; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := 0; n < each; n++ {
				if _, err := svc.Send(ctx, users[i], "conn", convs[i].ID, fmt.Sprintf("%d", n)); err != nil {
					t.Errorf("send: %v", err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	all := told.sent(t, senders*each)
	if len(all) != senders*each {
		t.Fatalf("told %d messages, want %d exactly once", len(all), senders*each)
	}
	next := map[string]int{}
	seen := map[string]bool{}
	for _, s := range all {
		if seen[s.Message.ID] {
			t.Fatalf("message %s told twice", s.Message.ID)
		}
		seen[s.Message.ID] = true
		if want := fmt.Sprintf("%d", next[s.Message.SenderID]); s.Message.Content != want {
			t.Fatalf("sender %s: told %q, want %q next", s.Message.SenderID, s.Message.Content, want)
		}
		next[s.Message.SenderID]++
	}
	told.mu.Lock()
	batches := len(told.batches)
	told.mu.Unlock()
	if batches >= senders*each {
		t.Errorf("%d messages took %d batches: nothing was grouped", senders*each, batches)
	}
	for i := range convs { // each conversation's last message is its newest
		page, err := svc.History(ctx, users[i], convs[i].ID, "", 1)
		if err != nil || len(page.Messages) != 1 || page.Messages[0].Content != fmt.Sprintf("%d", each-1) {
			t.Fatalf("newest of conversation %d = %+v, %v", i, page.Messages, err)
		}
	}
	page, err := svc.List(ctx, users[0], petchat.ListQuery{})
	list := page.Conversations
	if err != nil || len(list) != 1 || list[0].LastMessage == nil || list[0].LastMessage.Content != fmt.Sprintf("%d", each-1) {
		t.Fatalf("conversations of user 0 = %+v, %v; want the last message %d", list, err, each-1)
	}
}

func TestHistoryPages(t *testing.T) {
	svc := newService(t)
	owner, vet := uuid.NewString(), uuid.NewString()
	c := create(t, svc, owner, vet)
	other := create(t, svc, owner, vet)
	var sent []string
	for i := 0; i < 7; i++ {
		sent = append(sent, send(t, svc, owner, c.ID, string(rune('a'+i))).ID)
	}
	var got []string
	before := ""
	for pages := 0; ; pages++ {
		page, err := svc.History(ctx, vet, c.ID, before, 3)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range page.Messages {
			ids = append(ids, m.ID)
		}
		got = append(ids, got...)
		if page.NextCursor == "" {
			if pages != 2 {
				t.Fatalf("pages = %d, want 3", pages+1)
			}
			break
		}
		before = page.NextCursor
	}
	if strings.Join(got, ",") != strings.Join(sent, ",") {
		t.Fatalf("history = %v, want %v (oldest first)", got, sent)
	}
	if page, _ := svc.History(ctx, vet, c.ID, "", 0); len(page.Messages) != 7 || page.NextCursor != "" {
		t.Errorf("default page = %d messages, cursor %q; want all 7 and no cursor", len(page.Messages), page.NextCursor)
	}

	page, _ := svc.History(ctx, vet, c.ID, "", 1)
	for name, tt := range map[string]struct {
		user, conv, before string
		limit              int
		want               error
	}{
		"stranger":               {uuid.NewString(), c.ID, "", 0, petchat.ErrNotParticipant},
		"unknown conversation":   {vet, uuid.NewString(), "", 0, petchat.ErrConversationNotFound},
		"cursor of another":      {vet, other.ID, page.NextCursor, 0, petchat.ErrInvalid},
		"garbage cursor":         {vet, c.ID, "not-a-cursor", 0, petchat.ErrInvalid},
		"limit over the maximum": {vet, c.ID, "", petchat.Pages.Max + 1, petchat.ErrInvalid},
	} {
		if _, err := svc.History(ctx, tt.user, tt.conv, tt.before, tt.limit); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", name, err, tt.want)
		}
	}
}

// TestConversationsArePaged: the seed's request gets the newest
// Pages.Default conversations and a cursor; following the cursor shows
// every conversation once, newest activity first.
func TestConversationsArePaged(t *testing.T) {
	svc := newService(t)
	vet := uuid.NewString()
	total := petchat.Pages.Default + 12
	for i := 0; i < total; i++ {
		c := create(t, svc, uuid.NewString(), vet)
		if i%5 == 0 {
			send(t, svc, vet, c.ID, "reorders the list")
		}
	}
	whole, err := svc.List(ctx, vet, petchat.ListQuery{Limit: petchat.Pages.Max})
	if err != nil || len(whole.Conversations) != total || whole.NextCursor != "" {
		t.Fatalf("one page of %d: %d conversations, next %q, %v", petchat.Pages.Max, len(whole.Conversations), whole.NextCursor, err)
	}
	first, err := svc.List(ctx, vet, petchat.ListQuery{})
	if err != nil || len(first.Conversations) != petchat.Pages.Default || first.NextCursor == "" {
		t.Fatalf("default page: %d conversations, next %q, %v; want %d and a cursor", len(first.Conversations), first.NextCursor, err, petchat.Pages.Default)
	}
	var got []string
	q := petchat.ListQuery{Limit: 9}
	for {
		page, err := svc.List(ctx, vet, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Conversations {
			got = append(got, c.ID)
		}
		if page.NextCursor == "" {
			break
		}
		q.Before = page.NextCursor
	}
	var want []string
	for _, c := range whole.Conversations {
		want = append(want, c.ID)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paging gave %d conversations, want all %d once in the list's order", len(got), len(want))
	}
	for name, before := range map[string]string{"not base64": "%%", "a history cursor": petchat.CursorOf(petchat.Message{ConversationID: want[0], ID: uuid.NewString()}).String()} {
		var inv *petchat.InvalidError
		if _, err := svc.List(ctx, vet, petchat.ListQuery{Before: before}); !errors.As(err, &inv) || inv.Field != "before" {
			t.Errorf("%s: err = %v, want invalid before", name, err)
		}
	}
}

// TestNewConversationsPerUserAreBounded: strangers on fresh connections
// (fresh anonymous users) cannot push more than the limit onto one
// provider; other users are not affected, and the window ends.
func TestNewConversationsPerUserAreBounded(t *testing.T) {
	clock := clocktest.New()
	svc := petchat.NewService(petchatstore.New(dbtest.SQLite(t, petchatstore.Migrate)), &notifications{changed: make(chan struct{}, 16)}, petchat.Limits{NewConversationsPerUser: 3, Now: clock.Now})
	t.Cleanup(svc.Close)
	victim, other := uuid.NewString(), uuid.NewString()
	for i := 0; i < 3; i++ {
		create(t, svc, uuid.NewString(), victim)
		clock.Advance(time.Second)
	}
	_, err := svc.Create(ctx, uuid.NewString(), "conn-1", petchat.NewConversation{PetID: uuid.NewString(), Providers: []string{other, victim}})
	var limited *petchat.RateLimitedError
	if !errors.As(err, &limited) || limited.Scope != petchat.ScopeUser || limited.RetryAfter != 57*time.Second {
		t.Fatalf("fourth conversation with the victim: %v, want refused for 57s", err)
	}
	create(t, svc, uuid.NewString(), other) // the refused one did not count for other
	if page, _ := svc.List(ctx, victim, petchat.ListQuery{}); len(page.Conversations) != 3 {
		t.Fatalf("the victim has %d conversations, want 3", len(page.Conversations))
	}
	clock.Advance(57 * time.Second)
	create(t, svc, uuid.NewString(), victim)
}

// overlapWatch is a store that sees which conversations the batches being
// stored at the moment hold.
type overlapWatch struct {
	petchat.Store
	mu          sync.Mutex
	storing     map[string]int // conversation → batches storing it now
	atOnce, max int            // batches being stored now, and the most at once
	shared      []string       // conversations two batches stored at once
}

func (w *overlapWatch) AddMessages(ctx context.Context, msgs []petchat.Message) error {
	convs := map[string]bool{}
	for _, m := range msgs {
		convs[m.ConversationID] = true
	}
	w.mu.Lock()
	for c := range convs {
		if w.storing[c] > 0 {
			w.shared = append(w.shared, c)
		}
		w.storing[c]++
	}
	w.atOnce++
	w.max = max(w.max, w.atOnce)
	w.mu.Unlock()
	time.Sleep(time.Millisecond) // a commit's wait, for the other batch to start meanwhile
	err := w.Store.AddMessages(ctx, msgs)
	w.mu.Lock()
	for c := range convs {
		w.storing[c]--
	}
	w.atOnce--
	w.mu.Unlock()
	return err
}

// TestBatchesStoredAtOnceShareNoConversation: the two batches stored at
// once hold different conversations, so on PostgreSQL neither waits for
// the other's row locks.
func TestBatchesStoredAtOnceShareNoConversation(t *testing.T) {
	watch := &overlapWatch{Store: petchatstore.New(dbtest.SQLite(t, petchatstore.Migrate)), storing: map[string]int{}}
	svc := petchat.NewService(watch, &notifications{changed: make(chan struct{}, 4096)}, petchat.Limits{})
	t.Cleanup(svc.Close)
	const conversations, senders, each = 32, 64, 20
	convs, clients := createMany(t, svc, conversations)
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			c := i % conversations
			for range each {
				if _, err := svc.Send(ctx, clients[c], "conn", convs[c].ID, "hello"); err != nil {
					t.Errorf("send: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	watch.mu.Lock()
	defer watch.mu.Unlock()
	if len(watch.shared) > 0 {
		t.Errorf("batches stored at once shared conversations %d times (first %s)", len(watch.shared), watch.shared[0])
	}
	if watch.max < 2 {
		t.Errorf("at most %d batch was stored at once: the test did not store two at once", watch.max)
	}
}
