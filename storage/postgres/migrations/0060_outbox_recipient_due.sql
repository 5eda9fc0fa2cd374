-- A console terminal asks when its next message falls due (a notification
-- held back to gather later changes to its task is queued due later): with
-- next_attempt_at in the recipient index that is one index seek, where
-- SQLite otherwise walked every queued console message in due order.
DROP INDEX outbox_recipient;
CREATE INDEX outbox_recipient ON outbox(platform, recipient, next_attempt_at) WHERE state = 'queued';
