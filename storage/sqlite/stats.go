package sqlite

import (
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/stats"
)

var (
	_ bot.UsageCounter = (*tx)(nil)
	_ stats.Store      = (*tx)(nil)
)

// countUsageQuery is SQLite's count: one writer, so every count goes to
// shard 0 and one row per key.
const countUsageQuery = `INSERT INTO usage_counts (day, dept_id, platform, kind, command, shard, n)
		VALUES (?1, ?2, ?3, ?4, ?5, 0, 1)
		ON CONFLICT (day, dept_id, platform, kind, command, shard) DO UPDATE SET n = n + 1`

// UsageCountSharder is a Statements whose database has units counting
// usage at the same time: on PostgreSQL every command's SERIALIZABLE unit
// bumping one counter row refused the others (docs/postgres.md, "Usage
// counters"), so each of its connections counts into a shard of its own
// and the readers sum the shards. The statement takes CountUsage's
// arguments as numbered parameters: ?1 day, ?2 department, ?3 platform,
// ?4 kind, ?5 command; it adds one to n of the row of that key and its
// shard (migration 0239_usage_shards), creating it with n = 1.
type UsageCountSharder interface {
	CountUsageQuery() string
}

// countUsageStatement is the store's own count when it has one.
func (t *tx) countUsageStatement() string {
	if q, ok := t.q.(sharedQueryer); ok {
		if c, ok := q.s.(UsageCountSharder); ok {
			return c.CountUsageQuery()
		}
	}
	return countUsageQuery
}

// CountUsage implements bot.UsageCounter: one upsert of one row of the
// key's shard. Counting in the unit that handled the event is what makes a
// replayed event count once: the count commits or rolls back with it.
func (t *tx) CountUsage(u bot.Usage) error {
	_, err := t.exec(t.countUsageStatement(), u.Day, u.DeptID, u.Platform, string(u.Kind), u.Command)
	return internal(err, "count usage")
}

// statsQueries are the figures' reads, kept together for the query-plan
// test (query_internal_test.go).
var statsQueries = struct {
	usage, usageDept, top, topDept, created, createdDept, done, doneDept, announce, announceDept string
}{
	usage: `SELECT day, dept_id, platform, kind, SUM(n) FROM usage_counts WHERE day BETWEEN ? AND ?
		GROUP BY day, dept_id, platform, kind`,
	usageDept: `SELECT day, dept_id, platform, kind, SUM(n) FROM usage_counts WHERE day BETWEEN ? AND ? AND dept_id = ?
		GROUP BY day, dept_id, platform, kind`,
	top: `SELECT command, SUM(n) AS total FROM usage_counts WHERE day BETWEEN ? AND ? AND kind = 'command'
		GROUP BY command ORDER BY total DESC, command LIMIT ?`,
	topDept: `SELECT command, SUM(n) AS total FROM usage_counts WHERE day BETWEEN ? AND ? AND kind = 'command' AND dept_id = ?
		GROUP BY command ORDER BY total DESC, command LIMIT ?`,
	created:     `SELECT COUNT(*) FROM tasks WHERE created_at >= ? AND created_at < ?`,
	createdDept: `SELECT COUNT(*) FROM tasks WHERE dept_id = ? AND created_at >= ? AND created_at < ?`,
	done: `SELECT COUNT(*), COUNT(due_at), COALESCE(SUM(closed_at > due_at), 0) FROM tasks
		WHERE status IN ('done', 'cancelled') AND status = 'done' AND closed_at >= ? AND closed_at < ?`,
	doneDept: `SELECT COUNT(*), COUNT(due_at), COALESCE(SUM(closed_at > due_at), 0) FROM tasks
		WHERE dept_id = ? AND status IN ('done', 'cancelled') AND status = 'done' AND closed_at >= ? AND closed_at < ?`,
	announce: `SELECT id FROM asks WHERE kind = 'announce' AND sent_at IS NOT NULL AND sent_at >= ? AND sent_at < ?
		ORDER BY sent_at LIMIT ?`,
	announceDept: `SELECT id FROM asks WHERE kind = 'announce' AND sent_at IS NOT NULL AND sent_at >= ? AND sent_at < ?
		AND dept_id = ? ORDER BY sent_at LIMIT ?`,
}

// UsageRows implements stats.Store.
func (t *tx) UsageRows(from, to string, deptID int64) ([]stats.UsageRow, error) {
	q, args := statsQueries.usage, []any{from, to}
	if deptID != 0 {
		q, args = statsQueries.usageDept, append(args, deptID)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "read usage")
	}
	defer rows.Close()
	var out []stats.UsageRow
	for rows.Next() {
		var r stats.UsageRow
		var kind string
		if err := rows.Scan(&r.Day, &r.DeptID, &r.Platform, &kind, &r.N); err != nil {
			return nil, internal(err, "read usage")
		}
		r.Kind = bot.UsageKind(kind)
		out = append(out, r)
	}
	return out, internal(rows.Err(), "read usage")
}

// TopCommands implements stats.Store.
func (t *tx) TopCommands(from, to string, deptID int64, limit int) ([]stats.NameCount, error) {
	q, args := statsQueries.top, []any{from, to, limit}
	if deptID != 0 {
		q, args = statsQueries.topDept, []any{from, to, deptID, limit}
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "read top commands")
	}
	defer rows.Close()
	var out []stats.NameCount
	for rows.Next() {
		var c stats.NameCount
		if err := rows.Scan(&c.Name, &c.N); err != nil {
			return nil, internal(err, "read top commands")
		}
		out = append(out, c)
	}
	return out, internal(rows.Err(), "read top commands")
}

// CountTasks implements stats.Store.
func (t *tx) CountTasks(from, to time.Time, deptID int64) (stats.TaskCounts, error) {
	var c stats.TaskCounts
	span := []any{from.UnixMilli(), to.UnixMilli()}
	created, done := statsQueries.created, statsQueries.done
	if deptID != 0 {
		span = append([]any{deptID}, span...)
		created, done = statsQueries.createdDept, statsQueries.doneDept
	}
	if _, err := t.queryRow(created, span, &c.Created); err != nil {
		return c, internal(err, "count tasks created")
	}
	if _, err := t.queryRow(done, span, &c.Done, &c.DoneWithDue, &c.DoneLate); err != nil {
		return c, internal(err, "count tasks done")
	}
	return c, nil
}

// AnnouncementsSent implements stats.Store.
func (t *tx) AnnouncementsSent(from, to time.Time, deptID int64, limit int) ([]int64, error) {
	q, args := statsQueries.announce, []any{from.UnixMilli(), to.UnixMilli(), limit}
	if deptID != 0 {
		q, args = statsQueries.announceDept, []any{from.UnixMilli(), to.UnixMilli(), deptID, limit}
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "list announcements")
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, internal(err, "list announcements")
		}
		out = append(out, id)
	}
	return out, internal(rows.Err(), "list announcements")
}
