-- The person a job is for when that is not its owner: a reminder's
-- recipient. Merging two people finds their jobs from this index and
-- jobs_owner instead of reading every job's payload.
ALTER TABLE jobs ADD COLUMN subject_id INTEGER;
UPDATE jobs SET subject_id = json_extract(CAST(payload AS TEXT), '$.to_person')
	WHERE kind = 'reminder' AND json_valid(CAST(payload AS TEXT))
	AND json_extract(CAST(payload AS TEXT), '$.to_person') IS NOT NULL;
CREATE INDEX jobs_subject ON jobs(subject_id) WHERE subject_id IS NOT NULL;
