package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/postgres"
	"github.com/tandemhq/tandem/storage/storetest"
)

// freshDSN returns a DSN for a new, empty schema of the server named by
// TANDEM_TEST_PG_DSN (.ci/run starts one), dropped when the test ends. The
// test is skipped when no server is given.
func freshDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("TANDEM_TEST_PG_DSN")
	if dsn == "" {
		t.Skip("TANDEM_TEST_PG_DSN is not set: no PostgreSQL to test against (.ci/run starts one)")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("t_%x", rand.Uint64())
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	return dsn + " search_path=" + schema
}

func open(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db := postgres.NewDB(dsn)
	db.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Ensure PostgreSQL keeps the store contract (docs/postgres.md lists the
// parts it does not pass yet, which it declares skipped).
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bot.Store { return open(t, freshDSN(t)) }, notYet...)
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
