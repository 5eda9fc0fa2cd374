package meeting_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands/features"
)

// fakeFeeds makes feed links from the person's feed version, as the real
// feed does, so a reset shows as a new address.
type fakeFeeds struct{}

func (fakeFeeds) URL(tx bot.Tx, personID int64) (string, error) {
	v, err := meeting.Feeds(tx).FeedVersion(personID)
	return fmt.Sprintf("https://tandem.example.com/calendar/%d.v%d.ics", personID, v), err
}

func (f fakeFeeds) MeetingURL(tx bot.Tx, personID, meetingID int64) (string, error) {
	u, err := f.URL(tx, personID)
	return fmt.Sprintf("%s?meeting=%d", u, meetingID), err
}

// Ensure people get their calendar link privately, a reset gives a new one,
// one meeting's file only to those invited, and a clear answer without the
// HTTP server.
func TestCalendarLinks(t *testing.T) {
	h := newOrg(t, func(d *features.Deps) { d.CalendarFeeds = fakeFeeds{} })
	first := h.Expect("alice", "meeting calendar", "/calendar/")
	if !strings.Contains(first, ".v0.ics") {
		t.Fatalf("first link: %s", first)
	}
	if got := h.Expect("alice", "会议 日历 重置", "旧地址已失效"); !strings.Contains(got, ".v1.ics") {
		t.Errorf("after a reset: %s", got)
	}
	h.Expect("alice", `meeting new "Budget" mon 10:00 30m @bob anyway`, "M-1")
	h.Expect("bob", "meeting calendar 1", "?meeting=1")
	h.Expect("carol", "meeting calendar 1", "not invited")
	h.Expect("alice", "meeting calendar soon", "neither a meeting number")

	off := newOrg(t)
	off.Expect("alice", "meeting calendar", "HTTP server")
}
