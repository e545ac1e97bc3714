package database

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"gorm.io/gorm/schema"
)

// MustColumns names the columns a hand-scanned read (Reads) selects for the
// GORM row struct T, whose scan destinations fields gives: pointers to the
// row's own fields in the order GORM gives their columns. A column added to
// the model then either appears in every such read or stops the program at
// its start: MustColumns panics unless fields points at exactly the row's
// column fields in that order (a programming error, which fails every test
// of the package).
func MustColumns[T any](fields func(*T) []any) Columns {
	model := new(T)
	dest := fields(model)
	s, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic(fmt.Sprintf("database.MustColumns: %v", err))
	}
	v := reflect.ValueOf(model).Elem()
	var columns Columns
	for _, f := range s.Fields {
		if f.DBName == "" {
			continue
		}
		i := len(columns)
		if i >= len(dest) || reflect.ValueOf(dest[i]).Pointer() != v.FieldByIndex(f.StructField.Index).Addr().Pointer() {
			panic(fmt.Sprintf("database.MustColumns: %s: scan destination %d is not the field of column %s", s.Table, i, f.DBName))
		}
		columns = append(columns, f.DBName)
	}
	if len(dest) != len(columns) {
		panic(fmt.Sprintf("database.MustColumns: %s: %d scan destinations for %d columns", s.Table, len(dest), len(columns)))
	}
	return columns
}

// Columns are the columns of a hand-scanned read, in scan order.
type Columns []string

// List is the columns for a SELECT, comma-separated, each after prefix (a
// table alias and a dot, or "").
func (c Columns) List(prefix string) string {
	return prefix + strings.Join(c, ", "+prefix)
}
