-- Every task list is read from an index in the order it is shown, so a page
-- costs its offset and size however many tasks there are.
--
-- Open tasks: soonest due first, undated last, then by priority. The
-- expression "due_at IS NULL" leads, so that one index serves both the whole
-- list (in index order) and the overdue range (due_at IS NULL = 0, due_at <
-- now). Undated open tasks are in it now: "task list all" must page through
-- them too.
DROP INDEX tasks_due;
CREATE INDEX tasks_due ON tasks((due_at IS NULL), due_at, priority DESC) WHERE status NOT IN ('done', 'cancelled');
-- A person's (and a department's) open tasks in the same order, for their
-- lists and the daily digest; their done and cancelled tasks, most recently
-- closed first, apart, so that years of finished work cost an open list
-- nothing. The two replace tasks_owner and tasks_dept: a task is in one of
-- each pair, as it was in one of each before.
DROP INDEX tasks_owner;
CREATE INDEX tasks_owner_open ON tasks(owner_id, (due_at IS NULL), due_at, priority DESC) WHERE status NOT IN ('done', 'cancelled');
CREATE INDEX tasks_owner_closed ON tasks(owner_id, status, closed_at) WHERE status IN ('done', 'cancelled');
DROP INDEX tasks_dept;
CREATE INDEX tasks_dept_open ON tasks(dept_id, (due_at IS NULL), due_at, priority DESC) WHERE dept_id IS NOT NULL AND status NOT IN ('done', 'cancelled');
CREATE INDEX tasks_dept_closed ON tasks(dept_id, status, closed_at) WHERE dept_id IS NOT NULL AND status IN ('done', 'cancelled');
-- Everyone's done or cancelled tasks ("task list all done").
CREATE INDEX tasks_closed ON tasks(status, closed_at) WHERE status IN ('done', 'cancelled');
-- Merging two people rewrites their tasks' creator and their history's actor
-- from these. Most tasks are created by their owner: those are found through
-- the owner indexes (the merge moves the owner first), so only the others
-- pay for this index on every creation.
CREATE INDEX tasks_creator ON tasks(creator_id) WHERE owner_id IS DISTINCT FROM creator_id;
CREATE INDEX task_events_actor ON task_events(actor_id);
-- Messages that failed for good, newest first: the admins' list, which
-- pruning also reads, oldest first.
CREATE INDEX outbox_dead ON outbox(created_at) WHERE state = 'dead';
