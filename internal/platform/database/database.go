// Package database opens the server's GORM database: embedded SQLite in
// DATA_DIR by default, PostgreSQL when DATABASE_URL names one.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gofrs/flock"
	"github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/plugin/dbresolver"

	"github.com/sessionhub/server/internal/platform/config"
)

// Dialect names the backend in use, for the few places that differ.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the opened database and which backend it is.
type DB struct {
	*gorm.DB
	Dialect Dialect
	DSN     string // PostgreSQL connection string; empty for SQLite
	// Writers is how many write transactions run at once: SQLite's one
	// writer connection, or the PostgreSQL pool.
	Writers int
	// Reads runs the hot read paths' fixed queries on the read pool.
	Reads *Reads

	checkpoints *checkpointer // SQLite's background checkpoints; nil on PostgreSQL
	migrations  *gorm.DB      // see AutoMigrate
	dataDirLock *flock.Flock  // held while SQLite is open (see SQLiteLockFile); nil on PostgreSQL
}

// AutoMigrate creates or updates the tables of models. On SQLite it runs
// on the writer connection without GORM's prepared statements: SQLite's
// migrator rebuilds a changed table on a connection it holds, and a
// prepared statement would wait for a second one from the pool, which has
// only that one.
func (d *DB) AutoMigrate(models ...any) error { return d.migrations.AutoMigrate(models...) }

// Migrator is the migrator AutoMigrate uses.
func (d *DB) Migrator() gorm.Migrator { return d.migrations.Migrator() }

// postgresConns bounds one process's PostgreSQL pool.
const postgresConns = 32

// connectTimeout bounds each PostgreSQL connection attempt whose URL does
// not set connect_timeout itself: without one, a server that accepts the
// connection and never answers holds the start (or a request waiting for a
// new pool connection) forever.
const connectTimeout = "10"

// withConnectTimeout is the PostgreSQL URL with connect_timeout set to
// connectTimeout seconds unless it sets one; a URL that does not parse is
// left for the driver to refuse.
func withConnectTimeout(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Has("connect_timeout") {
		return dsn
	}
	q.Set("connect_timeout", connectTimeout)
	u.RawQuery = q.Encode()
	return u.String()
}

// SQLiteFile is the database file's name inside DATA_DIR.
const SQLiteFile = "server.db"

// SQLiteLockFile is the file inside DATA_DIR whose lock a process holds
// while it has the SQLite database open. The embedded database serves one
// process: its reads are cached and its events published in that process,
// so a second process on the same file would serve stale reads and miss
// the first one's events. It is refused at start instead (several
// processes share a PostgreSQL database).
const SQLiteLockFile = "server.lock"

// ErrDataDirInUse: another process has DATA_DIR's SQLite database open.
var ErrDataDirInUse = errors.New("DATA_DIR is in use by another server process")

