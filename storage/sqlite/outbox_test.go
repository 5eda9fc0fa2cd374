package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// enqueueCoalesced stores a notification about task 1 for bob, due a minute
// after now, and returns the id of the row that holds it.
func enqueueCoalesced(tb testing.TB, db *sqlite.DB, key, text string, now time.Time) int64 {
	tb.Helper()
	o := &bot.Outgoing{Key: key, Coalesce: "console/local//bob/task/1", NextAttempt: now.Add(time.Minute),
		To:  bot.Destination{Platform: "console", Workspace: "local", UserID: "bob"},
		Msg: bot.Message{Text: text, Card: &bot.Card{Title: "#1 " + text}}}
	mustUpdate(tb, db, func(tx bot.Tx) error { _, err := tx.Enqueue(o, now); return err })
	return o.ID
}

func queued(tb testing.TB, db *sqlite.DB) []*bot.Outgoing {
	tb.Helper()
	var out []*bot.Outgoing
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 100); return }); err != nil {
		tb.Fatal(err)
	}
	return out
}

// Ensure a notification is merged into the one about the same subject that
// waits for the same person, and never into one a sender has claimed.
func TestOutbox_Coalesce(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		db := MustOpenDB(t, "")
		first := enqueueCoalesced(t, db, "in1/n0", "a", t0)
		for i, text := range []string{"b", "a", "c"} {
			if id := enqueueCoalesced(t, db, fmt.Sprintf("in%d/n0", i+2), text, t0.Add(time.Duration(i+1)*10*time.Second)); id != first {
				t.Fatalf("change %d stored as message %d, want it merged into %d", i+1, id, first)
			}
		}
		got := queued(t, db)
		if len(got) != 1 || got[0].Msg.Text != "a\nb\nc" || got[0].Msg.Card.Title != "#1 c" || !got[0].NextAttempt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("queued = %+v", got)
		}
	})
	t.Run("NotAfterItIsDue", func(t *testing.T) {
		db := MustOpenDB(t, "")
		first := enqueueCoalesced(t, db, "in1/n0", "a", t0)
		if id := enqueueCoalesced(t, db, "in2/n0", "b", t0.Add(time.Minute)); id == first {
			t.Fatal("a change after the window was merged into the message that is due")
		}
	})
	t.Run("NotIntoLeased", func(t *testing.T) {
		db := MustOpenDB(t, "")
		first := enqueueCoalesced(t, db, "in1/n0", "a", t0)
		// A sender whose clock runs ahead claims it; this process, behind,
		// still sees it inside the window.
		mustUpdate(t, db, func(tx bot.Tx) error {
			claimed, err := tx.ClaimOutgoing("console", t0.Add(time.Minute), time.Minute, "other", 10)
			if err == nil && len(claimed) != 1 {
				err = fmt.Errorf("claimed %d", len(claimed))
			}
			return err
		})
		second := enqueueCoalesced(t, db, "in2/n0", "b", t0.Add(10*time.Second))
		if second == first {
			t.Fatal("a change was merged into a message a sender holds")
		}
		for _, o := range queued(t, db) {
			if o.ID == first && o.Msg.Text != "a" {
				t.Fatalf("the claimed message was changed: %q", o.Msg.Text)
			}
		}
		// Nor into one that was tried and failed: it may have arrived.
		mustUpdate(t, db, func(tx bot.Tx) error { return tx.MarkRetry(first, t0.Add(5*time.Minute), "timeout") })
		if third := enqueueCoalesced(t, db, "in3/n0", "c", t0.Add(20*time.Second)); third == first {
			t.Fatal("a change was merged into a message already tried")
		}
	})
	t.Run("OthersApart", func(t *testing.T) {
		db := MustOpenDB(t, "")
		first := enqueueCoalesced(t, db, "in1/n0", "a", t0)
		other := &bot.Outgoing{Key: "in2/n0", Coalesce: "console/local//carol/task/1", NextAttempt: t0.Add(time.Minute),
			To: bot.Destination{Platform: "console", Workspace: "local", UserID: "carol"}, Msg: bot.Message{Text: "b"}}
		plain := &bot.Outgoing{Key: "in3/r0", To: other.To, Msg: bot.Message{Text: "c"}}
		mustUpdate(t, db, func(tx bot.Tx) error {
			if _, err := tx.Enqueue(other, t0); err != nil {
				return err
			}
			_, err := tx.Enqueue(plain, t0)
			return err
		})
		if other.ID == first || plain.ID == first || len(queued(t, db)) != 3 {
			t.Fatalf("messages for someone else, or without a subject, were merged: %d, %d", other.ID, plain.ID)
		}
	})
}

// Ensure the console takes a message only when it is due: a notification
// waiting for more changes is not shown early.
func TestOutbox_TakeWaitsUntilDue(t *testing.T) {
	db := MustOpenDB(t, "")
	o := &bot.Outgoing{Key: "in1/n0", NextAttempt: t0.Add(time.Minute),
		To: bot.Destination{Platform: "console", Workspace: "local", UserID: "bob"}, Msg: bot.Message{Text: "a"}}
	mustUpdate(t, db, func(tx bot.Tx) error { _, err := tx.Enqueue(o, t0); return err })
	take := func(now time.Time) (got []*bot.Outgoing) {
		mustUpdate(t, db, func(tx bot.Tx) (err error) { got, err = tx.TakeOutgoing("console", "bob", now, 10); return })
		return got
	}
	if got := take(t0.Add(59 * time.Second)); len(got) != 0 {
		t.Fatalf("taken before it was due: %+v", got)
	}
	if got := take(t0.Add(time.Minute)); len(got) != 1 || got[0].Msg.Text != "a" {
		t.Fatalf("taken when due: %+v", got)
	}
}
