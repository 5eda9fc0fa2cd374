-- Nothing heavy under the writer (issue 13, round 2): what stats and the
-- escalation job read is kept on the ticket, so they read one row or one
-- index range instead of every ticket or the whole timeline.
--
-- The last rung of the ladder told, and the cycle it was told in: the
-- escalation job compares its rung with these instead of reading the
-- timeline. Filled from the timeline's "escalated" entries of each
-- ticket's current cycle (to_value is Ladder.Label: "2/3 100% resolution",
-- "3/3 150% resolution, repeat 2"; from_value the cycle), so that no rung
-- told before the upgrade is told again after it.
ALTER TABLE tickets ADD COLUMN last_rung_step BIGINT NOT NULL DEFAULT -1;
ALTER TABLE tickets ADD COLUMN last_rung_round BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN last_rung_cycle BIGINT NOT NULL DEFAULT 0;

-- (SQLite's version fills these from older tickets' timelines; a PostgreSQL
-- database starts empty, so there is nothing to fill.)

-- The current cycle's times to first response and to resolution, in
-- milliseconds: wall-clock, and in business hours (NULL when not counted:
-- no work calendar, or acknowledged or resolved before this upgrade, since
-- the calendar is not in the database). Wall-clock times of tickets
-- acknowledged or resolved before the upgrade are filled in here.
ALTER TABLE tickets ADD COLUMN ack_wall_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN ack_business_ms BIGINT;
ALTER TABLE tickets ADD COLUMN resolve_wall_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN resolve_business_ms BIGINT;
UPDATE tickets SET ack_wall_ms = GREATEST(acked_at - opened_at, 0) WHERE acked_at IS NOT NULL;
UPDATE tickets SET resolve_wall_ms = GREATEST(resolved_at - opened_at, 0) WHERE resolved_at IS NOT NULL;

-- Stats read indexes only, never a ticket's row (TicketStats;
-- tickets_internal_test.go checks the plans). A department's active tickets
-- and the breached ones among them are counted from tickets_dept_open; its
-- tickets resolved in a window are one range of tickets_dept_resolved, by
-- when they were resolved, carrying every figure the sums need. Both carry
-- status although their condition implies it: SQLite reads an index alone
-- only when it holds every column the query names, the partial index's
-- condition included.
CREATE INDEX tickets_dept_open ON tickets(dept_id, status, response_breached, resolution_breached)
	WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX tickets_dept_resolved ON tickets(dept_id, resolved_at, response_breached, resolution_breached,
	acked_at, ack_wall_ms, ack_business_ms, resolve_wall_ms, resolve_business_ms, status)
	WHERE status IN ('resolved', 'closed');
