-- person_seeds holds, per person named in the config, the values the config
-- last applied (JSON of bot.PersonSeed). At start a value the config changed
-- since is applied; one it did not is left as the person set it.
CREATE TABLE person_seeds (
	person_id INTEGER PRIMARY KEY,
	seed      TEXT NOT NULL
);
