package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/workcal"
)

// Retry delays of a failed job. Handlers only write to the database, so a
// failure is rarely a passing outage: a few quick tries, then a dead letter
// an admin can look at, rather than hours of retries of a reminder that is
// stale by then.
const (
	jobRetryBase = 10 * time.Second
	jobRetryMax  = 15 * time.Minute
)

// errLeaseLost ends a job's unit without writing: the job is no longer ours
// to run (its lease ran out and another process took it, or it was
// cancelled or snoozed meanwhile).
var errLeaseLost = bot.ErrClaimLost

// Scheduler runs the durable jobs (bot.Job): one loop claims due jobs with a
// lease and runs each job's handler in the unit of work that also records
// the outcome, so that a job's effects commit exactly once. A process that
// dies mid-run commits nothing; its lease expires and another run takes the
// job.
type Scheduler struct {
	// Store is made Hooked (bot.Hooked) if it is not already: what a job
	// queues or schedules wakes the senders and this loop after its commit.
	Store bot.Store
	// Handlers maps a job's Kind to what runs it.
	Handlers map[string]bot.JobHandler
	// Calendar gives the working days of workdays: and lastworkday:
	// schedules, and the zone of jobs without a TZ.
	Calendar *workcal.Calendar
	Log      *slog.Logger
	Now      func() time.Time
	// Lease is how long a claimed job is reserved for this process; it
	// bounds how late a job whose process died runs.
	Lease time.Duration
	// Timeout bounds one run of a handler, which holds the write transaction
	// while it runs.
	Timeout time.Duration
	// MaxAttempts is how many failed runs a job gets before it is
	// dead-lettered.
	MaxAttempts int
	// Batch is how many jobs one cycle claims.
	Batch int
	// Workers is how many units of a claimed batch run at once on a store
	// without a write queue (bot.Queuer); 1 if zero. A store whose units
	// each commit on a connection of their own (PostgreSQL) runs several
	// at once: one after another, a process fires one job per commit's
	// round trip and fsync (about 220 a second measured here), and a
	// second process is needed to overlap those waits. A Queuer store
	// (SQLite) groups the batch into one transaction and ignores it.
	Workers int
	// Owner names this process in leases.
	Owner string
	// Idle is the longest the loop sleeps, a safety net for jobs scheduled
	// by another process, which cannot Trigger this one.
	Idle time.Duration
	// Metrics counts job runs, their lateness and failures; nil counts
	// nothing.
	Metrics bot.Metrics

	// beat is when (real time, UnixNano) the loop last started or ended a
	// cycle, for Stalled.
	beat atomic.Int64

	once       sync.Once
	wake       chan struct{}
	fetchSlots chan struct{} // one token per fetch running
	locs       sync.Map      // TZ name → *time.Location
	ctx        context.Context
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

func (s *Scheduler) init() {
	s.once.Do(func() {
		if s.Log == nil {
			s.Log = slog.Default()
		}
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Lease <= 0 {
			s.Lease = time.Minute
		}
		if s.Timeout <= 0 {
			s.Timeout = 30 * time.Second
		}
		if s.MaxAttempts <= 0 {
			s.MaxAttempts = 5
		}
		if s.Batch <= 0 {
			s.Batch = 200
		}
		if s.Idle <= 0 {
			s.Idle = 30 * time.Second
		}
		if s.Owner == "" {
			s.Owner = ProcessName()
		}
		s.Store = bot.Hooked(s.Store, nil)
		s.Metrics = bot.MetricsOr(s.Metrics)
		s.wake = make(chan struct{}, 1)
		s.fetchSlots = make(chan struct{}, maxFetches)
	})
}

// Open starts the loop.
func (s *Scheduler) Open() error {
	s.init()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.beat.Store(time.Now().UnixNano())
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.loop()
	}()
	return nil
}

// Close stops the loop and waits for it. A handler that is running sees its
// context cancelled; the job it was running is released to run again.
func (s *Scheduler) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	return nil
}

