// Command jobload measures the durable job scheduler at scale, with the real
// storage (SQLite, synchronous=FULL as shipped) and scheduler packages, on a
// temporary database file:
//
//		go run ./cmd/jobload [-jobs 1000000] [-rate 1000] [-duration 20s]
//
//	 1. Held backlog: it stores -jobs pending jobs, due a month from now, in
//	    large units, and reports the RSS of this process afterwards (after a
//	    GC). Target ≤ 200 MB.
//	 2. Restart to ready: it starts itself again as a fresh process on that
//	    file, which opens the store (migrations included) and runs the
//	    scheduler's first cycle (RunDue, then NextJobAt to know how long to
//	    sleep), and reports the time from exec to the end of that cycle and the
//	    child's RSS. Target ≤ 2 s. With -tandem (default) it also builds and
//	    starts the real tandem binary on the same file and reports its time
//	    to /readyz and its RSS.
//	 3. Fire lateness: on the same file (the backlog still there), it
//	    schedules -rate jobs per second for -duration, one every 1/rate, runs
//	    the Scheduler with its defaults (Batch 200; the units of a claimed
//	    batch are submitted together and share commits) and a handler that
//	    records time.Now() − RunAt and queues one outgoing message, as a
//	    reminder does; it reports p50/p99/max lateness and the fire rate
//	    reached. Target p99 ≤ 1 s.
//	 4. Sustained maximum (with -ramp): lateness runs of -ramp-step each, at
//	    rates rising by -ramp-factor from -rate, until one misses p99 ≤ 1 s,
//	    leaves jobs unfired or fires at under 97 % of the rate (falls
//	    behind); it reports the highest rate that did none of these.
//
// It prints the figures next to the targets and exits non-zero only on
// errors, never on a missed target. -schedulers N runs N Scheduler loops
// (distinct lease owners) on the one store.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
)

const (
	kindHeld = "load.held" // the backlog: far in the future, never run here
	kindFire = "load.fire" // the lateness run
)

var quiet = slog.New(slog.DiscardHandler)

func main() {
	jobs := flag.Int("jobs", 1_000_000, "pending jobs to hold")
	unit := flag.Int("unit", 20_000, "jobs stored per unit (one transaction) while filling the backlog")
	rate := flag.Int("rate", 1000, "fires per second in the lateness run")
	duration := flag.Duration("duration", 20*time.Second, "length of the lateness run")
	grace := flag.Duration("grace", 60*time.Second, "how long after the last RunAt the lateness run waits for stragglers")
	syncMode := flag.String("synchronous", "full", "SQLite synchronous mode: full (as shipped) or normal")
	schedulers := flag.Int("schedulers", 1, "Scheduler loops on the one store in the lateness run (1 is what tandem runs; 4 or more can hit the View deadlock in storage/sqlite readQueryer.stmt)")
	restarts := flag.Int("restarts", 3, "fresh-process restarts to time")
	tandem := flag.Bool("tandem", true, "also start the real tandem binary on the backlog (builds ./cmd/tandem unless -bin)")
	bin := flag.String("bin", "", "tandem binary to use with -tandem")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the lateness run to this file")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	child := flag.String("child-ready", "", "internal: open this database as a fresh process and report readiness")
	ramp := flag.Bool("ramp", false, "after the lateness run, raise the rate until p99 lateness exceeds 1 s, and report the sustained maximum")
	rampStep := flag.Duration("ramp-step", 5*time.Second, "length of each run of -ramp")
	rampFactor := flag.Float64("ramp-factor", 1.25, "rate multiplier between runs of -ramp")
	driver := flag.String("driver", "sqlite", "sqlite: the runs above; postgres: fire runs with -procs scheduler processes on one PostgreSQL database, beside SQLite")
	procs := flag.String("procs", "1,2,3", "with -driver postgres: the counts of scheduler processes to measure, comma-separated")
	dsnEnv := flag.String("pg-dsn-env", "TANDEM_TEST_PG_DSN", "with -driver postgres: the environment variable holding a DSN of the server to create the load's database on")
	rounds := flag.Int("rounds", 3, "with -driver postgres: rounds of SQLite then each -procs count")
	sqliteToo := flag.Bool("sqlite", true, "with -driver postgres: also run SQLite's scheduler in each round")
	childPG := flag.String("child-fire-pg", "", "internal: run a Scheduler with this owner on JOBLOAD_PG_DSN until stdin closes")
	flag.Parse()
	if *childPG != "" {
		if err := childFirePostgres(*childPG); err != nil {
			fmt.Fprintln(os.Stderr, "jobload child:", err)
			os.Exit(1)
		}
		return
	}
	if *driver == "postgres" {
		var ns []int
		for f := range strings.SplitSeq(*procs, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				fmt.Fprintf(os.Stderr, "jobload: -procs %q: want counts like 1,2,3\n", *procs)
				os.Exit(2)
			}
			ns = append(ns, n)
		}
		err := runPostgres(pgConfig{procs: ns, dsnEnv: *dsnEnv, rounds: *rounds, rate: *rate, duration: *duration,
			grace: *grace, sync: *syncMode, sqliteToo: *sqliteToo})
		if err != nil {
			fmt.Fprintln(os.Stderr, "jobload:", err)
			os.Exit(1)
		}
		return
	}
	if *child != "" {
		if err := childReady(*child, *syncMode); err != nil {
			fmt.Fprintln(os.Stderr, "jobload child:", err)
			os.Exit(1)
		}
		return
	}
	cfg := config{jobs: *jobs, unit: *unit, rate: *rate, duration: *duration, grace: *grace, sync: *syncMode,
		schedulers: *schedulers, restarts: *restarts, tandem: *tandem, bin: *bin, cpuProfile: *cpuProfile, keep: *keep,
		ramp: *ramp, rampStep: *rampStep, rampFactor: *rampFactor}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "jobload:", err)
		os.Exit(1)
	}
}

