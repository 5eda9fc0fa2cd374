// Command digestload measures what the daily digest costs ordinary commands
// on a large database, with the real storage (SQLite, synchronous=FULL as
// shipped), bot, commands and digest code in one process:
//
//		go run ./cmd/digestload [-tasks 1000000] [-people 10000] [-workers 8]
//
//	 1. Database: -tasks tasks (30 % done, 20 % undated, the rest due within
//	    ±15 days) owned by -people people, each with a console account. It is
//	    built once with INSERT … SELECT from recursive CTEs straight on the
//	    file, and cached under the temporary directory (-cache); each run
//	    works on a copy.
//	 2. Every person's digest is made due at the start of the run.
//	 3. -workers goroutines send ordinary commands as random people through
//	    bot.Accept, as an adapter does (task new, task list, task show, task
//	    list all page N), for -baseline with nothing in the background, then
//	    while one digest run (DigestHandler.Sweep, what the digest job does
//	    every minute) sends everyone's digest, and -after beyond its end.
//
// It reports each command's latency (p50, p99, worst) without and during the
// digest run, the run's length, and the process's peak RSS and Go heap during
// the measurement. The target is a p99 during the run within 50 ms.
// -legacy runs the old sweep instead (every open task read inside one write
// unit), to show what it cost on the same data.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/digest"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
	digestcmd "github.com/tandemhq/tandem/commands/digest"
	"github.com/tandemhq/tandem/commands/features"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
	_ "modernc.org/sqlite"
)

func main() {
	tasks := flag.Int("tasks", 1_000_000, "tasks in the database")
	people := flag.Int("people", 10_000, "people owning them, each with a digest due")
	workers := flag.Int("workers", 8, "commands in flight")
	baseline := flag.Duration("baseline", 5*time.Second, "load before the digest run")
	after := flag.Duration("after", time.Second, "load after the digest run")
	cache := flag.String("cache", filepath.Join(os.TempDir(), "tandem-digestload"), "where built databases are kept")
	legacy := flag.Bool("legacy", false, "run the old sweep: every open task read inside one write unit")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the digest run to this file")
	flag.Parse()
	if err := run(*tasks, *people, *workers, *baseline, *after, *cache, *legacy, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "digestload:", err)
		os.Exit(1)
	}
}