// Trigger wakes the loop to look for due jobs now. Call it after scheduling
// a job that may be due before the loop would wake by itself.
func (s *Scheduler) Trigger() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Scheduler) loop() {
	failures := 0
	for {
		// Shutdown first: a due timer must not start another cycle.
		if s.ctx.Err() != nil {
			return
		}
		s.beat.Store(time.Now().UnixNano())
		n, err := s.RunDue(s.ctx)
		s.beat.Store(time.Now().UnixNano())
		var sleep time.Duration
		switch {
		case err != nil:
			failures++
			sleep = Backoff(failures, time.Second, maxLoopBackoff)
			if s.ctx.Err() == nil {
				s.Log.Error("job cycle", "err", err, "failures", failures)
			}
		case n >= s.Batch:
			failures = 0
			continue // a full batch: more may be due right now
		default:
			failures = 0
			sleep = s.untilNext()
		}
		t := time.NewTimer(sleep)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// Stalled reports, for readiness probes, whether the loop has gone quiet:
// it starts a cycle at least every Idle, and a cycle runs a batch of
// handlers each bounded by Timeout, so a loop not heard from for twice
// Idle plus a Timeout and a minute is stuck (or was never opened). now is
// real time: the loop's own clock may be virtual in tests.
func (s *Scheduler) Stalled(now time.Time) error {
	s.init()
	beat := s.beat.Load()
	if beat == 0 {
		return errors.New("scheduler: not running")
	}
	quiet := now.Sub(time.Unix(0, beat))
	if limit := 2*s.Idle + s.Timeout + time.Minute; quiet > limit {
		return fmt.Errorf("scheduler: no cycle for %s", quiet.Round(time.Second))
	}
	return nil
}

// untilNext is how long the loop may sleep: until the earliest job is due
// or a lease runs out, at most Idle.
func (s *Scheduler) untilNext() time.Duration {
	var next time.Time
	err := s.Store.View(s.ctx, func(tx bot.Tx) (err error) {
		next, err = tx.NextJobAt()
		return err
	})
	if err != nil || next.IsZero() {
		return s.Idle
	}
	return min(max(next.Sub(s.Now()), 0), s.Idle)
}

// RunDue runs one cycle: it claims up to Batch due jobs and runs them, each
// in a unit of its own, all submitted at once so that the store commits
// them together: with a Queuer (storage/sqlite) they share one commit and
// one fsync instead of paying one each, which capped firing at about 2,000
// jobs a second. One job's failure (or the store refusing its outcome)
// still leaves the others alone: each unit commits or rolls back on its own.
// It returns how many jobs it claimed; its error is the claim's, or ctx's
// when ctx ended the cycle before its units were submitted (the jobs are
// then released).
func (s *Scheduler) RunDue(ctx context.Context) (int, error) {
	s.init()
	now := s.Now()
	var claimed []*bot.Job
	err := s.Store.Update(ctx, func(tx bot.Tx) (err error) {
		claimed, err = tx.ClaimJobs(now, s.Lease, s.Owner, s.Batch)
		return err
	})
	if err != nil {
		return 0, err
	}
	if ctx.Err() != nil {
		s.release(ctx, claimed)
		return len(claimed), ctx.Err()
	}
	var runs []*jobRun
	for _, j := range claimed {
		if f, ok := s.Handlers[j.Kind].(bot.JobFetcher); ok {
			s.startFetch(ctx, f, j)
			continue
		}
		runs = append(runs, s.prepare(ctx, j, s.handlerExec(j)))
	}
	s.runAll(ctx, runs)
	return len(claimed), nil
}

// runAll submits the units of runs together and waits for all of them,
// then reports each; it returns how many jobs completed. A Queuer store
// gets them in one go, in claim order, and its writer puts them in one
// transaction. Any other store gets them Workers at a time, started in
// claim order (one after another by default: the tests' in-memory store
// holds a lock for each unit, which more goroutines would only contend
// for). The jobs of a batch are independent: each is its own claimed row.
func (s *Scheduler) runAll(ctx context.Context, runs []*jobRun) (done int) {
	if len(runs) == 0 {
		return 0
	}
	// The units are not given ctx: once queued they must run, to record
	// the outcome or release the job, even if Close comes meanwhile. Each
	// handler has its own timeout, and at worst they run one after another.
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(len(runs))*s.Timeout+30*time.Second)
	defer cancel()
	// A job's unit reads and writes its own claimed row and acts on the
	// state of the moment: snapshot isolation is enough (bot.SnapshotUnit).
	uctx = bot.SnapshotUnit(uctx)
	var wg sync.WaitGroup
	wg.Add(len(runs))
	if q, ok := s.Store.(bot.Queuer); ok {
		for _, r := range runs {
			q.Queue(uctx, r.unit, func(err error) { r.err = err; wg.Done() })
		}
	} else {
		// A unit the database fails while it restarts is tried again
		// (updateThrough) until half the claim's lease has passed, for the
		// whole batch: the job then completes once the database is back,
		// instead of waiting out its lease to run again; the unit's check
		// that the claim still stands keeps a late try from running a job
		// claimed since.
		retryUntil := time.Now().Add(s.Lease / 2)
		slots := make(chan struct{}, max(s.Workers, 1))
		for _, r := range runs {
			slots <- struct{}{}
			go func() {
				defer func() { <-slots; wg.Done() }()
				r.err = updateThrough(uctx, retryUntil, s.Store, s.Log, r.unit)
			}()
		}
	}
	wg.Wait()
	for _, r := range runs {
		if r.report(s.Log) {
			done++
		}
		if r.err == nil && r.out != outReleased {
			s.Metrics.JobRan(r.j.Kind, r.lateness, r.out != outDone)
		}
	}
	return done
}

// maxFetches bounds the fetching jobs running at once: they wait on
// platform APIs with rate limits of their own.
const maxFetches = 4

// startFetch runs a JobFetcher's job beside the loop. It waits for a fetch
// slot, extends the lease to cover the fetch (dropping the job if its claim
// no longer stands: it waited so long that the lease ran out and the job was
// claimed again), fetches outside any unit, and then applies the result in
// the unit that records the outcome, as for any job.
func (s *Scheduler) startFetch(ctx context.Context, f bot.JobFetcher, j *bot.Job) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case s.fetchSlots <- struct{}{}:
			defer func() { <-s.fetchSlots }()
		case <-ctx.Done():
			s.release(ctx, []*bot.Job{j})
			return
		}
		timeout := f.FetchTimeout()
		if timeout <= 0 {
			timeout = s.Timeout
		}
		// Whole milliseconds, as the store keeps them, so that ours still
		// recognises the claim.
		until := s.Now().Add(timeout + s.Lease).Truncate(time.Millisecond)
		err := s.Store.Update(ctx, func(tx bot.Tx) error {
			if err := s.ours(tx, j); err != nil {
				return err
			}
			return tx.ExtendJobLease(j.ID, s.Owner, j.LeaseUntil, until)
		})
		if err != nil {
			if !errors.Is(err, errLeaseLost) && ctx.Err() == nil {
				s.Log.Error("extend lease of fetching job", "kind", j.Kind, "id", j.ID, "err", err)
			}
			return
		}
		j.LeaseUntil = until
		apply, ferr := s.fetch(ctx, f, j, timeout)
		exec := func(_ context.Context, tx bot.Tx, _ *bot.Job, _ time.Time) error {
			if ferr != nil {
				return ferr
			}
			return apply(tx)
		}
		s.runAll(ctx, []*jobRun{s.prepare(ctx, j, exec)})
		// The loop chose its sleep while this job was leased, and what the
		// job applied may include jobs due now (an import's profile jobs),
		// or a retry: it must look again.
		s.Trigger()
	}()
}

