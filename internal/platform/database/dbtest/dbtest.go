// Package dbtest gives unit tests a real, empty database: SQLite in a
// temporary directory, closed when the test ends.
package dbtest

import (
	"testing"

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
