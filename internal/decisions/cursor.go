package decisions

import (
	"encoding/base64"

	"github.com/google/uuid"
)

// ErrInvalidCursor: `before` is not a cursor this server issued to the user.
// It is a *FieldError, so errors.Is(err, ErrInvalid) holds too.
var ErrInvalidCursor error = &FieldError{Field: "before", Reason: "not a cursor issued for this user"}

// A cursor names the last decision of a page; the next page starts below
// it. It is opaque to clients (URL-safe base64) and only valid for the user
// whose decision it names: the store looks the decision up by user.
func encodeCursor(decisionID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(decisionID))
}

func decodeCursor(cursor string) (string, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return "", ErrInvalidCursor
	}
	id, err := uuid.Parse(string(raw))
	if err != nil || id.String() != string(raw) {
		return "", ErrInvalidCursor
	}
	return id.String(), nil
}
