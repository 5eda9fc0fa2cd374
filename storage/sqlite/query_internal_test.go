package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
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
	for _, f := range []task.Filter{
		{OverdueAt: now},
		{OverdueAt: now, OpenOnly: true},
	} {
		q, args := findTasksQuery(f)
		if got := queryPlan(t, db, q, args); !strings.Contains(got, "USING INDEX tasks_due") {
			t.Errorf("plan for %+v = %q, want it to use tasks_due", f, got)
		}
	}
}

// Ensure every task list the commands show is read from an index in the
// order it is shown: no scan of the table, no sort of every matching task,
// and a later page costs only its offset (issue 12, item 9).
func TestFindTasksQuery_ListsUseIndexes(t *testing.T) {
	db := openTestDB(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		f     task.Filter
		index string
	}{
		{"task list all", task.Filter{OpenOnly: true, Limit: 51}, "tasks_due"},
		{"task list all page 3", task.Filter{OpenOnly: true, Limit: 51, Offset: 100}, "tasks_due"},
		{"task list all overdue", task.Filter{OverdueAt: now, Limit: 51}, "tasks_due"},
		{"task list all todo", task.Filter{Statuses: []task.Status{task.Todo}, Limit: 51}, "tasks_due"},
		{"task list all done", task.Filter{Statuses: []task.Status{task.Done}, Limit: 51, Offset: 50}, "tasks_closed"},
		{"task list (mine)", task.Filter{OwnerID: 7, OpenOnly: true, Limit: 51}, "tasks_owner_open"},
		{"task list overdue", task.Filter{OwnerID: 7, OverdueAt: now, Limit: 51}, "tasks_owner_open"},
		{"task list in_review", task.Filter{OwnerID: 7, Statuses: []task.Status{task.InReview}, Limit: 51}, "tasks_owner_open"},
		{"task list done", task.Filter{OwnerID: 7, Statuses: []task.Status{task.Done}, Limit: 51}, "tasks_owner_closed"},
		{"task list cancelled page 2", task.Filter{OwnerID: 7, Statuses: []task.Status{task.Cancelled}, Limit: 51, Offset: 50}, "tasks_owner_closed"},
		{"task list dept:Design", task.Filter{DeptID: 3, OpenOnly: true, Limit: 51}, "tasks_dept_open"},
		{"task list dept:Design overdue", task.Filter{DeptID: 3, OverdueAt: now, Limit: 51}, "tasks_dept_open"},
		{"task list dept:Design done", task.Filter{DeptID: 3, Statuses: []task.Status{task.Done}, Limit: 51}, "tasks_dept_closed"},
	} {
		q, args := findTasksQuery(c.f)
		assertIndexedPlan(t, c.name, queryPlan(t, db, q, args), "tasks", c.index)
	}
}