type config struct {
	jobs, unit, rate     int
	duration, grace      time.Duration
	sync                 string
	schedulers, restarts int
	tandem               bool
	bin, cpuProfile      string
	keep                 bool
	ramp                 bool
	rampStep             time.Duration
	rampFactor           float64
}

func run(c config) error {
	dir, err := os.MkdirTemp("", "jobload")
	if err != nil {
		return err
	}
	if c.keep {
		fmt.Println("keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	path := filepath.Join(dir, "jobs.db")
	fmt.Printf("jobload: %d cores, GOMAXPROCS %d, SQLite synchronous=%s, database %s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), strings.ToUpper(c.sync), path)

	// 1. The backlog.
	db, err := openDB(path, c.sync)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := fillBacklog(db, c.jobs, c.unit); err != nil {
		db.Close()
		return err
	}
	took := time.Since(start)
	if err := db.Close(); err != nil {
		return err
	}
	size := fileSize(path)
	runtime.GC()
	debug.FreeOSMemory()
	rss, hwm := memStatus("self")
	fmt.Printf("\n1. %d pending jobs held: stored in %.1f s (%.0f jobs/s, %d per unit), database %.0f MB\n",
		c.jobs, took.Seconds(), float64(c.jobs)/took.Seconds(), c.unit, float64(size)/(1<<20))
	fmt.Printf("   RSS of this process after storing them and a GC: %.1f MB (peak %.1f MB)   target ≤ 200 MB: %s\n",
		mb(rss), mb(hwm), verdict(mb(rss) <= 200))

	// 2. Restart to ready, as a fresh process.
	fmt.Printf("\n2. restart to ready with %d pending jobs (fresh process: exec, open + migrations, first RunDue + NextJobAt)\n", c.jobs)
	var worst time.Duration
	var worstRSS float64
	for i := 1; i <= c.restarts; i++ {
		r, err := spawnChild(path, c.sync)
		if err != nil {
			return err
		}
		worst = max(worst, r.total())
		worstRSS = max(worstRSS, r.RSSMB)
		fmt.Printf("   run %d: ready %4.0f ms after exec (process start %.0f ms, store open %.0f ms, first cycle %.1f ms: claimed %d, next due in %s); RSS after a GC %.1f MB, peak %.1f MB\n",
			i, ms(r.total()), r.ExecMS, r.OpenMS, r.CycleMS, r.Claimed, (time.Duration(r.NextInMS) * time.Millisecond).Round(time.Second), r.RSSMB, r.HWMMB)
	}
	fmt.Printf("   worst: ready in %.0f ms   target ≤ 2 s: %s; RSS %.1f MB   target ≤ 200 MB: %s\n",
		ms(worst), verdict(worst <= 2*time.Second), worstRSS, verdict(worstRSS <= 200))
	if c.tandem {
		if err := realTandem(dir, path, c); err != nil {
			return err
		}
	}

	// 3. Fire lateness, and 4. the sustained maximum.
	db, err = openDB(path, c.sync)
	if err != nil {
		return err
	}
	defer db.Close()
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	total := int(c.duration.Seconds() * float64(c.rate))
	fmt.Printf("\n3. fire lateness: %d jobs, one every %s (%d/s) for %s, on top of the %d-job backlog; Scheduler defaults (Batch 200, a claimed batch's units submitted together), %d loop(s)\n",
		total, time.Second/time.Duration(c.rate), c.rate, c.duration, c.jobs, c.schedulers)
	r, err := fire(db, c.rate, c.duration, c.grace, c.schedulers)
	if err != nil {
		return err
	}
	r.print(c.rate)
	if !c.ramp {
		return nil
	}
	fmt.Printf("\n4. sustained maximum: runs of %s from %d/s, the rate times %.2f each time, until p99 lateness > 1 s\n", c.rampStep, c.rate, c.rampFactor)
	best := 0.0
	for rate := float64(c.rate); ; rate *= c.rampFactor {
		r, err := fire(db, int(rate), c.rampStep, 5*time.Second, c.schedulers)
		if err != nil {
			return err
		}
		fmt.Printf("   %6d/s wanted: ", int(rate))
		r.print(int(rate))
		// Sustained: the run kept up with the rate (a short run can end
		// with p99 under 1 s while its backlog grows) and met the target.
		if !r.met() || r.rate < 0.97*rate {
			break
		}
		best = r.rate
	}
	fmt.Printf("   sustained maximum: %.0f fires/s (kept up with the rate, p99 lateness ≤ 1 s)\n", best)
	return nil
}

func openDB(path, syncMode string) (*sqlite.DB, error) {
	db := sqlite.NewDB(path)
	db.Synchronous = syncMode
	db.Log = quiet
	return db, db.Open()
}

// fillBacklog stores n pending jobs, a month out and spread over a month,
// unit at a time, each with a reminder-sized payload.
func fillBacklog(db *sqlite.DB, n, unit int) error {
	base := time.Now().Add(30 * 24 * time.Hour)
	spread := 30 * 24 * time.Hour / time.Duration(max(n, 1))
	for stored := 0; stored < n; {
		k := min(n-stored, unit)
		now := time.Now()
		err := db.Update(context.Background(), func(tx bot.Tx) error {
			for i := range k {
				id := stored + i
				j := &bot.Job{Kind: kindHeld, RunAt: base.Add(time.Duration(id) * spread),
					Payload: fmt.Appendf(nil, `{"text":"held reminder %d","to_person":1,"set_by":1}`, id)}
				if _, err := tx.ScheduleJob(j, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store jobs %d…%d: %w", stored, stored+k, err)
		}
		stored += k
	}
	return nil
}

// readiness is what the child reports.
type readiness struct {
	ExecMS   float64 `json:"exec_ms"` // from exec to main, measured by the parent
	OpenMS   float64 `json:"open_ms"`
	CycleMS  float64 `json:"cycle_ms"`
	Claimed  int     `json:"claimed"`
	NextInMS int64   `json:"next_in_ms"`
	RSSMB    float64 `json:"rss_mb"`
	HWMMB    float64 `json:"hwm_mb"`
}

func (r readiness) total() time.Duration {
	return time.Duration((r.ExecMS + r.OpenMS + r.CycleMS) * float64(time.Millisecond))
}

// childReady is the restarted process: it opens the store, runs the
// scheduler's first cycle as its loop does, starts the loop, and reports.
func childReady(path, syncMode string) error {
	begin := time.Now()
	db, err := openDB(path, syncMode)
	if err != nil {
		return err
	}
	defer db.Close()
	opened := time.Now()
	noop := bot.JobHandlerFunc(func(context.Context, bot.Tx, *bot.Job, time.Time) error { return nil })
	s := &scheduler.Scheduler{Store: db, Log: quiet, Handlers: map[string]bot.JobHandler{kindHeld: noop, kindFire: noop}}
	ctx := context.Background()
	// The loop's first cycle: claim what is due, then ask how long to sleep.
	n, err := s.RunDue(ctx)
	if err != nil {
		return err
	}
	var next time.Time
	if err := db.View(ctx, func(tx bot.Tx) (err error) { next, err = tx.NextJobAt(); return err }); err != nil {
		return err
	}
	cycled := time.Now()
	if err := s.Open(); err != nil {
		return err
	}
	defer s.Close()
	runtime.GC()
	debug.FreeOSMemory()
	rss, hwm := memStatus("self")
	return json.NewEncoder(os.Stdout).Encode(readiness{
		OpenMS: ms(opened.Sub(begin)), CycleMS: ms(cycled.Sub(opened)), Claimed: n,
		NextInMS: time.Until(next).Milliseconds(), RSSMB: mb(rss), HWMMB: mb(hwm)})
}

func spawnChild(path, syncMode string) (readiness, error) {
	self, err := os.Executable()
	if err != nil {
		return readiness{}, err
	}
	cmd := exec.Command(self, "-child-ready", path, "-synchronous", syncMode)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return readiness{}, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return readiness{}, err
	}
	var r readiness
	decErr := json.NewDecoder(bufio.NewReader(stdout)).Decode(&r)
	total := time.Since(start)
	if err := cmd.Wait(); err != nil {
		return r, fmt.Errorf("restarted process: %w", err)
	}
	if decErr != nil {
		return r, fmt.Errorf("restarted process report: %w", decErr)
	}
	// What the child did not measure itself is the exec and runtime start
	// (and its report's trip back, which is small).
	r.ExecMS = max(ms(total)-r.OpenMS-r.CycleMS, 0)
	return r, nil
}

// realTandem starts the tandem binary on the backlog and reports its time
// to /readyz and its RSS.
func realTandem(dir, path string, c config) error {
	bin := c.bin
	if bin == "" {
		bin = filepath.Join(dir, "tandem")
		build := exec.Command("go", "build", "-o", bin, "./cmd/tandem")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build tandem (run from the repository root, pass -bin, or -tandem=false): %w", err)
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "tandem.yaml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, "log: {level: warn}\nhttp: {addr: %q}\nstorage: {path: %q, synchronous: %s}\nconsole: {enabled: false}\n",
		addr, path, c.sync), 0o644); err != nil {
		return err
	}
	var logs strings.Builder
	cmd := exec.Command(bin, "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = &syncWriter{w: &logs}, &syncWriter{w: &logs}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	probe := &http.Client{Timeout: 2 * time.Second}
	var ready time.Duration
	for deadline := start.Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		resp, err := probe.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				ready = time.Since(start)
				break
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("tandem not ready after 30 s on the backlog:\n%s", logs.String())
		}
	}
	time.Sleep(time.Second) // its loops' first cycles
	rss, hwm := memStatus(strconv.Itoa(cmd.Process.Pid))
	fmt.Printf("   real tandem binary on the backlog: /readyz answered %.0f ms after exec; VmRSS %.1f MB a second later (peak %.1f MB; GOGC=400, no forced GC)   targets ≤ 2 s: %s, ≤ 200 MB: %s\n",
		ms(ready), mb(rss), mb(hwm), verdict(ready <= 2*time.Second), verdict(mb(rss) <= 200))
	return nil
}

// countingStore times the units the scheduler waits for, queued (the
// scheduler submits a claimed batch's units through bot.Queuer) or not.
type countingStore struct {
	*sqlite.DB
	units atomic.Int64
	wait  atomic.Int64 // ns
}

func (s *countingStore) Update(ctx context.Context, fn func(bot.Tx) error) error {
	t := time.Now()
	err := s.DB.Update(ctx, fn)
	s.wait.Add(int64(time.Since(t)))
	s.units.Add(1)
	return err
}

func (s *countingStore) Queue(ctx context.Context, fn func(bot.Tx) error, then func(error)) func() bool {
	t := time.Now()
	return s.DB.Queue(ctx, fn, func(err error) {
		s.wait.Add(int64(time.Since(t)))
		s.units.Add(1)
		then(err)
	})
}

// fireResult is what one lateness run measured.
type fireResult struct {
	total, fired int
	late         []time.Duration // sorted
	span         time.Duration   // from the first fire to the last
	rate         float64         // fires/s over span
	units        int64
	wait         time.Duration // total the units waited for their commits
	cpu          float64       // share of one core over the run
	retries      int64         // PostgreSQL: units run again after a serialization failure
	grace        time.Duration
}

func (r fireResult) p(q float64) time.Duration {
	return r.late[min(int(q*float64(len(r.late))), len(r.late)-1)]
}

// met says the run kept to the target: every job fired, p99 ≤ 1 s.
func (r fireResult) met() bool { return r.fired == r.total && r.p(0.99) <= time.Second }

func (r fireResult) print(wanted int) {
	units := fmt.Sprintf("%d units (%.2f per job), each waited %.2f ms on average for its commit", r.units, float64(r.units)/float64(r.fired),
		float64(r.wait)/float64(max(r.units, 1))/1e6)
	if r.units == 0 { // PostgreSQL's scheduler processes count retries instead
		units = fmt.Sprintf("%d units run again after a serialization failure", r.retries)
	}
	fmt.Printf("   fired %d of %d in %.1f s: %.0f fires/s (wanted %d/s); %s; CPU %.0f%% of one core\n",
		r.fired, r.total, r.span.Seconds(), r.rate, wanted, units, 100*r.cpu)
	if r.fired < r.total {
		fmt.Printf("   %d jobs had not fired %s after the last was due (their lateness is at least that; not in the figures below)\n",
			r.total-r.fired, r.grace)
	}
	fmt.Printf("   lateness p50 %s, p99 %s, max %s   target p99 ≤ 1 s: %s\n",
		round(r.p(0.50)), round(r.p(0.99)), round(r.late[len(r.late)-1]), verdict(r.met()))
}

// fire schedules rate jobs a second for duration, runs the scheduler(s)
// until all have fired or grace after the last was due, and measures.
func fire(db *sqlite.DB, rate int, duration, grace time.Duration, schedulers int) (fireResult, error) {
	total := int(duration.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	// Stored before the first is due, so the run measures firing only.
	base := time.Now().Add(2*time.Second + time.Duration(total)*2*time.Microsecond).Truncate(time.Millisecond)
	if err := scheduleFires(db, total, base, interval); err != nil {
		return fireResult{}, err
	}

	var mu sync.Mutex
	late := make(map[int64]time.Duration, total)
	var first, last time.Time
	handler := bot.JobHandlerFunc(func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
		fired := time.Now()
		if err := enqueueReminder(tx, j, now); err != nil {
			return err
		}
		mu.Lock()
		// A unit may run again (a batch retried with savepoints); the last
		// run is the one that commits.
		late[j.ID] = fired.Sub(j.RunAt)
		if first.IsZero() {
			first = fired
		}
		last = fired
		mu.Unlock()
		return nil
	})
	store := &countingStore{DB: db}
	var scheds []*scheduler.Scheduler
	for i := range schedulers {
		s := &scheduler.Scheduler{Store: store, Log: quiet, Owner: fmt.Sprintf("jobload/%d", i),
			Handlers: map[string]bot.JobHandler{kindFire: handler}}
		scheds = append(scheds, s)
	}
	for _, s := range scheds {
		if err := s.Open(); err != nil {
			return fireResult{}, err
		}
	}
	end := base.Add(time.Duration(total) * interval)
	deadline := end.Add(grace)
	cpuStart := cpuTime()
	for {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		n := len(late)
		mu.Unlock()
		if n >= total || time.Now().After(deadline) {
			break
		}
	}
	cpu := cpuTime() - cpuStart
	for _, s := range scheds {
		s.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	r := fireResult{total: total, fired: len(late), units: store.units.Load(), wait: time.Duration(store.wait.Load()),
		grace: grace, span: last.Sub(first), cpu: cpu.Seconds() / time.Since(base).Seconds()}
	for _, d := range late {
		r.late = append(r.late, d)
	}
	slices.Sort(r.late)
	if len(r.late) == 0 {
		return r, errors.New("no job fired")
	}
	r.rate = float64(len(r.late)-1) / r.span.Seconds()
	return r, nil
}

// enqueueReminder commits what a reminder does: one outgoing message,
// keyed by occurrence.
func enqueueReminder(tx bot.Tx, j *bot.Job, now time.Time) error {
	_, err := tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("job%d/%d", j.ID, j.RunAt.UnixMilli()),
		To:  bot.Destination{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "U1"},
		Msg: bot.Message{Text: "⏰ Reminder: " + string(j.Payload)}}, now)
	return err
}

// scheduleFires stores total jobs of kindFire, the first due at base and
// one every interval after it, in units of 10,000.
func scheduleFires(store bot.Store, total int, base time.Time, interval time.Duration) error {
	now := time.Now()
	for stored := 0; stored < total; {
		k := min(total-stored, 10_000)
		err := store.Update(context.Background(), func(tx bot.Tx) error {
			for i := range k {
				id := stored + i
				j := &bot.Job{Kind: kindFire, RunAt: base.Add(time.Duration(id) * interval),
					Payload: fmt.Appendf(nil, `{"text":"fire %d","to_person":1,"set_by":1}`, id)}
				if _, err := tx.ScheduleJob(j, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		stored += k
	}
	if wait := time.Until(base); wait < 500*time.Millisecond {
		fmt.Printf("   (storing took long: the first job is due in %s)\n", wait.Round(time.Millisecond))
	}
	return nil
}

func round(d time.Duration) time.Duration {
	if d > 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(100 * time.Microsecond)
}

// memStatus reads VmRSS and VmHWM of a process ("self" or a pid), in bytes.
func memStatus(pid string) (rss, hwm int64) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return -1, -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fileSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
