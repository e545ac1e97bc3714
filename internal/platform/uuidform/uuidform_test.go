package uuidform

import (
	"regexp"
	"testing"
)

func TestOnlyTheDashedFormIsAccepted(t *testing.T) {
	pattern := regexp.MustCompile(Pattern)
	tests := map[string]bool{
		"6f0f4c2e-8a59-4a39-9a57-0b8f1d0c2e11":          true,
		"6F0F4C2E-8A59-4A39-9A57-0B8F1D0C2E11":          true,
		"6f0f4c2e8a594a399a570b8f1d0c2e11":              false, // no dashes
		"urn:uuid:6f0f4c2e-8a59-4a39-9a57-0b8f1d0c2e11": false,
		"{6f0f4c2e-8a59-4a39-9a57-0b8f1d0c2e11}":        false,
		"6f0f4c2e-8a59-4a39-9a57-0b8f1d0c2e1g":          false,
		"6f0f4c2e-8a594-a39-9a57-0b8f1d0c2e11":          false,
		"":                                              false,
	}
	for in, want := range tests {
		if got := Valid(in); got != want {
			t.Errorf("Valid(%q) = %v, want %v", in, got, want)
		}
		if got := pattern.MatchString(in); got != want {
			t.Errorf("Pattern on %q = %v, want %v (the spec's rule must be the code's)", in, got, want)
		}
	}
	if id, err := Parse("6F0F4C2E-8A59-4A39-9A57-0B8F1D0C2E11"); err != nil || id.String() != "6f0f4c2e-8a59-4a39-9a57-0b8f1d0c2e11" {
		t.Fatalf("Parse = %v, %v, want the lower-case form", id, err)
	}
}
