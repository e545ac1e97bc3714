// Package petchatstore keeps pet-care conversations and their messages in the GORM
// database. Times are stored as Unix microseconds so that ordering and cursor
// comparisons are exact integer comparisons on SQLite and PostgreSQL alike.
package petchatstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/sessionhub/server/internal/petchat"
	"github.com/sessionhub/server/internal/platform/convert"
	"github.com/sessionhub/server/internal/platform/database"
)

// conversationRow is one conversation; LastMessageID and LastActivityUS
// make "newest activity first" a single indexed ordering.
type conversationRow struct {
	ID             string  `gorm:"primaryKey;size:36"`
	PetID          string  `gorm:"size:36;not null"`
	ClientID       string  `gorm:"size:36;not null"`
	CreatedUS      int64   `gorm:"not null"`
	LastActivityUS int64   `gorm:"not null;index"`
	LastMessageID  *string `gorm:"size:36"`
}

func (conversationRow) TableName() string { return "petchat_conversations" }

// participantRow says user takes part in a conversation; Position 0 is the
// client, 1.. the providers in the order given.
type participantRow struct {
	ConversationID string `gorm:"primaryKey;size:36"`
	UserID         string `gorm:"primaryKey;size:36;index"`
	Position       int    `gorm:"not null"`
}

func (participantRow) TableName() string { return "petchat_participants" }

// messageRow is one message; (conversation_id, sent_us, id) orders history.
type messageRow struct {
	ID             string `gorm:"primaryKey;size:36"`
	ConversationID string `gorm:"size:36;not null;index:petchat_messages_history,priority:1"`
	SentUS         int64  `gorm:"not null;index:petchat_messages_history,priority:2"`
	SenderID       string `gorm:"size:36;not null"`
	Content        string `gorm:"type:text;not null"`
}

func (messageRow) TableName() string { return "petchat_messages" }

// Conversations is the GORM implementation of petchat.Store.
type Conversations struct {
	db      *database.DB
	members *memberCache
}

var _ petchat.Store = (*Conversations)(nil)

// New returns the store; Migrate must have run.
func New(db *database.DB) *Conversations {
	return &Conversations{db: db, members: newMemberCache()}
}

// Migrate creates or updates the tables.
func Migrate(db *database.DB) error {
	return db.AutoMigrate(&conversationRow{}, &participantRow{}, &messageRow{})
}

func (s *Conversations) CreateConversation(ctx context.Context, c petchat.Conversation) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := conversationRow{ID: c.ID, PetID: c.PetID, ClientID: c.ClientID, CreatedUS: c.CreatedAt.UnixMicro(), LastActivityUS: c.CreatedAt.UnixMicro()}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("insert conversation: %w", err)
		}
		parts := make([]participantRow, 0, len(c.Providers)+1)
		for i, user := range c.Participants() {
			parts = append(parts, participantRow{ConversationID: c.ID, UserID: user, Position: i})
		}
		if err := tx.Create(&parts).Error; err != nil {
			return fmt.Errorf("insert participants: %w", err)
		}
		return nil
	})
	if err == nil {
		s.members.put(c)
	}
	return err
}

// Conversation serves from the member cache when it can: who takes part in
// a conversation never changes, so a cached entry is never stale, on any
// server process.
func (s *Conversations) Conversation(ctx context.Context, id string) (petchat.Conversation, error) {
	if c, ok := s.members.get(id); ok {
		return c, nil
	}
	var row conversationRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if err := database.LookupError(err, petchat.ErrConversationNotFound, "load conversation"); err != nil {
		return petchat.Conversation{}, err
	}
	providers, err := s.providers(ctx, []string{id})
	if err != nil {
		return petchat.Conversation{}, err
	}
	c := toConversation(row, providers[id], nil)
	s.members.put(c)
	return c, nil
}

func (s *Conversations) ConversationsOf(ctx context.Context, user string, after *petchat.ListPosition, limit int) ([]petchat.Conversation, error) {
	db := s.db.WithContext(ctx)
	var rows []conversationRow
	mine := db.Model(&participantRow{}).Select("conversation_id").Where("user_id = ?", user)
	q := db.Where("id IN (?)", mine)
	if after != nil {
		q = q.Where("last_activity_us < ? OR (last_activity_us = ? AND id > ?)", after.ActivityUS, after.ActivityUS, after.ConversationID)
	}
	if err := q.Order("last_activity_us DESC").Order("id ASC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	if len(rows) == 0 {
		return []petchat.Conversation{}, nil
	}
	ids := make([]string, len(rows))
	var lastIDs []string
	for i, r := range rows {
		ids[i] = r.ID
		if r.LastMessageID != nil {
			lastIDs = append(lastIDs, *r.LastMessageID)
		}
	}
	providers, err := s.providers(ctx, ids)
	if err != nil {
		return nil, err
	}
	last := map[string]petchat.Message{}
	if len(lastIDs) > 0 {
		var msgs []messageRow
		if err := db.Where("id IN ?", lastIDs).Find(&msgs).Error; err != nil {
			return nil, fmt.Errorf("load last messages: %w", err)
		}
		for _, m := range msgs {
			last[m.ID] = toMessage(m)
		}
	}
	out := make([]petchat.Conversation, len(rows))
	for i, r := range rows {
		var lm *petchat.Message
		if r.LastMessageID != nil {
			if m, ok := last[*r.LastMessageID]; ok {
				lm = &m
			}
		}
		out[i] = toConversation(r, providers[r.ID], lm)
	}
	return out, nil
}

