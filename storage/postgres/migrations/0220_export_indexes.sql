-- Exports (bot/export) page a period's rows by (time, id): tasks and tickets
-- by creation, meetings by start, asks of a kind by creation; everyone's, a
-- department's, and (tasks) one owner's. Each list is read from one of these
-- in its order, so a page costs its size (exports_internal_test.go checks
-- the plans).
-- (tasks_created, by created_at and id, is 0215's.)
CREATE INDEX tasks_dept_created ON tasks(dept_id, created_at, id);
CREATE INDEX tasks_owner_created ON tasks(owner_id, created_at, id);
CREATE INDEX tickets_created ON tickets(created_at, id);
CREATE INDEX tickets_dept_created ON tickets(dept_id, created_at, id);
CREATE INDEX meetings_start_id ON meetings(start_at, id);
CREATE INDEX meetings_dept_start_id ON meetings(dept_id, start_at, id);
CREATE INDEX asks_kind_created ON asks(kind, created_at, id);
CREATE INDEX asks_dept_kind_created ON asks(dept_id, kind, created_at, id);
