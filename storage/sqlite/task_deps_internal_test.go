package sqlite

import (
	"strings"
	"testing"
)

// Ensure subtasks and dependencies are read from their indexes in the order
// they are shown: a parent's checklist and subtasks from tasks_parent, what
// a task waits for from task_blocks' primary key, and what waits for it from
// task_blocks_blocker; never a scan of tasks or a sort.
func TestTaskDepsQueries_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	for _, c := range []struct {
		name, q string
		args    []any
		table   string
		index   string
	}{
		{"subtasks", subTasksSQL, []any{1, 51, 0}, "tasks", "tasks_parent"},
		{"checklist", subTaskProgressSQL, []any{1}, "tasks", "tasks_parent"},
		{"dependants", dependantIDsSQL, []any{1}, "task_blocks", "task_blocks_blocker"},
		{"blockers", blockerIDsSQL, []any{1}, "task_blocks", ""},
		{"linked tasks", tasksByIDSQL(3), []any{1, 2, 3}, "tasks", ""},
	} {
		plan := queryPlan(t, db, c.q, c.args)
		assertIndexedPlan(t, c.name, plan, c.table, c.index)
		if c.name == "blockers" && !strings.Contains(plan, "SEARCH task_blocks USING PRIMARY KEY (dependant_id=?)") {
			t.Errorf("blockers: plan %q does not search task_blocks' primary key", plan)
		}
	}
}
