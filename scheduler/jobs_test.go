package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
	"github.com/tandemhq/tandem/storage/storetest/memstore"
)

// schedule stores j in the in-memory store the loop tests use: they run in
// a synctest bubble, where SQLite's I/O does not count as durably blocked.
func schedule(tb testing.TB, m *memstore.Store, j *bot.Job) {
	tb.Helper()
	if err := m.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.ScheduleJob(j, time.Now())
		return err
	}); err != nil {
		tb.Fatal(err)
	}
}

// job returns a copy of the stored job.
func job(m *memstore.Store, id int64) bot.Job {
	j, _ := m.Job(id)
	return j
}

// fires records when a handler ran and what it got.
type fires struct {
	mu   sync.Mutex
	at   []time.Time
	errs []error // ctx.Err() when the handler returned
}

func (f *fires) times() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.at)
}

// handler records each run and then returns fail (nil for success).
func (f *fires) handler(fail error) bot.JobHandler {
	return bot.JobHandlerFunc(func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.at = append(f.at, now)
		return fail
	})
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// startLoop opens s in the bubble and closes it when the test ends.
func startLoop(t *testing.T, s *scheduler.Scheduler) {
	t.Helper()
	if s.Log == nil {
		s.Log = quiet()
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
}

// Ensure the loop sleeps until the earliest job is due instead of polling:
// a job an hour ahead fires at exactly one hour, after two looks.
func TestScheduler_SleepsUntilDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		store, f := memstore.New(), &fires{}
		schedule(t, store, &bot.Job{Kind: "ping", RunAt: start.Add(time.Hour)})
		startLoop(t, &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"ping": f.handler(nil)}, Idle: 2 * time.Hour})

		time.Sleep(time.Hour - time.Millisecond)
		synctest.Wait()
		if n := len(f.times()); n != 0 {
			t.Fatalf("fired %d times before it was due", n)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if got := f.times(); len(got) != 1 || !got[0].Equal(start.Add(time.Hour)) {
			t.Fatalf("fired at %v, want once at %v", got, start.Add(time.Hour))
		}
		if n := store.Claims(); n != 2 {
			t.Fatalf("the loop looked %d times in an hour, want 2 (at start and when due)", n)
		}
		if j := job(store, 1); j.State != bot.JobDone {
			t.Fatalf("one-off job after its run: %+v", j)
		}
	})
}

// Ensure Idle caps the sleep, for jobs that other processes add.
func TestScheduler_IdleCapsSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := memstore.New()
		startLoop(t, &scheduler.Scheduler{Store: store, Idle: 30 * time.Second})
		time.Sleep(5*time.Minute + time.Second)
		synctest.Wait()
		if n := store.Claims(); n != 11 {
			t.Fatalf("looked %d times in 5 minutes with Idle 30s, want 11", n)
		}
	})
}

// Ensure Trigger wakes a sleeping loop so that a job scheduled before the
// loop's wake-up time fires on time.
func TestScheduler_Trigger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		store, f := memstore.New(), &fires{}
		schedule(t, store, &bot.Job{Kind: "ping", RunAt: start.Add(time.Hour)})
		s := &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"ping": f.handler(nil)}, Idle: 2 * time.Hour}
		startLoop(t, s)

		time.Sleep(10 * time.Minute)
		schedule(t, store, &bot.Job{Kind: "ping", RunAt: start.Add(20 * time.Minute)})
		s.Trigger()
		time.Sleep(10*time.Minute + time.Millisecond)
		synctest.Wait()
		if got := f.times(); len(got) != 1 || !got[0].Equal(start.Add(20*time.Minute)) {
			t.Fatalf("fired at %v, want once at %v", got, start.Add(20*time.Minute))
		}
	})
}

// Ensure Close returns at once while the loop sleeps, and a Trigger after
// Close neither blocks nor starts anything.
func TestScheduler_CloseWhileSleeping(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := memstore.New()
		schedule(t, store, &bot.Job{Kind: "ping", RunAt: time.Now().Add(time.Hour)})
		s := &scheduler.Scheduler{Store: store, Log: quiet(), Idle: time.Hour}
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Minute)
		before := time.Now()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(before); d != 0 {
			t.Fatalf("Close took %v of virtual time", d)
		}
		s.Trigger()
		n := store.Claims()
		time.Sleep(2 * time.Hour)
		if store.Claims() != n {
			t.Fatal("the loop ran after Close")
		}
	})
}

