package database

import (
	"database/sql"

	"github.com/libtnb/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/migrator"
)

// sqliteDialector is the SQLite dialector of DB.AutoMigrate, with a
// migrator that reads a column's length only from its declaration. The
// driver's own migrator falls back to the length the driver reports for a
// row it reads, which for a text column is "unlimited" once the table
// holds a row: AutoMigrate
// then took every sized string column (`gorm:"size:36;not null"`) of a
// non-empty table for changed and rebuilt the table, at every start (and
// the rebuild, through prepared statements, waited forever for a second
// connection: a server with any stored row did not start again).
type sqliteDialector struct{ *sqlite.Dialector }

func (d sqliteDialector) Migrator(db *gorm.DB) gorm.Migrator {
	return declaredLengths{d.Dialector.Migrator(db).(*sqlite.Migrator)}
}

// declaredLengths reports the columns of a table with their declared
// lengths: a column declared without one (text) has length 0.
type declaredLengths struct{ *sqlite.Migrator }

func (m declaredLengths) ColumnTypes(value any) ([]gorm.ColumnType, error) {
	columns, err := m.Migrator.ColumnTypes(value)
	for i, c := range columns {
		if c, ok := c.(migrator.ColumnType); ok && !c.LengthValue.Valid {
			c.LengthValue = sql.NullInt64{Valid: true}
			columns[i] = c
		}
	}
	return columns, err
}
