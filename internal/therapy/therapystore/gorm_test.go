package therapystore

import (
	"slices"
	"testing"

	"github.com/sessionhub/server/internal/platform/database/dbtest"
)

// Each result list has its (session_id, found_at, id) index under the name
// GORM gives it, and Migrate drops the earlier ones a database may still have.
func TestMigrateKeepsOneListIndexPerResultTable(t *testing.T) {
	db := dbtest.SQLite(t, Migrate)
	for _, table := range []string{"therapy_emotions", "therapy_topics", "therapy_insights"} {
		for _, old := range []string{table + "_session_time", table + "_session_found"} {
			if err := db.Exec("CREATE INDEX " + old + " ON " + table + " (session_id, found_at)").Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := Migrate(db); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"therapy_emotions", "therapy_topics", "therapy_insights"} {
		var names []string
		if err := db.Raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name LIKE '%session%' ORDER BY name", table).Scan(&names).Error; err != nil {
			t.Fatal(err)
		}
		if want := []string{"idx_" + table + "_session_found"}; !slices.Equal(names, want) {
			t.Errorf("%s: indexes %v, want %v", table, names, want)
		}
		var columns []string
		if err := db.Raw("SELECT name FROM pragma_index_info(?) ORDER BY seqno", "idx_"+table+"_session_found").Scan(&columns).Error; err != nil {
			t.Fatal(err)
		}
		if want := []string{"session_id", "found_at", "id"}; !slices.Equal(columns, want) {
			t.Errorf("%s: index columns %v, want %v", table, columns, want)
		}
	}
}