// built is when the cached databases say their rows were made; each run
// moves every digest to its own start.
var built = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func run(nTasks, nPeople, workers int, baseline, after time.Duration, cache string, legacy bool, cpuProfile string) error {
	src := filepath.Join(cache, fmt.Sprintf("tasks%d-people%d.db", nTasks, nPeople))
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		start := time.Now()
		if err := build(src, nTasks, nPeople); err != nil {
			os.Remove(src)
			return err
		}
		fmt.Printf("built %s in %s\n", src, time.Since(start).Round(time.Millisecond))
	}
	dir, err := os.MkdirTemp("", "digestload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tandem.db")
	if err := copyFile(src, path); err != nil {
		return err
	}
	// Everyone's digest time is the minute that just began, today made a
	// working day, so that the run sends every digest.
	now := time.Now()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	at := now.Truncate(time.Minute)
	cal, err := workcal.ChinaMainland(shanghai)
	if err != nil {
		return err
	}
	y, m, d := at.In(shanghai).Date()
	cal.AddDay(cal.Date(y, m, d), false, "digestload")
	if err := sqlExec(path, stmt{`UPDATE people SET digest = ?, digest_next_at = ?`, []any{at.In(shanghai).Format("15:04"), at.UnixMilli()}}); err != nil {
		return err
	}

	db := sqlite.NewDB(path)
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		return err
	}
	defer db.Close()
	nextRun := func(s string, after time.Time, loc *time.Location) (time.Time, error) {
		return scheduler.Next(s, after, loc, cal)
	}
	router := commands.NewRouter(features.Modules(features.Deps{Store: db, DueHour: 18, NextRun: nextRun, Calendar: cal,
		DefaultTZ: shanghai, DefaultLang: bot.LangEN})...)
	b := &bot.Bot{Store: db, Router: router, DefaultLang: bot.LangEN, DefaultTZ: shanghai, Log: slog.New(slog.DiscardHandler)}
	if err := b.Open(); err != nil {
		return err
	}
	defer b.Close()
	timed := &timedStore{Store: db}
	sweep := digestcmd.DigestHandler{Store: timed, NextRun: nextRun, DefaultTZ: shanghai, DefaultLang: bot.LangEN}

	runtime.GC()
	resetPeakRSS()
	mem := watchMemory()
	load := startLoad(b, workers, nPeople, nTasks)
	time.Sleep(baseline)
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
	}
	sweepStart := time.Now()
	if legacy {
		err = legacySweep(db)
	} else {
		err = sweep.Sweep(context.Background(), nil, now)
	}
	sweepEnd := time.Now()
	pprof.StopCPUProfile()
	if err != nil {
		load.stop()
		return fmt.Errorf("digest run: %w", err)
	}
	time.Sleep(after)
	samples := load.stop()
	peakHeap := mem.stop()
	if load.err.Load() != nil {
		return *load.err.Load()
	}

	var before, during []time.Duration
	for _, s := range samples {
		switch {
		case s.end.Before(sweepStart):
			before = append(before, s.took)
		case s.start.Before(sweepEnd):
			during = append(during, s.took)
		}
	}
	digests, stillDue := 0, 0
	db.View(context.Background(), func(tx bot.Tx) error {
		out, err := tx.FindOutgoing(bot.OutboxQueued, 4*nPeople)
		for _, o := range out {
			if strings.HasPrefix(o.Key, "digest/") {
				digests++
			}
		}
		due, _ := digest.From(tx).DigestsDue(now, nPeople)
		stillDue = len(due)
		return err
	})
	mode := "digest run (DigestHandler.Sweep)"
	if legacy {
		mode = "legacy sweep (every open task read in one write unit)"
	}
	fmt.Printf("%d tasks, %d people, %d workers, synchronous=FULL; %s\n", nTasks, nPeople, workers, mode)
	fmt.Printf("digest run: %s, %d digests queued, %d people still due\n", sweepEnd.Sub(sweepStart).Round(time.Millisecond), digests, stillDue)
	fmt.Printf("  its reads:  %s\n", summary(timed.views, "views"))
	fmt.Printf("  its writes: %s\n", summary(timed.units, "units"))
	fmt.Printf("commands without background work: %s\n", summary(before, "commands"))
	fmt.Printf("commands during the digest run:    %s\n", summary(during, "commands"))
	fmt.Printf("peak RSS %d MB, peak Go heap %d MB (during the measurement)\n", peakRSS()>>20, peakHeap>>20)
	if p := percentile(during, 0.99); p > 50*time.Millisecond {
		fmt.Printf("target missed: p99 during the digest run %s > 50ms\n", p.Round(100*time.Microsecond))
	}
	return nil
}

// build makes the cached database: migrations through the store itself,
// rows in bulk on the file (the store's units would take minutes).
func build(path string, nTasks, nPeople int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	db := sqlite.NewDB(path)
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	at := built.UnixMilli()
	return sqlExec(path,
		stmt{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		INSERT INTO people (id, name, handle, created_at) SELECT i, 'Person ' || i, 'p' || i, ?2 FROM n`, []any{nPeople, at}},
		stmt{`INSERT INTO accounts (platform, workspace, user_id, person_id, name, created_at)
		SELECT 'console', 'local', handle, id, name, created_at FROM people`, nil},
		// Owners and creators spread by multiplying with primes; the rest
		// drawn at random (r): 30 % done, a fifth undated, due dates within
		// ±15 days of the build.
		stmt{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1),
			t(i, r) AS MATERIALIZED (SELECT i, abs(random()) FROM n)
		INSERT INTO tasks (title, owner_id, creator_id, priority, status, due_at, created_at, updated_at, closed_at)
		SELECT 'Task ' || i, 1 + (i * 7919) % ?2, 1 + (i * 104729) % ?2, 1 + r % 4,
			CASE WHEN r % 10 < 3 THEN 'done' WHEN r % 10 < 5 THEN 'in_progress' ELSE 'todo' END,
			CASE WHEN r % 50 < 10 THEN NULL ELSE ?3 + (r % 2592000) * 1000 - 1296000000 END,
			?3, ?3, CASE WHEN r % 10 < 3 THEN ?3 END
		FROM t`, []any{nTasks, nPeople, at}},
	)
}

// stmt is a statement with its arguments.
type stmt struct {
	q    string
	args []any
}

