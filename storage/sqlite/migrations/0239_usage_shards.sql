-- usage_counts gains a shard column in its key: on PostgreSQL each
-- connection counts into rows of its own (shard = pg_backend_pid()), so two
-- concurrent commands never update one counter row and SERIALIZABLE units
-- stop refusing each other on it (docs/postgres.md, "Conflicts between commands").
-- SQLite has one writer and always writes shard 0. Readers already SUM(n)
-- over the key's other columns, so the figures are unchanged. SQLite cannot
-- change a primary key in place: the table is rebuilt keeping its rows,
-- which become shard 0.
CREATE TABLE usage_counts_sharded (
	day      TEXT NOT NULL,
	dept_id  INTEGER NOT NULL,
	platform TEXT NOT NULL,
	kind     TEXT NOT NULL,
	command  TEXT NOT NULL,
	shard    INTEGER NOT NULL DEFAULT 0,
	n        INTEGER NOT NULL,
	PRIMARY KEY (day, dept_id, platform, kind, command, shard)
) WITHOUT ROWID;

INSERT INTO usage_counts_sharded (day, dept_id, platform, kind, command, shard, n)
	SELECT day, dept_id, platform, kind, command, 0, n FROM usage_counts;

DROP TABLE usage_counts;

ALTER TABLE usage_counts_sharded RENAME TO usage_counts;
