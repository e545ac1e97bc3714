package petchat

import (
	"encoding/base64"
	"errors"
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
