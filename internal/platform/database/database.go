// Package database opens the server's GORM database: embedded SQLite in
// DATA_DIR by default, PostgreSQL when DATABASE_URL names one.
package database

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

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
}

// postgresConns bounds one process's PostgreSQL pool.
const postgresConns = 32

// SQLiteFile is the database file's name inside DATA_DIR.
const SQLiteFile = "server.db"

// Open connects according to cfg. The caller runs migrations.
func Open(cfg config.Config) (*DB, error) {
	gcfg := &gorm.Config{
		Logger:  logger.New(slogWriter{}, logger.Config{SlowThreshold: 500 * time.Millisecond, LogLevel: logger.Warn, IgnoreRecordNotFoundError: true, ParameterizedQueries: true}),
		NowFunc: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	if cfg.DatabaseURL != "" {
		db, err := gorm.Open(postgres.Open(cfg.DatabaseURL), gcfg)
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
		return &DB{DB: db, Dialect: Postgres, DSN: cfg.DatabaseURL}, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create DATA_DIR: %w", err)
	}
	path := filepath.Join(cfg.DataDir, SQLiteFile)
	// WAL lets readers run beside the single writer; busy_timeout makes
	// concurrent writers wait instead of failing with SQLITE_BUSY.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := gorm.Open(sqlite.Open(dsn), gcfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// One writer at a time is SQLite's model; a single connection keeps
	// transactions from tripping over each other's locks.
	sqlDB.SetMaxOpenConns(1)
	return &DB{DB: db, Dialect: SQLite}, nil
}

// Ping reports whether the database answers.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close releases the connection pool.
func (d *DB) Close() error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

type slogWriter struct{}

func (slogWriter) Printf(format string, args ...any) {
	slog.Warn(fmt.Sprintf(format, args...), "component", "gorm")
}
