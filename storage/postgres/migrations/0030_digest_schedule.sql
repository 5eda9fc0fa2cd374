-- A person's digest is turned off apart from its time, so that `digest on`
-- brings back the time chosen before `digest off`.
ALTER TABLE people ADD COLUMN digest_off BIGINT NOT NULL DEFAULT 0;
UPDATE people SET digest_off = 1, digest = '' WHERE digest = 'off';
-- When the person's next digest is due (Unix ms); NULL until the digest job
-- computes it from their time, zone and the work calendar (new people, and
-- everyone after this migration), and again after they change one of them.
-- The job finds who is due from this index, whatever the number of people.
ALTER TABLE people ADD COLUMN digest_next_at BIGINT;
CREATE INDEX people_digest_due ON people(digest_next_at) WHERE digest_off = 0;
