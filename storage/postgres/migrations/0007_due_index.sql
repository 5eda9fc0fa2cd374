-- A task without a due date never falls due, so it has no place in the due
-- index: leaving it out spares every such task's creation a B-tree insert
-- (and sometimes a page written to the WAL). The overdue query names both
-- conditions, so it still uses the index.
DROP INDEX tasks_due;
CREATE INDEX tasks_due ON tasks(due_at) WHERE due_at IS NOT NULL AND status NOT IN ('done', 'cancelled');
