-- Meetings (issue 14): the meeting or series, its attendees and their
-- answers, its agenda and its minutes; and the chats bound to a department
-- or a project.
--
-- A series (rule <> '') keeps its first occurrence in start_at; until_at
-- bounds its occurrences (NULL: forever). ends_at is when the meeting's last
-- occurrence ends: start_at + duration for a one-off, until_at + duration
-- for a series with an end, NULL for one without. series is rule <> '',
-- kept as a column so that indexes can lead with it. group_chat is the JSON
-- of bot.Destination ('' when none); reminders the JSON array of the
-- reminder offsets in milliseconds.
CREATE TABLE meetings (
	id           INTEGER PRIMARY KEY,
	title        TEXT NOT NULL,
	start_at     INTEGER NOT NULL,
	duration_ms  INTEGER NOT NULL,
	until_at     INTEGER,
	ends_at      INTEGER,
	tz           TEXT NOT NULL DEFAULT '',
	room         TEXT NOT NULL DEFAULT '',
	online       TEXT NOT NULL DEFAULT '',
	dept_id      INTEGER REFERENCES departments(id),
	organizer_id INTEGER REFERENCES people(id),
	group_chat   TEXT NOT NULL DEFAULT '',
	rule         TEXT NOT NULL DEFAULT '',
	series       INTEGER NOT NULL,
	holiday      TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL,
	reminders    TEXT NOT NULL DEFAULT '[]',
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);

-- Every list is read from an index in the order it is shown
-- (meetings.go: series first, by first occurrence, then one-offs by start),
-- so a page costs its offset and its size; meetings_internal_test.go checks
-- the plans. Everyone's, a department's and an organizer's meetings, by
-- status and kind (one-off or series) and start. The organizer's index also
-- serves the merge of two people, whatever the meetings' status.
CREATE INDEX meetings_start ON meetings(status, series, start_at);
CREATE INDEX meetings_dept ON meetings(dept_id, status, series, start_at) WHERE dept_id IS NOT NULL;
CREATE INDEX meetings_organizer ON meetings(organizer_id, status, series, start_at) WHERE organizer_id IS NOT NULL;
-- Conflict checks (MeetingsOf) read a person's scheduled one-offs that end
-- after the window opens: what is ahead of them, not their history.
CREATE INDEX meetings_organizer_ends ON meetings(organizer_id, ends_at)
	WHERE organizer_id IS NOT NULL AND status = 'scheduled' AND series = 0;

-- Attendees in the order invited (id). status, series, start_at and ends_at
-- are copies of the meeting's (UpdateMeeting writes them again), so that a
-- person's meetings are one range of an index of their own.
CREATE TABLE meeting_attendees (
	id          INTEGER PRIMARY KEY,
	meeting_id  INTEGER NOT NULL REFERENCES meetings(id),
	person_id   INTEGER NOT NULL REFERENCES people(id),
	answer      TEXT NOT NULL,
	answered_at INTEGER,
	status      TEXT NOT NULL,
	series      INTEGER NOT NULL,
	start_at    INTEGER NOT NULL,
	ends_at     INTEGER,
	UNIQUE (meeting_id, person_id)
);
-- A meeting's attendees in the order invited (the unique index on
-- (meeting_id, person_id) would leave them to be sorted).
CREATE INDEX meeting_attendees_meeting ON meeting_attendees(meeting_id, id);
CREATE INDEX meeting_attendees_person ON meeting_attendees(person_id, status, series, start_at, meeting_id);
CREATE INDEX meeting_attendees_person_ends ON meeting_attendees(person_id, ends_at, meeting_id)
	WHERE status = 'scheduled' AND series = 0;

-- The agenda, by position (1, 2, …; DeleteAgendaItem closes the gap).
-- links is the JSON array of material links.
CREATE TABLE meeting_agenda (
	id         INTEGER PRIMARY KEY,
	meeting_id INTEGER NOT NULL REFERENCES meetings(id),
	position   INTEGER NOT NULL,
	title      TEXT NOT NULL,
	owner_id   INTEGER REFERENCES people(id),
	timebox_ms INTEGER NOT NULL DEFAULT 0,
	links      TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX meeting_agenda_meeting ON meeting_agenda(meeting_id, position);
-- Merging two people (and deleting the one merged away) finds its rows here.
CREATE INDEX meeting_agenda_owner ON meeting_agenda(owner_id) WHERE owner_id IS NOT NULL;

-- Minutes, per occurrence (its start), in the order written.
CREATE TABLE meeting_minutes (
	id         INTEGER PRIMARY KEY,
	meeting_id INTEGER NOT NULL REFERENCES meetings(id),
	occurrence INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	text       TEXT NOT NULL,
	owner_id   INTEGER REFERENCES people(id),
	due_at     INTEGER,
	task_id    INTEGER REFERENCES tasks(id),
	author_id  INTEGER REFERENCES people(id),
	created_at INTEGER NOT NULL
);
CREATE INDEX meeting_minutes_occurrence ON meeting_minutes(meeting_id, occurrence, id);
CREATE INDEX meeting_minutes_owner ON meeting_minutes(owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX meeting_minutes_author ON meeting_minutes(author_id) WHERE author_id IS NOT NULL;
-- The action item a task was made of.
CREATE INDEX meeting_minutes_task ON meeting_minutes(task_id) WHERE task_id IS NOT NULL;

-- Chats bound to a department (ref: its id) or a project (ref: its key):
-- one binding of each kind per chat. A chat is its platform, workspace and
-- chat id (a thread is not a chat of its own).
CREATE TABLE chat_bindings (
	platform  TEXT NOT NULL,
	workspace TEXT NOT NULL,
	chat_id   TEXT NOT NULL,
	kind      TEXT NOT NULL,
	ref       TEXT NOT NULL,
	bound_by  INTEGER REFERENCES people(id),
	bound_at  INTEGER NOT NULL,
	PRIMARY KEY (platform, workspace, chat_id, kind)
) WITHOUT ROWID;
-- The chats of a department or project, oldest binding first.
CREATE INDEX chat_bindings_ref ON chat_bindings(kind, ref, bound_at);
CREATE INDEX chat_bindings_bound_by ON chat_bindings(bound_by) WHERE bound_by IS NOT NULL;
