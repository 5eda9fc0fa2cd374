-- Round-robin routing of tickets (commands/ticket): per pool (a routing
-- rule), the turn at which each member was last given a ticket. The member
-- with the smallest turn is next, so the rotation survives restarts. A
-- merged-away person's row goes with them (the survivor keeps their own).
CREATE TABLE ticket_turns (
    pool      TEXT    NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    turn      BIGINT NOT NULL,
    PRIMARY KEY (pool, person_id)
);

-- A department's members, for the rotation among them.
CREATE INDEX people_dept ON people(dept_id, id) WHERE dept_id IS NOT NULL;
