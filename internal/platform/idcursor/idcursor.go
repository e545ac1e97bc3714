// Package idcursor makes page cursors that name a record by its id: opaque
// to clients (URL-safe base64), and read back only when they hold a UUID in
// the form the server writes, so a cursor has one spelling. What a cursor
// means (the last record of a page, which lists it is valid for) is the
// domain's to say.
package idcursor

import (
	"encoding/base64"

	"github.com/google/uuid"
)

// Encode is the cursor naming id.
func Encode(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(id))
}

// Decode is the id a cursor names; false when it is not one Encode made
// of a server's id.
func Decode(cursor string) (string, bool) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return "", false
	}
	id, err := uuid.Parse(string(raw))
	if err != nil || id.String() != string(raw) {
		return "", false
	}
	return id.String(), true
}
