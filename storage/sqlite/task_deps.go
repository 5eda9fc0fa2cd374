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
	blockersSQL = `SELECT ` + prefixedTaskColumns + ` FROM task_blocks b JOIN tasks t ON t.id = b.blocker_id
		WHERE b.dependant_id = ? ORDER BY b.blocker_id`
	dependantsSQL = `SELECT ` + prefixedTaskColumns + ` FROM task_blocks b JOIN tasks t ON t.id = b.dependant_id
		WHERE b.blocker_id = ? ORDER BY b.dependant_id`
)

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
	return t.queryTasks("list blockers", blockersSQL, id)
}

// TaskDependants implements task.Store, from task_blocks_blocker.
func (t *tx) TaskDependants(id int64) ([]*task.Task, error) {
	return t.queryTasks("list dependants", dependantsSQL, id)
}
