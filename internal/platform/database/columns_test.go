package database_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/sessionhub/server/internal/platform/database"
)

type columnsRow struct {
	ID      string `gorm:"primaryKey"`
	Name    string
	Skipped string `gorm:"-"`
	Count   int
}

// MustColumns names the row's columns when the scan destinations are its
// column fields in GORM's order, and panics on any other list.
func TestMustColumnsChecksTheScanDestinations(t *testing.T) {
	got := database.MustColumns(func(r *columnsRow) []any { return []any{&r.ID, &r.Name, &r.Count} })
	if !slices.Equal(got, database.Columns{"id", "name", "count"}) || got.List("r.") != "r.id, r.name, r.count" {
		t.Fatalf("columns %v, listed as %q", got, got.List("r."))
	}
	for name, fields := range map[string]func(*columnsRow) []any{
		"out of order": func(r *columnsRow) []any { return []any{&r.ID, &r.Count, &r.Name} },
		"one missing":  func(r *columnsRow) []any { return []any{&r.ID, &r.Name} },
		"one too many": func(r *columnsRow) []any { return []any{&r.ID, &r.Name, &r.Count, &r.Skipped} },
		"another row":  func(*columnsRow) []any { var o columnsRow; return []any{&o.ID, &o.Name, &o.Count} },
	} {
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.HasPrefix(msg, "database.MustColumns: ") {
					t.Errorf("%s: recovered %q, want MustColumns' panic", name, msg)
				}
			}()
			database.MustColumns(fields)
		}()
	}
}
