-- consents are requests for someone's yes to a change another person asked
-- for (joining a department, becoming one person with another account).
-- Nothing changes until the subject accepts; a request past expires_at can
-- no longer be answered.
CREATE TABLE consents (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,
	requester_id INTEGER NOT NULL,
	subject_id   INTEGER NOT NULL,
	dept_id      INTEGER,
	state        TEXT NOT NULL DEFAULT 'pending',
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	answered_at  INTEGER
);
CREATE INDEX consents_subject ON consents(subject_id, kind) WHERE state = 'pending';
CREATE INDEX consents_requester ON consents(requester_id) WHERE state = 'pending';
