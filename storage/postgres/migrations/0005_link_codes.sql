-- One-time codes that link an account on one platform to a person known on
-- another: shown on the first, typed on the second.
CREATE TABLE link_codes (
	code       TEXT PRIMARY KEY,
	person_id  BIGINT NOT NULL REFERENCES people(id),
	expires_at BIGINT NOT NULL
);