// Ensure a recurring job fires at each occurrence: four times an hour for
// every quarter hour.
func TestScheduler_Recurring(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // synctest starts at midnight UTC
		store, f := memstore.New(), &fires{}
		first, err := scheduler.Next("cron:*/15 * * * *", start, time.UTC, nil)
		if err != nil {
			t.Fatal(err)
		}
		schedule(t, store, &bot.Job{Kind: "digest", RunAt: first, Schedule: "cron:*/15 * * * *", TZ: "UTC"})
		startLoop(t, &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"digest": f.handler(nil)}})

		time.Sleep(time.Hour + time.Millisecond)
		synctest.Wait()
		want := []time.Time{start.Add(15 * time.Minute), start.Add(30 * time.Minute), start.Add(45 * time.Minute), start.Add(time.Hour)}
		if got := f.times(); !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Fatalf("fired at %v, want %v", got, want)
		}
		if j := job(store, 1); j.State != bot.JobPending || !j.RunAt.Equal(start.Add(75*time.Minute)) {
			t.Fatalf("after four runs: %+v", j)
		}
	})
}

// Ensure a failing job is retried with growing delays and dead-lettered
// after MaxAttempts runs, and that this is logged.
func TestScheduler_RetriesThenDeadLetters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store, f := memstore.New(), &fires{}
		schedule(t, store, &bot.Job{Kind: "flaky", RunAt: time.Now()})
		var logs bytes.Buffer
		s := &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"flaky": f.handler(errors.New("printer on fire"))},
			MaxAttempts: 4, Log: slog.New(slog.NewTextHandler(&logs, nil))}
		startLoop(t, s)

		time.Sleep(time.Hour)
		synctest.Wait()
		got := f.times()
		if len(got) != 4 {
			t.Fatalf("ran %d times, want MaxAttempts = 4", len(got))
		}
		for i := 1; i < len(got); i++ {
			d := got[i].Sub(got[i-1])
			// Backoff attempt i waits between half and all of 10s·2^(i-1).
			ceil := 10 * time.Second << (i - 1)
			if d < ceil/2 || d > ceil {
				t.Fatalf("retry %d after %v, want within [%v, %v]", i, d, ceil/2, ceil)
			}
		}
		j := job(store, 1)
		if j.State != bot.JobDead || j.Attempts != 4 || j.LastError != "printer on fire" {
			t.Fatalf("after MaxAttempts: %+v", j)
		}
		s.Close()
		out := logs.String()
		if strings.Count(out, `msg="job failed"`) != 3 || !strings.Contains(out, `msg="job dead-lettered" kind=flaky id=1 attempts=4`) {
			t.Fatalf("logs:\n%s", out)
		}
	})
}

// Ensure a panicking handler counts as a failure of its job and the loop
// goes on running other jobs.
func TestScheduler_PanicIsAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		store, f := memstore.New(), &fires{}
		schedule(t, store, &bot.Job{Kind: "boom", RunAt: start})
		schedule(t, store, &bot.Job{Kind: "ping", RunAt: start.Add(time.Hour)})
		boom := bot.JobHandlerFunc(func(context.Context, bot.Tx, *bot.Job, time.Time) error { panic("nil map") })
		startLoop(t, &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"boom": boom, "ping": f.handler(nil)}, MaxAttempts: 2})

		time.Sleep(time.Hour + time.Millisecond)
		synctest.Wait()
		if j := job(store, 1); j.State != bot.JobDead || j.Attempts != 2 || !strings.Contains(j.LastError, "panicked: nil map") {
			t.Fatalf("panicking job: %+v", j)
		}
		if got := f.times(); len(got) != 1 || !got[0].Equal(start.Add(time.Hour)) {
			t.Fatalf("the next job fired at %v", got)
		}
	})
}

