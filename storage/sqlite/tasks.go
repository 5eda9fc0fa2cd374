package sqlite

import (
	"database/sql"
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
)

// The unit implements the task feature's store contract (task.From finds it
// by type assertion).
var _ task.Store = (*tx)(nil)

const taskColumns = `id, title, description, owner_id, creator_id, dept_id, priority, status, due_at, created_at, updated_at, closed_at, parent_id`

func scanTask(scan func(...any) error) (*task.Task, error) {
	tk := &task.Task{}
	var owner, dept, due, closed, parent sql.NullInt64
	var created, updated int64
	var status string
	if err := scan(&tk.ID, &tk.Title, &tk.Description, &owner, &tk.CreatorID, &dept, &tk.Priority, &status,
		&due, &created, &updated, &closed, &parent); err != nil {
		return nil, err
	}
	tk.OwnerID, tk.DeptID, tk.ParentID, tk.Status = owner.Int64, dept.Int64, parent.Int64, task.Status(status)
	tk.Due, tk.ClosedAt = fromMS(due), fromMS(closed)
	tk.CreatedAt = fromMS(sql.NullInt64{Int64: created, Valid: true})
	tk.UpdatedAt = fromMS(sql.NullInt64{Int64: updated, Valid: true})
	return tk, nil
}

// CreateTask implements task.Store.
func (t *tx) CreateTask(tk *task.Task) error {
	res, err := t.exec(`INSERT INTO tasks (title, description, owner_id, creator_id, dept_id, priority, status, due_at, created_at, updated_at, closed_at, parent_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tk.Title, tk.Description, nullID(tk.OwnerID), tk.CreatorID, nullID(tk.DeptID), int(tk.Priority), string(tk.Status),
		ms(tk.Due), tk.CreatedAt.UnixMilli(), tk.UpdatedAt.UnixMilli(), ms(tk.ClosedAt), nullID(tk.ParentID))
	tk.ID, err = insertedID(res, err)
	return internal(err, "create task")
}

// FindTaskByID implements task.Store.
func (t *tx) FindTaskByID(id int64) (*task.Task, error) {
	rows, err := t.query(`SELECT `+taskColumns+` FROM tasks WHERE id = ?`, id)
	if err != nil {
		return nil, internal(err, "find task")
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, internal(err, "find task")
		}
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no task #%d.", "没有任务 #%d。", id)
	}
	tk, err := scanTask(rows.Scan)
	return tk, internal(err, "scan task")
}

// FindTasks implements task.Store.
func (t *tx) FindTasks(f task.Filter) ([]*task.Task, error) {
	q, args := findTasksQuery(f)
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "find tasks")
	}
	defer rows.Close()
	var out []*task.Task
	for rows.Next() {
		tk, err := scanTask(rows.Scan)
		if err != nil {
			return nil, internal(err, "scan task")
		}
		out = append(out, tk)
	}
	return out, internal(rows.Err(), "find tasks")
}

// Conditions of the partial task indexes, written into queries literally:
// SQLite uses a partial index only for a query whose WHERE contains its
// condition (a bound parameter does not imply it).
const (
	openTask   = "status NOT IN ('done', 'cancelled')"
	closedTask = "status IN ('done', 'cancelled')"
)

// findTasksQuery builds FindTasks' query so that it is answered from an
// index in the order it asks for (query_internal_test.go checks the plans):
//
//   - open tasks from tasks_due, tasks_owner_open or tasks_dept_open, whose
//     keys begin with (due_at IS NULL, due_at, priority DESC): the list's
//     order, and for overdue tasks a range of it;
//   - done and cancelled ones, most recently closed first, from tasks_closed,
//     tasks_owner_closed or tasks_dept_closed.
//
// A page further on costs its offset in index steps, never a sort of every
// matching task.
func findTasksQuery(f task.Filter) (string, []any) {
	var where []string
	var args []any
	if f.OwnerID != 0 {
		where, args = append(where, "owner_id = ?"), append(args, f.OwnerID)
	}
	if f.DeptID != 0 {
		where, args = append(where, "dept_id = ?"), append(args, f.DeptID)
	}
	open := f.OpenOnly || !f.OverdueAt.IsZero()
	allOpen, allClosed := len(f.Statuses) > 0, len(f.Statuses) > 0
	for _, s := range f.Statuses {
		allOpen, allClosed = allOpen && s.Open(), allClosed && !s.Open()
	}
	if len(f.Statuses) > 0 {
		marks := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			marks[i] = "?"
			args = append(args, string(s))
		}
		where = append(where, "status IN ("+strings.Join(marks, ",")+")")
	}
	order := " ORDER BY due_at IS NULL, due_at, priority DESC, id"
	switch {
	case allClosed && !open:
		where = append(where, closedTask)
		order = " ORDER BY closed_at DESC, id DESC"
	case !f.OverdueAt.IsZero():
		// "(due_at IS NULL) = 0" is the index's first key, so that the
		// overdue tasks are one range of it; the order then needs no
		// IS NULL term (SQLite would sort again for it).
		where = append(where, openTask, "(due_at IS NULL) = 0 AND due_at < ?")
		args = append(args, f.OverdueAt.UnixMilli())
		order = " ORDER BY due_at, priority DESC, id"
	case open || allOpen:
		where = append(where, openTask)
	}
	// Otherwise (no filter on status, or open and closed statuses mixed)
	// no index gives the order: no command asks for that.
	q := `SELECT ` + taskColumns + ` FROM tasks`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += order + " LIMIT ? OFFSET ?"
	return q, append(args, limit, max(f.Offset, 0))
}

// UpdateTask implements task.Store.
func (t *tx) UpdateTask(tk *task.Task) error {
	res, err := t.exec(`UPDATE tasks SET title = ?, description = ?, owner_id = ?, dept_id = ?, priority = ?, status = ?,
		due_at = ?, updated_at = ?, closed_at = ? WHERE id = ?`,
		tk.Title, tk.Description, nullID(tk.OwnerID), nullID(tk.DeptID), int(tk.Priority), string(tk.Status),
		ms(tk.Due), tk.UpdatedAt.UnixMilli(), ms(tk.ClosedAt), tk.ID)
	return mustAffect(res, err, "update task")
}

// AddTaskEvent implements task.Store.
func (t *tx) AddTaskEvent(e *task.Event) error {
	res, err := t.exec(`INSERT INTO task_events (task_id, actor_id, kind, from_value, to_value, at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.TaskID, nullID(e.ActorID), string(e.Kind), e.From, e.To, e.At.UnixMilli())
	e.ID, err = insertedID(res, err)
	return internal(err, "add task event")
}

// TaskEvents implements task.Store.
func (t *tx) TaskEvents(taskID int64) ([]*task.Event, error) {
	rows, err := t.query(`SELECT id, task_id, actor_id, kind, from_value, to_value, at FROM task_events WHERE task_id = ? ORDER BY id`, taskID)
	if err != nil {
		return nil, internal(err, "list task events")
	}
	defer rows.Close()
	var out []*task.Event
	for rows.Next() {
		e := &task.Event{}
		var actor sql.NullInt64
		var at int64
		var kind string
		if err := rows.Scan(&e.ID, &e.TaskID, &actor, &kind, &e.From, &e.To, &at); err != nil {
			return nil, internal(err, "scan task event")
		}
		e.ActorID, e.Kind = actor.Int64, task.EventKind(kind)
		e.At = fromMS(sql.NullInt64{Int64: at, Valid: true})
		out = append(out, e)
	}
	return out, internal(rows.Err(), "list task events")
}
