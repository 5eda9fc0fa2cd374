package console_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// Ensure a terminal waiting for its messages gets one that was queued due
// later (a notification held back to gather more changes to its task) when
// it falls due, not at the end of the wait: nothing else wakes it then.
func TestTake_WakesWhenADelayedMessageFallsDue(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "t.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now()
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: "later", NextAttempt: now.Add(50 * time.Millisecond),
			To: bot.Destination{Platform: bot.PlatformConsole, Workspace: console.Workspace, UserID: "bob"}, Msg: bot.Message{Text: "news"}}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a := console.New(nil, db)
	// A Take that only woke at the end of its wait, or when something new
	// is queued, would still be waiting when ctx gives up, and return none.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	msgs, err := a.Take(ctx, "bob", time.Minute)
	if err != nil || len(msgs) != 1 || msgs[0].Text != "news" {
		t.Fatalf("took %+v, %v", msgs, err)
	}
}
