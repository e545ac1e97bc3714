package main

import (
	"strconv"
	"strings"
	"unicode"
)

// initialisms are written in upper case inside Go identifiers (Go's naming
// convention: SessionID, not SessionId).
var initialisms = map[string]string{
	"api": "API", "http": "HTTP", "https": "HTTPS", "id": "ID", "json": "JSON",
	"jwt": "JWT", "uri": "URI", "url": "URL", "uuid": "UUID",
}

// goName turns any spec identifier (snake_case, camelCase, kebab-case,
// SCREAMING_CASE, a path segment) into an exported Go identifier.
func goName(s string) string {
	name := camel(s)
	if name == "" {
		return "X"
	}
	if unicode.IsDigit(rune(name[0])) {
		return "X" + name
	}
	return name
}

// camel joins the capitalised words of s; the result may start with a digit.
func camel(s string) string {
	var b strings.Builder
	for _, word := range splitWords(s) {
		b.WriteString(titleWord(word))
	}
	return b.String()
}

// titleWord capitalises one word, upper-casing initialisms and their plurals
// (ids → IDs).
func titleWord(word string) string {
	lower := strings.ToLower(word)
	if up, ok := initialisms[lower]; ok {
		return up
	}
	if base, ok := strings.CutSuffix(lower, "s"); ok {
		if up, ok := initialisms[base]; ok {
			return up + "s"
		}
	}
	runes := []rune(lower)
	runes[0] = unicode.ToUpper(runes[0])
	return string(runes)
}

// splitWords splits on every non-alphanumeric rune and on case changes:
// "sessionId" → [session Id], "HTTPServer" → [HTTP Server], "API_KEY" → [API KEY].
// Digits stay with the word before them ("v1", "2nd").
func splitWords(s string) []string {
	var words []string
	var current []rune
	flush := func() {
		if len(current) > 0 {
			words = append(words, string(current))
			current = nil
		}
	}
	runes := []rune(s)
	for i, r := range runes {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if i > 0 && startsNewWord(runes, i) {
			flush()
		}
		current = append(current, r)
	}
	flush()
	return words
}

func startsNewWord(runes []rune, i int) bool {
	prev, r := runes[i-1], runes[i]
	if !unicode.IsUpper(r) {
		return false
	}
	if unicode.IsLower(prev) || unicode.IsDigit(prev) {
		return true
	}
	// An upper-case run followed by lower case: the last upper starts a word.
	return unicode.IsUpper(prev) && i+1 < len(runes) && unicode.IsLower(runes[i+1])
}

// channelIdent names a channel after its path: /ws/sessions → WsSessions,
// /ws/ → WsSlash, /a/{session_id}/b → ABySessionIDB, / → Root.
func channelIdent(path string) string {
	trimmed := strings.Trim(path, "/")
	if trimmed == "" {
		return "Root"
	}
	var b strings.Builder
	for _, seg := range strings.Split(trimmed, "/") {
		if param, ok := strings.CutPrefix(seg, "{"); ok {
			b.WriteString("By" + camel(strings.TrimSuffix(param, "}")))
			continue
		}
		b.WriteString(camel(seg))
	}
	if strings.HasSuffix(path, "/") {
		b.WriteString("Slash")
	}
	return b.String()
}

// nameRegistry hands out identifiers that are unique within one scope. A name
// already taken gets the smallest free numeric suffix, so the result depends
// only on the order of claims (which the generator keeps sorted).
type nameRegistry struct {
	used map[string]bool
}

func newNameRegistry(reserved ...string) *nameRegistry {
	r := &nameRegistry{used: map[string]bool{}}
	for _, name := range reserved {
		r.used[name] = true
	}
	return r
}

func (r *nameRegistry) claim(want string) string {
	name := want
	for i := 2; r.used[name]; i++ {
		name = want + strconv.Itoa(i)
	}
	r.used[name] = true
	return name
}
