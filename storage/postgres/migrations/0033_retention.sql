-- Finished rows are pruned in small batches, oldest first, each batch from
-- one of these indexes (bot.PruneTx) or outbox_dead. Every inbox row is in
-- exactly one of inbox_pending and inbox_done.
CREATE INDEX inbox_done ON inbox(received_at) WHERE state != 'pending';
CREATE INDEX outbox_sent ON outbox(created_at) WHERE state = 'sent';
CREATE INDEX jobs_finished ON jobs(state, finished_at) WHERE state != 'pending';
CREATE INDEX link_codes_expiry ON link_codes(expires_at);
