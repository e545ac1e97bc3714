// Package paging reads the page size a client asks for.
package paging

import (
	"fmt"

	"github.com/sessionhub/server/internal/platform/fielderr"
)

// Size is the page size for a requested one: def when the client asked for
// none (0); a size outside 1..max is refused on the field "limit" as the
// domain's invalid-request error kind.
func Size(kind error, requested, def, max int) (int, error) {
	switch {
	case requested == 0:
		return def, nil
	case requested < 1 || requested > max:
		return 0, fielderr.New(kind, "limit", fmt.Sprintf("must be 1 to %d", max))
	}
	return requested, nil
}
