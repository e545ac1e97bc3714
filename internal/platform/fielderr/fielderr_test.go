package fielderr

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorIsItsDomainsSentinelAndWordsTheRefusal(t *testing.T) {
	errInvalid := errors.New("invalid request")
	err := fmt.Errorf("list: %w", New(errInvalid, "limit", "must be 1 to 100"))
	var field *Error
	if !errors.Is(err, errInvalid) || !errors.As(err, &field) || field.Field != "limit" {
		t.Fatalf("%v: want a *Error on limit that errors.Is matches with its sentinel", err)
	}
	if got, want := field.Message("data."), "Invalid value for field: data.limit (must be 1 to 100)"; got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
	if errors.Is(New(nil, "audio", "empty"), errInvalid) || errors.Is(New(nil, "audio", "empty"), nil) {
		t.Error("an Error without a sentinel matches one")
	}
}
