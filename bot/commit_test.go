package bot_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// replayStore runs every unit twice, as a grouping committer does when
// another unit of its batch fails: the first attempt is rolled back, the
// second commits. inUnit says whether a unit is running now.
type replayStore struct {
	bot.Store
	inUnit  atomic.Bool
	attempt atomic.Int32 // of the unit running now, from 1
}

var errReplay = errors.New("replay")

func (s *replayStore) Update(ctx context.Context, fn func(bot.Tx) error) error {
	s.inUnit.Store(true)
	defer s.inUnit.Store(false)
	for i := int32(1); ; i++ {
		s.attempt.Store(i)
		err := s.Store.Update(ctx, func(tx bot.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			if i == 1 {
				return errReplay
			}
			return nil
		})
		if !errors.Is(err, errReplay) {
			return err
		}
	}
}

// counters counts the hooks' calls.
type counters struct{ queued, scheduled atomic.Int32 }

func (c *counters) hooks() *bot.Hooks {
	h := &bot.Hooks{}
	h.OnQueued(func() { c.queued.Add(1) })
	h.OnScheduled(func() { c.scheduled.Add(1) })
	return h
}

// Ensure the hooks follow only the attempt that committed: a unit run twice
// wakes once, and only for what its committed attempt did; a unit that
// rolls back wakes nothing; AfterCommit effects of a Nested part that was
// undone are dropped.
func TestHooked_RunsEffectsOfTheCommittedAttemptOnly(t *testing.T) {
	var c counters
	replay := &replayStore{Store: openDB(t, "")}
	store := bot.Hooked(replay, c.hooks())
	now := time.Now()
	var after atomic.Int32

	// Attempt 1 queues a message and schedules a job, attempt 2 only
	// schedules: the senders must not be woken for a message never stored.
	err := store.Update(context.Background(), func(tx bot.Tx) error {
		bot.AfterCommit(tx, func() { after.Add(1) })
		if replay.attempt.Load() == 1 {
			if _, err := tx.Enqueue(&bot.Outgoing{Key: "k1", To: bot.Destination{Platform: "slack", ChatID: "C1"}, Msg: bot.Message{Text: "hi"}}, now); err != nil {
				return err
			}
		}
		_, err := tx.ScheduleJob(&bot.Job{Kind: "x", RunAt: now}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if after.Load() != 1 || c.queued.Load() != 0 || c.scheduled.Load() != 1 {
		t.Fatalf("after %d, queued %d, scheduled %d; want 1, 0, 1", after.Load(), c.queued.Load(), c.scheduled.Load())
	}

	// A unit that fails commits nothing and wakes nothing.
	err = store.Update(context.Background(), func(tx bot.Tx) error {
		bot.AfterCommit(tx, func() { after.Add(1) })
		if _, err := tx.Enqueue(&bot.Outgoing{Key: "k2", To: bot.Destination{Platform: "slack", ChatID: "C1"}, Msg: bot.Message{Text: "hi"}}, now); err != nil {
			return err
		}
		return bot.Errorf(bot.EINVALID, "no", "不")
	})
	if bot.ErrorCode(err) != bot.EINVALID || after.Load() != 1 || c.queued.Load() != 0 {
		t.Fatalf("failed unit: err %v, after %d, queued %d", err, after.Load(), c.queued.Load())
	}

	// A Nested part that is undone takes its effects with it; the rest of
	// the unit keeps its own.
	err = store.Update(context.Background(), func(tx bot.Tx) error {
		_ = tx.Nested(func() error {
			bot.AfterCommit(tx, func() { after.Add(100) })
			if _, err := tx.ScheduleJob(&bot.Job{Kind: "y", RunAt: now}, now); err != nil {
				return err
			}
			return errors.New("undo")
		})
		bot.AfterCommit(tx, func() { after.Add(1) })
		_, err := tx.Enqueue(&bot.Outgoing{Key: "k3", To: bot.Destination{Platform: "slack", ChatID: "C1"}, Msg: bot.Message{Text: "hi"}}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if after.Load() != 2 || c.queued.Load() != 1 || c.scheduled.Load() != 1 {
		t.Fatalf("after %d, queued %d, scheduled %d; want 2, 1, 1", after.Load(), c.queued.Load(), c.scheduled.Load())
	}
}

// Ensure a duplicate (nothing stored) wakes nobody, and that hooking a
// hooked store does not run its hooks twice.
func TestHooked_DuplicatesWakeNobody(t *testing.T) {
	var c counters
	store := bot.Hooked(bot.Hooked(openDB(t, ""), c.hooks()), nil)
	now := time.Now()
	enqueue := func() {
		t.Helper()
		err := store.Update(context.Background(), func(tx bot.Tx) error {
			_, err := tx.Enqueue(&bot.Outgoing{Key: "same", To: bot.Destination{Platform: "slack", ChatID: "C1"}, Msg: bot.Message{Text: "hi"}}, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	enqueue()
	enqueue()
	if c.queued.Load() != 1 {
		t.Fatalf("queued hook ran %d times, want 1", c.queued.Load())
	}
}

// Ensure AfterCommit refuses a Tx that is not a hooked unit's, rather than
// dropping the effect.
func TestAfterCommit_PanicsOutsideAHookedUnit(t *testing.T) {
	db := openDB(t, "")
	panicked := false
	_ = db.Update(context.Background(), func(tx bot.Tx) error {
		defer func() { panicked = recover() != nil }()
		bot.AfterCommit(tx, func() {})
		return nil
	})
	if !panicked {
		t.Fatal("AfterCommit on a plain Tx did not panic")
	}
}

// prepRouter is a router with one command, "freebusy", whose prepare step
// calls a fake network that records whether a unit was running.
type prepRouter struct {
	store        *replayStore
	calls        atomic.Int32 // of the fake network
	callsInUnit  atomic.Int32
	routes       atomic.Int32
	seenPrepared []any
	committed    atomic.Int32
}

func (r *prepRouter) Prepare(ev *bot.Event) bot.PrepareFunc {
	if ev.Text != "freebusy" {
		return nil
	}
	return func(ctx context.Context, view bot.Viewer) (any, error) {
		r.calls.Add(1)
		if r.store.inUnit.Load() {
			r.callsInUnit.Add(1)
		}
		// A prepare step may read the store, outside any unit.
		if err := view.View(ctx, func(tx bot.Tx) error { _, err := tx.PendingInboundIDs(time.Now(), 1); return err }); err != nil {
			return nil, err
		}
		return "busy 10:00-11:00", nil
	}
}

func (r *prepRouter) Route(ctx context.Context, req *bot.Request) error {
	r.routes.Add(1)
	r.seenPrepared = append(r.seenPrepared, req.Prepared)
	req.AfterCommit(func() { r.committed.Add(1) })
	if req.Prepared == nil {
		req.ReplyText(bot.T("nothing prepared", "没有准备"))
		return nil
	}
	req.ReplyText(bot.T(req.Prepared.(string), req.Prepared.(string)))
	return nil
}

// Ensure a command's network call runs before its unit, outside it, once,
// even though the unit runs twice; the command's after-commit effect runs
// once; and a command without a prepare step gets nothing prepared.
func TestPrepare_RunsOutsideTheUnitOnce(t *testing.T) {
	replay := &replayStore{Store: openDB(t, "")}
	r := &prepRouter{store: replay}
	b := openBot(t, replay, r)
	res, err := b.Accept(context.Background(), event("Ev1", "freebusy"), time.Second)
	if err != nil || len(res.Replies) != 1 || res.Replies[0].Text != "busy 10:00-11:00" {
		t.Fatalf("accept = %+v, %v", res, err)
	}
	if r.calls.Load() != 1 || r.callsInUnit.Load() != 0 {
		t.Fatalf("network called %d times, %d inside a unit; want once, outside", r.calls.Load(), r.callsInUnit.Load())
	}
	// The store's committer may run the unit again on its own, too.
	if r.routes.Load() < 2 || slices.ContainsFunc(r.seenPrepared, func(v any) bool { return v != "busy 10:00-11:00" }) {
		t.Fatalf("routed %d times with %v; want the unit run again, each time with the prepared answer", r.routes.Load(), r.seenPrepared)
	}
	if r.committed.Load() != 1 {
		t.Fatalf("after-commit effect ran %d times, want 1", r.committed.Load())
	}

	res, err = b.Accept(context.Background(), event("Ev2", "hello"), time.Second)
	if err != nil || len(res.Replies) != 1 || res.Replies[0].Text != "nothing prepared" || r.calls.Load() != 1 {
		t.Fatalf("plain command = %+v, %v, network calls %d", res, err, r.calls.Load())
	}
}

// Ensure AcceptAsync runs the prepare step too, outside the unit.
func TestPrepare_AcceptAsync(t *testing.T) {
	replay := &replayStore{Store: openDB(t, "")}
	r := &prepRouter{store: replay}
	b := openBot(t, replay, r)
	out, _ := b.AcceptAsync(context.Background(), event("Ev1", "freebusy"), time.Second)
	o := <-out
	if o.Err != nil || len(o.Result.Replies) != 1 || o.Result.Replies[0].Text != "busy 10:00-11:00" {
		t.Fatalf("outcome = %+v", o)
	}
	if r.calls.Load() != 1 || r.callsInUnit.Load() != 0 {
		t.Fatalf("network called %d times, %d inside a unit", r.calls.Load(), r.callsInUnit.Load())
	}
}