// sqlExec runs statements on the file, outside the store, and checkpoints.
func sqlExec(path string, stmts ...stmt) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s.q, s.args...); err != nil {
			return fmt.Errorf("%.60s…: %w", strings.Join(strings.Fields(s.q), " "), err)
		}
	}
	_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// legacySweep is what the digest job did before it had a schedule per
// person: every open task loaded inside a write unit.
func legacySweep(db *sqlite.DB) error {
	return db.Update(context.Background(), func(tx bot.Tx) error {
		tasks, err := task.From(tx).FindTasks(task.Filter{OpenOnly: true, Limit: 1 << 22})
		byOwner := map[int64][]*task.Task{}
		for _, tk := range tasks {
			byOwner[tk.OwnerID] = append(byOwner[tk.OwnerID], tk)
		}
		return err
	})
}

// timedStore times the digest run's views and write units.
type timedStore struct {
	bot.Store
	views, units []time.Duration
}

func (s *timedStore) View(ctx context.Context, fn func(bot.Tx) error) error {
	start := time.Now()
	defer func() { s.views = append(s.views, time.Since(start)) }()
	return s.Store.View(ctx, fn)
}

func (s *timedStore) Update(ctx context.Context, fn func(bot.Tx) error) error {
	return s.Store.Update(ctx, func(tx bot.Tx) error {
		start := time.Now()
		defer func() { s.units = append(s.units, time.Since(start)) }()
		return fn(tx)
	})
}

type sample struct {
	start, end time.Time
	took       time.Duration
}

type load struct {
	done    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	samples []sample
	err     atomic.Pointer[error]
}

// startLoad sends commands from workers goroutines until stop.
func startLoad(b *bot.Bot, workers, nPeople, nTasks int) *load {
	l := &load{done: make(chan struct{})}
	var seq atomic.Int64
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			var mine []sample
			defer func() { l.mu.Lock(); l.samples = append(l.samples, mine...); l.mu.Unlock() }()
			for {
				select {
				case <-l.done:
					return
				default:
				}
				user := "p" + strconv.Itoa(1+rng.IntN(nPeople))
				var text string
				switch k := rng.IntN(10); {
				case k < 4:
					text = `task new "load ` + strconv.Itoa(rng.IntN(1e6)) + `" due:tomorrow p:high`
				case k < 7:
					text = "task list"
				case k < 9:
					text = "task show " + strconv.Itoa(1+rng.IntN(nTasks))
				default:
					text = "task list all page " + strconv.Itoa(1+rng.IntN(20))
				}
				ev := &bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: "load" + strconv.FormatInt(seq.Add(1), 10),
					ChatID: "dm:" + user, ChatType: bot.ChatDirect, Sender: bot.Author{UserID: user, Name: user}, Text: text}
				start := time.Now()
				res, err := b.Accept(context.Background(), ev, 30*time.Second)
				end := time.Now()
				if err == nil && !res.Done {
					err = fmt.Errorf("%q not processed", text)
				}
				if err != nil {
					l.err.CompareAndSwap(nil, &err)
					return
				}
				mine = append(mine, sample{start, end, end.Sub(start)})
			}
		}()
	}
	return l
}

func (l *load) stop() []sample {
	close(l.done)
	l.wg.Wait()
	return l.samples
}

func summary(ds []time.Duration, noun string) string {
	if len(ds) == 0 {
		return "none"
	}
	r := func(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
	return fmt.Sprintf("%6d %s, p50 %s, p99 %s, worst %s", len(ds), noun, r(percentile(ds, 0.5)), r(percentile(ds, 0.99)), r(slices.Max(ds)))
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

type memWatch struct {
	done chan struct{}
	peak chan uint64
}

// watchMemory samples the Go heap every 20 ms; the sampling is what a
// single reading would miss (the legacy sweep's heap lives for a second).
func watchMemory() *memWatch {
	m := &memWatch{done: make(chan struct{}), peak: make(chan uint64)}
	go func() {
		var peak uint64
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-m.done:
				m.peak <- peak
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memWatch) stop() uint64 { close(m.done); return <-m.peak }

// resetPeakRSS starts the kernel's peak RSS (VmHWM) again from now, so that
// building or copying the database does not count.
func resetPeakRSS() {
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS is VmHWM from /proc/self/status, in bytes (0 off Linux).
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
