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
		if got := queryPlan(t, db, q, args); !strings.Contains(got, "USING INDEX tasks_due") {
			t.Errorf("plan for %+v = %q, want it to use tasks_due", f, got)
		}
	}
}

// Ensure a pending job is found by its dedup key from the partial index
// jobs_dedup, not by a scan of every pending job (ScheduleSync does this at
// every start).
func TestFindJobsQuery_DedupKeyUsesIndex(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "tandem.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range []bot.JobFilter{
		{DedupKey: "system/directory"},
		{DedupKey: "system/directory", Kind: "directory", State: bot.JobPending},
	} {
		q, args := findJobsQuery(f)
		if got := queryPlan(t, db, q, args); !strings.Contains(got, "USING INDEX jobs_dedup") {
			t.Errorf("plan for %+v = %q, want it to use jobs_dedup", f, got)
		}
	}
}

// queryPlan returns SQLite's plan for q, its steps joined by "; ".
func queryPlan(t *testing.T, db *DB, q string, args []any) string {
	t.Helper()
	rows, err := db.rdb.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// Ensure pruning nonces reads the expiry index, not the whole table: the
// general pruner runs it in batches while the bot works.
func TestPruneNoncesQuery_UsesExpiryIndex(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "tandem.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := queryPlan(t, db, expiredNonces, []any{0, 100})
	if !strings.Contains(got, "USING COVERING INDEX nonces_expires") && !strings.Contains(got, "USING INDEX nonces_expires") {
		t.Errorf("plan = %q, want it to use nonces_expires", got)
	}
}
