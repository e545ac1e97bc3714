package petchatstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/platform/database/dbtest"
)

// BenchmarkAddMessages stores batches of 100 messages spread over 500
// conversations, as the chat load tool's clients send them (tools/chatload):
// the cost of one group commit on SQLite, per message.
func BenchmarkAddMessages(b *testing.B) {
	const conversations, batch = 500, 100
	store := New(dbtest.SQLite(b, Migrate))
	ctx := context.Background()
	ids := make([]string, conversations)
	for i := range ids {
		ids[i] = uuid.NewString()
		c := petchat.Conversation{ID: ids[i], PetID: uuid.NewString(), ClientID: uuid.NewString(), Providers: []string{uuid.NewString()}, CreatedAt: time.Now()}
		if err := store.CreateConversation(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	next := 0
	b.ResetTimer()
	for b.Loop() {
		msgs := make([]petchat.Message, batch)
		for i := range msgs {
			id, _ := uuid.NewV7()
			msgs[i] = petchat.Message{ID: id.String(), ConversationID: ids[next%conversations], SenderID: uuid.NewString(),
				Content: fmt.Sprintf("message %d from the load", next), Timestamp: time.Now()}
			next++
		}
		if err := store.AddMessages(ctx, msgs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(next), "µs/message")
}
