-- Secrets every replica must share (the calendar feed's signing key), kept
-- in the database when replicas have no common data directory. See
-- bot.SecretTx.
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BYTEA NOT NULL
);
