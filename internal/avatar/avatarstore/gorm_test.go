package avatarstore

import (
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/platform/database/dbtest"
)

// The hand-scanned reads list every column of the GORM model, in the order
// of fields().
func TestSessionColumnsMatchTheModel(t *testing.T) {
	var row sessionRow
	dbtest.RequireColumns(t, &sessionRow{}, strings.Split(sessionColumns, ", "), len(row.fields()))
}
