package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/postgres"
	"github.com/tandemhq/tandem/storage/sqlite"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the load's own queries
)

// childDSNEnv carries the load's database to the child processes.
const childDSNEnv = "JOBLOAD_PG_DSN"

// pgConfig is what the PostgreSQL mode needs.
type pgConfig struct {
	procs           []int
	dsnEnv          string
	rounds, rate    int
	duration, grace time.Duration
	sync            string
	sqliteToo       bool
}

// runPostgres measures fires on PostgreSQL with N scheduler processes on one
// fresh database, for each N in c.procs, beside the in-process SQLite
// scheduler in the same rounds:
//
//	round r: SQLite (1 Scheduler, as tandem runs), then PostgreSQL with 1, 2, 3 processes
//
// Each PostgreSQL process is this program started again (-child-fire-pg):
// a Scheduler with its own Owner and its own connection pool, as a replica
// has. The jobs are scheduled by this process before the first is due; the
// figures come from the database (a fire is a job marked done:
// finished_at − run_at is its lateness, in milliseconds, on the clock of the
// process that completed it; all are on this machine), and every fired job
// must have queued exactly one outgoing message.
func runPostgres(c pgConfig) error {
	serverDSN := os.Getenv(c.dsnEnv)
	if serverDSN == "" {
		return fmt.Errorf("-driver postgres needs a server: set %s to a DSN whose user may CREATE DATABASE (.ci/postgres.sh's pg_start sets TANDEM_TEST_PG_DSN)", c.dsnEnv)
	}
	admin, err := sql.Open("pgx", serverDSN)
	if err != nil {
		return err
	}
	defer admin.Close()
	name := fmt.Sprintf("jobload_%x", rand.Uint64())
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0`); err != nil {
		return fmt.Errorf("create the load's database: %w", err)
	}
	defer admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	dsn, err := withDatabase(serverDSN, name)
	if err != nil {
		return err
	}
	pg := postgres.NewDB(dsn)
	pg.Log = quiet
	if err := pg.Open(); err != nil {
		return err
	}
	defer pg.Close()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer raw.Close()

	dir, err := os.MkdirTemp("", "jobload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var lite *sqlite.DB
	if c.sqliteToo {
		db, err := openDB(filepath.Join(dir, "jobs.db"), c.sync)
		if err != nil {
			return err
		}
		defer db.Close()
		lite = db
	}

	fmt.Printf("jobload -driver postgres: %d cores shared by this process, the scheduler processes and PostgreSQL; %d fires/s wanted for %s per run; %d rounds\n",
		runtime.NumCPU(), c.rate, c.duration, c.rounds)
	type row struct {
		name       string
		rates, p99 []float64
		unfired    int
		retries    int64
	}
	liteRow := &row{name: "SQLite, 1 Scheduler in-process (synchronous=" + c.sync + ")"}
	var rows []*row
	for _, n := range c.procs {
		rows = append(rows, &row{name: fmt.Sprintf("PostgreSQL, %d process(es)", n)})
	}
	for r := 1; r <= c.rounds; r++ {
		if lite != nil {
			fmt.Printf("round %d, SQLite: ", r)
			res, err := fire(lite, c.rate, c.duration, c.grace, 1)
			if err != nil {
				return err
			}
			res.print(c.rate)
			liteRow.rates = append(liteRow.rates, res.rate)
			liteRow.p99 = append(liteRow.p99, ms(res.p(0.99)))
			liteRow.unfired += res.total - res.fired
		}
		for i, n := range c.procs {
			fmt.Printf("round %d, PostgreSQL with %d process(es): ", r, n)
			res, err := firePostgres(pg, raw, dsn, n, c.rate, c.duration, c.grace)
			if err != nil {
				return err
			}
			res.print(c.rate)
			rows[i].rates = append(rows[i].rates, res.rate)
			rows[i].p99 = append(rows[i].p99, ms(res.p(0.99)))
			rows[i].unfired += res.total - res.fired
			rows[i].retries += res.retries
		}
	}
	fmt.Printf("\n| store | fires/s, median (range) | p99 lateness, median (range) | unfired | units run again |\n|---|---|---|---|---|\n")
	all := rows
	if lite != nil {
		all = append([]*row{liteRow}, rows...)
	}
	for _, r := range all {
		slices.Sort(r.rates)
		slices.Sort(r.p99)
		k := len(r.rates)
		retries := "—"
		if r != liteRow {
			retries = strconv.FormatInt(r.retries, 10)
		}
		fmt.Printf("| %s | %.0f (%.0f–%.0f) | %.0f ms (%.0f–%.0f) | %d | %s |\n",
			r.name, r.rates[k/2], r.rates[0], r.rates[k-1], r.p99[k/2], r.p99[0], r.p99[k-1], r.unfired, retries)
	}
	return nil
}

// firePostgres schedules rate jobs a second for duration, starts n child
// processes to fire them, waits until none is pending or grace after the
// last was due, stops the children and reads the figures from the database.
func firePostgres(pg *postgres.DB, raw *sql.DB, dsn string, n, rate int, duration, grace time.Duration) (fireResult, error) {
	total := int(duration.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	var fromID int64
	if err := raw.QueryRow(`SELECT coalesce(max(id), 0) FROM jobs`).Scan(&fromID); err != nil {
		return fireResult{}, err
	}
	// PostgreSQL stores them more slowly than SQLite (a round trip per
	// job, about 0.5 ms here), and the children start after; both before
	// the first is due.
	base := time.Now().Add(2*time.Second + time.Duration(total)*time.Millisecond).Truncate(time.Millisecond)
	if err := scheduleFires(pg, total, base, interval); err != nil {
		return fireResult{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return fireResult{}, err
	}
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Reader
	}
	var children []child
	stopAll := func() (retries int64, cpu time.Duration) {
		for _, c := range children {
			c.stdin.Close() // the child's signal to close its Scheduler and report
		}
		for _, c := range children {
			var rep struct{ Retries int64 }
			json.NewDecoder(c.out).Decode(&rep)
			c.cmd.Wait()
			retries += rep.Retries
			if ru, ok := c.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
		}
		children = nil
		return retries, cpu
	}
	defer stopAll()
	for i := range n {
		cmd := exec.Command(self, "-child-fire-pg", fmt.Sprintf("jobload/pg/%d/%d", os.Getpid(), i))
		cmd.Env = append(os.Environ(), childDSNEnv+"="+dsn)
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return fireResult{}, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return fireResult{}, err
		}
		if err := cmd.Start(); err != nil {
			return fireResult{}, err
		}
		children = append(children, child{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)})
	}
	deadline := base.Add(time.Duration(total) * interval).Add(grace)
	for {
		time.Sleep(100 * time.Millisecond)
		var pending int
		if err := raw.QueryRow(`SELECT count(*) FROM jobs WHERE id > $1 AND state = 'pending'`, fromID).Scan(&pending); err != nil {
			return fireResult{}, err
		}
		if pending == 0 || time.Now().After(deadline) {
			break
		}
	}
	retries, cpu := stopAll()
	// What did not fire within grace would be fired by the next run's
	// processes, slowing that run for jobs it does not count.
	if _, err := raw.Exec(`UPDATE jobs SET state = 'cancelled' WHERE id > $1 AND state = 'pending'`, fromID); err != nil {
		return fireResult{}, err
	}

	r := fireResult{total: total, grace: grace, retries: retries, cpu: cpu.Seconds() / time.Since(base).Seconds()}
	rows, err := raw.Query(`SELECT run_at, finished_at FROM jobs WHERE id > $1 AND state = 'done' ORDER BY finished_at`, fromID)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	var first, last int64
	for rows.Next() {
		var runAt, finished int64
		if err := rows.Scan(&runAt, &finished); err != nil {
			return r, err
		}
		if first == 0 {
			first = finished
		}
		last = finished
		r.late = append(r.late, time.Duration(finished-runAt)*time.Millisecond)
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	r.fired = len(r.late)
	if r.fired == 0 {
		return r, fmt.Errorf("no job fired")
	}
	slices.Sort(r.late)
	r.span = time.Duration(last-first) * time.Millisecond
	r.rate = float64(r.fired-1) / max(r.span.Seconds(), 0.001)
	// Exactly once: every fired job queued one message, and no more.
	var messages int
	if err := raw.QueryRow(`SELECT count(*) FROM outbox WHERE key IN (SELECT 'job' || id || '/' || run_at FROM jobs WHERE id > $1)`, fromID).Scan(&messages); err != nil {
		return r, err
	}
	if messages != r.fired {
		return r, fmt.Errorf("%d jobs fired but %d messages queued: not exactly once", r.fired, messages)
	}
	return r, nil
}

// childFirePostgres is one scheduler process: it runs a Scheduler named
// owner on the database in JOBLOAD_PG_DSN until its stdin closes, then
// reports its store's serialization retries as JSON.
func childFirePostgres(owner string) error {
	db := postgres.NewDB(os.Getenv(childDSNEnv))
	db.Log = quiet
	if err := db.Open(); err != nil {
		return err
	}
	defer db.Close()
	handler := bot.JobHandlerFunc(func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
		return enqueueReminder(tx, j, now)
	})
	s := &scheduler.Scheduler{Store: db, Log: quiet, Owner: owner, Handlers: map[string]bot.JobHandler{kindFire: handler},
		Workers: db.JobWorkers()} // as cmd/tandem runs it on PostgreSQL
	if err := s.Open(); err != nil {
		return err
	}
	io.Copy(io.Discard, os.Stdin)
	s.Close()
	return json.NewEncoder(os.Stdout).Encode(struct{ Retries int64 }{db.Retries()})
}

// withDatabase returns serverDSN naming database name instead: libpq
// keywords take a later dbname over an earlier one; a URL has it in its path.
func withDatabase(serverDSN, name string) (string, error) {
	if !strings.Contains(serverDSN, "://") {
		return serverDSN + " dbname=" + name, nil
	}
	u, err := url.Parse(serverDSN)
	if err != nil {
		return "", fmt.Errorf("the server's DSN: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}
