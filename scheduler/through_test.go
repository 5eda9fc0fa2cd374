package scheduler_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/storetest/memstore"
)

// outage is a store that fails its units numbered from..to (counting
// from 1) with err, as a database that went away does.
type outage struct {
	bot.Store
	err      error
	from, to atomic.Int32
	updates  atomic.Int32
}

// down fails the next n units.
func (o *outage) down(n int32) {
	o.from.Store(o.updates.Load() + 1)
	o.to.Store(o.updates.Load() + n)
}

func (o *outage) Update(ctx context.Context, fn func(bot.Tx) error) error {
	if n := o.updates.Add(1); n >= o.from.Load() && n <= o.to.Load() {
		return o.err
	}
	return o.Store.Update(ctx, fn)
}

// failAfterSend is a sender after whose first send the store fails n
// units: the platform has the message, its outcome cannot be stored at once.
type failAfterSend struct {
	fakeSender
	store *outage
	n     int32
}

func (s *failAfterSend) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	if s.calls == 0 {
		s.store.down(s.n)
	}
	return s.fakeSender.Send(ctx, o)
}

func setupOutage(t *testing.T, err error, n int32) (*failAfterSend, *outage, func() int, func(time.Duration) error) {
	s := &failAfterSend{n: n}
	db, d, now := setup(t, &s.fakeSender)
	s.store = &outage{Store: db, err: err}
	d.Store = s.store
	enqueue(t, db, "k1", "hello")
	sentRows := func() int { return len(state(t, db, bot.OutboxSent)) }
	deliverAt := func(after time.Duration) error {
		*now = now.Add(after)
		_, err := d.DeliverDue(t.Context(), s)
		return err
	}
	return s, s.store, sentRows, deliverAt
}

// Ensure a message sent while the database goes away is recorded as sent
// once the database is back, and not sent again when its lease ends: the
// dispatcher keeps trying to store the outcome (with backoff, in real
// time: synctest's) instead of leaving the message leased and unsent.
func TestDeliverDue_SentWhileTheDatabaseRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _, sentRows, deliverAt := setupOutage(t, errors.New("connect: connection refused"), 4)
		if err := deliverAt(0); err != nil {
			t.Errorf("a send recorded after the outage: %v", err)
		}
		// Past the claim's lease, once the database answers again.
		for i := 0; deliverAt(2*time.Minute) != nil; i++ {
			if i > 5 {
				t.Fatal("the store stays down")
			}
		}
		if len(s.sent) != 1 || sentRows() != 1 {
			t.Fatalf("sent %q, %d recorded as sent; want once, recorded", s.sent, sentRows())
		}
	})
}

// Ensure an outcome the store answers with a domain error (not_found: the
// message is gone) is not tried again: only the store's failures are.
func TestDeliverDue_OutcomeRefusedIsNotRetried(t *testing.T) {
	_, store, _, deliverAt := setupOutage(t, bot.Errorf(bot.ENOTFOUND, "gone", "没了。"), 1)
	if err := deliverAt(0); bot.ErrorCode(err) != bot.ENOTFOUND || store.updates.Load() != 2 {
		t.Fatalf("DeliverDue: %v after %d units; want not_found after the claim and one try", err, store.updates.Load())
	}
}

// Ensure a job whose unit the database fails (it restarted between the
// claim and the run) completes once the database is back, in the same
// cycle, rather than waiting out its lease to run again.
func TestRunDue_JobCompletesWhenTheDatabaseIsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, f := memstore.New(), &fires{}
		schedule(t, m, &bot.Job{Kind: "ping", RunAt: time.Now()})
		store := &outage{Store: m, err: errors.New("connect: connection refused")}
		store.from.Store(2) // the claim passes, the next three units fail
		store.to.Store(4)
		s := &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"ping": f.handler(nil)}, Log: quiet()}
		if n, err := s.RunDue(t.Context()); n != 1 || err != nil {
			t.Fatalf("RunDue: %d, %v", n, err)
		}
		if j := job(m, 1); j.State != bot.JobDone || len(f.times()) != 1 {
			t.Fatalf("after the cycle the job is %s, its handler ran %d times; want done, once", j.State, len(f.times()))
		}
	})
}

