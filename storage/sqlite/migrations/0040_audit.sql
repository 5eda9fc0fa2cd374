-- audit records every privileged change (links and merges, roles,
-- department membership and heads, admin retries), for `admin audit`.
-- People are named by id and by their handle at the time, without foreign
-- keys: a record outlives a person merged away, and reads the same after.
CREATE TABLE audit (
	id         INTEGER PRIMARY KEY,
	at         INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	actor_id   INTEGER,
	actor      TEXT NOT NULL DEFAULT '',
	subject_id INTEGER,
	subject    TEXT NOT NULL DEFAULT '',
	from_value TEXT NOT NULL DEFAULT '',
	to_value   TEXT NOT NULL DEFAULT '',
	via        TEXT NOT NULL DEFAULT '',
	ref        INTEGER
);
-- Pages of the whole log, newest first, and of one person's.
CREATE INDEX audit_at ON audit(at, id);
CREATE INDEX audit_subject ON audit(subject_id, at, id) WHERE subject_id IS NOT NULL;