// Ensure a handler's context ends after Timeout, and a handler stopped so is
// a failed attempt.
func TestScheduler_Timeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		store := memstore.New()
		schedule(t, store, &bot.Job{Kind: "slow", RunAt: start})
		var took time.Duration
		var ctxErr error
		slow := bot.JobHandlerFunc(func(ctx context.Context, _ bot.Tx, _ *bot.Job, _ time.Time) error {
			t0 := time.Now()
			<-ctx.Done()
			took, ctxErr = time.Since(t0), ctx.Err()
			return ctx.Err()
		})
		startLoop(t, &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"slow": slow}, Timeout: 5 * time.Second})

		time.Sleep(5*time.Second + time.Millisecond)
		synctest.Wait()
		j := job(store, 1) // the handler has returned: the store is free
		if took != 5*time.Second || !errors.Is(ctxErr, context.DeadlineExceeded) {
			t.Fatalf("handler ran %v and saw %v", took, ctxErr)
		}
		if j.State != bot.JobPending || j.Attempts != 1 || j.LastError != context.DeadlineExceeded.Error() || !j.RunAt.After(start.Add(5*time.Second)) {
			t.Fatalf("after a timeout: %+v", j)
		}
	})
}

// Ensure Close stops a running handler and hands its job back, pending as
// before, without counting an attempt, so the next process runs it at once.
func TestScheduler_CloseReleasesRunningJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		store := memstore.New()
		schedule(t, store, &bot.Job{Kind: "slow", RunAt: start})
		schedule(t, store, &bot.Job{Kind: "slow", RunAt: start})
		slow := bot.JobHandlerFunc(func(ctx context.Context, _ bot.Tx, _ *bot.Job, _ time.Time) error {
			<-ctx.Done()
			return ctx.Err()
		})
		s := &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"slow": slow}, Log: quiet()}
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		synctest.Wait() // the first handler is waiting
		s.Close()
		for id := int64(1); id <= 2; id++ {
			if j := job(store, id); j.State != bot.JobPending || j.Attempts != 0 || j.LastError != "" || j.LeaseOwner != "" || !j.RunAt.Equal(start) {
				t.Fatalf("job %d after Close: %+v", id, j)
			}
		}
	})
}

// Ensure a full batch is followed by another cycle at once.
func TestScheduler_FullBatchLoopsAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		store, f := memstore.New(), &fires{}
		for range 5 {
			schedule(t, store, &bot.Job{Kind: "ping", RunAt: start})
		}
		startLoop(t, &scheduler.Scheduler{Store: store, Handlers: map[string]bot.JobHandler{"ping": f.handler(nil)}, Batch: 2})
		synctest.Wait()
		if got := f.times(); len(got) != 5 {
			t.Fatalf("ran %d of 5 due jobs at once", len(got))
		}
		if n := store.Claims(); n != 3 {
			t.Fatalf("claimed in %d cycles, want 3 (2+2+1)", n)
		}
	})
}

// --- Against SQLite ---

var j0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func openJobDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "jobs.db"))
	db.Log = quiet()
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustSchedule(t *testing.T, db *sqlite.DB, j *bot.Job) (dup bool) {
	t.Helper()
	err := db.Update(context.Background(), func(tx bot.Tx) (err error) {
		dup, err = tx.ScheduleJob(j, j0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dup
}

func mustJob(t *testing.T, db *sqlite.DB, id int64) *bot.Job {
	t.Helper()
	var j *bot.Job
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) { j, err = tx.FindJobByID(id); return err }); err != nil {
		t.Fatal(err)
	}
	return j
}

func mustRunDue(t *testing.T, s *scheduler.Scheduler) int {
	t.Helper()
	n, err := s.RunDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func newScheduler(db *sqlite.DB, owner string, now *time.Time, handlers map[string]bot.JobHandler) *scheduler.Scheduler {
	return &scheduler.Scheduler{Store: db, Handlers: handlers, Owner: owner, Log: quiet(),
		Now: func() time.Time { return *now }}
}

// sendOne is a handler whose effect is one outgoing message per run, the
// way reminders work; the outbox shows what committed.
var sendOne = bot.JobHandlerFunc(func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
	_, err := tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("job-%d-%d", j.ID, now.UnixMilli()),
		To: bot.Destination{Platform: "fake", ChatID: "C1"}, Msg: bot.Message{Text: fmt.Sprintf("job %d", j.ID)}}, now)
	return err
})

