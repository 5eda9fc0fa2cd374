-- Tickets between departments (issue 13): the ticket, its timeline, its SLA
-- clock and the tasks its playbook created.
--
-- The policy (with its escalation ladder) is the JSON of ticket.Policy as it
-- was when the ticket opened, so editing the config never rewrites a running
-- clock; origin and war_room are the JSON of bot.Destination.
CREATE TABLE tickets (
	id                  INTEGER PRIMARY KEY,
	title               TEXT NOT NULL,
	category            TEXT NOT NULL DEFAULT '',
	priority            INTEGER NOT NULL,
	impact              TEXT NOT NULL DEFAULT '',
	need                TEXT NOT NULL DEFAULT '',
	status              TEXT NOT NULL,
	dept_id             INTEGER REFERENCES departments(id),
	owner_id            INTEGER REFERENCES people(id),
	requester_id        INTEGER REFERENCES people(id),
	origin              TEXT NOT NULL DEFAULT '{}',
	policy              TEXT NOT NULL DEFAULT '{}',
	cycle               INTEGER NOT NULL DEFAULT 1,
	response_breached   INTEGER NOT NULL DEFAULT 0,
	resolution_breached INTEGER NOT NULL DEFAULT 0,
	war_room            TEXT NOT NULL DEFAULT '',
	opened_at           INTEGER NOT NULL,
	acked_at            INTEGER,
	resolved_at         INTEGER,
	closed_at           INTEGER,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL
);

-- Every list is read from an index in the order it is shown, so a page costs
-- its offset and its size however many tickets there are
-- (query_internal_test.go checks the plans). The conditions of these partial
-- indexes are written literally into the queries (tickets.go): SQLite uses a
-- partial index only for a query whose WHERE contains its condition.
--
-- Active tickets (not resolved or closed), most urgent first: priority, then
-- opened, then id (the rowid every index ends with). Everyone's, a person's
-- (as owner and as requester), a department's, a category's, and the
-- breached ones (everyone's and a department's: few rows, each cheap).
CREATE INDEX tickets_active ON tickets(priority, opened_at) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_owner_active ON tickets(owner_id, priority, opened_at) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_requester_active ON tickets(requester_id, priority, opened_at) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_dept_active ON tickets(dept_id, priority, opened_at) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_category_active ON tickets(category, priority, opened_at) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_breached_active ON tickets(priority, opened_at)
	WHERE status NOT IN ('resolved', 'closed') AND (response_breached = 1 OR resolution_breached = 1);
CREATE INDEX tickets_dept_breached_active ON tickets(dept_id, priority, opened_at)
	WHERE status NOT IN ('resolved', 'closed') AND (response_breached = 1 OR resolution_breached = 1);

-- Resolved and closed tickets (the archive), most recently finished first:
-- closed_at, or resolved_at while only resolved. Apart from the active ones,
-- so that years of archive cost an active list nothing.
CREATE INDEX tickets_closed ON tickets(coalesce(closed_at, resolved_at)) WHERE status IN ('resolved', 'closed');
CREATE INDEX tickets_owner_closed ON tickets(owner_id, coalesce(closed_at, resolved_at)) WHERE status IN ('resolved', 'closed');
CREATE INDEX tickets_requester_closed ON tickets(requester_id, coalesce(closed_at, resolved_at)) WHERE status IN ('resolved', 'closed');
CREATE INDEX tickets_dept_closed ON tickets(dept_id, coalesce(closed_at, resolved_at)) WHERE status IN ('resolved', 'closed');
CREATE INDEX tickets_category_closed ON tickets(category, coalesce(closed_at, resolved_at)) WHERE status IN ('resolved', 'closed');
CREATE INDEX tickets_breached_closed ON tickets(coalesce(closed_at, resolved_at))
	WHERE status IN ('resolved', 'closed') AND (response_breached = 1 OR resolution_breached = 1);

-- Search by title words. modernc's SQLite is built with FTS5; its tokenizers
-- cannot find a two-character Chinese word inside an unspaced title
-- (unicode61 keeps the whole run as one token, trigram needs three
-- characters), so words holds the title's words as tickets.go spells them:
-- Latin words and numbers lowercased, runs of Chinese characters as their
-- single characters and overlapping pairs. The rowid is the ticket's id.
CREATE VIRTUAL TABLE tickets_words USING fts5(words, tokenize = 'unicode61');

-- The timeline, oldest first; actor_id is NULL for the bot itself.
CREATE TABLE ticket_events (
	id         INTEGER PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
	actor_id   INTEGER REFERENCES people(id),
	kind       TEXT NOT NULL,
	from_value TEXT NOT NULL DEFAULT '',
	to_value   TEXT NOT NULL DEFAULT '',
	at         INTEGER NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);
-- Merging two people moves their timeline entries from this.
CREATE INDEX ticket_events_actor ON ticket_events(actor_id) WHERE actor_id IS NOT NULL;

-- The SLA clock: start, pause, resume, ack and stop events per cycle, in
-- the order they happened.
CREATE TABLE ticket_clock (
	id        INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	cycle     INTEGER NOT NULL,
	kind      TEXT NOT NULL,
	at        INTEGER NOT NULL
);
CREATE INDEX ticket_clock_cycle ON ticket_clock(ticket_id, cycle, at);

-- The tasks a playbook created for a ticket, oldest (lowest id) first.
CREATE TABLE ticket_tasks (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	task_id   INTEGER NOT NULL REFERENCES tasks(id),
	PRIMARY KEY (ticket_id, task_id)
) WITHOUT ROWID;
