-- Times are Unix milliseconds (UTC) in INTEGER columns: compact, sortable, and
-- the same in SQLite and PostgreSQL.

CREATE TABLE departments (
	id       INTEGER PRIMARY KEY,
	name     TEXT NOT NULL,
	name_key TEXT NOT NULL UNIQUE, -- lower-cased name, for case-insensitive lookup
	head_id  INTEGER REFERENCES people(id)
);

CREATE TABLE people (
	id             INTEGER PRIMARY KEY,
	name           TEXT NOT NULL,
	handle         TEXT NOT NULL UNIQUE,
	email          TEXT NOT NULL DEFAULT '',
	lang           TEXT NOT NULL DEFAULT '',
	tz             TEXT NOT NULL DEFAULT '',
	dept_id        INTEGER REFERENCES departments(id),
	role           TEXT NOT NULL DEFAULT 'member',
	home_platform  TEXT NOT NULL DEFAULT '',
	home_workspace TEXT NOT NULL DEFAULT '',
	home_user      TEXT NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL
);
CREATE INDEX people_name ON people(name COLLATE NOCASE);

CREATE TABLE accounts (
	platform   TEXT NOT NULL,
	workspace  TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	person_id  INTEGER NOT NULL REFERENCES people(id),
	name       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	PRIMARY KEY (platform, workspace, user_id)
) WITHOUT ROWID;
CREATE INDEX accounts_person ON accounts(person_id);

CREATE TABLE tasks (
	id          INTEGER PRIMARY KEY,
	title       TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	owner_id    INTEGER REFERENCES people(id),
	creator_id  INTEGER NOT NULL REFERENCES people(id),
	dept_id     INTEGER REFERENCES departments(id),
	priority    INTEGER NOT NULL,
	status      TEXT NOT NULL,
	due_at      INTEGER,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	closed_at   INTEGER
);
CREATE INDEX tasks_owner ON tasks(owner_id, status);
CREATE INDEX tasks_dept ON tasks(dept_id, status) WHERE dept_id IS NOT NULL;
CREATE INDEX tasks_due ON tasks(due_at) WHERE status NOT IN ('done', 'cancelled');

CREATE TABLE task_events (
	id         INTEGER PRIMARY KEY,
	task_id    INTEGER NOT NULL REFERENCES tasks(id),
	actor_id   INTEGER REFERENCES people(id),
	kind       TEXT NOT NULL,
	from_value TEXT NOT NULL DEFAULT '',
	to_value   TEXT NOT NULL DEFAULT '',
	at         INTEGER NOT NULL
);
CREATE INDEX task_events_task ON task_events(task_id, id);

-- inbox holds every inbound event from before it is acknowledged; dedup_key
-- is the platform's delivery id. payload (the whole event) is kept while the
-- event may need processing again (pending, failed); a done event keeps only
-- its identity, which is all deduplication needs.
CREATE TABLE inbox (
	id          INTEGER PRIMARY KEY,
	platform    TEXT NOT NULL,
	workspace   TEXT NOT NULL,
	dedup_key   TEXT,
	state       TEXT NOT NULL,
	payload     TEXT NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT NOT NULL DEFAULT '',
	received_at INTEGER NOT NULL,
	finished_at INTEGER,
	UNIQUE (platform, workspace, dedup_key)
);
CREATE INDEX inbox_pending ON inbox(received_at) WHERE state = 'pending';

-- outbox holds every outgoing message from before it is sent; key makes
-- enqueueing idempotent.
CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	key             TEXT NOT NULL UNIQUE,
	platform        TEXT NOT NULL,
	recipient       TEXT NOT NULL DEFAULT '', -- the user id a direct message goes to
	destination     TEXT NOT NULL,
	message         TEXT NOT NULL,
	state           TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	lease_owner     TEXT NOT NULL DEFAULT '',
	lease_until     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	remote_id       TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox(platform, next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbox_recipient ON outbox(platform, recipient) WHERE state = 'queued';
