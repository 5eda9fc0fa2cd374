-- digest is when a person gets their daily digest: '' for the default
-- (09:00 local), 'HH:MM', or 'off'.
ALTER TABLE people ADD COLUMN digest TEXT NOT NULL DEFAULT '';
