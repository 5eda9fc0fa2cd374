-- Subtasks and dependencies (issue 19, item 1).
--
-- A subtask names its parent. The parent card's checklist ("2/5") counts a
-- parent's subtasks by status, and "task show" lists them by id: both from
-- tasks_parent, which holds only subtasks (most tasks have no parent); its
-- status column lets the count read the index alone.
ALTER TABLE tasks ADD COLUMN parent_id BIGINT REFERENCES tasks(id);
CREATE INDEX tasks_parent ON tasks(parent_id, id, status) WHERE parent_id IS NOT NULL;

-- blocker_id blocks dependant_id: the dependant cannot be done while the
-- blocker is open. The primary key answers "what does this task wait for"
-- (the done check, the cycle walk); task_blocks_blocker answers "what waits
-- for this task" (a blocker's due moving, telling the dependants' owners).
CREATE TABLE task_blocks (
	dependant_id BIGINT NOT NULL REFERENCES tasks(id),
	blocker_id   BIGINT NOT NULL REFERENCES tasks(id),
	created_at   BIGINT NOT NULL,
	PRIMARY KEY (dependant_id, blocker_id)
);
CREATE INDEX task_blocks_blocker ON task_blocks(blocker_id, dependant_id);
