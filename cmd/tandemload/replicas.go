package main

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to create the load's databases
)

// replicaDSNEnv is the variable the replicas read their DSN from
// (storage.dsn_env), set in their environment only.
const replicaDSNEnv = "TANDEMLOAD_PG_DSN"

// runReplicas measures, for each count in counts, that many tandem replicas
// on one fresh PostgreSQL database, beside one tandem on SQLite loaded the
// same way in the same rounds.
func runReplicas(duration time.Duration, conns, rounds int, bin, syncMode, counts, dsnEnv string) error {
	serverDSN := os.Getenv(dsnEnv)
	if serverDSN == "" {
		return fmt.Errorf("-driver postgres needs a server: set %s to a DSN whose user may CREATE DATABASE (.ci/postgres.sh's pg_start sets TANDEM_TEST_PG_DSN)", dsnEnv)
	}
	var ns []int
	for f := range strings.SplitSeq(counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-replicas %q: want counts like 1,2,3", counts)
		}
		ns = append(ns, n)
	}
	dir, err := os.MkdirTemp("", "tandemload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin, err = buildTandem(bin, dir); err != nil {
		return err
	}
	lite, liteAddr, err := startTandem(bin, filepath.Join(dir, "sqlite"), syncMode, "")
	if err != nil {
		return err
	}
	defer stopProcess(lite)
	liteURL := []string{"http://" + liteAddr + "/slack/commands"}

	fmt.Printf("load: %d connections, %s per target per round, %d rounds per replica count, %d cores shared by the load, the replicas and PostgreSQL\n",
		conns, duration, rounds, numCPU())
	type row struct {
		name     string
		rps      []float64
		worstP99 time.Duration
		errors   int64
		// rollbacks of the database's transactions during the loads (a
		// rollback is mostly a unit PostgreSQL refused for a
		// serialization failure, run again), and the commands answered.
		rollbacks, commands int64
	}
	sqliteRow := &row{name: "SQLite, 1 tandem (synchronous=" + syncMode + ")"}
	var rows []*row
	for _, n := range ns {
		pg := &row{name: fmt.Sprintf("PostgreSQL, %d replica(s)", n)}
		rows = append(rows, pg)
		err := withReplicas(bin, filepath.Join(dir, fmt.Sprintf("pg%d", n)), serverDSN, n, func(urls []string, stats func() int64) {
			for r := 1; r <= rounds; r++ {
				loadPG := func() {
					rollbacks := stats()
					res := load(fmt.Sprintf("n=%d round %d: %d postgres replica(s)", n, r, n), urls, conns, duration, presignFor(duration, 25000).next)
					pg.rps = append(pg.rps, res.rps)
					pg.worstP99 = max(pg.worstP99, res.p99)
					pg.errors += res.errors
					// PostgreSQL's counters reach pg_stat_database within
					// a second of a transaction's end.
					time.Sleep(1100 * time.Millisecond)
					pg.rollbacks += stats() - rollbacks
					pg.commands += int64(res.ok)
				}
				loadLite := func() {
					res := load(fmt.Sprintf("n=%d round %d: sqlite", n, r), liteURL, conns, duration, presignFor(duration, 25000).next)
					sqliteRow.rps = append(sqliteRow.rps, res.rps)
					sqliteRow.worstP99 = max(sqliteRow.worstP99, res.p99)
					sqliteRow.errors += res.errors
				}
				// The order swaps every round, so that going first is no
				// advantage to either.
				if r%2 == 1 {
					loadLite()
					loadPG()
				} else {
					loadPG()
					loadLite()
				}
			}
		})
		if err != nil {
			return err
		}
	}
	fmt.Printf("\n| store | durable commands/s, median (range) | worst p99 | errors | PostgreSQL rollbacks per command |\n|---|---|---|---|---|\n")
	var failed int64
	for _, r := range append([]*row{sqliteRow}, rows...) {
		sort.Float64s(r.rps)
		contention := "—"
		if r.commands > 0 {
			contention = fmt.Sprintf("%.1f (%d / %d)", float64(r.rollbacks)/float64(r.commands), r.rollbacks, r.commands)
		}
		fmt.Printf("| %s | %.0f (%.0f–%.0f, %d rounds) | %.1f ms | %d | %s |\n",
			r.name, r.rps[len(r.rps)/2], r.rps[0], r.rps[len(r.rps)-1], len(r.rps), ms(r.worstP99), r.errors, contention)
		failed += r.errors
	}
	if failed > 0 {
		return fmt.Errorf("%d requests failed", failed)
	}
	return nil
}

// withReplicas creates a fresh database on the server of serverDSN, starts n
// tandem replicas on it (each its own data directory under dir and its own
// port), calls fn with their slash-command URLs and a reading of the
// database's rolled back transactions, then stops them and drops the
// database.
func withReplicas(bin, dir, serverDSN string, n int, fn func(urls []string, rollbacks func() int64)) error {
	admin, err := sql.Open("pgx", serverDSN)
	if err != nil {
		return err
	}
	defer admin.Close()
	name := fmt.Sprintf("tandemload_%x", rand.Uint64())
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0`); err != nil {
		return fmt.Errorf("create the load's database: %w", err)
	}
	defer admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	// libpq keywords: a later dbname overrides the server DSN's. A URL DSN
	// takes the database in its path instead.
	dsn := serverDSN + " dbname=" + name
	if strings.Contains(serverDSN, "://") {
		dsn, err = urlWithDatabase(serverDSN, name)
		if err != nil {
			return err
		}
	}
	env := []string{replicaDSNEnv + "=" + dsn}
	var replicas []*exec.Cmd
	defer func() {
		for _, c := range replicas {
			stopProcess(c)
		}
	}()
	var urls []string
	for i := range n {
		rdir := filepath.Join(dir, fmt.Sprintf("replica%d", i+1))
		storage := fmt.Sprintf(`{driver: postgres, dsn_env: %s, path: "%s"}`, replicaDSNEnv, filepath.Join(rdir, "tandem.db"))
		c, addr, err := startTandemOn(bin, rdir, storage, env, "")
		if err != nil {
			return err
		}
		replicas = append(replicas, c)
		urls = append(urls, "http://"+addr+"/slack/commands")
	}
	fn(urls, func() (rollbacks int64) {
		admin.QueryRow(`SELECT xact_rollback FROM pg_stat_database WHERE datname = $1`, name).Scan(&rollbacks)
		return rollbacks
	})
	return nil
}

// urlWithDatabase returns a postgres:// DSN with its database replaced.
func urlWithDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("the server's DSN: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}
