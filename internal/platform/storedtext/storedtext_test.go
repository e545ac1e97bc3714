package storedtext

import (
	"regexp"
	"strings"
	"testing"
)

func TestPatternsAreTheRule(t *testing.T) {
	noNUL, notBlank := regexp.MustCompile(NoNULPattern), regexp.MustCompile(NotBlankNoNULPattern)
	for in, want := range map[string]struct{ valid, notBlank bool }{
		"":         {true, false},
		"   ":      {true, false},
		"tom":      {true, true},
		" tom ":    {true, true},
		"to\x00m":  {false, false},
		"\x00":     {false, false},
		"é – ok 🐕": {true, true},
	} {
		if got := Valid(in); got != want.valid {
			t.Errorf("Valid(%q) = %v, want %v", in, got, want.valid)
		}
		if got := noNUL.MatchString(in); got != want.valid {
			t.Errorf("NoNULPattern on %q = %v, want %v", in, got, want.valid)
		}
		if got := notBlank.MatchString(in); got != want.notBlank {
			t.Errorf("NotBlankNoNULPattern on %q = %v, want %v", in, got, want.notBlank)
		}
	}
	for _, p := range []string{NoNULPattern, NotBlankNoNULPattern} {
		if _, ok := Reason(p); !ok {
			t.Errorf("no reason for %s", p)
		}
	}
	// Blank means what strings.TrimSpace removes, for every rune up to the
	// last whitespace one and U+FEFF (a space to ECMAScript's \s only).
	blankAsTrimmed := func(r rune) {
		if got, want := notBlank.MatchString(string(r)), strings.TrimSpace(string(r)) != ""; got != want {
			t.Errorf("NotBlankNoNULPattern on %U = %v, want %v (strings.TrimSpace)", r, got, want)
		}
	}
	for r := rune(1); r <= 0x3000; r++ {
		blankAsTrimmed(r)
	}
	blankAsTrimmed(0xfeff)
	if _, ok := Reason(`\S`); ok {
		t.Error("a foreign pattern got a reason")
	}
}
