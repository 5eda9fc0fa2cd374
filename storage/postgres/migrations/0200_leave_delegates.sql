-- A leave may name a delegate (代理) who decides a request's step for the
-- person while they are away. 0: nobody. A merge of two people moves it
-- (link.go), from its index.
ALTER TABLE leaves ADD COLUMN delegate_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX leaves_delegate ON leaves(delegate_id);
