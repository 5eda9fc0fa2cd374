package postgres_test

import (
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/postgres/pgtest"
)

// Ensure a store whose pool holds connections the server broke (it was
// restarted while they sat idle) runs its next units without an error:
// the first use of each dead connection must not fail a unit.
func TestUpdate_AfterTheServerRestarted(t *testing.T) {
	cluster := pgtest.StartCluster(t)
	db := open(t, cluster.FreshDatabase())
	// Fill the pool: eight units at once leave eight idle connections.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := db.View(t.Context(), func(tx bot.Tx) error {
				_, err := tx.PendingInboundIDs(time.Time{}, 1)
				time.Sleep(50 * time.Millisecond)
				return err
			}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	cluster.Stop()
	cluster.Start()
	now := time.Now()
	for i := range 12 {
		if err := db.Update(t.Context(), func(tx bot.Tx) error {
			_, err := tx.InsertInbound(&bot.Event{Platform: "console", DedupKey: string(rune('a' + i)), ChatID: "c", Text: "hi"}, bot.InboxDone, now)
			return err
		}); err != nil {
			t.Fatalf("unit %d after the restart: %v", i, err)
		}
	}
	for i := range 12 {
		if err := db.View(t.Context(), func(tx bot.Tx) error {
			_, err := tx.PendingInboundIDs(time.Time{}, 1)
			return err
		}); err != nil {
			t.Fatalf("view %d after the restart: %v", i, err)
		}
	}
}
