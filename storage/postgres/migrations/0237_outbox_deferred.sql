-- deferred is set when a claimed message is handed back without being tried
-- (bot.OutboxTx.MarkDeferred: it waited for a rate limit, or behind an older
-- message of its chat): such a message holds its chat's newer messages, as a
-- tried one does, so another replica cannot send them before it
-- (claimOutgoing; docs/postgres.md, "the deferral gap").
ALTER TABLE outbox ADD COLUMN deferred INTEGER NOT NULL DEFAULT 0;
-- The claim's "older message of this chat" check reads one chat's queue.
CREATE INDEX outbox_destination_queue ON outbox (platform, destination, id) WHERE state = 'queued';