// providers returns each conversation's providers in their given order.
func (s *Conversations) providers(ctx context.Context, ids []string) (map[string][]string, error) {
	var parts []participantRow
	err := s.db.WithContext(ctx).Where("conversation_id IN ? AND position > 0", ids).
		Order("conversation_id").Order("position").Find(&parts).Error
	if err != nil {
		return nil, fmt.Errorf("load participants: %w", err)
	}
	out := make(map[string][]string, len(ids))
	for _, p := range parts {
		out[p.ConversationID] = append(out[p.ConversationID], p.UserID)
	}
	return out, nil
}

// AddMessages is one transaction of statements whose text does not depend
// on the batch (so each is prepared once): one INSERT of every message and
// one UPDATE that moves each conversation's last message to its newest in
// the batch, unless a newer one is stored. The rows travel as one JSON
// parameter, which PostgreSQL and SQLite both expand into a table.
//
// On PostgreSQL, where batches are stored concurrently, the batch first
// locks its conversations' rows in id order. The UPDATE alone locks them in
// the order its join produces them (the batch's own order, or where the
// rows lie, which updates move), so two batches sharing conversations could
// lock them in opposite orders and deadlock: PostgreSQL then fails one,
// and its senders were answered INTERNAL_ERROR. SQLite has one writer.
func (s *Conversations) AddMessages(ctx context.Context, msgs []petchat.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	rows := make([]messageJSON, len(msgs))
	newest := map[string]messageJSON{}
	for i, m := range msgs {
		rows[i] = messageJSON{ID: m.ID, ConversationID: m.ConversationID, SentUS: m.Timestamp.UnixMicro(), SenderID: m.SenderID, Content: m.Content}
		if n, ok := newest[m.ConversationID]; !ok || rows[i].SentUS > n.SentUS || (rows[i].SentUS == n.SentUS && rows[i].ID > n.ID) {
			newest[m.ConversationID] = rows[i]
		}
	}
	last := make([]messageJSON, 0, len(newest))
	for _, m := range newest {
		last = append(last, m)
	}
	insertJSON, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("encode messages: %w", err)
	}
	lastJSON, err := json.Marshal(last)
	if err != nil {
		return fmt.Errorf("encode messages: %w", err)
	}
	insert, update, lock := sqliteInsertMessages, sqliteUpdateLast, ""
	if s.db.Dialect == database.Postgres {
		insert, update, lock = postgresInsertMessages, postgresUpdateLast, postgresLockConversations
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if lock != "" {
			if err := tx.Exec(lock, string(lastJSON)).Error; err != nil {
				return fmt.Errorf("lock conversations: %w", err)
			}
		}
		if err := tx.Exec(insert, string(insertJSON)).Error; err != nil {
			return fmt.Errorf("insert messages: %w", err)
		}
		if err := tx.Exec(update, string(lastJSON)).Error; err != nil {
			return fmt.Errorf("update last messages: %w", err)
		}
		return nil
	})
}

// messageJSON is a message row as AddMessages passes it to the database.
type messageJSON struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	SentUS         int64  `json:"sent_us"`
	SenderID       string `json:"sender_id"`
	Content        string `json:"content"`
}

// The batch travels as one JSON array, one row per element. On SQLite
// jsonb_each hands each element on in its binary form, so ->> reads its
// fields without parsing it again (json_each's text values cost about a
// tenth of the insert).
const (
	postgresInsertMessages = `INSERT INTO petchat_messages (id, conversation_id, sent_us, sender_id, content)
SELECT id, conversation_id, sent_us, sender_id, content
FROM json_to_recordset(?::json) AS m(id text, conversation_id text, sent_us bigint, sender_id text, content text)`
	postgresLockConversations = `SELECT id FROM petchat_conversations
WHERE id IN (SELECT conversation_id FROM json_to_recordset(?::json) AS v(conversation_id text))
ORDER BY id FOR UPDATE`
	postgresUpdateLast = `UPDATE petchat_conversations AS c SET last_message_id = v.id, last_activity_us = v.sent_us
FROM json_to_recordset(?::json) AS v(id text, conversation_id text, sent_us bigint)
WHERE c.id = v.conversation_id AND c.last_activity_us <= v.sent_us`
	sqliteInsertMessages = `INSERT INTO petchat_messages (id, conversation_id, sent_us, sender_id, content)
SELECT value->>'id', value->>'conversation_id', value->>'sent_us', value->>'sender_id', value->>'content'
FROM jsonb_each(?)`
	sqliteUpdateLast = `UPDATE petchat_conversations SET last_message_id = v.id, last_activity_us = v.sent_us
FROM (SELECT value->>'id' AS id, value->>'conversation_id' AS conversation_id, value->>'sent_us' AS sent_us FROM jsonb_each(?)) AS v
WHERE petchat_conversations.id = v.conversation_id AND petchat_conversations.last_activity_us <= v.sent_us`
)

func (s *Conversations) Messages(ctx context.Context, conversationID string, before *petchat.Cursor, limit int) ([]petchat.Message, error) {
	q := s.db.WithContext(ctx).Where("conversation_id = ?", conversationID)
	if before != nil {
		us := before.Timestamp.UnixMicro()
		q = q.Where("sent_us < ? OR (sent_us = ? AND id < ?)", us, us, before.MessageID)
	}
	var rows []messageRow
	if err := q.Order("sent_us DESC").Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	return convert.Each(rows, toMessage), nil
}

func toConversation(r conversationRow, providers []string, last *petchat.Message) petchat.Conversation {
	return petchat.Conversation{
		ID: r.ID, PetID: r.PetID, ClientID: r.ClientID, Providers: providers,
		CreatedAt: time.UnixMicro(r.CreatedUS).UTC(), LastMessage: last,
	}
}

func toMessage(r messageRow) petchat.Message {
	return petchat.Message{ID: r.ID, ConversationID: r.ConversationID, SenderID: r.SenderID, Content: r.Content, Timestamp: time.UnixMicro(r.SentUS).UTC()}
}
