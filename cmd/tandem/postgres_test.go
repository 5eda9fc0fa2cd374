package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/icsfeed"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/storage/postgres/pgtest"
)

// freshPostgres creates an empty database on pgtest's server,
// dropped when the test ends, and returns its DSN; the test is skipped
// without a server.
func freshPostgres(t *testing.T) string { return pgtest.FreshDatabase(t) }

// runConsoleMain runs Main without HTTP (the console in-process) on the
// given storage section, on clock.
func runConsoleMain(t *testing.T, storage string, clock *virtualClock) *Main {
	t.Helper()
	cfg, err := ParseConfig(strings.NewReader(storage+`
people:
  - {name: Alice, handle: alice, accounts: ["console:alice"]}
  - {name: Bob, handle: bob, accounts: ["console:bob"]}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, NoHTTP: true, Now: clock.Now, Log: slog.New(slog.DiscardHandler)}
	if err := m.Run(); err != nil {
		m.Close()
		t.Fatal(err)
	}
	return m
}

// Ensure a SQLite database moves to PostgreSQL with `tandem migrate`, and
// the real Main then runs on PostgreSQL (storage.driver: postgres, the DSN
// from the environment): the task made on SQLite is listed, a new task
// takes the next number, and the reminder set on SQLite fires from
// PostgreSQL's jobs when it falls due. A second migrate into the full
// database is refused.
func TestMigrateThenMainOnPostgres(t *testing.T) {
	dsn := freshPostgres(t)
	t.Setenv("TANDEM_TEST_MAIN_DSN", dsn)
	dir := t.TempDir()
	path := filepath.Join(dir, "tandem.db")
	clock := &virtualClock{}
	clock.Set(sh(t, "2031-03-04 10:00"))
	say := func(m *Main, id, text string) string {
		t.Helper()
		res, err := m.Console.Say(t.Context(), "alice", id, text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		var b strings.Builder
		for _, r := range res.Replies {
			b.WriteString(r.Text + fmt.Sprint(r.Card) + "\n")
		}
		return b.String()
	}

	lite := runConsoleMain(t, fmt.Sprintf("storage: {path: %q}", path), clock)
	say(lite, "l1", `task new "Quarterly report" @alice`)
	say(lite, "l2", "remind me in 20 minutes stretch")
	if err := lite.Close(); err != nil {
		t.Fatal(err)
	}

	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"migrate", "--from", "sqlite:" + path, "--to", "postgres:TANDEM_TEST_MAIN_DSN"}, nil, &out, &errs); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errs.String())
	}
	mustContain(t, out.String(), "tasks", "jobs", "the counts match on both sides")

	pg := runConsoleMain(t, fmt.Sprintf("storage: {driver: postgres, dsn_env: TANDEM_TEST_MAIN_DSN, path: %q}", path), clock)
	defer pg.Close()
	if _, ok := pg.DB.(interface{ Writable(time.Time) error }); ok {
		t.Fatalf("Main opened %T, want the PostgreSQL store", pg.DB)
	}
	if pg.Scheduler.Workers < 2 || lite.Scheduler.Workers != 0 {
		t.Errorf("job workers: %d on PostgreSQL, %d on SQLite; want several, and none (SQLite's writer groups the batch)",
			pg.Scheduler.Workers, lite.Scheduler.Workers)
	}
	if !pg.Dispatcher.SharedLimits || lite.Dispatcher.SharedLimits {
		t.Errorf("rate limits shared on postgres %v, on sqlite %v; want only on postgres", pg.Dispatcher.SharedLimits, lite.Dispatcher.SharedLimits)
	}
	mustContain(t, say(pg, "p1", "task list"), "Quarterly report")
	say(pg, "p2", `task new "Budget" @alice`)
	if err := pg.DB.View(t.Context(), func(tx bot.Tx) error {
		tk, err := task.From(tx).FindTaskByID(2)
		if err == nil && tk.Title != "Budget" {
			err = fmt.Errorf("task 2 is %q, want Budget", tk.Title)
		}
		return err
	}); err != nil {
		t.Fatalf("the first task made on postgres: %v", err)
	}

	clock.Set(clock.Now().Add(21 * time.Minute))
	pg.Scheduler.Trigger()
	var got strings.Builder
	waitFor(t, "the reminder set on SQLite, from PostgreSQL", func() bool {
		msgs, err := pg.Console.Take(t.Context(), "alice", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			got.WriteString(m.Text + fmt.Sprint(m.Card) + "\n")
		}
		return strings.Contains(got.String(), "stretch")
	})

	out.Reset()
	err := run(t.Context(), []string{"migrate", "--from", "sqlite:" + path, "--to", "postgres:TANDEM_TEST_MAIN_DSN"}, nil, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second migrate into the full database: %v, want refused as not empty", err)
	}
}

// Ensure storage.driver chooses between sqlite and postgres, that the
// PostgreSQL DSN comes only from the environment variable storage.dsn_env
// names, and that the tools say what they do with each driver; none of it
// needs a server.
func TestStorageDriverConfig(t *testing.T) {
	parse := func(storage string) (Config, error) {
		return ParseConfig(strings.NewReader("storage: "+storage+"\n"), env(nil))
	}
	if _, err := parse("{driver: mysql}"); err == nil || !strings.Contains(err.Error(), `storage.driver: must be sqlite or postgres, not "mysql"`) {
		t.Errorf("driver mysql: %v", err)
	}
	_, err := parse(`{driver: postgres, dsn_env: "postgres://tandem:secret@db/tandem"}`)
	if err == nil || !strings.Contains(err.Error(), "storage.dsn_env: must name the environment variable") {
		t.Errorf("a DSN in dsn_env: %v, want refused", err)
	}
	cfg, err := parse("{driver: postgres}")
	if err != nil || cfg.Storage.DSNEnv != "TANDEM_PG_DSN" {
		t.Fatalf("driver postgres alone: %v, dsn_env %q; want valid with TANDEM_PG_DSN", err, cfg.Storage.DSNEnv)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "tandem.yaml")
	yaml := fmt.Sprintf("storage: {driver: postgres, dsn_env: TANDEM_TEST_UNSET_DSN, path: %q}\n", filepath.Join(dir, "tandem.db"))
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TANDEM_TEST_UNSET_DSN", "")
	cfg, err = ReadConfigFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, NoHTTP: true, Log: slog.New(slog.DiscardHandler)}
	err = m.Run()
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "the environment variable TANDEM_TEST_UNSET_DSN is empty") {
		t.Errorf("Main on postgres without its DSN: %v", err)
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"config", "check", file}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	mustContain(t, out.String(), ": OK", "note: storage.dsn_env: the environment variable TANDEM_TEST_UNSET_DSN is empty", "driver: postgres")
	err = run(t.Context(), []string{"backup", "--config", file, filepath.Join(dir, "copy.db")}, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "tandem backup copies a SQLite file, and storage.driver is postgres") {
		t.Errorf("backup on postgres: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate"}, "usage: tandem migrate"},
		{[]string{"migrate", "--from", filepath.Join(dir, "tandem.db"), "--to", "postgres:X"}, "want sqlite:PATH"},
		{[]string{"migrate", "--from", "sqlite:" + filepath.Join(dir, "none.db"), "--to", "mysql:X"}, "want postgres:ENV_VAR"},
		{[]string{"migrate", "--from", "sqlite:" + filepath.Join(dir, "none.db"), "--to", "postgres:TANDEM_TEST_UNSET_DSN"},
			"the environment variable TANDEM_TEST_UNSET_DSN is empty"},
		{[]string{"migrate", "--from", "sqlite:" + filepath.Join(dir, "none.db"), "--to", "postgres:host=/nowhere"}, "none.db"},
	} {
		if err := run(t.Context(), c.args, nil, &out, &out); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error with %q", c.args, err, c.want)
		}
	}
}

// Ensure replicas on PostgreSQL share the calendar feed's signing key, so
// a link one hands out is accepted by the other: the first replica's key
// (from its data directory, as a SQLite installation moved by `tandem
// migrate` has one) is kept in the database, and a replica started later
// on another machine, with a different key in its own directory, uses the
// database's. On SQLite the file's key is used as before.
func TestCalendarFeedKey_SharedByReplicasOnPostgres(t *testing.T) {
	t.Setenv("TANDEM_TEST_MAIN_DSN", freshPostgres(t))
	start := func(dir string) *Main {
		t.Helper()
		cfg, err := ParseConfig(strings.NewReader(fmt.Sprintf(`storage: {driver: postgres, dsn_env: TANDEM_TEST_MAIN_DSN, path: %q}
http: {addr: "127.0.0.1:0"}
console: {enabled: false}
`, filepath.Join(dir, "tandem.db"))), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		m := &Main{Config: cfg, Log: slog.New(slog.DiscardHandler)}
		if err := m.Run(); err != nil {
			m.Close()
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	dirA, dirB := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dirA, icsfeed.KeyFile), []byte("key-of-the-migrated-installation\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := start(dirA)
	b := start(dirB)
	if got := string(a.CalendarFeed.Key); got != "key-of-the-migrated-installation" {
		t.Errorf("the first replica's key is %q, want its data directory's", got)
	}
	if !bytes.Equal(a.CalendarFeed.Key, b.CalendarFeed.Key) {
		fileB, _ := os.ReadFile(filepath.Join(dirB, icsfeed.KeyFile))
		t.Errorf("the replicas sign with different keys: %q and %q (b's file: %q)", a.CalendarFeed.Key, b.CalendarFeed.Key, fileB)
	}
}
