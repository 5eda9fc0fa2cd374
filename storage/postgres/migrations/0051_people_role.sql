-- A refusal names who could act instead ("ask @root or @ops"), found by
-- role: admins are few among many people, so they are found from an index.
CREATE INDEX people_role ON people(role);
