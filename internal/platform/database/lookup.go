package database

import (
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// LookupError is the outcome of reading one row: nil when it was read,
// notFound (the domain's sentinel) when no row matched, whether GORM
// (gorm.ErrRecordNotFound) or Reads (sql.ErrNoRows) said so, and any other
// failure wrapped as "what: err".
func LookupError(err, notFound error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, sql.ErrNoRows):
		return notFound
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ChangedError is the outcome of a write that must change a row (a
// conditional UPDATE, a DELETE, an INSERT … ON CONFLICT DO NOTHING): nil
// when it did, untouched (the domain's sentinel) when no row matched, and
// any failure wrapped as "what: err".
func ChangedError(res *gorm.DB, untouched error, what string) error {
	switch {
	case res.Error != nil:
		return fmt.Errorf("%s: %w", what, res.Error)
	case res.RowsAffected == 0:
		return untouched
	}
	return nil
}
