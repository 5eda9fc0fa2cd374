-- deferred is set when a claimed message is handed back without being tried
-- (bot.OutboxTx.MarkDeferred: it waited for a rate limit, or behind an older
-- message of its chat). On PostgreSQL such a message holds its chat's newer
-- messages, as a tried one does, so another replica cannot send them before
-- it (docs/postgres.md, "the deferral gap"). SQLite's one process keeps that
-- order in the dispatcher's memory and does not read it.
ALTER TABLE outbox ADD COLUMN deferred INTEGER NOT NULL DEFAULT 0;