func sent(t *testing.T, db *sqlite.DB) []string {
	t.Helper()
	var out []string
	err := db.View(context.Background(), func(tx bot.Tx) error {
		msgs, err := tx.FindOutgoing(bot.OutboxQueued, 100)
		for _, o := range msgs {
			out = append(out, o.Msg.Text)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// Ensure a job claimed by a process that died is claimed again by another
// once the lease runs out, and runs exactly once.
func TestRunDue_LeaseExpiry(t *testing.T) {
	db := openJobDB(t)
	j := &bot.Job{Kind: "remind", RunAt: j0}
	mustSchedule(t, db, j)
	// Process A claims the job and dies before its unit commits.
	if err := db.Update(context.Background(), func(tx bot.Tx) error {
		js, err := tx.ClaimJobs(j0, time.Minute, "A", 10)
		if len(js) != 1 {
			return fmt.Errorf("A claimed %d", len(js))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}

	now := j0.Add(30 * time.Second)
	b := newScheduler(db, "B", &now, map[string]bot.JobHandler{"remind": sendOne})
	if n := mustRunDue(t, b); n != 0 {
		t.Fatalf("B claimed %d jobs under A's lease", n)
	}
	now = j0.Add(61 * time.Second)
	if n := mustRunDue(t, b); n != 1 {
		t.Fatalf("B claimed %d jobs after A's lease ran out", n)
	}
	now = now.Add(time.Hour)
	if n := mustRunDue(t, b); n != 0 {
		t.Fatalf("a done job was claimed again")
	}
	if got := sent(t, db); !slices.Equal(got, []string{"job 1"}) {
		t.Fatalf("sent %q, want the job's message once", got)
	}
	if j := mustJob(t, db, j.ID); j.State != bot.JobDone || j.LeaseOwner != "" {
		t.Fatalf("after B: %+v", j)
	}
}

// Ensure a process whose lease ran out between its claim and its units (a
// slow store, a long batch ahead of them) does not run the jobs another
// process has taken meanwhile: each unit checks its claim still stands.
func TestRunDue_LostLeaseNotRun(t *testing.T) {
	db := openJobDB(t)
	mustSchedule(t, db, &bot.Job{Kind: "remind", RunAt: j0})
	mustSchedule(t, db, &bot.Job{Kind: "remind", RunAt: j0, Schedule: "cron:0 * * * *"})

	nowA, nowB := j0, j0.Add(61*time.Second)
	b := newScheduler(db, "B", &nowB, map[string]bot.JobHandler{"remind": sendOne})
	var ranA int
	a := newScheduler(db, "A", &nowA, map[string]bot.JobHandler{"remind": bot.JobHandlerFunc(
		func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
			ranA++
			return sendOne(ctx, tx, j, now)
		})})
	reads := 0
	a.Now = func() time.Time {
		// A's first read is for its claim; by its next, which prepares
		// its units, its leases have run out and B has taken the jobs.
		if reads++; reads == 2 {
			nowA = j0.Add(62 * time.Second)
			if n := mustRunDue(t, b); n != 2 {
				t.Errorf("B claimed %d", n)
			}
		}
		return nowA
	}
	if n := mustRunDue(t, a); n != 2 {
		t.Fatalf("A claimed %d", n)
	}
	if ranA != 0 {
		t.Errorf("A ran %d handlers of jobs B had taken", ranA)
	}
	if got := sent(t, db); !slices.Equal(got, []string{"job 1", "job 2"}) {
		t.Fatalf("sent %q, want each job once (by B)", got)
	}
	if j := mustJob(t, db, 1); j.State != bot.JobDone {
		t.Fatalf("job 1 after B's run: %+v", j)
	}
	if j := mustJob(t, db, 2); j.State != bot.JobPending || !j.RunAt.Equal(j0.Add(time.Hour)) || j.LeaseOwner != "" {
		t.Fatalf("job 2 after B's run: %+v", j)
	}
}

// Ensure a handler's writes commit only with its success: a failed run
// leaves nothing behind, and a completed one-off job never runs again.
func TestRunDue_EffectsCommitWithCompletion(t *testing.T) {
	db := openJobDB(t)
	fail := true
	h := bot.JobHandlerFunc(func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
		if err := sendOne(ctx, tx, j, now); err != nil {
			return err
		}
		if fail {
			return errors.New("template missing")
		}
		return nil
	})
	now := j0
	s := newScheduler(db, "A", &now, map[string]bot.JobHandler{"remind": h})
	mustSchedule(t, db, &bot.Job{Kind: "remind", RunAt: j0})

	mustRunDue(t, s)
	j := mustJob(t, db, 1)
	if got := sent(t, db); len(got) != 0 {
		t.Fatalf("a failed run left %q in the outbox", got)
	}
	if j.State != bot.JobPending || j.Attempts != 1 || j.LastError != "template missing" || !j.RunAt.After(j0) || j.RunAt.After(j0.Add(10*time.Second)) {
		t.Fatalf("after a failure: %+v", j)
	}
	if n := mustRunDue(t, s); n != 0 {
		t.Fatal("retried before its time")
	}
	fail, now = false, j.RunAt
	mustRunDue(t, s)
	for range 3 {
		now = now.Add(24 * time.Hour)
		mustRunDue(t, s)
	}
	if got := sent(t, db); !slices.Equal(got, []string{"job 1"}) {
		t.Fatalf("sent %q, want one message", got)
	}
	if j := mustJob(t, db, 1); j.State != bot.JobDone {
		t.Fatalf("after success: %+v", j)
	}
}

// Ensure a job of a kind nobody handles, or with a schedule that cannot be
// read, is dead-lettered at once with a clear error.
func TestRunDue_DeadAtOnce(t *testing.T) {
	db := openJobDB(t)
	now := j0
	s := newScheduler(db, "A", &now, map[string]bot.JobHandler{"remind": sendOne})
	mustSchedule(t, db, &bot.Job{Kind: "nope", RunAt: j0})
	mustSchedule(t, db, &bot.Job{Kind: "remind", RunAt: j0, Schedule: "weekly:09:00"})
	mustSchedule(t, db, &bot.Job{Kind: "remind", RunAt: j0, Schedule: "workdays:09:00", TZ: "Mars/Olympus"})
	mustRunDue(t, s)
	for id, want := range map[int64]string{1: `no handler for job kind "nope"`, 2: "unknown form", 3: "Mars/Olympus"} {
		if j := mustJob(t, db, id); j.State != bot.JobDead || j.Attempts != 1 || !strings.Contains(j.LastError, want) {
			t.Errorf("job %d: %+v, want dead with %q", id, j, want)
		}
	}
	if got := sent(t, db); len(got) != 0 {
		t.Fatalf("sent %q", got)
	}
}

// Ensure a recurring job follows the work calendar, and after an outage it
// fires once and continues at its next occurrence, not replaying the ones
// it missed.
func TestRunDue_RecurringWorkdays(t *testing.T) {
	db := openJobDB(t)
	cal := mustChina(t)
	sh := cal.Location()
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, sh) }
	now := at(2, 13, 9, 30)
	s := newScheduler(db, "A", &now, map[string]bot.JobHandler{"remind": sendOne})
	s.Calendar = cal
	mustSchedule(t, db, &bot.Job{Kind: "remind", RunAt: now, Schedule: "workdays:09:30", TZ: "Asia/Shanghai"})

	for _, step := range []struct{ now, next time.Time }{
		{at(2, 13, 9, 30), at(2, 14, 9, 30)},                  // Friday → make-up Saturday
		{at(2, 14, 9, 30).Add(time.Second), at(2, 24, 9, 30)}, // a second late; 春节 skipped
		{at(3, 4, 15, 0), at(3, 5, 9, 30)},                    // down for a week: once, then tomorrow
	} {
		now = step.now
		if n := mustRunDue(t, s); n != 1 {
			t.Fatalf("at %s claimed %d", now, n)
		}
		if j := mustJob(t, db, 1); j.State != bot.JobPending || !j.RunAt.Equal(step.next) || j.Attempts != 0 {
			t.Fatalf("after the run at %s: %+v, want next %s", now, j, step.next)
		}
	}
	if got := sent(t, db); len(got) != 3 {
		t.Fatalf("sent %d messages, want 3", len(got))
	}
}

// Ensure a dedup key stores one pending job, and may be used again once the
// job is done.
func TestScheduleJob_Dedup(t *testing.T) {
	db := openJobDB(t)
	now := j0
	s := newScheduler(db, "A", &now, map[string]bot.JobHandler{"sla": sendOne})
	first := &bot.Job{Kind: "sla", RunAt: j0, DedupKey: "sla:task:7"}
	if mustSchedule(t, db, first) {
		t.Fatal("first is a dup")
	}
	if !mustSchedule(t, db, &bot.Job{Kind: "sla", RunAt: j0.Add(time.Hour), DedupKey: "sla:task:7"}) {
		t.Fatal("second with the same key stored")
	}
	if n := mustRunDue(t, s); n != 1 {
		t.Fatalf("ran %d", n)
	}
	again := &bot.Job{Kind: "sla", RunAt: j0.Add(time.Hour), DedupKey: "sla:task:7"}
	if mustSchedule(t, db, again) || again.ID == first.ID || again.ID == 0 {
		t.Fatalf("the key of a done job cannot be reused: %+v", again)
	}
}

// Ensure cancel, snooze and retry change what runs.
func TestJobAdmin(t *testing.T) {
	db := openJobDB(t)
	now := j0
	s := newScheduler(db, "A", &now, map[string]bot.JobHandler{"remind": sendOne})
	cancelled := &bot.Job{Kind: "remind", RunAt: j0}
	snoozed := &bot.Job{Kind: "remind", RunAt: j0}
	dead := &bot.Job{Kind: "later", RunAt: j0}
	for _, j := range []*bot.Job{cancelled, snoozed, dead} {
		mustSchedule(t, db, j)
	}
	update := func(fn func(bot.Tx) error) error { return db.Update(context.Background(), fn) }
	if err := update(func(tx bot.Tx) error {
		return errors.Join(tx.CancelJob(cancelled.ID, j0), tx.RescheduleJob(snoozed.ID, j0.Add(time.Hour)))
	}); err != nil {
		t.Fatal(err)
	}
	if n := mustRunDue(t, s); n != 1 { // only the kind without a handler
		t.Fatalf("claimed %d, want 1", n)
	}
	if j := mustJob(t, db, dead.ID); j.State != bot.JobDead {
		t.Fatalf("no handler: %+v", j)
	}

	s.Handlers["later"] = sendOne // deployed since
	now = j0.Add(time.Hour)
	if err := update(func(tx bot.Tx) error { return tx.RetryJob(dead.ID, now) }); err != nil {
		t.Fatal(err)
	}
	if n := mustRunDue(t, s); n != 2 {
		t.Fatalf("claimed %d, want the snoozed and the retried job", n)
	}
	for _, j := range []*bot.Job{snoozed, dead} {
		if j := mustJob(t, db, j.ID); j.State != bot.JobDone {
			t.Fatalf("job %d: %+v", j.ID, j)
		}
	}
	if j := mustJob(t, db, cancelled.ID); j.State != bot.JobCancel {
		t.Fatalf("cancelled: %+v", j)
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		for name, fn := range map[string]func(bot.Tx) error{
			"CancelDone":       func(tx bot.Tx) error { return tx.CancelJob(snoozed.ID, now) },
			"RetryPending":     func(tx bot.Tx) error { return tx.RetryJob(snoozed.ID, now) },
			"RescheduleCancel": func(tx bot.Tx) error { return tx.RescheduleJob(cancelled.ID, now) },
			"Missing":          func(tx bot.Tx) error { _, err := tx.FindJobByID(99); return err },
		} {
			if err := update(fn); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Errorf("%s: %v, want ENOTFOUND", name, err)
			}
		}
	})
}

