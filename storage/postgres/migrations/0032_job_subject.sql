-- The person a job is for when that is not its owner: a reminder's
-- recipient. Merging two people finds their jobs from this index and
-- jobs_owner instead of reading every job's payload.
ALTER TABLE jobs ADD COLUMN subject_id BIGINT;
-- (SQLite's version fills subject_id for older rows; a PostgreSQL database
-- starts empty or is copied by tandem migrate, so there is nothing to fill.)
CREATE INDEX jobs_subject ON jobs(subject_id) WHERE subject_id IS NOT NULL;
