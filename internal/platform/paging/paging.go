// Package paging reads the page size a client asks for.
package paging

import (
	"fmt"

	"github.com/sessionhub/server/internal/platform/fielderr"
)

// Sizes bound the pages of one list: Default when the client asks for no
// size, at most Max.
type Sizes struct{ Default, Max int }

// Of is the page size for a requested one: Default when the client asked
// for none (0); a size outside 1..Max is refused on the field "limit" as the
// domain's invalid-request error kind.
func (s Sizes) Of(kind error, requested int) (int, error) {
	switch {
	case requested == 0:
		return s.Default, nil
	case requested < 1 || requested > s.Max:
		return 0, fielderr.New(kind, "limit", fmt.Sprintf("must be 1 to %d", s.Max))
	}
	return requested, nil
}

// Read reads one page of at most limit records through read, asking it for
// one record more so that it knows whether another page follows; next is
// cursor(the page's last record) when one does, else "".
func Read[T any](limit int, read func(n int) ([]T, error), cursor func(last T) string) (page []T, next string, err error) {
	list, err := read(limit + 1)
	if err != nil || len(list) <= limit {
		return list, "", err
	}
	page = list[:limit]
	return page, cursor(page[limit-1]), nil
}
