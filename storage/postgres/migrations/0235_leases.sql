-- Leases for work that must run on one replica at a time (a platform's long
-- connection): the holder renews its row before held_until (ms); another
-- replica takes it once held_until has passed. See bot.LeaseTx.
CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	held_until BIGINT NOT NULL
);
