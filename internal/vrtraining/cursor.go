package vrtraining

import (
	"encoding/base64"

	"github.com/google/uuid"
)

// errBadCursor: `after` is not a cursor this server issued.
var errBadCursor error = &FieldError{Field: "after", Reason: "not a cursor of this server"}

// A cursor names the last session of a page; the next page starts after it
// in (createdAt, id) order. It is opaque to clients (URL-safe base64), and
// the store looks the session up, so the cursor carries no time of its own.
func encodeCursor(sessionID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(sessionID))
}

func decodeCursor(cursor string) (string, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return "", errBadCursor
	}
	id, err := uuid.Parse(string(raw))
	if err != nil || id.String() != string(raw) {
		return "", errBadCursor
	}
	return id.String(), nil
}
