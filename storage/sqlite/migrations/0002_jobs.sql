-- jobs are everything that must happen later (reminders, digests, SLA
-- checks): rows claimed with a lease when due, never in-memory timers.
CREATE TABLE jobs (
	id          INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL,
	payload     BLOB NOT NULL DEFAULT x'',
	run_at      INTEGER NOT NULL,
	dedup_key   TEXT,
	schedule    TEXT NOT NULL DEFAULT '',
	tz          TEXT NOT NULL DEFAULT '',
	state       TEXT NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT NOT NULL DEFAULT '',
	owner_id    INTEGER,
	created_at  INTEGER NOT NULL,
	finished_at INTEGER
);
-- The due scan reads only pending jobs, in run_at order.
CREATE INDEX jobs_due ON jobs(run_at) WHERE state = 'pending';
-- A dedup key is unique among pending jobs only: a finished reminder does
-- not stop the same one being set again.
CREATE UNIQUE INDEX jobs_dedup ON jobs(dedup_key) WHERE state = 'pending' AND dedup_key IS NOT NULL;
CREATE INDEX jobs_owner ON jobs(owner_id, state) WHERE owner_id IS NOT NULL;
