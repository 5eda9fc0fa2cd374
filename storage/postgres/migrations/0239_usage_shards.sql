-- usage_counts gains a shard column in its key: each connection counts into
-- rows of its own (shard = pg_backend_pid(), see sqlite.UsageCountQuery in
-- storage/postgres/statements.go), so two concurrent commands never update
-- one counter row and SERIALIZABLE units stop refusing each other on it
-- (docs/postgres.md, "Conflicts between commands"). Readers SUM(n) over the key's other
-- columns. Existing rows become shard 0.
ALTER TABLE usage_counts ADD COLUMN shard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_counts DROP CONSTRAINT usage_counts_pkey;
ALTER TABLE usage_counts ADD PRIMARY KEY (day, dept_id, platform, kind, command, shard);
