-- Asks (issue 15): one mechanism behind requests, announcements, feedback
-- forms and votes (bot/ask): the ask, its ledger (one line per person asked,
-- per request step), its timeline, and a vote's ballots.
--
-- Times are Unix milliseconds; NULL when not (yet) known. audience, options
-- and fields are the JSON of ask.Audience, []string and []ask.Field; origin
-- is the JSON of bot.Destination, as tickets keep theirs. salt keys a vote's
-- ballot tokens (ask.Token).
CREATE TABLE asks (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL,
	title      TEXT NOT NULL,
	body       TEXT NOT NULL DEFAULT '',
	author_id  INTEGER REFERENCES people(id),
	dept_id    INTEGER REFERENCES departments(id),
	status     TEXT NOT NULL,
	audience   TEXT NOT NULL DEFAULT '{}',
	options    TEXT NOT NULL DEFAULT '[]',
	fields     TEXT NOT NULL DEFAULT '[]',
	subject    TEXT NOT NULL DEFAULT '',
	deadline   INTEGER,
	step       INTEGER NOT NULL DEFAULT 0,
	anonymous  INTEGER NOT NULL DEFAULT 0,
	salt       BLOB NOT NULL DEFAULT x'',
	origin     TEXT NOT NULL DEFAULT '{}',
	created_at INTEGER NOT NULL,
	sent_at    INTEGER,
	closed_at  INTEGER
);
-- FindAsks pages newest first (by id, which every index ends with) by kind,
-- status or author; the author's index also serves the merge of two people.
CREATE INDEX asks_kind ON asks(kind);
CREATE INDEX asks_status ON asks(status);
CREATE INDEX asks_author ON asks(author_id) WHERE author_id IS NOT NULL;

-- The ledger: one line per person asked, per step of a request (0 for the
-- other kinds). Keyed by ask and person first, so that a page of an ask's
-- ledger by person id is one range of the table itself, and a fan-out run
-- again after a crash adds nothing twice (INSERT … ON CONFLICT DO NOTHING).
-- outbox_id names the direct message that asked the person; it has no
-- foreign key because sent messages are pruned (a pruned one is simply no
-- longer polled for read receipts).
CREATE TABLE ask_recipients (
	ask_id       INTEGER NOT NULL REFERENCES asks(id),
	person_id    INTEGER NOT NULL REFERENCES people(id),
	step         INTEGER NOT NULL DEFAULT 0,
	role         TEXT NOT NULL,
	on_behalf_of INTEGER REFERENCES people(id),
	state        TEXT NOT NULL,
	answer       TEXT NOT NULL DEFAULT '',
	comment      TEXT NOT NULL DEFAULT '',
	via          TEXT NOT NULL DEFAULT '',
	outbox_id    INTEGER,
	sent_at      INTEGER,
	answered_at  INTEGER,
	read_at      INTEGER,
	read_via     TEXT NOT NULL DEFAULT '',
	reminders    INTEGER NOT NULL DEFAULT 0,
	reminded_at  INTEGER,
	escalated_at INTEGER,
	PRIMARY KEY (ask_id, person_id, step)
) WITHOUT ROWID;
-- An ask's lines in one state (who answered, who is pending), by person id.
CREATE INDEX ask_recipients_state ON ask_recipients(ask_id, state, person_id, step);
-- A person's lines by state: their "to answer" list (PendingAsks), oldest
-- ask first; also the merge of two people.
CREATE INDEX ask_recipients_person ON ask_recipients(person_id, state, ask_id);
-- The lines the read-receipt poll asks the platforms about
-- (UnreadDeliveries): delivered, pending and not seen to be read. The
-- condition is written literally into the query (asks.go).
CREATE INDEX ask_recipients_unread ON ask_recipients(ask_id, person_id, step)
	WHERE state = 'pending' AND read_at IS NULL AND outbox_id IS NOT NULL;
-- Merging two people moves the lines a delegate answers for.
CREATE INDEX ask_recipients_behalf ON ask_recipients(on_behalf_of) WHERE on_behalf_of IS NOT NULL;

-- An anonymous vote's ballots, in two tables with no link between them and
-- no person in either: a token (ask.Token, an HMAC of the voter's id under
-- the vote's salt) marks that its holder voted, and a tally counts each
-- choice. Neither keeps a time nor a rowid (WITHOUT ROWID: rows are ordered
-- by their key, not by when they were written), so the order of the tokens
-- cannot be matched with the order of the votes.
CREATE TABLE ask_ballot_tokens (
	ask_id INTEGER NOT NULL REFERENCES asks(id),
	token  TEXT NOT NULL,
	PRIMARY KEY (ask_id, token)
) WITHOUT ROWID;
CREATE TABLE ask_tallies (
	ask_id INTEGER NOT NULL REFERENCES asks(id),
	choice INTEGER NOT NULL,
	votes  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (ask_id, choice)
) WITHOUT ROWID;

-- The timeline, oldest first; actor_id is NULL for the bot itself.
CREATE TABLE ask_events (
	id       INTEGER PRIMARY KEY,
	ask_id   INTEGER NOT NULL REFERENCES asks(id),
	actor_id INTEGER REFERENCES people(id),
	kind     TEXT NOT NULL,
	text     TEXT NOT NULL DEFAULT '',
	at       INTEGER NOT NULL
);
CREATE INDEX ask_events_ask ON ask_events(ask_id, id);
CREATE INDEX ask_events_actor ON ask_events(actor_id) WHERE actor_id IS NOT NULL;
