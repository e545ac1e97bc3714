// Package fielderr is the one error the domains give for a request field
// that breaks one of their rules, and the one wording the contracts give it.
package fielderr

import "fmt"

// Error names the refused field (as the client sent it) and why. It is its
// domain's invalid-request sentinel for errors.Is, when it has one.
type Error struct {
	Field  string
	Reason string
	kind   error
}

// New is a refusal of field for reason that errors.Is matches with kind.
func New(kind error, field, reason string) *Error {
	return &Error{Field: field, Reason: reason, kind: kind}
}

func (e *Error) Error() string { return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason) }

// Is makes errors.Is(err, kind) hold.
func (e *Error) Is(target error) bool { return e.kind != nil && target == e.kind }

// Message is the refusal as every API words it; prefix is where the field
// sits in the request ("data." for fields below data, or "").
func (e *Error) Message(prefix string) string { return Message(prefix+e.Field, e.Reason) }

// Message is how every API words the refusal of a field's value, whether a
// schema or a domain rule refused it.
func Message(field, reason string) string {
	return "Invalid value for field: " + field + " (" + reason + ")"
}
