-- Values a signed request may carry only once (DingTalk's timestamp and
-- sign, whose signature does not cover the body), each bound to a digest of
-- the first delivery that carried it, until the signature's window ends.
CREATE TABLE nonces (
	scope      TEXT NOT NULL,
	key        TEXT NOT NULL,
	digest     BYTEA NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (scope, key)
);

-- Pruning deletes the oldest expired rows in batches.
CREATE INDEX nonces_expires ON nonces(expires_at);
