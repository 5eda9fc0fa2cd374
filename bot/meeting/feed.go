package meeting

import (
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// FeedStore keeps each person's calendar-feed version: the feed's URL is
// signed over the person and this version, so raising it revokes every link
// given out before (adapters/icsfeed). A person who never revoked is at 0.
type FeedStore interface {
	// FeedVersion returns the person's current feed version (0 when none
	// was ever recorded, also for an unknown person: the feed must not tell
	// the two apart).
	FeedVersion(personID int64) (int, error)
	// RevokeFeed raises the person's feed version by one and returns it.
	RevokeFeed(personID int64, now time.Time) (int, error)
}

// Feeds returns the feed store of a unit (bot.Contract); a unit without one
// gets a FeedStore whose every call fails with an internal error.
func Feeds(tx bot.Tx) FeedStore {
	if s, ok := bot.Contract[FeedStore](tx); ok {
		return s
	}
	return missingFeeds{fmt.Errorf("meeting: the unit %T does not implement meeting.FeedStore", tx)}
}

type missingFeeds struct{ err error }

func (m missingFeeds) FeedVersion(int64) (int, error)           { return 0, m.err }
func (m missingFeeds) RevokeFeed(int64, time.Time) (int, error) { return 0, m.err }
