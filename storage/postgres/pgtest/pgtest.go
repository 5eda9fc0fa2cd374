// Package pgtest gives tests a PostgreSQL to run against: a fresh database
// on a server, or a whole cluster of the test's own, for a test that stops
// and restarts the server under load (a test must never stop a server it
// did not start: other packages' tests use theirs at the same time).
//
// The server of FreshDatabase is TANDEM_TEST_PG_DSN's when that is set (a
// server of the developer's choosing), and otherwise one the test binary
// starts itself, once, from the installed PostgreSQL binaries, and stops
// when its tests end: so plain `go test ./...` runs the PostgreSQL tests on
// any machine with PostgreSQL installed (.ci/run installs it). A package
// that uses it calls RunMain from its TestMain, which is what stops that
// server. Tests are skipped only when neither exists.
package pgtest

import (
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// shared is the server a test binary starts for its tests when no
// TANDEM_TEST_PG_DSN is given.
var shared struct {
	mu      sync.Mutex
	inMain  bool // RunMain is running the tests: it will stop the server
	cluster *Cluster
	err     error // why it could not start; every later test is told the same
}

// RunMain runs a package's tests (call it from TestMain) and then stops
// the server ServerDSN may have started for them.
func RunMain(m *testing.M) int {
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.cluster != nil {
		shared.cluster.stop()
		shared.cluster = nil
	}
	return code
}

// ServerDSN returns the DSN of a server the tests may create databases on:
// TANDEM_TEST_PG_DSN, or the test binary's own server, started at the
// first call. t is skipped when there is neither a DSN nor PostgreSQL's
// binaries.
func ServerDSN(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv("TANDEM_TEST_PG_DSN"); dsn != "" {
		return dsn
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.inMain {
		// Without RunMain nothing would stop the server: it would outlive
		// the test binary, and every run would leave one more behind.
		t.Fatal("pgtest: call pgtest.RunMain from the package's TestMain to use its own server")
	}
	if shared.cluster == nil && shared.err == nil {
		if BinDir() == "" {
			shared.err = errNoBinaries
		} else {
			shared.cluster, shared.err = newCluster()
		}
	}
	if errors.Is(shared.err, errNoBinaries) {
		t.Skip(errNoBinaries.Error() + "; or set TANDEM_TEST_PG_DSN")
	}
	if shared.err != nil {
		t.Fatalf("pgtest: starting a PostgreSQL for the tests: %v", shared.err)
	}
	return shared.cluster.ServerDSN()
}

var errNoBinaries = errors.New("no PostgreSQL server binaries (TANDEM_TEST_PG_BIN, /usr/lib/postgresql/*/bin): .ci/run installs them")

// FreshDatabase creates an empty database on ServerDSN's server, dropped
// when the test ends, and returns its DSN (libpq keywords).
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
	t     testing.TB // nil for the test binary's shared server
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

// StartCluster makes and starts a cluster of t's own, stopped and removed
// when t ends; t is skipped when no PostgreSQL binaries are installed.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	if BinDir() == "" {
		t.Skip(errNoBinaries.Error())
	}
	c, err := newCluster()
	if c != nil {
		t.Cleanup(c.stop)
	}
	if err != nil {
		t.Fatal(err)
	}
	c.t = t
	return c
}

// newCluster makes a cluster and starts it. PostgreSQL refuses to run as
// root, so as root the cluster belongs to the postgres user Debian's
// package makes. On an error after the directory was made, the cluster is
// returned too, for its stop to remove it.
func newCluster() (*Cluster, error) {
	dir, err := os.MkdirTemp("", "tandem-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: BinDir()}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return c, errors.New("running as root and there is no postgres user to run PostgreSQL as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return c, err
		}
		c.runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := c.run("initdb", "-D", c.data(), "-A", "trust", "-U", "tandem", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		return c, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	return c, c.start()
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	argv := append(append(slices.Clone(c.runAs), filepath.Join(c.bin, name)), args...)
	return exec.Command(argv[0], argv[1:]...).CombinedOutput()
}

func (c *Cluster) start() error {
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c max_connections=200", c.dir)
	if out, err := c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-w", "-o", opts, "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s", err, out)
	}
	return nil
}

// stop stops the server, if it runs, and removes its directory.
func (c *Cluster) stop() {
	c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
	os.RemoveAll(c.dir)
}

// Start starts the server (again) and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	if err := c.start(); err != nil {
		c.t.Fatal(err)
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