// Ensure FindJobs filters by kind, state and owner, and limits.
func TestFindJobs(t *testing.T) {
	db := openJobDB(t)
	p1 := mustPersonID(t, db, "Ann")
	p2 := mustPersonID(t, db, "Bob")
	for i, j := range []*bot.Job{
		{Kind: "remind", OwnerID: p1}, {Kind: "remind", OwnerID: p2}, {Kind: "digest"}, {Kind: "remind", OwnerID: p1},
	} {
		j.RunAt = j0.Add(time.Duration(i) * time.Minute)
		mustSchedule(t, db, j)
	}
	if err := db.Update(context.Background(), func(tx bot.Tx) error { return tx.CancelJob(4, j0) }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    bot.JobFilter
		want []int64
	}{
		{bot.JobFilter{}, []int64{1, 2, 3, 4}},
		{bot.JobFilter{Kind: "remind"}, []int64{1, 2, 4}},
		{bot.JobFilter{Kind: "remind", OwnerID: p1}, []int64{1, 4}},
		{bot.JobFilter{Kind: "remind", OwnerID: p1, State: bot.JobPending}, []int64{1}},
		{bot.JobFilter{State: bot.JobCancel}, []int64{4}},
		{bot.JobFilter{Limit: 2}, []int64{1, 2}},
	} {
		var got []int64
		err := db.View(context.Background(), func(tx bot.Tx) error {
			js, err := tx.FindJobs(tc.f)
			for _, j := range js {
				got = append(got, j.ID)
			}
			return err
		})
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("FindJobs(%+v) = %v, %v; want %v", tc.f, got, err, tc.want)
		}
	}
}

