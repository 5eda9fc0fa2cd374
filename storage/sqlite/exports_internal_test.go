package sqlite

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/export"
)

// Ensure every export page is read from an index in its order (time, id):
// no scan, no sort, whether first or later, everyone's or narrowed.
func TestExportQueries_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	q := export.Query{Since: since, Until: since.AddDate(0, 1, 0), Limit: export.PageSize}
	later := q.Next(since.Add(time.Hour), 40)
	dept := q
	dept.DeptID = 3
	owner := later
	owner.OwnerID = 7
	deptLater := dept.Next(since.Add(time.Hour), 40)
	for _, c := range []struct {
		name, table, index string
		query              func() (string, []any)
	}{
		{"tasks", "tasks", "tasks_created", func() (string, []any) { return exportTasksQuery(q) }},
		{"tasks page 2", "tasks", "tasks_created", func() (string, []any) { return exportTasksQuery(later) }},
		{"tasks of a department", "tasks", "tasks_dept_created", func() (string, []any) { return exportTasksQuery(dept) }},
		{"tasks of an owner, page 2", "tasks", "tasks_owner_created", func() (string, []any) { return exportTasksQuery(owner) }},
		{"tickets", "tickets", "tickets_created", func() (string, []any) { return exportTicketsQuery(q) }},
		{"tickets of a department", "tickets", "tickets_dept_created", func() (string, []any) { return exportTicketsQuery(dept) }},
		{"meetings page 2", "meetings", "meetings_start_id", func() (string, []any) { return exportMeetingsQuery(later) }},
		{"meetings of a department", "meetings", "meetings_dept_start_id", func() (string, []any) { return exportMeetingsQuery(dept) }},
		{"requests", "asks", "asks_kind_created", func() (string, []any) { return exportAsksQuery(ask.Request, q) }},
		{"requests of a department", "asks", "asks_dept_kind_created", func() (string, []any) { return exportAsksQuery(ask.Request, dept) }},
		{"requests of a department, page 2", "asks", "asks_dept_kind_created", func() (string, []any) { return exportAsksQuery(ask.Request, deptLater) }},
	} {
		query, args := c.query()
		assertIndexedPlan(t, c.name, queryPlan(t, db, query, args), c.table, c.index)
	}
}
