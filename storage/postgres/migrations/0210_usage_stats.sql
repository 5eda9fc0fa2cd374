-- usage_counts holds what the bot counted as it handled events (bot.Usage):
-- one row per day (in the usage zone), department (0 for none), platform,
-- kind and command, bumped by one upsert in the unit that handled the event.
-- The figures read a range of days (the key's first column); a department's
-- filter is applied over the period's rows, which are few (days × depts ×
-- platforms × commands). No foreign key: a department removed later keeps
-- its history.
CREATE TABLE usage_counts (
	day      TEXT NOT NULL,
	dept_id  BIGINT NOT NULL,
	platform TEXT NOT NULL,
	kind     TEXT NOT NULL,
	command  TEXT NOT NULL,
	n        BIGINT NOT NULL,
	PRIMARY KEY (day, dept_id, platform, kind, command)
);

-- Task throughput counts tasks created in a span from tasks_created (0215)
-- and a department's from tasks_dept_created (0220); closed ones are read
-- by tasks_closed and tasks_dept_closed (0031).

-- The announcements sent in a period, for their acknowledgement rate.
CREATE INDEX asks_kind_sent ON asks(kind, sent_at) WHERE sent_at IS NOT NULL;
