package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Ensure what a job queues wakes the senders through the commit hooks, and
// that a job whose handler failed (its writes undone) wakes nobody and
// loses its after-commit effects.
func TestRunDue_CommitHooks(t *testing.T) {
	db := openJobDB(t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var queued, after atomic.Int32
	hooks := &bot.Hooks{}
	hooks.OnQueued(func() { queued.Add(1) })
	handler := func(fail bool) bot.JobHandler {
		return bot.JobHandlerFunc(func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
			bot.AfterCommit(tx, func() { after.Add(1) })
			_, err := tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("job%d", j.ID), To: bot.Destination{Platform: "slack", ChatID: "C1"},
				Msg: bot.Message{Text: "hi"}}, now)
			if fail {
				return errors.New("boom")
			}
			return err
		})
	}
	s := newScheduler(db, "A", &now, map[string]bot.JobHandler{"ok": handler(false), "bad": handler(true)})
	s.Store = bot.Hooked(db, hooks)
	mustSchedule(t, db, &bot.Job{Kind: "bad", RunAt: now})
	mustRunDue(t, s)
	if queued.Load() != 0 || after.Load() != 0 {
		t.Fatalf("a failed job woke the senders %d times and ran %d effects", queued.Load(), after.Load())
	}
	mustSchedule(t, db, &bot.Job{Kind: "ok", RunAt: now})
	now = now.Add(time.Hour) // past the failed job's retry, which fails again
	mustRunDue(t, s)
	if queued.Load() != 1 || after.Load() != 1 {
		t.Fatalf("woke the senders %d times, ran %d effects; want 1 and 1", queued.Load(), after.Load())
	}
}
