// Package uuidform reads UUIDs only in the form this server writes them:
// 8-4-4-4-12 hexadecimal digits (either case). google/uuid.Parse also takes
// `urn:uuid:…`, `{…}` and 32 digits without dashes, so one session could be
// named in four ways; the APIs promise one.
package uuidform

import (
	"errors"

	"github.com/google/uuid"
)

// ErrNotCanonical: the text is not a UUID in the 8-4-4-4-12 form.
var ErrNotCanonical = errors.New("not a UUID in the 8-4-4-4-12 form")

// Pattern is the same rule as a regular expression, for the specs.
const Pattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// Parse accepts only the 36-character form and returns the UUID (whose
// String is the lower-case form the server stores).
func Parse(s string) (uuid.UUID, error) {
	if len(s) != 36 {
		return uuid.UUID{}, ErrNotCanonical
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.UUID{}, ErrNotCanonical
	}
	return id, nil
}

// Valid reports whether Parse accepts s.
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// Minted is the UUID of an id this server minted (uuid.NewString), for the
// generated types that carry ids as UUIDs; it never fails on such an id.
func Minted(id string) uuid.UUID {
	u, _ := uuid.Parse(id)
	return u
}
