package pgtest_test

import (
	"database/sql"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/storage/postgres/pgtest"
)

// TestCluster_RestartBreaksConnectionsAndComesBack proves what the restart
// tests rely on: Stop breaks an open connection, and after Start a new
// one works on the same database with its data kept.
func TestCluster_RestartBreaksConnectionsAndComesBack(t *testing.T) {
	c := pgtest.StartCluster(t)
	dsn := c.FreshDatabase()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE kept (n INT); INSERT INTO kept VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	if err := db.Ping(); err == nil {
		t.Fatal("a ping succeeded while the server was stopped")
	}
	c.Start()
	var n int
	if err := db.QueryRow(`SELECT n FROM kept`).Scan(&n); err != nil || n != 7 {
		t.Fatalf("after restart: n=%d err=%v", n, err)
	}
}

func TestMain(m *testing.M) {
	if os.Getenv(noRunMainEnv) != "" {
		os.Exit(m.Run()) // a child of TestServerDSN_RefusedWithoutRunMain
	}
	os.Exit(pgtest.RunMain(m))
}

const noRunMainEnv = "PGTEST_CHILD_WITHOUT_RUNMAIN"

// Ensure a package that asks for the test binary's own server without
// calling RunMain from its TestMain is told so, rather than left with a
// server nothing stops: this test runs itself again, as a test binary
// whose TestMain does not call RunMain.
func TestServerDSN_RefusedWithoutRunMain(t *testing.T) {
	if os.Getenv(noRunMainEnv) != "" {
		pgtest.ServerDSN(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestServerDSN_RefusedWithoutRunMain$", "-test.count=1")
	cmd.Env = append(os.Environ(), noRunMainEnv+"=1", "TANDEM_TEST_PG_DSN=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "call pgtest.RunMain from the package's TestMain") {
		t.Fatalf("without RunMain: %v\n%s", err, out)
	}
}

// TestFreshDatabase_OwnServerWithoutADSN proves that without
// TANDEM_TEST_PG_DSN the tests still get a server (the test binary's own)
// when PostgreSQL is installed, so `go test ./...` runs them.
func TestFreshDatabase_OwnServerWithoutADSN(t *testing.T) {
	t.Setenv("TANDEM_TEST_PG_DSN", "")
	if pgtest.BinDir() == "" {
		t.Skip("no PostgreSQL binaries here")
	}
	db, err := sql.Open("pgx", pgtest.FreshDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var one int
	if err := db.QueryRow(`SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("the test binary's own server: %d, %v", one, err)
	}
}