func mustPersonID(t *testing.T, db *sqlite.DB, name string) int64 {
	t.Helper()
	p := &bot.Person{Name: name, Handle: bot.HandleFrom(name, "")}
	if err := db.Update(context.Background(), func(tx bot.Tx) error { return tx.CreatePerson(p, j0) }); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// fetcher is a JobFetcher whose fetch waits for release, the way a call to a
// slow platform API would.
type fetcher struct {
	release chan struct{}
	err     error
	started chan int64
}

func (f *fetcher) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error {
	return errors.New("RunJob called on a fetcher")
}
func (f *fetcher) FetchTimeout() time.Duration { return 5 * time.Minute }
func (f *fetcher) FetchJob(ctx context.Context, j *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	f.started <- j.ID
	select {
	case <-f.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if f.err != nil {
		return nil, f.err
	}
	return func(tx bot.Tx) error { return sendOne(ctx, tx, j, now) }, nil
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Ensure a fetching job runs beside the loop: while its fetch waits on the
// network, other jobs run; its lease covers the fetch; what it fetched
// commits with its completion; and a failed fetch is retried like any
// failed job.
func TestScheduler_FetchBesideLoop(t *testing.T) {
	db := openJobDB(t)
	f := &fetcher{release: make(chan struct{}), started: make(chan int64, 4)}
	now := j0
	var mu sync.Mutex
	s := newScheduler(db, "A", &now, map[string]bot.JobHandler{"dir": f, "remind": sendOne})
	s.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	mustSchedule(t, db, &bot.Job{Kind: "dir", RunAt: j0})
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	<-f.started
	if j := mustJob(t, db, 1); !j.LeaseUntil.After(j0.Add(5 * time.Minute)) {
		t.Fatalf("lease not extended over the fetch: until %v", j.LeaseUntil)
	}
	mustSchedule(t, db, &bot.Job{Kind: "remind", RunAt: j0})
	s.Trigger()
	waitFor(t, "the reminder to run while the fetch waits", func() bool { return mustJob(t, db, 2).State == bot.JobDone })
	if got := sent(t, db); !slices.Equal(got, []string{"job 2"}) {
		t.Fatalf("sent %q before the fetch finished", got)
	}

	f.err = errors.New("directory unreachable")
	f.release <- struct{}{}
	waitFor(t, "the failed fetch to be recorded", func() bool { return mustJob(t, db, 1).Attempts == 1 })
	if j := mustJob(t, db, 1); j.State != bot.JobPending || j.LastError != "directory unreachable" {
		t.Fatalf("after a failed fetch: %+v", j)
	}

	f.err = nil
	mu.Lock()
	now = mustJob(t, db, 1).RunAt
	mu.Unlock()
	s.Trigger()
	<-f.started
	f.release <- struct{}{}
	waitFor(t, "the fetch to complete", func() bool { return mustJob(t, db, 1).State == bot.JobDone })
	if got := sent(t, db); !slices.Equal(got, []string{"job 1", "job 2"}) {
		t.Fatalf("sent %q", got)
	}
}

// heldQueuer is the store of TestRunDue_OneSubmission: it holds the units
// queued to it until release forwards them, in order, to the store's own
// queue.
type heldQueuer struct {
	*sqlite.DB
	mu   sync.Mutex
	held []func()
}

func (h *heldQueuer) Queue(ctx context.Context, fn func(bot.Tx) error, then func(error)) func() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.held = append(h.held, func() { h.DB.Queue(ctx, fn, then) })
	return func() bool { return false }
}

func (h *heldQueuer) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.held)
}

