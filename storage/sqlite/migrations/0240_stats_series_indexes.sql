-- The statistics' "done" figures (storage/sqlite/stats.go: how many tasks
-- were done in a period, how many had a due date, how many were late) read
-- closed_at and due_at of each task done in the period. tasks_closed and
-- tasks_dept_closed gave the period's tasks but not their due date, so each
-- was fetched from the table: on PostgreSQL an hour's 2,000 tasks cost
-- three times a page's bound (docs/postgres.md, "Plans at a million rows").
-- With due_at in the key the figures are read from the index alone. It
-- comes after id: the lists that page done tasks by (closed_at, id) read
-- them in that order as before (on SQLite the key ended with the rowid).
DROP INDEX tasks_closed;
CREATE INDEX tasks_closed ON tasks(status, closed_at, id, due_at) WHERE status IN ('done', 'cancelled');
DROP INDEX tasks_dept_closed;
CREATE INDEX tasks_dept_closed ON tasks(dept_id, status, closed_at, id, due_at) WHERE dept_id IS NOT NULL AND status IN ('done', 'cancelled');
-- A meeting list's series arm wants the series still running after its
-- window's start (no end, or ending after it), by first occurrence. Read
-- from meetings_start that is every series ever scheduled, from the oldest,
-- the ended ones dropped one by one: years of finished series. On
-- PostgreSQL the running ones are found from this index (those without an
-- end, and those ending after the window's start) and sorted: the cost of
-- what is running, not of what was.
CREATE INDEX meetings_series_ends ON meetings(ends_at) WHERE status = 'scheduled' AND series = 1;
