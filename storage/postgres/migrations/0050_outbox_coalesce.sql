-- coalesce_key names what a notification is about for its one recipient
-- (bot.Outgoing.Coalesce): a change to a task while the message about it
-- still waits (bot.notify_window after the first change) is merged into that
-- message instead of adding one. Only queued rows are ever looked up by it,
-- so only they are indexed.
ALTER TABLE outbox ADD COLUMN coalesce_key TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_coalesce ON outbox(coalesce_key) WHERE state = 'queued' AND coalesce_key != '';
