package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/link"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
)

const day = 24 * time.Hour

// Ensure the pruning job deletes what is finished and old, in batches, and
// keeps what is recent, pending or queued: a redelivery inside the inbox
// window is still recognised, one after it is taken as new (issue 12,
// item 10).
func TestPruner_KeepsWhatIsNeeded(t *testing.T) {
	db := MustOpenDB(t, "")
	now := t0.Add(100 * day)
	inbound := func(key string, state bot.InboxState, at time.Time) bool {
		var dup bool
		mustUpdate(t, db, func(tx bot.Tx) (err error) {
			dup, err = tx.InsertInbound(&bot.Event{Platform: "slack", Workspace: "T1", DedupKey: key, Text: key}, state, at)
			return err
		})
		return dup
	}
	inbound("old-done", bot.InboxDone, now.Add(-73*time.Hour))
	inbound("old-failed", bot.InboxFailed, now.Add(-80*time.Hour))
	inbound("old-pending", bot.InboxPending, now.Add(-80*time.Hour))
	inbound("recent-done", bot.InboxDone, now.Add(-71*time.Hour))

	outgoing := func(key string, at time.Time, finish func(tx bot.Tx, id int64) error) {
		mustUpdate(t, db, func(tx bot.Tx) error {
			o := &bot.Outgoing{Key: key, To: bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"}, Msg: bot.Message{Text: key}}
			if _, err := tx.Enqueue(o, at); err != nil || finish == nil {
				return err
			}
			return finish(tx, o.ID)
		})
	}
	sent := func(tx bot.Tx, id int64) error { return tx.MarkSent(id, "r", now) }
	dead := func(tx bot.Tx, id int64) error { return tx.MarkDead(id, "gone", now) }
	outgoing("old-sent", now.Add(-8*day), sent)
	outgoing("old-queued", now.Add(-8*day), nil)
	outgoing("old-dead", now.Add(-91*day), dead)
	outgoing("recent-dead", now.Add(-89*day), dead)
	outgoing("recent-sent", now.Add(-6*day), sent)

	jobs := map[string]int64{}
	job := func(name string, at time.Time, finish func(tx bot.Tx, id int64, at time.Time) error) {
		mustUpdate(t, db, func(tx bot.Tx) error {
			j := &bot.Job{Kind: "reminder", RunAt: at}
			if _, err := tx.ScheduleJob(j, at); err != nil {
				return err
			}
			jobs[name] = j.ID
			if finish == nil {
				return nil
			}
			return finish(tx, j.ID, at)
		})
	}
	done := func(tx bot.Tx, id int64, at time.Time) error { return tx.CompleteJob(id, time.Time{}, at) }
	cancelled := func(tx bot.Tx, id int64, at time.Time) error { return tx.CancelJob(id, at) }
	failed := func(tx bot.Tx, id int64, at time.Time) error { return tx.FailJob(id, "x", time.Time{}, at) }
	job("old-done", now.Add(-31*day), done)
	job("old-cancelled", now.Add(-31*day), cancelled)
	job("old-dead", now.Add(-91*day), failed)
	job("old-pending", now.Add(-91*day), nil)
	job("recent-done", now.Add(-29*day), done)
	job("recent-dead", now.Add(-89*day), failed)

	owner := mustPerson(t, db, "Ann")
	mustUpdate(t, db, func(tx bot.Tx) error {
		for i := range 5 {
			if err := link.From(tx).CreateLinkCode(fmt.Sprint("gone", i), owner.ID, now.Add(-time.Minute)); err != nil {
				return err
			}
		}
		if err := link.From(tx).CreateLinkCode("valid", owner.ID, now.Add(time.Minute)); err != nil {
			return err
		}
		for i := range 3 {
			if _, err := tx.ClaimNonce("dingtalk/app", fmt.Sprint("gone", i), []byte("a"), now.Add(-time.Minute), now.Add(-2*time.Hour)); err != nil {
				return err
			}
		}
		_, err := tx.ClaimNonce("dingtalk/app", "live", []byte("a"), now.Add(time.Minute), now.Add(-time.Hour))
		return err
	})

	units := &countingStore{DB: db}
	p := &scheduler.Pruner{Store: units, Steps: scheduler.PruneSteps(scheduler.DefaultRetention()), Batch: 2}
	if err := p.Prune(context.Background(), nil, now); err != nil {
		t.Fatal(err)
	}
	if units.n < 10 {
		t.Errorf("units = %d: rows must go in small batches, one unit each", units.n)
	}

	for key, wantDup := range map[string]bool{"old-done": false, "old-failed": false, "old-pending": true, "recent-done": true} {
		if dup := inbound(key, bot.InboxDone, now); dup != wantDup {
			t.Errorf("redelivery of %s: duplicate = %v, want %v", key, dup, wantDup)
		}
	}
	var keys []string
	db.View(context.Background(), func(tx bot.Tx) error {
		for _, s := range []bot.OutboxState{bot.OutboxQueued, bot.OutboxSent, bot.OutboxDead} {
			os, err := tx.FindOutgoing(s, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range os {
				keys = append(keys, o.Key)
			}
		}
		return nil
	})
	if got := fmt.Sprint(keys); got != "[old-queued recent-sent recent-dead]" {
		t.Errorf("outbox after pruning = %s", got)
	}
	for name, id := range jobs {
		var err error
		db.View(context.Background(), func(tx bot.Tx) error { _, err = tx.FindJobByID(id); return nil })
		if gone := bot.ErrorCode(err) == bot.ENOTFOUND; gone != (name[:3] == "old" && name != "old-pending") {
			t.Errorf("job %s: gone = %v (%v)", name, gone, err)
		}
	}
	mustUpdate(t, db, func(tx bot.Tx) error {
		if n, err := tx.PruneLinkCodes(now, 10); n != 0 || err != nil {
			t.Errorf("expired link codes left: %d, %v", n, err)
		}
		if n, err := tx.PruneNonces(now, 10); n != 0 || err != nil {
			t.Errorf("expired nonces left: %d, %v", n, err)
		}
		// The live pair is still bound to its body.
		if ok, err := tx.ClaimNonce("dingtalk/app", "live", []byte("b"), now.Add(time.Minute), now); ok || err != nil {
			t.Errorf("live nonce claimed with another body: %v, %v", ok, err)
		}
		_, err := link.From(tx).UseLinkCode("valid", now)
		return err
	})
}

// Ensure pruning never deletes a table's newest row, so ids never come back:
// SQLite numbers a new row after the largest id, and outbox keys are made of
// inbox ids.
func TestPruner_IDsNeverComeBack(t *testing.T) {
	db := MustOpenDB(t, "")
	var last int64
	for i := range 3 {
		ev := &bot.Event{Platform: "slack", Workspace: "T1", DedupKey: fmt.Sprint("e", i)}
		mustUpdate(t, db, func(tx bot.Tx) error { _, err := tx.InsertInbound(ev, bot.InboxDone, t0); return err })
		last = ev.ID
	}
	mustUpdate(t, db, func(tx bot.Tx) error {
		n, err := tx.PruneInbox(t0.Add(day), 100)
		if n != 2 {
			t.Errorf("pruned %d of 3 old events, want 2 (the newest stays)", n)
		}
		return err
	})
	ev := &bot.Event{Platform: "slack", Workspace: "T1", DedupKey: "next"}
	mustUpdate(t, db, func(tx bot.Tx) error { _, err := tx.InsertInbound(ev, bot.InboxDone, t0.Add(day)); return err })
	if ev.ID <= last {
		t.Errorf("new event id %d after pruning, want more than %d", ev.ID, last)
	}
}

// Ensure a pruning job whose lease another process took writes nothing.
func TestPruner_StopsWhenItsClaimIsLost(t *testing.T) {
	db := MustOpenDB(t, "")
	mustUpdate(t, db, func(tx bot.Tx) error {
		for i := range 3 {
			if _, err := tx.InsertInbound(&bot.Event{Platform: "slack", Workspace: "T1", DedupKey: fmt.Sprint("e", i)}, bot.InboxDone, t0); err != nil {
				return err
			}
		}
		return nil
	})
	p := &scheduler.Pruner{Store: db, Steps: scheduler.PruneSteps(scheduler.DefaultRetention())}
	j := p.Job(t0)
	mustScheduleJob(t, db, j)
	claimJobs(t, db, t0, "us", 1)
	j = findJob(t, db, j.ID)
	claimJobs(t, db, t0.Add(2*time.Minute), "them", 1) // our lease ran out
	if err := p.Prune(context.Background(), j, t0.Add(100*day)); !errors.Is(err, bot.ErrClaimLost) {
		t.Fatalf("prune after losing the claim: %v", err)
	}
	mustUpdate(t, db, func(tx bot.Tx) error {
		if n, err := tx.PruneInbox(t0.Add(100*day), 10); n != 2 || err != nil {
			t.Errorf("rows left to prune = %d, %v: want 2 (none deleted)", n, err)
		}
		return nil
	})
}

// countingStore counts write units.
type countingStore struct {
	*sqlite.DB
	n int
}

func (s *countingStore) Update(ctx context.Context, fn func(bot.Tx) error) error {
	s.n++
	return s.DB.Update(ctx, fn)
}
