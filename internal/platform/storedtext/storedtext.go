// Package storedtext holds the rule every API applies to the text it
// stores: no NUL character (U+0000). PostgreSQL cannot hold NUL in a text
// column (the insert fails), SQLite can; refusing it up front, with each
// API's own validation error, makes both databases behave the same.
//
// The specs state the rule as a pattern on every stored string, so the
// generated validators enforce it; the validators word a failed pattern with
// Reason, and code that stores text the specs cannot describe (a multipart
// file name, a token's subject) calls Valid.
package storedtext

import "strings"

// The patterns the specs use, exactly as written there.
const (
	// NoNULPattern: any text without NUL.
	NoNULPattern = `^[^\x00]*$`
	// NotBlankNoNULPattern: text without NUL that is not only whitespace,
	// whitespace being what unicode.IsSpace (and strings.TrimSpace) calls
	// one, listed rune by rune: `\s` means ASCII whitespace to Go's regexp
	// and a different Unicode set to ECMAScript's, so a validator and an
	// outside tool would each draw the line elsewhere. Only escapes both
	// dialects read (\xHH, \t…) and literal characters beyond U+00FF.
	NotBlankNoNULPattern = "^[^\\x00]*[^\\x00\\t\\n\\v\\f\\r \\x85\\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\\x00]*$"
)

// NoNULReason is how a refused value is described (after the field name).
const NoNULReason = "must not contain the NUL character U+0000"

// Reason words a failed pattern of the specs for people, or reports false
// for a pattern that is not one of this package's.
func Reason(pattern string) (string, bool) {
	switch pattern {
	case NoNULPattern:
		return NoNULReason, true
	case NotBlankNoNULPattern:
		return "must not be blank or contain the NUL character U+0000", true
	}
	return "", false
}

// Valid reports whether s may be stored.
func Valid(s string) bool { return !strings.ContainsRune(s, 0) }
