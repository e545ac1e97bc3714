package paging

import (
	"errors"
	"fmt"
	"slices"
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

// TestReadAsksForOneMoreAndCutsIt: a list longer than the page is cut to the
// page and names its last record's cursor; a list that fits has no cursor.
func TestReadAsksForOneMoreAndCutsIt(t *testing.T) {
	records := []int{1, 2, 3, 4, 5}
	cursor := func(last int) string { return fmt.Sprint("after-", last) }
	for _, tc := range []struct {
		limit    int
		want     []int
		wantNext string
	}{
		{2, []int{1, 2}, "after-2"}, {4, []int{1, 2, 3, 4}, "after-4"}, {5, records, ""}, {9, records, ""},
	} {
		var asked int
		page, next, err := Read(tc.limit, func(n int) ([]int, error) {
			asked = n
			return records[:min(n, len(records))], nil
		}, cursor)
		if err != nil || asked != tc.limit+1 || !slices.Equal(page, tc.want) || next != tc.wantNext {
			t.Errorf("Read(%d) asked %d: %v, %q, %v; want %v, %q", tc.limit, asked, page, next, err, tc.want, tc.wantNext)
		}
	}
	failed := errors.New("store down")
	if _, next, err := Read(2, func(int) ([]int, error) { return nil, failed }, cursor); !errors.Is(err, failed) || next != "" {
		t.Errorf("a failed read: %q, %v; want the read's error and no cursor", next, err)
	}
}
