-- The slip, in working days, that the last delay warning about a whole
-- project named, and when it went (bot/project.Project.WarnedSlip,
-- WarnedAt), as project_milestones keeps them per milestone: the daily
-- check warns again only when the slip grows.
ALTER TABLE projects ADD COLUMN warned_slip BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN warned_at BIGINT;
