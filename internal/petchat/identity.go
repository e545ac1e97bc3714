package petchat

import "github.com/google/uuid"

// UserNamespace is the UUID namespace in which a token subject that is not
// itself a UUID is turned into a user id (UUID v5). It is
// uuid.NewSHA1(uuid.NameSpaceURL, "urn:sessionhub:petchat:user"), written out
// because changing it would give every such user a new id.
var UserNamespace = uuid.MustParse("6606d63d-93cb-5bdd-8a5c-60bda1002a11")

// UserIDForSubject maps a bearer token's sub to the user's id: a UUID sub is
// the id itself (in canonical lower-case form); any other non-empty sub, such
// as "alice", becomes the stable name-based UUID v5 of it in UserNamespace,
// so the same subject gets the same id on every connection.
func UserIDForSubject(sub string) string {
	if id, err := uuid.Parse(sub); err == nil && len(sub) == 36 {
		return id.String()
	}
	return uuid.NewSHA1(UserNamespace, []byte(sub)).String()
}

// NewAnonymousUserID is the id of a connection without credentials: a fresh
// random UUID, a new user who cannot come back.
func NewAnonymousUserID() string { return uuid.NewString() }