// Open connects according to cfg. The caller runs migrations.
func Open(cfg config.Config) (*DB, error) {
	gcfg := &gorm.Config{
		// Statements are prepared once per connection and reused: parsing
		// is most of the cost of a small query.
		PrepareStmt:        true,
		PrepareStmtMaxSize: 1024,
		PrepareStmtTTL:     time.Hour,
		Logger:             logger.New(slogWriter{}, logger.Config{SlowThreshold: 500 * time.Millisecond, LogLevel: logger.Warn, IgnoreRecordNotFoundError: true, ParameterizedQueries: true}),
		NowFunc:            func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	if cfg.DatabaseURL != "" {
		dsn := withConnectTimeout(cfg.DatabaseURL)
		db, err := gorm.Open(postgres.Open(dsn), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		// A burst of requests queues for a connection instead of exhausting
		// the server's max_connections (100 by default), leaving room for a
		// second process and each process's LISTEN connection; idle ones are
		// kept (database/sql keeps only 2) so bursts do not reconnect.
		sqlDB.SetMaxOpenConns(postgresConns)
		sqlDB.SetMaxIdleConns(postgresConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return &DB{DB: db, Dialect: Postgres, DSN: dsn, Writers: postgresConns, Reads: newReads(sqlDB), migrations: db}, nil
	}
	return openSQLiteDir(cfg.DataDir, gcfg)
}

// openSQLiteDir opens DATA_DIR's database file, holding the directory's
// lock while it is open.
func openSQLiteDir(dir string, gcfg *gorm.Config) (*DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create DATA_DIR: %w", err)
	}
	lock := flock.New(filepath.Join(dir, SQLiteLockFile))
	switch locked, err := lock.TryLock(); {
	case err != nil:
		return nil, fmt.Errorf("lock DATA_DIR %s: %w", dir, err)
	case !locked:
		return nil, fmt.Errorf("%w (%s): the embedded SQLite database serves one process at a time; several processes share a PostgreSQL database (DATABASE_URL)", ErrDataDirInUse, dir)
	}
	path := filepath.Join(dir, SQLiteFile)
	db, readPool, err := openSQLite(path, gcfg)
	if err != nil {
		return nil, errors.Join(err, lock.Unlock())
	}
	d := &DB{DB: db, Dialect: SQLite, Writers: 1, Reads: newReads(readPool), dataDirLock: lock}
	writer, err := db.DB()
	if err != nil {
		return nil, errors.Join(err, d.Close())
	}
	if d.migrations, err = gorm.Open(sqliteDialector{&sqlite.Dialector{Conn: writer}}, &gorm.Config{Logger: gcfg.Logger, NowFunc: gcfg.NowFunc}); err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite %s for migrations: %w", path, err), d.Close())
	}
	if d.checkpoints, err = startCheckpointer(path); err != nil {
		return nil, errors.Join(err, d.Close()) // the pools opened above
	}
	return d, nil
}

// sqliteReaders is the size of SQLite's read pool: reads are CPU work in
// this process, so a few per core keep every core busy while some wait on
// the file.
var sqliteReaders = max(4, 2*runtime.GOMAXPROCS(0))

// openSQLite opens one database file as two pools. Writes and every
// transaction go through a single writer connection, SQLite's model: its
// transactions take the write lock up front (BEGIN IMMEDIATE), so a
// writer of another process waits (busy_timeout) instead of failing with
// SQLITE_BUSY when it upgrades a read lock. Reads outside transactions go
// to a pool of read-only connections beside it; WAL lets them run while
// the writer commits, each seeing the last committed state.
//
// Temporary files stay in memory (temp_store): a transaction of several
// statements, such as a batch of chat messages with its conversation
// updates, keeps a statement journal of the pages each statement changes,
// which SQLite otherwise spills to a temporary file past 64 KiB, writing
// every changed page twice.
func openSQLite(path string, gcfg *gorm.Config) (*gorm.DB, *sql.DB, error) {
	const pragmas = "&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"
	writer := "file:" + path + "?_txlock=immediate&_pragma=journal_mode(WAL)" + pragmas + fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", writerCheckpointPages)
	// The dialector adds these to the DSNs it opens itself; the read pool
	// is opened here (the raw reads share it), so it says them too: times
	// are stored as text and read back as time.Time.
	reader := "file:" + path + "?_pragma=query_only(1)" + pragmas + "&_texttotime=1&_inttotime=1&_time_format=sqlite"
	db, err := gorm.Open(sqlite.Open(writer), gcfg)
	if err != nil {
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, err
	}
	sqlDB.SetMaxOpenConns(1)
	// The writer creates the file and switches it to WAL before any reader
	// opens it.
	if err := sqlDB.Ping(); err != nil {
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	readPool, err := sql.Open(sqlite.DriverName, reader)
	if err != nil {
		return nil, nil, fmt.Errorf("open sqlite %s for reading: %w", path, err)
	}
	readPool.SetMaxOpenConns(sqliteReaders)
	readPool.SetMaxIdleConns(sqliteReaders)
	readPool.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.Use(dbresolver.Register(dbresolver.Config{Replicas: []gorm.Dialector{sqlite.New(sqlite.Config{Conn: readPool})}})); err != nil {
		return nil, nil, fmt.Errorf("sqlite read pool: %w", err)
	}
	return db, readPool, nil
}

// Ping reports whether the database answers.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close releases the connection pools.
func (d *DB) Close() error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	var checkpoints, unlock error
	if d.checkpoints != nil {
		checkpoints = d.checkpoints.close()
	}
	closed := errors.Join(checkpoints, d.Reads.close(sqlDB), sqlDB.Close())
	if d.dataDirLock != nil {
		unlock = d.dataDirLock.Unlock()
	}
	return errors.Join(closed, unlock)
}

type slogWriter struct{}

func (slogWriter) Printf(format string, args ...any) {
	slog.Warn(fmt.Sprintf(format, args...), "component", "gorm")
}
