package paging

import (
	"errors"
	"testing"
)

func TestSizesOf(t *testing.T) {
	errInvalid := errors.New("invalid")
	for _, tc := range []struct {
		requested, want int
		refused         bool
	}{
		{0, 50, false}, {1, 1, false}, {100, 100, false}, {101, 0, true}, {-1, 0, true},
	} {
		got, err := Sizes{Default: 50, Max: 100}.Of(errInvalid, tc.requested)
		if got != tc.want || errors.Is(err, errInvalid) != tc.refused {
			t.Errorf("Of(%d) = %d, %v; want %d, refused %v", tc.requested, got, err, tc.want, tc.refused)
		}
	}
}
