-- Live cards: every posted copy of a card about a subject ("task/3"), so that
-- a change edits each copy in place. outbox_id is the message that posts it
-- (NULL for a card that was an inline answer, known from a click); MarkSent
-- fills remote_id, the platform's id of the posted message.
CREATE TABLE card_copies (
	id          INTEGER PRIMARY KEY,
	subject     TEXT NOT NULL,
	outbox_id   INTEGER UNIQUE,
	destination TEXT NOT NULL,
	lang        TEXT NOT NULL DEFAULT '',
	tz          TEXT NOT NULL DEFAULT '',
	remote_id   TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL
);
CREATE INDEX card_copies_subject ON card_copies(subject, id);
CREATE INDEX card_copies_created ON card_copies(created_at);

-- Pictures sent with messages, stored once by content; the outbox row keeps
-- the digest in its message.
CREATE TABLE media (
	sha256     TEXT PRIMARY KEY,
	png        BLOB NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX media_created ON media(created_at);

-- Uploads that other messages through the same app may reuse until
-- reuse_until (WeCom and DingTalk media ids live 3 days).
CREATE TABLE media_uploads (
	sha256      TEXT NOT NULL,
	platform    TEXT NOT NULL,
	workspace   TEXT NOT NULL,
	upload_key  TEXT NOT NULL,
	reuse_until INTEGER NOT NULL,
	PRIMARY KEY (sha256, platform, workspace)
) WITHOUT ROWID;
CREATE INDEX media_uploads_expiry ON media_uploads(reuse_until);

-- The upload a message's picture was given, so that its retries reuse it.
ALTER TABLE outbox ADD COLUMN image_key TEXT NOT NULL DEFAULT '';
