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
	for _, c := range []struct {
		name, table, index string
		q                  string
		args               []any
	}{
		{name: "tasks", table: "tasks", index: "tasks_created"},
		{name: "tasks page 2", table: "tasks", index: "tasks_created"},
		{name: "tasks of a department", table: "tasks", index: "tasks_dept_created"},
		{name: "tasks of an owner, page 2", table: "tasks", index: "tasks_owner_created"},
		{name: "tickets", table: "tickets", index: "tickets_created"},
		{name: "tickets of a department", table: "tickets", index: "tickets_dept_created"},
		{name: "meetings page 2", table: "meetings", index: "meetings_start_id"},
		{name: "meetings of a department", table: "meetings", index: "meetings_dept_start_id"},
		{name: "requests", table: "asks", index: "asks_kind_created"},
		{name: "requests of a department", table: "asks", index: "asks_dept_kind_created"},
		{name: "requests of a department, page 2", table: "asks", index: "asks_dept_kind_created"},
	} {
		switch c.name {
		case "tasks":
			c.q, c.args = exportTasksQuery(q)
		case "tasks page 2":
			c.q, c.args = exportTasksQuery(later)
		case "tasks of a department":
			c.q, c.args = exportTasksQuery(dept)
		case "tasks of an owner, page 2":
			c.q, c.args = exportTasksQuery(owner)
		case "tickets":
			c.q, c.args = exportTicketsQuery(q)
		case "tickets of a department":
			c.q, c.args = exportTicketsQuery(dept)
		case "meetings page 2":
			c.q, c.args = exportMeetingsQuery(later)
		case "meetings of a department":
			c.q, c.args = exportMeetingsQuery(dept)
		case "requests":
			c.q, c.args = exportAsksQuery(ask.Request, q)
		case "requests of a department":
			c.q, c.args = exportAsksQuery(ask.Request, dept)
		case "requests of a department, page 2":
			d := dept.Next(since.Add(time.Hour), 40)
			c.q, c.args = exportAsksQuery(ask.Request, d)
		}
		assertIndexedPlan(t, c.name, queryPlan(t, db, c.q, c.args), c.table, c.index)
	}
}
