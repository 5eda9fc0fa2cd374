package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Ensure the overdue query is answered from the partial due index: the index
// holds only dated, open tasks, and SQLite skips a partial index unless the
// query's WHERE implies that condition.
func TestFindTasksQuery_OverdueUsesDueIndex(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "tandem.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, f := range []bot.TaskFilter{
		{OverdueAt: now},
		{OverdueAt: now, OpenOnly: true},
	} {
		q, args := findTasksQuery(f)
		rows, err := db.rdb.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if got := strings.Join(plan, "; "); !strings.Contains(got, "USING INDEX tasks_due") {
			t.Errorf("plan for %+v = %q, want it to use tasks_due", f, got)
		}
	}
}
