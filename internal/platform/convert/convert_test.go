package convert

import (
	"slices"
	"strconv"
	"testing"
)

func TestEachConvertsInOrderAndNeverReturnsNil(t *testing.T) {
	if got := Each([]int{3, 1, 2}, strconv.Itoa); !slices.Equal(got, []string{"3", "1", "2"}) {
		t.Errorf("Each = %v, want [3 1 2] in order", got)
	}
	if got := Each(nil, strconv.Itoa); got == nil || len(got) != 0 {
		t.Errorf("Each(nil) = %#v, want an empty, non-nil list", got)
	}
}

func TestCursorIsNullOnTheLastPage(t *testing.T) {
	if got := Cursor(""); got != nil {
		t.Errorf("Cursor(\"\") = %q, want nil", *got)
	}
	if got := Cursor("abc"); got == nil || *got != "abc" {
		t.Errorf("Cursor(\"abc\") = %v, want a pointer to abc", got)
	}
}
