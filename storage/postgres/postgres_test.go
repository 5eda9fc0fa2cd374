package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/postgres"
	"github.com/tandemhq/tandem/storage/postgres/pgtest"
	"github.com/tandemhq/tandem/storage/storetest"
)

// server returns the server the tests may create databases on
// (pgtest.ServerDSN: TANDEM_TEST_PG_DSN's, or the test binary's own) and an
// admin connection to it; the test is skipped when there is none.
func server(t testing.TB) (string, *sql.DB) {
	t.Helper()
	dsn := pgtest.ServerDSN(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return dsn, admin
}

// freshDSN returns a DSN for a new, empty database, dropped when the test
// ends.
func freshDSN(t testing.TB) string {
	t.Helper()
	dsn, admin := server(t)
	name := fmt.Sprintf("tandem_test_%x", rand.Uint64())
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`) })
	return dsn + " dbname=" + name
}

// migrated is a database with every migration applied, made once per run.
// Each of the contract's tests gets it emptied (every row deleted, its
// identities restarted) rather than a database of its own: creating one
// costs a quarter of a second on a server that syncs its WAL, migrating
// one more, and the contract has two hundred tests. The tests of a package
// run one after another, and each closes its store before the next begins.
var migrated struct {
	once  sync.Once
	name  string
	empty string // the statements that empty it
	err   error
}

func emptiedDatabase(t testing.TB) string {
	t.Helper()
	dsn, admin := server(t)
	migrated.once.Do(func() {
		name := fmt.Sprintf("tandem_test_%x", rand.Uint64())
		if _, migrated.err = admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0`); migrated.err != nil {
			return
		}
		migrated.name = name
		db := postgres.NewDB(dsn + " dbname=" + name)
		db.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
		if migrated.err = db.Open(); migrated.err != nil {
			return
		}
		db.Close()
		c, err := sql.Open("pgx", dsn+" dbname="+name)
		if migrated.err = err; err != nil {
			return
		}
		defer c.Close()
		// DELETE rather than TRUNCATE, which makes new files for every table
		// (a tenth of a second a test); foreign keys are not checked while
		// the rows go (session_replication_role), and identities restart.
		migrated.err = c.QueryRow(`SELECT 'SET session_replication_role = replica; ' ||
			(SELECT string_agg('DELETE FROM ' || quote_ident(tablename), '; ') FROM pg_tables
				WHERE schemaname = 'public' AND tablename <> 'schema_migrations') || '; ' ||
			(SELECT string_agg('ALTER SEQUENCE ' || quote_ident(sequencename) || ' RESTART', '; ') FROM pg_sequences
				WHERE schemaname = 'public') || '; RESET session_replication_role'`).Scan(&migrated.empty)
	})
	if migrated.err != nil {
		t.Fatal(migrated.err)
	}
	c, err := sql.Open("pgx", dsn+" dbname="+migrated.name)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Exec(migrated.empty); err != nil {
		t.Fatal(err)
	}
	return dsn + " dbname=" + migrated.name
}

// TestMain drops the contract's database after the tests (on the test
// binary's own server, RunMain has removed it with the server).
func TestMain(m *testing.M) {
	code := pgtest.RunMain(m)
	if dsn := os.Getenv("TANDEM_TEST_PG_DSN"); migrated.name != "" && dsn != "" {
		if admin, err := sql.Open("pgx", dsn); err == nil {
			admin.Exec(`DROP DATABASE ` + migrated.name + ` WITH (FORCE)`)
			admin.Close()
		}
	}
	os.Exit(code)
}

func open(t testing.TB, dsn string) *postgres.DB {
	t.Helper()
	db := postgres.NewDB(dsn)
	db.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Ensure PostgreSQL keeps the whole store contract, as SQLite does.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bot.Store { return open(t, emptiedDatabase(t)) })
}

// Units that race each other under SERIALIZABLE are run again rather than
// failed: eight writers each claim the due jobs and complete what they got,
// many times over, and every job is claimed and completed exactly once with
// no unit failing. Without the retry on SQLSTATE 40001 some of these
// units return "could not serialize access".
func TestUpdate_RacingUnitsAreRunAgain(t *testing.T) {
	db := open(t, emptiedDatabase(t))
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const jobs = 200
	if err := db.Update(context.Background(), func(tx bot.Tx) error {
		for i := range jobs {
			if _, err := tx.ScheduleJob(&bot.Job{Kind: "x", RunAt: now, DedupKey: fmt.Sprint("j", i)}, now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	claimed := claimUntilNone(t, db, 8, func(tx bot.Tx, owner string) (got []*bot.Job, err error) {
		// A read first keeps the unit SERIALIZABLE: one that begins with
		// the claim runs at READ COMMITTED, where SKIP LOCKED keeps
		// claimers apart without retries
		// (TestClaimJobs_ConcurrentClaimersNeverCollide).
		if _, err := tx.NextJobAt(); err != nil {
			return nil, err
		}
		got, err = tx.ClaimJobs(now, time.Hour, owner, 3)
		for _, j := range got {
			if err == nil {
				err = tx.CompleteJob(j.ID, time.Time{}, now)
			}
		}
		return got, err
	})
	if len(claimed) != jobs {
		t.Errorf("%d jobs claimed, want %d", len(claimed), jobs)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("job %d claimed %d times", id, n)
		}
	}
}

// Two replicas that start together apply each migration once: the second
// waits for the first's advisory lock and then finds them recorded.
func TestMigrate_TwoReplicasAtOnce(t *testing.T) {
	dsn := freshDSN(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			db := postgres.NewDB(dsn)
			db.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
			if errs[i] = db.Open(); errs[i] == nil {
				db.Close()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	check, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	var rows, versions int
	if err := check.QueryRowContext(context.Background(),
		`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	files := postgres.Migrations()
	if rows != len(files) || versions != len(files) {
		t.Fatalf("schema_migrations has %d rows, %d versions; want each of the %d migrations once", rows, versions, len(files))
	}
}

// A unit in which a constraint broke is run again with a savepoint around
// each write (safe mode); a Nested part in that run still undoes its own
// writes alone. The unit below catches a foreign-key failure (an account
// linked to nobody), then undoes a nested part, and commits the rest.
func TestUpdate_NestedAfterACaughtConstraint(t *testing.T) {
	db := open(t, emptiedDatabase(t))
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	err := db.Update(ctx, func(tx bot.Tx) error {
		if _, err := tx.ScheduleJob(&bot.Job{Kind: "kept", RunAt: now}, now); err != nil {
			return err
		}
		if err := tx.LinkAccount(424242, bot.Account{Platform: "slack", Workspace: "T1", UserID: "U1"}, "", now); err == nil {
			return fmt.Errorf("linking an account to nobody succeeded")
		}
		if err := tx.Nested(func() error {
			if _, err := tx.ScheduleJob(&bot.Job{Kind: "undone", RunAt: now}, now); err != nil {
				return err
			}
			return fmt.Errorf("undo")
		}); err == nil {
			return fmt.Errorf("Nested hid its part's error")
		}
		_, err := tx.ScheduleJob(&bot.Job{Kind: "after", RunAt: now}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	if err := db.Update(ctx, func(tx bot.Tx) error {
		js, err := tx.ClaimJobs(now, time.Minute, "a", 10)
		for _, j := range js {
			kinds = append(kinds, j.Kind)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kinds, []string{"kept", "after"}) {
		t.Fatalf("jobs after the unit: %v, want [kept after]", kinds)
	}
}
