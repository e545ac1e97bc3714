package database_test

import (
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/sessionhub/server/internal/platform/config"
	"github.com/sessionhub/server/internal/platform/database"
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

// TestLookupError: both ways of saying "no row" become the caller's
// sentinel; other failures keep their cause and say what was being read.
func TestLookupError(t *testing.T) {
	errMissing, errBroken := errors.New("missing"), errors.New("connection reset")
	if err := database.LookupError(nil, errMissing, "load row"); err != nil {
		t.Errorf("a row read: %v, want nil", err)
	}
	for _, noRow := range []error{gorm.ErrRecordNotFound, sql.ErrNoRows, fmt.Errorf("scan: %w", sql.ErrNoRows)} {
		if err := database.LookupError(noRow, errMissing, "load row"); err != errMissing {
			t.Errorf("%v: got %v, want the sentinel itself", noRow, err)
		}
	}
	if err := database.LookupError(errBroken, errMissing, "load row"); !errors.Is(err, errBroken) || err.Error() != "load row: connection reset" {
		t.Errorf("another failure: %v, want it wrapped as load row: …", err)
	}
}

// TestChangedError: a write that changed a row is nil, one that matched
// none is the caller's sentinel, a failure keeps its cause.
func TestChangedError(t *testing.T) {
	errGone, errBroken := errors.New("gone"), errors.New("connection reset")
	for _, tc := range []struct {
		res  *gorm.DB
		want func(error) bool
	}{
		{&gorm.DB{RowsAffected: 1}, func(err error) bool { return err == nil }},
		{&gorm.DB{}, func(err error) bool { return err == errGone }},
		{&gorm.DB{Error: errBroken}, func(err error) bool {
			return errors.Is(err, errBroken) && err.Error() == "end row: connection reset"
		}},
	} {
		if err := database.ChangedError(tc.res, errGone, "end row"); !tc.want(err) {
			t.Errorf("rows %d, error %v: got %v", tc.res.RowsAffected, tc.res.Error, err)
		}
	}
}

// TestSQLiteCheckpointsInTheBackground: committed writes reach the database
// file while the writer's own checkpoint (past writerCheckpointPages) is
// far off and nobody asks for one: the background connection copies them.
func TestSQLiteCheckpointsInTheBackground(t *testing.T) {
	dir := t.TempDir()
	db, err := database.Open(config.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Exec("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)").Error; err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, database.SQLiteFile)
	before := fileSize(t, file)
	const rows, size = 200, 8 << 10 // 1.6 MB: about 400 WAL pages, below any writer checkpoint
	for range rows {
		if err := db.Exec("INSERT INTO blobs (data) VALUES (randomblob(?))", size).Error; err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, file) < before+rows*size {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after writing %d: the WAL was never checkpointed", fileSize(t, file), rows*size)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// Two versions of one table's model, "migrated": V2 declares name NOT
// NULL. Owner is a sized string column, which the driver's migrator read
// as changed once the table held a row.
type migratedV1 struct {
	ID    string `gorm:"primaryKey;size:36"`
	Owner string `gorm:"size:36;not null"`
	Name  string `gorm:"size:36"`
}

type migratedV2 struct {
	ID    string `gorm:"primaryKey;size:36"`
	Owner string `gorm:"size:36;not null"`
	Name  string `gorm:"size:36;not null;default:''"`
}

func (migratedV1) TableName() string { return "migrated" }
func (migratedV2) TableName() string { return "migrated" }

// TestSQLiteMigratesTablesThatHoldRows: on a table holding a row,
// AutoMigrate of the same model changes nothing, and a changed column is
// migrated with the rows kept. Both once waited forever for a second
// connection on SQLite's single writer connection (a sized text column
// read as changed, and the table rebuild through prepared statements).
func TestSQLiteMigratesTablesThatHoldRows(t *testing.T) {
	db := dbtest.SQLite(t)
	if err := db.AutoMigrate(&migratedV1{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Create(&migratedV1{ID: "1", Owner: "o", Name: "kept"}).Error; err != nil {
		t.Fatal(err)
	}
	// The declaration and where the table starts, which a rebuild moves.
	declared := func() string {
		var ddl string
		if err := db.Raw(`SELECT sql || ' at page ' || rootpage FROM sqlite_master WHERE name = 'migrated'`).Scan(&ddl).Error; err != nil {
			t.Fatal(err)
		}
		return ddl
	}
	before := declared()
	for _, model := range []any{&migratedV1{}, &migratedV2{}} {
		done := make(chan error, 1)
		go func() { done <- db.AutoMigrate(model) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("migrate to %T: %v", model, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("migrating to %T did not finish", model)
		}
		if _, changed := model.(*migratedV2); !changed && declared() != before {
			t.Errorf("the same model rebuilt the table: %s, was %s", declared(), before)
		}
	}
	if ddl := declared(); !strings.Contains(ddl, "`name` text NOT NULL") {
		t.Errorf("after the change: %s, want name NOT NULL", ddl)
	}
	var row migratedV2
	if err := db.Take(&row, "id = ?", "1").Error; err != nil || row.Name != "kept" {
		t.Errorf("row after the migrations: %+v, %v", row, err)
	}
}

// TestSQLiteServesOneProcess: a second open of the same DATA_DIR is
// refused while the first is open (another process would serve stale
// reads and miss this one's events), and allowed once it is closed.
func TestSQLiteServesOneProcess(t *testing.T) {
	cfg := config.Config{DataDir: t.TempDir()}
	first, err := database.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if second, err := database.Open(cfg); !errors.Is(err, database.ErrDataDirInUse) {
		if second != nil {
			_ = second.Close()
		}
		t.Fatalf("second open: %v, want ErrDataDirInUse", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := database.Open(cfg)
	if err != nil {
		t.Fatalf("open after the first closed: %v", err)
	}
	_ = again.Close()
}

// TestPostgresConnectAttemptsEnd: a PostgreSQL URL without connect_timeout
// gets the default, one with it keeps its own, and Open on an address
// that accepts connections and never answers fails within that time.
func TestPostgresConnectAttemptsEnd(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u:p@db:5432/app":                            "postgres://u:p@db:5432/app?connect_timeout=10",
		"postgres://u:p@db/app?sslmode=disable":                 "postgres://u:p@db/app?connect_timeout=10&sslmode=disable",
		"postgresql://db/app?connect_timeout=3&sslmode=require": "postgresql://db/app?connect_timeout=3&sslmode=require",
	} {
		if got := database.WithConnectTimeout(dsn); got != want {
			t.Errorf("%s: %s, want %s", dsn, got, want)
		}
	}
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		var held []net.Conn // accepted and never answered
		defer func() {
			for _, c := range held {
				_ = c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	began := time.Now()
	db, err := database.Open(config.Config{DatabaseURL: "postgres://u:p@" + silent.Addr().String() + "/db?sslmode=disable&connect_timeout=1"})
	if err == nil {
		_ = db.Close()
		t.Fatal("Open succeeded against a server that never answers")
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("Open gave up after %s, want about the URL's 1 s", took)
	}
}
