package sqlite_test

import (
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
)

// Ensure a feed's version starts at 0, each revocation raises it by one for
// that person alone, and a merge takes the merged-away person's row with it.
func TestCalendarFeedVersions(t *testing.T) {
	db := MustOpenDB(t, "")
	alice, bob := mustPerson(t, db, "Alice"), mustPerson(t, db, "Bob")
	version := func(id int64) (v int) {
		mustUpdate(t, db, func(tx bot.Tx) (err error) { v, err = meeting.Feeds(tx).FeedVersion(id); return err })
		return v
	}
	if v := version(alice.ID); v != 0 {
		t.Fatalf("fresh version = %d, want 0", v)
	}
	for want := 1; want <= 2; want++ {
		var got int
		mustUpdate(t, db, func(tx bot.Tx) (err error) { got, err = meeting.Feeds(tx).RevokeFeed(alice.ID, t0); return err })
		if got != want || version(alice.ID) != want {
			t.Fatalf("after revocation %d: returned %d, stored %d", want, got, version(alice.ID))
		}
	}
	if v := version(bob.ID); v != 0 {
		t.Fatalf("bob's version = %d after alice revoked, want 0", v)
	}
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.MergePeople(alice.ID, bob.ID) })
	if v := version(alice.ID); v != 0 {
		t.Fatalf("merged-away person's version = %d, want 0 (row gone)", v)
	}
}
