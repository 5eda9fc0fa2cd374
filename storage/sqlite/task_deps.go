package sqlite

import (
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
)

// prefixedTaskColumns are taskColumns of the table aliased t, for joins.
var prefixedTaskColumns = "t." + strings.ReplaceAll(taskColumns, ", ", ", t.")

// The queries of subtasks and dependencies, each answered from its index
// in its order (task_deps_internal_test.go checks the plans). The literal
// "parent_id IS NOT NULL" lets SQLite use the partial index tasks_parent.
var (
	subTasksSQL = `SELECT ` + taskColumns + ` FROM tasks
		WHERE parent_id IS NOT NULL AND parent_id = ? ORDER BY id LIMIT ? OFFSET ?`
	subTaskProgressSQL = `SELECT COALESCE(SUM(status = 'done'), 0), COALESCE(SUM(status != 'cancelled'), 0)
		FROM tasks WHERE parent_id IS NOT NULL AND parent_id = ?`
	blockerIDsSQL   = `SELECT blocker_id FROM task_blocks WHERE dependant_id = ? ORDER BY blocker_id`
	dependantIDsSQL = `SELECT dependant_id FROM task_blocks WHERE blocker_id = ? ORDER BY dependant_id`
)

// tasksByIDSQL reads the tasks of n ids by primary key, in id order.
func tasksByIDSQL(n int) string {
	return `SELECT ` + taskColumns + ` FROM tasks WHERE id IN (?` + strings.Repeat(", ?", n-1) + `) ORDER BY id`
}

// linkedTasks reads a task's blockers or dependants in two statements: the
// ids from task_blocks' index, then (only when there are some, which is
// rare) those tasks by primary key. Not one join: with few tasks, or
// before PostgreSQL has analysed the table, its planner joins by reading
// tasks sequentially, and a SERIALIZABLE unit that scans a table holds a
// predicate lock on all of it, so every command that creates a task (and
// shows the new task's dependencies) conflicted with every other
// (docs/postgres.md, "Conflicts between commands").
func (t *tx) linkedTasks(what, idsSQL string, id int64) ([]*task.Task, error) {
	rows, err := t.query(idsSQL, id)
	if err != nil {
		return nil, internal(err, what)
	}
	var ids []any
	for rows.Next() {
		var linked int64
		if err := rows.Scan(&linked); err != nil {
			rows.Close()
			return nil, internal(err, what)
		}
		ids = append(ids, linked)
	}
	err = rows.Err()
	rows.Close()
	if err != nil || len(ids) == 0 {
		return nil, internal(err, what)
	}
	return t.queryTasks(what, tasksByIDSQL(len(ids)), ids...)
}

// queryTasks runs a query selecting taskColumns and scans every row.
func (t *tx) queryTasks(what, q string, args ...any) ([]*task.Task, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, what)
	}
	defer rows.Close()
	var out []*task.Task
	for rows.Next() {
		tk, err := scanTask(rows.Scan)
		if err != nil {
			return nil, internal(err, what)
		}
		out = append(out, tk)
	}
	return out, internal(rows.Err(), what)
}

// SubTasks implements task.Store, from tasks_parent.
func (t *tx) SubTasks(parentID int64, offset, limit int) ([]*task.Task, error) {
	if limit <= 0 {
		limit = 100
	}
	return t.queryTasks("list subtasks", subTasksSQL, parentID, limit, max(offset, 0))
}

// SubTaskProgress implements task.Store: one pass over the parent's entries
// in tasks_parent, which covers the query.
func (t *tx) SubTaskProgress(parentID int64) (task.Checklist, error) {
	var c task.Checklist
	_, err := t.queryRow(subTaskProgressSQL, []any{parentID}, &c.Done, &c.Total)
	return c, internal(err, "count subtasks")
}

// AddTaskBlock implements task.Store.
func (t *tx) AddTaskBlock(blockerID, dependantID int64, at time.Time) error {
	_, err := t.exec(`INSERT INTO task_blocks (dependant_id, blocker_id, created_at) VALUES (?, ?, ?)`,
		dependantID, blockerID, at.UnixMilli())
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return bot.Errorf(bot.ECONFLICT, "#%d already waits for #%d.", "#%d 已经依赖于 #%d。", dependantID, blockerID)
	}
	return internal(err, "add task block")
}

// RemoveTaskBlock implements task.Store.
func (t *tx) RemoveTaskBlock(blockerID, dependantID int64) error {
	res, err := t.exec(`DELETE FROM task_blocks WHERE dependant_id = ? AND blocker_id = ?`, dependantID, blockerID)
	if err != nil {
		return internal(err, "remove task block")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return internal(err, "remove task block")
		}
		return bot.Errorf(bot.ENOTFOUND, "#%d does not wait for #%d.", "#%d 并不依赖于 #%d。", dependantID, blockerID)
	}
	return nil
}

// TaskBlockers implements task.Store, from task_blocks' primary key.
func (t *tx) TaskBlockers(id int64) ([]*task.Task, error) {
	return t.linkedTasks("list blockers", blockerIDsSQL, id)
}

// TaskDependants implements task.Store, from task_blocks_blocker.
func (t *tx) TaskDependants(id int64) ([]*task.Task, error) {
	return t.linkedTasks("list dependants", dependantIDsSQL, id)
}
