package sqlite

import (
	"time"

	"github.com/tandemhq/tandem/bot/meeting"
)

// The unit keeps the calendar feeds' versions.
var _ meeting.FeedStore = (*tx)(nil)

// FeedVersion implements meeting.FeedStore: one primary-key read.
func (t *tx) FeedVersion(personID int64) (int, error) {
	var version int
	_, err := t.queryRow(`SELECT version FROM calendar_feeds WHERE person_id = ?`, []any{personID}, &version)
	return version, internal(err, "read calendar feed version")
}

// RevokeFeed implements meeting.FeedStore.
func (t *tx) RevokeFeed(personID int64, now time.Time) (int, error) {
	var version int
	_, err := t.queryRow(`INSERT INTO calendar_feeds (person_id, version, revoked_at) VALUES (?1, 1, ?2)
		ON CONFLICT (person_id) DO UPDATE SET version = version + 1, revoked_at = excluded.revoked_at
		RETURNING version`, []any{personID, ms(now)}, &version)
	return version, internal(err, "revoke calendar feed")
}
