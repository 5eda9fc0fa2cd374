package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
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

// Ensure the upgrade that adds the shard to usage_counts' key
// (0239_usage_shards.sql) keeps the counts already made, as shard 0, and
// that counting after it adds to them rather than starting new rows.
func TestMigration0239_KeepsTheCounts(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	before, err := migrationFS.ReadFile("migrations/0210_usage_stats.sql")
	if err != nil {
		t.Fatal(err)
	}
	upgrade, err := migrationFS.ReadFile("migrations/0239_usage_shards.sql")
	if err != nil {
		t.Fatal(err)
	}
	// Back to the table as 0210 made it, with counts in it, then upgraded.
	oldTable := string(before)[strings.Index(string(before), "CREATE TABLE usage_counts"):]
	oldTable = oldTable[:strings.Index(oldTable, ";")]
	steps := []string{`DROP TABLE usage_counts`, oldTable,
		`INSERT INTO usage_counts (day, dept_id, platform, kind, command, n) VALUES
			('2026-11-01', 1, 'slack', 'command', 'task', 41),
			('2026-11-01', 2, 'feishu', 'message', '', 5)`}
	for stmt := range strings.SplitSeq(string(upgrade), ";") {
		if s := strings.TrimSpace(stmt); s != "" {
			steps = append(steps, s)
		}
	}
	if err := db.Update(ctx, func(btx bot.Tx) error {
		for _, s := range steps {
			if _, err := btx.(*tx).exec(s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return btx.(*tx).CountUsage(bot.Usage{Day: "2026-11-01", DeptID: 1, Platform: "slack", Kind: bot.UsageCommand, Command: "task"})
	}); err != nil {
		t.Fatal(err)
	}
	var rows []string
	if err := db.View(ctx, func(btx bot.Tx) error {
		r, err := btx.(*tx).query(`SELECT day, dept_id, platform, kind, command, shard, n FROM usage_counts ORDER BY dept_id`)
		if err != nil {
			return err
		}
		defer r.Close()
		for r.Next() {
			var day, platform, kind, command string
			var dept, shard, n int64
			if err := r.Scan(&day, &dept, &platform, &kind, &command, &shard, &n); err != nil {
				return err
			}
			rows = append(rows, fmt.Sprint(day, " ", dept, " ", platform, " ", kind, " ", command, " shard ", shard, ": ", n))
		}
		return r.Err()
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-11-01 1 slack command task shard 0: 42", "2026-11-01 2 feishu message  shard 0: 5"}
	if !slices.Equal(rows, want) {
		t.Fatalf("usage_counts after the upgrade:\n%q\nwant\n%q", rows, want)
	}
}
