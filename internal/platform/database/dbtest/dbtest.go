// Package dbtest gives unit tests a real, empty database: SQLite in a
// temporary directory, closed when the test ends.
package dbtest

import (
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"github.com/sessionhub/server/internal/platform/config"
	"github.com/sessionhub/server/internal/platform/database"
)

// SQLite opens a fresh SQLite database and runs migrate on it.
func SQLite(t testing.TB, migrate ...func(*database.DB) error) *database.DB {
	t.Helper()
	db, err := database.Open(config.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	for _, m := range migrate {
		if err := m(db); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	return db
}

// RequireColumns fails unless columns (a hand-scanned read's SELECT list)
// are the GORM model's columns in the model's order, and the read scans
// into as many fields: a column added to the model must be added to the
// read too.
func RequireColumns(t testing.TB, model any, columns []string, fields int) {
	t.Helper()
	s, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(columns, ","), strings.Join(s.DBNames, ","); got != want {
		t.Fatalf("the read selects %s,\nthe model's columns are %s", got, want)
	}
	if fields != len(s.DBNames) {
		t.Fatalf("the read scans %d fields for %d columns", fields, len(s.DBNames))
	}
}
