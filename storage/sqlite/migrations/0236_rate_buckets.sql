-- The outbox's token buckets, shared by the replicas sending for a platform
-- (bot.RateTx; docs/postgres.md, "Shared rate limits"). A bucket is the time
-- it will be full again, in unix nanoseconds (the GCRA form of
-- scheduler.Limiter: a rate of 3 a second refills every 333.33 ms, which
-- milliseconds would round). Full buckets are forgotten by the prune job,
-- oldest first: rate_buckets_full.
CREATE TABLE rate_buckets (
	platform   TEXT NOT NULL,
	workspace  TEXT NOT NULL,
	scope      TEXT NOT NULL,
	id         TEXT NOT NULL,
	full_at_ns INTEGER NOT NULL,
	PRIMARY KEY (platform, workspace, scope, id)
) WITHOUT ROWID;
CREATE INDEX rate_buckets_full ON rate_buckets (full_at_ns);
