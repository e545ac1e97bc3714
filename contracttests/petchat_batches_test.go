package contracttests

import (
	"context"
	"testing"
	"time"

	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/petchat/petchatstore"
	"github.com/sessionhub/server/internal/platform/config"
	"github.com/sessionhub/server/internal/platform/database"
)

// TestPetChatBatchesLockConversationsInIDOrder: a message batch stored on
// PostgreSQL waits for its conversations' rows in id order, so two batches
// stored at once cannot deadlock. With a's row held elsewhere, the batch
// of a message to z and one to a must wait for a while z is still free
// (z is stored first, so neither the batch's order nor the table's puts a
// first). It used to lock them in the order its UPDATE's join produced
// them, here the batch's own, which came from a map: z first in 5 runs of
// 6; under the chat load two batches could lock shared conversations in
// opposite orders, and the one PostgreSQL chose to fail answered its
// senders INTERNAL_ERROR.
func TestPetChatBatchesLockConversationsInIDOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := database.Open(config.Config{DatabaseURL: createDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := petchatstore.Migrate(db); err != nil {
		t.Fatal(err)
	}
	store := petchatstore.New(db)
	const (
		a, z   = "00000000-0000-4000-8000-00000000000a", "ffffffff-0000-4000-8000-00000000000f"
		client = "11111111-1111-4111-8111-111111111111"
	)
	now := time.Now().UTC()
	for _, id := range []string{z, a} {
		c := petchat.Conversation{ID: id, PetID: "22222222-2222-4222-8222-222222222222", ClientID: client, Providers: []string{"33333333-3333-4333-8333-333333333333"}, CreatedAt: now}
		if err := store.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	holder := db.WithContext(ctx).Begin()
	defer holder.Rollback()
	if err := holder.Exec("SELECT id FROM petchat_conversations WHERE id = ? FOR UPDATE", a).Error; err != nil {
		t.Fatal(err)
	}
	stored := make(chan error, 1)
	go func() {
		stored <- store.AddMessages(ctx, []petchat.Message{
			{ID: "01900000-0000-7000-8000-000000000001", ConversationID: z, SenderID: client, Content: "to z", Timestamp: now.Add(time.Second)},
			{ID: "01900000-0000-7000-8000-000000000002", ConversationID: a, SenderID: client, Content: "to a", Timestamp: now.Add(time.Second)},
		})
	}()
	eventually(t, "the batch waits for a row lock", func() bool {
		var waiting int
		db.WithContext(ctx).Raw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting)
		return waiting == 1
	})
	probe := db.WithContext(ctx).Begin()
	err = probe.Exec("SELECT id FROM petchat_conversations WHERE id = ? FOR UPDATE NOWAIT", z).Error
	probe.Rollback()
	if err != nil {
		t.Errorf("while the batch waits for conversation a, conversation z is locked too (%v): the batch does not lock in id order", err)
	}

	holder.Rollback()
	if err := <-stored; err != nil {
		t.Fatalf("the batch once a was free: %v", err)
	}
	for _, id := range []string{a, z} {
		msgs, err := store.Messages(ctx, id, nil, 10)
		if err != nil || len(msgs) != 1 {
			t.Errorf("conversation %s holds %d messages (%v), want 1", id, len(msgs), err)
		}
	}
}
