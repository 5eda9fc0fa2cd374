-- Registration approved by an admin (people.registration: approval): a
-- person's admission ('' a member, 'pending', 'refused') and when they last
-- asked the admins (ms; NULL never). people_admission lists those waiting.
ALTER TABLE people ADD COLUMN admission TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN access_asked_at BIGINT;
CREATE INDEX people_admission ON people (admission, id) WHERE admission != '';
