-- Projects (issue 20): the project with its SMART goal, its departments,
-- members, milestones, the tasks and tickets attached to it, and its
-- timeline.
--
-- Times are Unix milliseconds; a time that is not set (a project without
-- start or end, a milestone not done) is NULL. Start, end and due are dates
-- (midnight in the work calendar's zone) kept as that instant. Booleans are
-- 0 and 1. review_weekday is Go's time.Weekday (0 Sunday), review_clock_ms
-- the time of day in milliseconds since midnight.
CREATE TABLE projects (
	id              INTEGER PRIMARY KEY,
	key             TEXT NOT NULL UNIQUE,
	name            TEXT NOT NULL,
	goal_text       TEXT NOT NULL DEFAULT '',
	goal_metric     TEXT NOT NULL DEFAULT '',
	goal_target     TEXT NOT NULL DEFAULT '',
	goal_baseline   TEXT NOT NULL DEFAULT '',
	lead_id         INTEGER REFERENCES people(id),
	creator_id      INTEGER REFERENCES people(id),
	start_at        INTEGER,
	end_at          INTEGER,
	status          TEXT NOT NULL,
	review_weekday  INTEGER NOT NULL DEFAULT 1,
	review_clock_ms INTEGER NOT NULL DEFAULT 0,
	review_off      INTEGER NOT NULL DEFAULT 0,
	result          TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	closed_at       INTEGER
);
-- Lists are read in id order (projects.go; projects_internal_test.go checks
-- the plans): everyone's from the table itself, by status from this index
-- (which ends with the rowid, so its entries of one status are in id order).
CREATE INDEX projects_status ON projects(status);
-- Merging two people finds the projects they lead or created from these.
CREATE INDEX projects_lead ON projects(lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX projects_creator ON projects(creator_id) WHERE creator_id IS NOT NULL;

-- The departments taking part, in the order given (position 0, 1, …).
CREATE TABLE project_departments (
	project_id INTEGER NOT NULL REFERENCES projects(id),
	position   INTEGER NOT NULL,
	dept_id    INTEGER NOT NULL REFERENCES departments(id),
	PRIMARY KEY (project_id, position)
) WITHOUT ROWID;
-- The projects a department takes part in.
CREATE INDEX project_departments_dept ON project_departments(dept_id, project_id);

-- Members and their roles. The list is admins first, then by when added,
-- read in that order from project_members_listed; a person's projects
-- (Filter.MemberID) from project_members_person in project id order.
CREATE TABLE project_members (
	project_id INTEGER NOT NULL REFERENCES projects(id),
	person_id  INTEGER NOT NULL REFERENCES people(id),
	role       TEXT NOT NULL,
	added_at   INTEGER NOT NULL,
	PRIMARY KEY (project_id, person_id)
) WITHOUT ROWID;
CREATE INDEX project_members_listed ON project_members(project_id, (role <> 'admin'), added_at);
CREATE INDEX project_members_person ON project_members(person_id, project_id);

-- Milestones: one name once per project; listed by due date, then id.
CREATE TABLE project_milestones (
	id          INTEGER PRIMARY KEY,
	project_id  INTEGER NOT NULL REFERENCES projects(id),
	name        TEXT NOT NULL,
	due_at      INTEGER,
	done_at     INTEGER,
	warned_slip INTEGER NOT NULL DEFAULT 0,
	warned_at   INTEGER,
	UNIQUE (project_id, name)
);
CREATE INDEX project_milestones_due ON project_milestones(project_id, due_at);

-- The work attached to a project: a task or a ticket (kind, ref_id) is in
-- one project at most, which project_items_ref keeps (and ItemOf reads;
-- ref_id first, so that no list of one kind is read from it).
-- ref_id names a task or a ticket by kind, so no foreign key can check it:
-- AddItem does. The primary key reads a project's tasks or tickets in id
-- order, every column at hand.
CREATE TABLE project_items (
	project_id   INTEGER NOT NULL REFERENCES projects(id),
	kind         TEXT NOT NULL,
	ref_id       INTEGER NOT NULL,
	milestone_id INTEGER REFERENCES project_milestones(id),
	days         INTEGER NOT NULL DEFAULT 1,
	start_at     INTEGER,
	added_at     INTEGER NOT NULL,
	PRIMARY KEY (project_id, kind, ref_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX project_items_ref ON project_items(ref_id, kind);
CREATE INDEX project_items_milestone ON project_items(milestone_id) WHERE milestone_id IS NOT NULL;

-- The timeline, oldest first; actor_id is NULL for the bot itself.
CREATE TABLE project_events (
	id         INTEGER PRIMARY KEY,
	project_id INTEGER NOT NULL REFERENCES projects(id),
	actor_id   INTEGER REFERENCES people(id),
	kind       TEXT NOT NULL,
	text       TEXT NOT NULL DEFAULT '',
	at         INTEGER NOT NULL
);
CREATE INDEX project_events_project ON project_events(project_id, id);
-- Merging two people moves their timeline entries from this.
CREATE INDEX project_events_actor ON project_events(actor_id) WHERE actor_id IS NOT NULL;
