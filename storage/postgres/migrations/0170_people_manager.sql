-- A person's position (job title) and manager, from the config or the
-- platforms' directories. pending_manager is the account a directory named
-- as the manager before anyone had it; the directory job sets manager_id
-- when that account is linked, found from people_pending_manager.
-- people_manager finds a merged person's reports (MergePeople).
ALTER TABLE people ADD COLUMN position TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN manager_id BIGINT REFERENCES people(id);
ALTER TABLE people ADD COLUMN pending_manager TEXT NOT NULL DEFAULT '';
CREATE INDEX people_manager ON people(manager_id) WHERE manager_id IS NOT NULL;
CREATE INDEX people_pending_manager ON people(pending_manager) WHERE pending_manager != '';