// Ensure the overdue list keeps its order and its bounds: the plan reads a
// range of the index, and the rows come back in the order FindTasks
// promises (dated by due time and priority, undated last; closed tasks most
// recently closed first).
func TestFindTasks_Order(t *testing.T) {
	db := openTestDB(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var ids []int64
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		p := &bot.Person{Name: "Ann", Handle: "ann"}
		if err := tx.CreatePerson(p, now); err != nil {
			return err
		}
		for _, tk := range []*task.Task{
			{Title: "undated low", Priority: task.PriorityLow},
			{Title: "tomorrow", Due: now.Add(24 * time.Hour), Priority: task.PriorityNormal},
			{Title: "yesterday normal", Due: now.Add(-24 * time.Hour), Priority: task.PriorityNormal},
			{Title: "yesterday urgent", Due: now.Add(-24 * time.Hour), Priority: task.PriorityUrgent},
			{Title: "undated high", Priority: task.PriorityHigh},
			{Title: "done first", Status: task.Done, ClosedAt: now.Add(-time.Hour), Priority: task.PriorityNormal},
			{Title: "done last", Status: task.Done, ClosedAt: now.Add(-time.Minute), Priority: task.PriorityNormal},
		} {
			if tk.Status == "" {
				tk.Status = task.Todo
			}
			tk.OwnerID, tk.CreatorID, tk.CreatedAt, tk.UpdatedAt = p.ID, p.ID, now, now
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
			ids = append(ids, tk.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	titles := func(f task.Filter) string {
		var out []string
		err := db.View(context.Background(), func(tx bot.Tx) error {
			ts, err := task.From(tx).FindTasks(f)
			for _, tk := range ts {
				out = append(out, tk.Title)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, ", ")
	}
	for _, c := range []struct {
		f    task.Filter
		want string
	}{
		{task.Filter{OpenOnly: true}, "yesterday urgent, yesterday normal, tomorrow, undated high, undated low"},
		{task.Filter{OpenOnly: true, OwnerID: 1, Offset: 2, Limit: 2}, "tomorrow, undated high"},
		{task.Filter{OverdueAt: now}, "yesterday urgent, yesterday normal"},
		{task.Filter{OverdueAt: now, OwnerID: 1}, "yesterday urgent, yesterday normal"},
		{task.Filter{Statuses: []task.Status{task.Done}}, "done last, done first"},
		{task.Filter{Statuses: []task.Status{task.Done}, OwnerID: 1, Offset: 1}, "done first"},
	} {
		if got := titles(c.f); got != c.want {
			t.Errorf("FindTasks(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// Ensure a merge reads the two people's rows from indexes, not every task,
// history entry and job (issue 12, item 9).
func TestMergeStatements_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	small := map[string]bool{"departments": true, "link_codes": true} // tens of rows; link codes are pruned
	for _, q := range mergeStatements {
		plan := queryPlan(t, db, q, []any{1, 2})
		table := strings.Fields(strings.Replace(q, "DELETE FROM", "DELETE", 1))[1]
		if small[table] {
			continue
		}
		assertIndexedPlan(t, q, plan, table, "")
	}
}

// Ensure the admins' list of dead messages pages through an index.
func TestListOutgoingQuery_DeadUsesIndex(t *testing.T) {
	db := openTestDB(t)
	q, args := listOutgoingQuery(bot.OutboxDead, 50, 50)
	assertIndexedPlan(t, "admin outbox failed page 2", queryPlan(t, db, q, args), "outbox", "outbox_dead")
}

// Ensure each prune batch is found from an index, oldest first, so pruning
// costs what it deletes (issue 12, item 10).
func TestPruneQueries_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	want := map[string]string{"inbox": "inbox_done", "outbox/sent": "outbox_sent", "outbox/dead": "outbox_dead",
		"jobs/done": "jobs_finished", "jobs/cancelled": "jobs_finished", "jobs/dead": "jobs_finished", "link_codes": "link_codes_expiry",
		"card_copies": "card_copies_created", "media": "media_created", "media_uploads": "media_uploads_expiry"}
	for what, q := range pruneQueries {
		if want[what] == "" {
			t.Errorf("prune %s: no expected index in this test", what)
			continue
		}
		table, _, _ := strings.Cut(what, "/")
		assertIndexedPlan(t, "prune "+what, queryPlan(t, db, q, []any{int64(1), 500}), table, want[what])
	}
}

// Ensure an update of a live card finds its copies from their subject.
func TestCardCopiesQuery_UsesIndex(t *testing.T) {
	db := openTestDB(t)
	assertIndexedPlan(t, "card copies", queryPlan(t, db, cardCopiesQuery, []any{"task/1", 50}), "card_copies", "card_copies_subject")
}

// Ensure the digest job finds who is due from people_digest_due.
func TestDigestsDueQueries_UseIndex(t *testing.T) {
	db := openTestDB(t)
	for _, q := range []string{digestsUnscheduledQuery, digestsDueQuery} {
		assertIndexedPlan(t, q, queryPlan(t, db, q, []any{int64(1), 10}), "people", "people_digest_due")
	}
}

// assertIndexedPlan fails unless plan reads table only through an index
// (index, when not empty) and sorts nothing in a temporary B-tree.
func assertIndexedPlan(t *testing.T, name, plan, table, index string) {
	t.Helper()
	for _, step := range strings.Split(plan, "; ") {
		if step == "SCAN "+table || strings.HasPrefix(step, "SCAN "+table+" ") && !strings.Contains(step, "USING") {
			t.Errorf("%s: plan %q scans %s", name, plan, table)
		}
	}
	if strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("%s: plan %q sorts in a temporary B-tree", name, plan)
	}
	if index != "" && !strings.Contains(plan, "INDEX "+index+" ") && !strings.HasSuffix(plan, "INDEX "+index) {
		t.Errorf("%s: plan %q does not use %s", name, plan, index)
	}
}

func openTestDB(t *testing.T) *DB {
	t.Helper()
	db := NewDB(filepath.Join(t.TempDir(), "tandem.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
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

// Ensure a console terminal's look at when its next message is due reads
// the recipient index, whatever else is queued.
func TestNextOutgoingForQuery_UsesRecipientIndex(t *testing.T) {
	db := openTestDB(t)
	if got := queryPlan(t, db, nextOutgoingForQuery, []any{"console", "bob"}); !strings.Contains(got, "outbox_recipient") {
		t.Errorf("plan = %q, want it to use outbox_recipient", got)
	}
}

// Ensure the standups' reads come from their indexes, in the order used
// (no temporary sort):
// a department's members, a person's open ask, a day's asks, a leave.
func TestStandupQueries_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	for _, c := range []struct {
		name, q, table, index string
		args                  []any
	}{
		{"members", standupMembersQuery, "people", "people_dept", []any{1, 0, 200}},
		{"open ask", openAskQuery, "standup_asks", "standup_asks_open", []any{1, 0}},
		{"a day's asks", dayAsksQuery, "standup_asks", "", []any{1, "2026-10-08", 0, 200}},
		{"leave on a day", leaveOnQuery, "leaves", "leaves_person", []any{1, "2026-10-08", "2026-10-08"}},
	} {
		assertIndexedPlan(t, c.name, queryPlan(t, db, c.q, c.args), c.table, c.index)
	}
}

// Ensure paging everyone (an all-hands ask's audience) reads the primary
// key in order, a page at a time: no scan of the table, no sort.
func TestPeopleAfter_UsesThePrimaryKey(t *testing.T) {
	db := openTestDB(t)
	plan := queryPlan(t, db, peopleAfterQuery, []any{0, 100})
	assertIndexedPlan(t, "people after", plan, "people", "")
	if !strings.Contains(plan, "PRIMARY KEY") && !strings.Contains(plan, "rowid") {
		t.Errorf("people after: plan %q does not seek the primary key", plan)
	}
}
