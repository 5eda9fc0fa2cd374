// Package pgtest gives tests a PostgreSQL to run against: a fresh database
// on the server .ci/run starts (TANDEM_TEST_PG_DSN), or a whole cluster of
// the test's own, for a test that stops and restarts the server under load
// (a test must never stop a server it did not start: other packages' tests
// use the shared one at the same time).
//
// Both skip the test when there is nothing to run against: no
// TANDEM_TEST_PG_DSN for FreshDatabase, no PostgreSQL binaries for
// StartCluster.
package pgtest

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// ServerDSN returns TANDEM_TEST_PG_DSN, skipping t when it is not set.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("TANDEM_TEST_PG_DSN")
	if dsn == "" {
		t.Skip("TANDEM_TEST_PG_DSN is not set: no PostgreSQL to test against (.ci/run starts one)")
	}
	return dsn
}

// FreshDatabase creates an empty database on TANDEM_TEST_PG_DSN's server,
// dropped when the test ends, and returns its DSN (libpq keywords).
func FreshDatabase(t testing.TB) string {
	t.Helper()
	return createDatabase(t, ServerDSN(t))
}

func createDatabase(t testing.TB, serverDSN string) string {
	t.Helper()
	admin, err := sql.Open("pgx", serverDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("tandem_t_%x", rand.Uint64())
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", serverDSN)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return serverDSN + " dbname=" + name
}

// Cluster is a PostgreSQL server of the test's own: its data directory in a
// temporary directory, listening only on a unix socket there (no port to
// find free, nothing else can reach it), stopped and removed when the test
// ends. fsync stays on, as on a real server.
type Cluster struct {
	t     testing.TB
	dir   string
	bin   string
	runAs []string // runuser -u postgres -- when the tests run as root
}

// BinDir finds PostgreSQL's server binaries: TANDEM_TEST_PG_BIN, else the
// newest /usr/lib/postgresql/*/bin (Debian's layout); "" when none.
func BinDir() string {
	if d := os.Getenv("TANDEM_TEST_PG_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		return versionOf(a) - versionOf(b)
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// StartCluster makes and starts a cluster; the test is skipped when no
// PostgreSQL binaries are installed. PostgreSQL refuses to run as root, so
// as root the cluster belongs to the postgres user Debian's package makes.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := BinDir()
	if bin == "" {
		t.Skip("no PostgreSQL server binaries (TANDEM_TEST_PG_BIN, /usr/lib/postgresql/*/bin): .ci/run installs them")
	}
	dir, err := os.MkdirTemp("", "tandem-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{t: t, dir: dir, bin: bin}
	t.Cleanup(func() {
		c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := c.run("initdb", "-D", c.data(), "-A", "trust", "-U", "tandem", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.Start()
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	argv := append(append(slices.Clone(c.runAs), filepath.Join(c.bin, name)), args...)
	return exec.Command(argv[0], argv[1:]...).CombinedOutput()
}

// Start starts the server (again) and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c max_connections=200", c.dir)
	if out, err := c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-w", "-o", opts, "start"); err != nil {
		c.t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
}

// Stop stops the server the way a crash or a failover does: immediately,
// without waiting for clients, so that every open connection breaks.
func (c *Cluster) Stop() {
	c.t.Helper()
	if out, err := c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop"); err != nil {
		c.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// ServerDSN is the DSN of the cluster's maintenance database, for creating
// databases on it.
func (c *Cluster) ServerDSN() string {
	return fmt.Sprintf("host=%s user=tandem dbname=postgres sslmode=disable", c.dir)
}

// FreshDatabase creates an empty database on the cluster and returns its
// DSN.
func (c *Cluster) FreshDatabase() string {
	c.t.Helper()
	return createDatabase(c.t, c.ServerDSN())
}

// Log returns the server's log, for a failing test to print.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "log"))
	return string(b)
}
