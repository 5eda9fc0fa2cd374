package remind_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/remind"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// Ensure the reminder handler goes through the notifier: at 23:00 a
// reminder someone set for themselves comes on time, one set by someone
// else waits for the end of the quiet hours in the reader's zone.
func TestReminder_QuietHours(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "t.db"))
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	quiet, _ := bot.ParseQuietHours("22:00-08:00")
	h := remind.ReminderHandler{Notifier: &bot.Notifier{DefaultTZ: commandstest.Shanghai, Quiet: quiet}}
	now := time.Date(2026, 11, 20, 23, 0, 0, 0, commandstest.Shanghai)
	var ann, bob bot.Person
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		for i, p := range []*bot.Person{&ann, &bob} {
			p.Name, p.Handle, p.Role = []string{"Ann", "Bob"}[i], []string{"ann", "bob"}[i], bot.RoleMember
			if err := tx.CreatePerson(p, now); err != nil {
				return err
			}
			if err := tx.LinkAccount(p.ID, bot.Account{Platform: "slack", Workspace: "T", UserID: p.Handle}, p.Name, now); err != nil {
				return err
			}
		}
		for i, setBy := range []int64{bob.ID, ann.ID} {
			payload, _ := json.Marshal(map[string]any{"text": "call", "to_person": bob.ID, "set_by": setBy})
			j := &bot.Job{ID: int64(i + 1), Kind: remind.JobReminder, Payload: payload, RunAt: now}
			if err := h.RunJob(context.Background(), tx, j, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var q []*bot.Outgoing
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) { q, err = tx.FindOutgoing(bot.OutboxQueued, 10); return }); err != nil {
		t.Fatal(err)
	}
	due := map[string]time.Time{}
	for _, o := range q {
		due[o.Key] = o.NextAttempt
	}
	morning := time.Date(2026, 11, 21, 8, 0, 0, 0, commandstest.Shanghai)
	if len(q) != 2 || due[fmt.Sprintf("job1/%d", now.UnixMilli())].After(now) || !due[fmt.Sprintf("job2/%d", now.UnixMilli())].Equal(morning) {
		t.Fatalf("due %v; want their own at once, Ann's for Bob at %v", due, morning)
	}
}
