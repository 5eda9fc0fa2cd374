-- Calendar feeds (adapters/icsfeed): each person's feed URL is an HMAC over
-- their id and this version; revoking raises the version, so every link
-- given out before stops working. No row means version 0. A merged-away
-- person's row goes with them (their links die with their id).
CREATE TABLE calendar_feeds (
    person_id  INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL
);
