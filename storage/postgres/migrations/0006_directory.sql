-- Email and mobile as the platforms' directories give them, normalized
-- (bot.NormalizeEmail, bot.NormalizeMobile), so that the same person's
-- accounts on two platforms can be found and linked.
ALTER TABLE people ADD COLUMN mobile TEXT NOT NULL DEFAULT '';
UPDATE people SET email = lower(trim(email));
CREATE INDEX people_email ON people(email) WHERE email != '';
CREATE INDEX people_mobile ON people(mobile) WHERE mobile != '';
