package petchat

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Cursor marks a position in a conversation's history: the messages older
// than (Timestamp, MessageID). It is bound to its conversation, so a cursor
// of one conversation cannot page through another.
type Cursor struct {
	ConversationID string
	Timestamp      time.Time
	MessageID      string
}

// CursorOf is the cursor just before m.
func CursorOf(m Message) Cursor {
	return Cursor{ConversationID: m.ConversationID, Timestamp: m.Timestamp, MessageID: m.ID}
}

// String is the opaque form sent to clients.
func (c Cursor) String() string {
	raw := c.ConversationID + "|" + c.Timestamp.UTC().Format(time.RFC3339Nano) + "|" + c.MessageID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

var errBadCursor = errors.New("malformed cursor")

// ParseCursor reverses String.
func ParseCursor(s string) (Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, errBadCursor
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 {
		return Cursor{}, errBadCursor
	}
	ts, err := time.Parse(time.RFC3339Nano, parts[1])
	if err != nil {
		return Cursor{}, errBadCursor
	}
	conv, err1 := uuid.Parse(parts[0])
	msg, err2 := uuid.Parse(parts[2])
	if err1 != nil || err2 != nil {
		return Cursor{}, errBadCursor
	}
	return Cursor{ConversationID: conv.String(), Timestamp: ts.UTC(), MessageID: msg.String()}, nil
}

// ListPosition marks a place in a user's conversations list (newest
// activity first, ties by id): the conversations after it are those with
// older activity, or the same activity and a greater id. It carries the
// activity time itself, because a conversation's activity changes with
// every message.
type ListPosition struct {
	ActivityUS     int64 // Unix microseconds of the last message, else of the creation
	ConversationID string
}

// PositionOf is the position just after c.
func PositionOf(c Conversation) ListPosition {
	at := c.CreatedAt
	if c.LastMessage != nil {
		at = c.LastMessage.Timestamp
	}
	return ListPosition{ActivityUS: at.UnixMicro(), ConversationID: c.ID}
}

// String is the opaque form sent to clients.
func (p ListPosition) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte("c|" + strconv.FormatInt(p.ActivityUS, 10) + "|" + p.ConversationID))
}

// ParseListPosition reverses String.
func ParseListPosition(s string) (ListPosition, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return ListPosition{}, errBadCursor
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 || parts[0] != "c" {
		return ListPosition{}, errBadCursor
	}
	us, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return ListPosition{}, errBadCursor
	}
	id, err := uuid.Parse(parts[2])
	if err != nil || id.String() != parts[2] {
		return ListPosition{}, errBadCursor
	}
	return ListPosition{ActivityUS: us, ConversationID: parts[2]}, nil
}