// fetch calls FetchJob with its timeout, turning a panic into a failure.
func (s *Scheduler) fetch(ctx context.Context, f bot.JobFetcher, j *bot.Job, timeout time.Duration) (apply func(bot.Tx) error, err error) {
	fctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			apply, err = nil, fmt.Errorf("job fetch panicked: %v", p)
		}
	}()
	apply, err = f.FetchJob(fctx, j, s.Now())
	if err == nil && apply == nil {
		apply = func(bot.Tx) error { return nil }
	}
	return apply, err
}

// handlerExec runs j's handler inside the unit.
func (s *Scheduler) handlerExec(j *bot.Job) jobExec {
	h := s.Handlers[j.Kind]
	if h == nil {
		return func(context.Context, bot.Tx, *bot.Job, time.Time) error {
			return fmt.Errorf("no handler for job kind %q", j.Kind)
		}
	}
	return func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
		return s.call(ctx, h, tx, j, now)
	}
}

// jobExec is what runs inside a job's unit.
type jobExec func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error

// release hands back claimed jobs on shutdown, so that the next process
// runs them at once instead of after the lease. Moving a job to its own
// RunAt clears the lease without counting an attempt.
func (s *Scheduler) release(ctx context.Context, jobs []*bot.Job) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := s.Store.Update(rctx, func(tx bot.Tx) error {
		for _, j := range jobs {
			if err := s.ours(tx, j); errors.Is(err, errLeaseLost) {
				continue
			} else if err != nil {
				return err
			}
			if err := tx.RescheduleJob(j.ID, j.RunAt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.Log.Warn("release jobs on shutdown", "err", err, "jobs", len(jobs))
	}
}

// ours checks, inside the unit, that j's claim still stands: the store
// records a completion whoever holds the lease, so a unit that starts after
// its lease ran out (a long batch, a slow store) must not run a job that
// another process has claimed, or already run, since.
func (s *Scheduler) ours(tx bot.Tx, j *bot.Job) error {
	if ok, err := bot.ClaimStands(tx, j); err != nil {
		return err
	} else if !ok {
		return errLeaseLost
	}
	return nil
}

// outcome is what a job's unit decided, for logging after it commits (the
// unit may run more than once).
type outcome int

const (
	outDone outcome = iota
	outRetry
	outDead
	outReleased
)

// jobRun is one claimed job's unit of work, and what it decided, for the
// log once it committed (the unit may run more than once).
type jobRun struct {
	j       *bot.Job
	unit    func(bot.Tx) error
	err     error // the unit's outcome, as the store reports it
	out     outcome
	runErr  error
	retryAt time.Time
	// lateness is how long after it was due the job ran.
	lateness time.Duration
}

// prepare builds the unit that runs j with exec and records the outcome:
// completed (and its next run, for a recurring job), retried later,
// dead-lettered, or released when ctx ended (Close). It checks first that
// the claim still stands.
func (s *Scheduler) prepare(ctx context.Context, j *bot.Job, exec jobExec) *jobRun {
	now := s.Now()
	h := s.Handlers[j.Kind]
	next, schedErr := s.nextRun(j, now)
	r := &jobRun{j: j, lateness: now.Sub(j.RunAt)}
	// Every line a handler logs through bot.LogFrom(ctx) names the job.
	ctx = bot.WithLog(ctx, s.Log.With("job_id", j.ID, "job_kind", j.Kind))
	r.unit = func(tx bot.Tx) error {
		r.out, r.runErr, r.retryAt = outDone, nil, time.Time{}
		if err := s.ours(tx, j); err != nil {
			return err
		}
		switch {
		case ctx.Err() != nil:
			r.out = outReleased
			return tx.RescheduleJob(j.ID, j.RunAt)
		case schedErr != nil:
			r.runErr = schedErr // before running: a job that cannot recur is broken
		default:
			// Nested undoes the handler's writes when it fails, and only them.
			r.runErr = tx.Nested(func() error { return exec(ctx, tx, j, now) })
		}
		if r.runErr == nil {
			// A handler may end its own job (an ask's deadline that closes
			// the ask cancels the ask's jobs, this one among them): the
			// claim, checked above, then no longer stands only because of
			// this unit, and there is nothing left to complete.
			if stands, err := bot.ClaimStands(tx, j); err != nil {
				return err
			} else if !stands {
				return nil
			}
			return tx.CompleteJob(j.ID, next, now)
		}
		if ctx.Err() != nil {
			// Shutdown, not the job, stopped the handler.
			r.out = outReleased
			return tx.RescheduleJob(j.ID, j.RunAt)
		}
		r.out = outDead
		if h != nil && schedErr == nil && j.Attempts+1 < s.MaxAttempts {
			r.out, r.retryAt = outRetry, now.Add(Backoff(j.Attempts+1, jobRetryBase, jobRetryMax))
		}
		return tx.FailJob(j.ID, r.runErr.Error(), r.retryAt, now)
	}
	return r
}

// report logs what the unit did, now that it committed or failed, and
// says whether the job completed.
func (r *jobRun) report(log *slog.Logger) bool {
	j := r.j
	switch {
	case errors.Is(r.err, errLeaseLost):
		log.Warn("job lease lost; not run", "kind", j.Kind, "id", j.ID)
	case r.err != nil:
		// Nothing committed: the lease runs out and the job runs again.
		log.Error("job outcome not recorded", "kind", j.Kind, "id", j.ID, "attempts", j.Attempts, "err", r.err)
	case r.out == outRetry:
		log.Warn("job failed", "kind", j.Kind, "id", j.ID, "attempts", j.Attempts+1, "retry_at", r.retryAt, "err", r.runErr)
	case r.out == outDead:
		log.Error("job dead-lettered", "kind", j.Kind, "id", j.ID, "attempts", j.Attempts+1, "err", r.runErr)
	}
	return r.err == nil && r.out == outDone
}

// call runs the handler with its timeout, turning a panic into a failure of
// this job instead of the end of the loop.
func (s *Scheduler) call(ctx context.Context, h bot.JobHandler, tx bot.Tx, j *bot.Job, now time.Time) (err error) {
	hctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job handler panicked: %v", p)
		}
	}()
	return h.RunJob(hctx, tx, j, now)
}

// nextRun is when a recurring job runs after this run, zero for a one-off.
// It counts from the occurrence being run, so that a job run a little late
// keeps its rhythm (@every 1h stays on the hour). When that is already past
// (the process was down across occurrences, or retries ran long), the missed
// occurrences are not replayed: the job runs once now and next at its first
// occurrence after now. A digest or reminder fired ten times in a row after
// an outage is noise, not catching up.
func (s *Scheduler) nextRun(j *bot.Job, now time.Time) (time.Time, error) {
	if j.Schedule == "" {
		return time.Time{}, nil
	}
	loc, err := s.location(j.TZ)
	if err != nil {
		return time.Time{}, err
	}
	next, err := Next(j.Schedule, j.RunAt, loc, s.Calendar)
	if err != nil || next.After(now) {
		return next, err
	}
	return Next(j.Schedule, now, loc, s.Calendar)
}

// location caches zones: LoadLocation reads the zone database every time.
func (s *Scheduler) location(tz string) (*time.Location, error) {
	if tz == "" {
		return nil, nil // Next's default: the calendar's zone
	}
	if loc, ok := s.locs.Load(tz); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("scheduler: job time zone %q: %w", tz, err)
	}
	s.locs.Store(tz, loc)
	return loc, nil
}
