-- Standups and weekly check-ins (commands/standup): one daily (weekday -1)
-- and at most one weekly per weekday for each department.
CREATE TABLE standups (
    id          INTEGER PRIMARY KEY,
    dept_id     INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    clock       TEXT NOT NULL,
    weekday     INTEGER NOT NULL,
    questions   TEXT NOT NULL,
    cutoff_ms   INTEGER NOT NULL,
    tz          TEXT NOT NULL,
    created_by  INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (dept_id, weekday)
);

-- One row per member asked per day: its primary key is what makes each
-- member asked once a day, however often the day is planned.
CREATE TABLE standup_asks (
    standup_id  INTEGER NOT NULL REFERENCES standups(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    asked_at    INTEGER NOT NULL,
    close_at    INTEGER NOT NULL,
    answer      TEXT NOT NULL DEFAULT '',
    answered_at INTEGER,
    PRIMARY KEY (standup_id, day, person_id)
) WITHOUT ROWID;
-- A person's open ask, for the reply that answers it.
CREATE INDEX standup_asks_open ON standup_asks(person_id, close_at);

-- The days whose answers were posted, so a summary is posted once.
CREATE TABLE standup_posts (
    standup_id INTEGER NOT NULL REFERENCES standups(id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    posted_at  INTEGER NOT NULL,
    PRIMARY KEY (standup_id, day)
) WITHOUT ROWID;

-- People on leave: skipped by standups, and listed as on leave.
CREATE TABLE leaves (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    from_day   TEXT NOT NULL,
    to_day     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX leaves_person ON leaves(person_id, to_day);