// Ensure the retries of a batch are bounded together: with the database
// gone for good after the claim, a cycle of three jobs gives up once half
// the lease has passed, not after half a lease per job, and the jobs wait
// out their leases.
func TestRunDue_BatchRetriesEndWithHalfTheLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, f := memstore.New(), &fires{}
		for range 3 {
			schedule(t, m, &bot.Job{Kind: "ping", RunAt: time.Now()})
		}
		store := &outage{Store: m, err: errors.New("connect: connection refused")}
		store.from.Store(2)
		store.to.Store(1 << 30)
		s := &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"ping": f.handler(nil)}, Lease: time.Minute, Log: quiet()}
		start := time.Now()
		if n, err := s.RunDue(t.Context()); n != 3 || err != nil {
			t.Fatalf("RunDue: %d, %v", n, err)
		}
		if took := time.Since(start); took > 30*time.Second {
			t.Fatalf("the cycle took %v with the database down, want at most half the lease (30s)", took)
		}
		if j := job(m, 3); j.State != bot.JobPending || len(f.times()) != 0 {
			t.Fatalf("job 3 is %s, handlers ran %d times; want pending, none", j.State, len(f.times()))
		}
	})
}

// concurrent is a store that counts its units running at once; each takes
// a while, as a commit's round trip does.
type concurrent struct {
	bot.Store
	active, most atomic.Int32
	snapshot     atomic.Int32 // units marked bot.SnapshotUnit
}

func (c *concurrent) Update(ctx context.Context, fn func(bot.Tx) error) error {
	if bot.IsSnapshotUnit(ctx) {
		c.snapshot.Add(1)
	}
	n := c.active.Add(1)
	defer c.active.Add(-1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	time.Sleep(10 * time.Millisecond)
	return c.Store.Update(ctx, fn)
}

// Ensure Workers runs that many units of a batch at once on a store
// without a write queue, each job still once, and one at a time without
// it; and that the job units are marked bot.SnapshotUnit.
func TestRunDue_WorkersRunUnitsAtOnce(t *testing.T) {
	for _, workers := range []int{0, 4} {
		synctest.Test(t, func(t *testing.T) {
			m, f := memstore.New(), &fires{}
			for range 12 {
				schedule(t, m, &bot.Job{Kind: "ping", RunAt: time.Now()})
			}
			store := &concurrent{Store: m}
			s := &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"ping": f.handler(nil)}, Workers: workers, Log: quiet()}
			if n, err := s.RunDue(t.Context()); n != 12 || err != nil {
				t.Fatalf("RunDue: %d, %v", n, err)
			}
			if got := len(f.times()); got != 12 {
				t.Errorf("workers %d: %d runs of 12 jobs", workers, got)
			}
			if got, want := store.most.Load(), int32(max(workers, 1)); got != want {
				t.Errorf("workers %d: at most %d units at once, want %d", workers, got, want)
			}
			if n, _ := s.RunDue(t.Context()); n != 0 {
				t.Errorf("workers %d: %d jobs ran again", workers, n)
			}
			// The job units, not the claims, may run at snapshot isolation.
			if got := store.snapshot.Load(); got != 12 {
				t.Errorf("workers %d: %d units marked bot.SnapshotUnit, want the 12 job units", workers, got)
			}
		})
	}
}

// downUntil is a store that fails every unit until a time (the bubble's
// clock): a database that is down and then back.
type downUntil struct {
	bot.Store
	until time.Time
}

func (d *downUntil) Update(ctx context.Context, fn func(bot.Tx) error) error {
	if time.Now().Before(d.until) {
		return errors.New("connect: connection refused")
	}
	return d.Store.Update(ctx, fn)
}

func (d *downUntil) View(ctx context.Context, fn func(bot.Tx) error) error {
	if time.Now().Before(d.until) {
		return errors.New("connect: connection refused")
	}
	return d.Store.View(ctx, fn)
}

// Ensure a job that fell due during a long outage of the store runs within
// maxLoopBackoff (10 s) of its return, not after a backoff grown to a
// minute.
func TestScheduler_JobDueDuringALongOutageRunsSoonAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, f := memstore.New(), &fires{}
		start := time.Now()
		schedule(t, m, &bot.Job{Kind: "ping", RunAt: start.Add(time.Minute)})
		store := &downUntil{Store: m, until: start.Add(5 * time.Minute)}
		startLoop(t, &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"ping": f.handler(nil)}})
		time.Sleep(6 * time.Minute)
		synctest.Wait()
		at := f.times()
		if len(at) != 1 {
			t.Fatalf("%d runs, want 1", len(at))
		}
		if late := at[0].Sub(store.until); late > 10*time.Second {
			t.Errorf("the job ran %s after the store came back, want within 10s", late)
		}
	})
}
