package sqlite

import (
	"strings"
	"testing"
)

// Ensure every figure is read from an index over its period: the usage
// counters by their key's day range, tasks by created_at and closed_at,
// announcements by kind and sent_at — none scans its table.
func TestStatsQueries_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	const from, to = int64(1_790_000_000_000), int64(1_792_000_000_000)
	for _, c := range []struct {
		name, q, index string
		args           []any
	}{
		{"usage", statsQueries.usage, "PRIMARY KEY", []any{"2026-11-01", "2026-11-30"}},
		{"usage dept", statsQueries.usageDept, "PRIMARY KEY", []any{"2026-11-01", "2026-11-30", 3}},
		{"top", statsQueries.top, "PRIMARY KEY", []any{"2026-11-01", "2026-11-30", 5}},
		{"top dept", statsQueries.topDept, "PRIMARY KEY", []any{"2026-11-01", "2026-11-30", 3, 5}},
		{"created", statsQueries.created, "tasks_created", []any{from, to}},
		{"created dept", statsQueries.createdDept, "tasks_dept_created", []any{3, from, to}},
		{"done", statsQueries.done, "tasks_closed", []any{from, to}},
		{"done dept", statsQueries.doneDept, "tasks_dept_closed", []any{3, from, to}},
		{"announce", statsQueries.announce, "asks_kind_sent", []any{from, to, 500}},
		{"announce dept", statsQueries.announceDept, "asks_kind_sent", []any{from, to, 3, 500}},
	} {
		got := queryPlan(t, db, c.q, c.args)
		if !strings.Contains(got, c.index) || strings.Contains(got, "SCAN") {
			t.Errorf("%s: plan %q, want a search using %s and no scan", c.name, got, c.index)
		}
	}
}
