package database

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Reads runs fixed read queries, each prepared once per pool and reused,
// and scanned by the caller into its own fields. The few reads every
// client hits (a session's status, one record by id) take this way:
// GORM builds each statement's text anew on every call and scans through
// reflection, which costs more than SQLite's own work for a one-row read.
// Everything else goes through GORM.
//
// Queries number their parameters ($1, $2, …): PostgreSQL requires it and
// SQLite reads $N as the N-th parameter.
type Reads struct {
	pool  *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newReads(pool *sql.DB) *Reads { return &Reads{pool: pool, stmts: map[string]*sql.Stmt{}} }

func (r *Reads) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if stmt, ok := r.stmts[query]; ok {
		return stmt, nil
	}
	stmt, err := r.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	r.stmts[query] = stmt
	return stmt, nil
}

// QueryRow runs query, a constant, with args; Scan reports sql.ErrNoRows
// when nothing matched.
func (r *Reads) QueryRow(ctx context.Context, query string, args ...any) *Row {
	stmt, err := r.prepared(ctx, query)
	if err != nil {
		return &Row{err: err}
	}
	return &Row{row: stmt.QueryRowContext(ctx, args...)}
}

// Row is one result row, or the error that stopped it.
type Row struct {
	row *sql.Row
	err error
}

// Scan copies the row's columns into dest.
func (r *Row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// close releases the prepared statements, and the read pool when it is
// not the main pool.
func (r *Reads) close(main *sql.DB) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, stmt := range r.stmts {
		errs = append(errs, stmt.Close())
	}
	if r.pool != main {
		errs = append(errs, r.pool.Close())
	}
	return errors.Join(errs...)
}