func (h *heldQueuer) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.held {
		f()
	}
	h.held = nil
}

// Ensure RunDue submits the units of all the jobs it claimed at once, before
// it waits for any (so that the store can commit them together), and that
// in such a batch one job's failure leaves the others alone: a handler that
// fails is retried later with nothing of it committed, a job whose claim was
// lost is not run, and the rest complete.
func TestRunDue_OneSubmission(t *testing.T) {
	db := openJobDB(t)
	store := &heldQueuer{DB: db}
	for range 4 {
		mustSchedule(t, db, &bot.Job{Kind: "remind", RunAt: j0})
	}
	now := j0
	h := bot.JobHandlerFunc(func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
		if err := sendOne(ctx, tx, j, now); err != nil {
			return err
		}
		if j.ID == 2 {
			return errors.New("template missing")
		}
		return nil
	})
	s := newScheduler(db, "A", &now, map[string]bot.JobHandler{"remind": h})
	s.Store = store
	done := make(chan int, 1)
	go func() {
		n, err := s.RunDue(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- n
	}()
	for deadline := time.Now().Add(5 * time.Second); store.count() < 4; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			store.release()
			t.Fatalf("RunDue submitted %d units and waited; want all 4 submitted before any is waited for", store.count())
		}
	}
	// Meanwhile another process has taken job 3.
	if err := db.Update(context.Background(), func(tx bot.Tx) error {
		j, err := tx.FindJobByID(3)
		if err != nil {
			return err
		}
		return tx.ExtendJobLease(3, "A", j.LeaseUntil, j.LeaseUntil.Add(time.Minute))
	}); err != nil {
		t.Fatal(err)
	}
	store.release()
	if n := <-done; n != 4 {
		t.Fatalf("claimed %d", n)
	}
	if got := sent(t, db); !slices.Equal(got, []string{"job 1", "job 4"}) {
		t.Fatalf("sent %q, want jobs 1 and 4", got)
	}
	for id, want := range map[int64]bot.JobState{1: bot.JobDone, 2: bot.JobPending, 3: bot.JobPending, 4: bot.JobDone} {
		if j := mustJob(t, db, id); j.State != want || (id == 2) != (j.Attempts == 1) {
			t.Errorf("job %d: %s after %d attempts, want %s (one attempt for job 2 only)", id, j.State, j.Attempts, want)
		}
	}
}

// Ensure a handler that ends its own job (a deadline that closes what it
// belongs to, cancelling that thing's jobs) commits its effects once and
// leaves the job cancelled, instead of failing the unit on a completion
// that has nothing left to complete and running again for ever.
func TestRunDue_HandlerCancelsItsOwnJob(t *testing.T) {
	db := openJobDB(t)
	h := bot.JobHandlerFunc(func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
		if err := sendOne(ctx, tx, j, now); err != nil {
			return err
		}
		return bot.CancelJobs(tx, "ask/1/deadline", now)
	})
	now := j0
	s := newScheduler(db, "A", &now, map[string]bot.JobHandler{"deadline": h})
	mustSchedule(t, db, &bot.Job{Kind: "deadline", RunAt: j0, DedupKey: "ask/1/deadline"})
	mustRunDue(t, s)
	for range 3 {
		now = now.Add(time.Hour)
		mustRunDue(t, s)
	}
	if got := sent(t, db); !slices.Equal(got, []string{"job 1"}) {
		t.Fatalf("sent %q, want one message", got)
	}
	if j := mustJob(t, db, 1); j.State != bot.JobCancel || j.Attempts != 0 {
		t.Fatalf("the job that cancelled itself: %+v", j)
	}
}
