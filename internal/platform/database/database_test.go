package database_test

import (
	"strings"
	"testing"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/sessionhub/server/internal/platform/database/dbtest"
)

// TestSQLiteDropsRowLocks: the stores ask for FOR UPDATE without checking
// the dialect, relying on the SQLite driver to leave it out (SQLite has no
// row locks; its write transactions are serialized).
func TestSQLiteDropsRowLocks(t *testing.T) {
	db := dbtest.SQLite(t)
	type lockedRow struct{ ID string }
	stmt := db.Session(&gorm.Session{DryRun: true}).Table("locked_rows").
		Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", "x").Take(&lockedRow{}).Statement
	if sql := stmt.SQL.String(); !strings.HasPrefix(sql, "SELECT") || strings.Contains(strings.ToUpper(sql), "FOR UPDATE") {
		t.Fatalf("SQLite query with a row lock: %q, want a SELECT without FOR UPDATE", sql)
	}
}
