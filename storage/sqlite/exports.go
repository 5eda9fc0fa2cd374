package sqlite

import (
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/export"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
)

var _ export.Store = (*tx)(nil)

// exportQuery is one page of a period's rows of table, ordered by (at, id),
// from the index keyed by the equalities given (dept, owner, kind) then
// (at, id) (0220_export_indexes.sql).
func exportQuery(columns, table, indexedBy, at string, q export.Query, eq [][2]any) (string, []any) {
	from := table
	if indexedBy != "" {
		from += ` INDEXED BY ` + indexedBy
	}
	s := `SELECT ` + columns + ` FROM ` + from + ` WHERE `
	var args []any
	for _, e := range eq {
		s += table + `.` + e[0].(string) + ` = ? AND `
		args = append(args, e[1])
	}
	at = table + "." + at
	s += at + ` >= ?`
	args = append(args, q.Since.UnixMilli())
	if q.AfterID != 0 {
		s += ` AND (` + at + `, ` + table + `.id) > (?, ?)`
		args = append(args, q.AfterAt.UnixMilli(), q.AfterID)
	}
	s += ` AND ` + at + ` < ? ORDER BY ` + at + `, ` + table + `.id LIMIT ?`
	return s, append(args, q.Until.UnixMilli(), limitOrAll(q.Limit))
}

// scopes are the equalities a query narrows by: a department, an owner.
func scopes(q export.Query, ownerColumn string) [][2]any {
	var eq [][2]any
	if q.DeptID != 0 {
		eq = append(eq, [2]any{"dept_id", q.DeptID})
	}
	if q.OwnerID != 0 && ownerColumn != "" {
		eq = append(eq, [2]any{ownerColumn, q.OwnerID})
	}
	return eq
}

func exportTasksQuery(q export.Query) (string, []any) {
	return exportQuery(taskColumns, "tasks", "", "created_at", q, scopes(q, "owner_id"))
}

func exportTicketsQuery(q export.Query) (string, []any) {
	return exportQuery(ticketColumns, "tickets", "", "created_at", q, scopes(q, ""))
}

func exportMeetingsQuery(q export.Query) (string, []any) {
	return exportQuery(meetingColumns, "meetings", "", "start_at", q, scopes(q, ""))
}

func exportAsksQuery(kind ask.Kind, q export.Query) (string, []any) {
	// Without statistics (nothing runs ANALYZE) SQLite takes the kind's
	// index and checks the department on each of the period's asks: a
	// department's is named.
	indexedBy := ""
	if q.DeptID != 0 {
		indexedBy = "asks_dept_kind_created"
	}
	return exportQuery(askRowColumns, "asks", indexedBy, "created_at", q, append(scopes(q, ""), [2]any{"kind", string(kind)}))
}

// exportRows runs an export query and scans its rows.
func exportRows[T any](t *tx, what, q string, args []any, scan func(func(...any) error) (T, error)) ([]T, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, what)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows.Scan)
		if err != nil {
			return nil, internal(err, what)
		}
		out = append(out, v)
	}
	return out, internal(rows.Err(), what)
}

// ExportTasks implements export.Store.
func (t *tx) ExportTasks(q export.Query) ([]*task.Task, error) {
	s, args := exportTasksQuery(q)
	return exportRows(t, "export tasks", s, args, scanTask)
}

// ExportTickets implements export.Store.
func (t *tx) ExportTickets(q export.Query) ([]*ticket.Ticket, error) {
	s, args := exportTicketsQuery(q)
	return exportRows(t, "export tickets", s, args, scanTicket)
}

// ExportMeetings implements export.Store.
func (t *tx) ExportMeetings(q export.Query) ([]*meeting.Meeting, error) {
	s, args := exportMeetingsQuery(q)
	return exportRows(t, "export meetings", s, args, scanMeeting)
}

// ExportAsks implements export.Store.
func (t *tx) ExportAsks(kind ask.Kind, q export.Query) ([]*ask.Ask, error) {
	s, args := exportAsksQuery(kind, q)
	return exportRows(t, "export asks", s, args, scanAskRow)
}
