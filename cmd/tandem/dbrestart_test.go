package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/postgres/pgtest"
)

// lockedBuffer is a log sink two replicas and the test may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// loadCommand is one slash command the load sent, and how it was answered.
type loadCommand struct {
	replica, trigger, title string
	code                    int
	sentAt, at              time.Time // when it was sent, when it was answered
}

// Ensure two replicas on one PostgreSQL recover from the database being
// restarted under load without a restart of their own. Both take signed
// Slack commands continuously; the server is stopped immediately (every
// connection breaks) for a few seconds and started again. While it is down
// every command is answered 200 (stored) or 5xx (Slack redelivers), never
// 200 without its row, and /readyz fails; once it is back, each replica is
// ready again and takes commands without being restarted, an event
// redelivered with its id is applied once, reminders that fell due during
// the outage are delivered once, and one due afterwards is delivered too
// (the job scheduler and the outbox dispatcher still run), an event left
// pending is swept, and the long connection a lease holds closes when the
// lease cannot be renewed and reopens when it can.
func TestDatabaseRestartedUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster of its own")
	}
	cluster := pgtest.StartCluster(t)
	dsn := cluster.FreshDatabase()
	t.Setenv("TANDEM_TEST_RESTART_DSN", dsn)
	fake := newFakeSlack(t)
	clock := &virtualClock{}
	clock.Set(sh(t, "2031-03-04 10:00"))
	logs := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replicas' logs:\n%s\nqueues:\n%s", logs.String(), dumpQueues(dsn))
		}
	})

	// Replica a also holds a long connection (DingTalk Stream) under a
	// lease, short here so that the outage outlasts it.
	ding := dingtalktest.New(t, dingE2EClient, dingE2ESecret)
	stream := fmt.Sprintf(`
dingtalk:
  - {client_id: %s, client_secret: %s, robot_code: %s, workspace: %s, api_url: %q, oapi_url: %q}
`, dingE2EClient, dingE2ESecret, dingE2EClient, dingE2ECorp, ding.URL, ding.URL)
	start := func(name, extra string) *Main {
		t.Helper()
		cfg, err := ParseConfig(strings.NewReader(fmt.Sprintf(`
http: {addr: "127.0.0.1:0"}
storage: {driver: postgres, dsn_env: TANDEM_TEST_RESTART_DSN, path: %q}
console: {enabled: false}
bot: {notify_window: 0s}
slack:
  signing_secret: ${E2E_SLACK_SECRET}
  bot_token: xoxb-e2e
  bot_user_id: UBOT
  api_url: %s/api/
`+extra, filepath.Join(t.TempDir(), "tandem.db"), fake.URL)), env(map[string]string{"E2E_SLACK_SECRET": slackSecret}))
		if err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})).With("replica", name)
		m := &Main{Config: cfg, Log: log, Now: clock.Now, ConnLease: 1500 * time.Millisecond}
		if err := m.Run(); err != nil {
			m.Close()
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	replicas := map[string]*Main{"a": start("a", stream), "b": start("b", "")}
	conn := ding.NextConn(t)
	url := func(r string) string { return replicas[r].Server.URL() }
	command := func(r, text, trigger, user string) (int, string) {
		return deliverSlash(url(r), slash(text, trigger, user, strings.ToLower(user)))
	}
	ready := func(r string) bool {
		resp, err := http.Get(url(r) + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	for r := range replicas {
		waitFor(t, "replica "+r+" ready", func() bool { return ready(r) })
	}

	// Reminders: two fall due during the outage, one after it.
	for _, c := range []struct{ r, text, user string }{
		{"a", "remind me in 10 minutes outage-a", "U1"},
		{"b", "remind me in 10 minutes outage-b", "U2"},
		{"a", "remind me in 60 minutes after-restart", "U1"},
	} {
		if code, resp := command(c.r, c.text, "trig-"+c.text, c.user); code != 200 {
			t.Fatalf("%s: %d %s", c.text, code, resp)
		}
	}

	// The load: each replica takes a command every few milliseconds.
	var (
		mu      sync.Mutex
		sent    []loadCommand
		stop    = make(chan struct{})
		loaders sync.WaitGroup
	)
	stopLoad := sync.OnceFunc(func() { close(stop); loaders.Wait() })
	defer stopLoad() // also when the test fails half-way
	for r := range replicas {
		loaders.Add(1)
		go func() {
			defer loaders.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(15 * time.Millisecond):
				}
				c := loadCommand{replica: r, trigger: fmt.Sprintf("load-%s-%d", r, i), title: fmt.Sprintf("load %s %04d", r, i)}
				var resp string
				c.sentAt = time.Now()
				c.code, resp = command(r, fmt.Sprintf("task new %q", c.title), c.trigger, "U1")
				c.at = time.Now()
				// 200 is "Created", or empty: stored, and answered later
				// through the response_url (processing was slow or failed
				// and the sweep retries it).
				if c.code == 200 && resp != "" && !strings.Contains(resp, "Created #") {
					t.Errorf("%s: 200 without a task: %s", c.title, resp)
				}
				mu.Lock()
				sent = append(sent, c)
				mu.Unlock()
			}
		}()
	}
	acked := func(r string, after time.Time) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, c := range sent {
			if c.replica == r && c.code == 200 && c.at.After(after) {
				n++
			}
		}
		return n
	}
	for r := range replicas {
		waitFor(t, "load on "+r, func() bool { return acked(r, time.Time{}) >= 5 })
	}

	// The database goes away; every connection breaks.
	cluster.Stop()
	stoppedAt := time.Now()
	for r := range replicas {
		waitFor(t, "replica "+r+" not ready while the database is down", func() bool { return !ready(r) })
	}
	// The lease cannot be renewed: the stream is closed before it ends.
	if !conn.Closed(5 * time.Second) {
		t.Error("the stream stayed open while its lease could not be renewed")
	}
	// An event sent now is refused, so that Slack redelivers it.
	event := `{"type":"event_callback","team_id":"T1","event_id":"EvOutage","event":{"type":"app_mention","user":"U1","channel":"C9",
		"text":"<@UBOT> task new \"from the outage\"","ts":"1700000001.000100"}}`
	if code, _ := postNoFatal(url("a")+"/slack/events", "application/json", event, sign(event, time.Now().Unix())); code < 500 {
		t.Errorf("an event while the database is down: %d, want 5xx", code)
	}
	// The first two reminders fall due: the virtual clock jumps, so the
	// schedulers are woken as their timers would have woken them, and
	// their cycles fail while the database is down.
	clock.Set(clock.Now().Add(11 * time.Minute))
	for _, m := range replicas {
		m.Scheduler.Trigger()
	}
	time.Sleep(time.Until(stoppedAt.Add(3 * time.Second)))
	cluster.Start()
	restartedAt := time.Now()
	ding.NextConn(t) // the leader takes its lease again and reconnects
	t.Logf("stream reconnected %v after the server was back", time.Since(restartedAt).Round(time.Millisecond))

	readyAfter := map[string]time.Duration{}
	for r := range replicas {
		waitFor(t, "replica "+r+" ready again", func() bool { return ready(r) })
		readyAfter[r] = time.Since(restartedAt)
	}
	readyAt := time.Now()
	for r := range replicas {
		waitFor(t, "commands on "+r+" after the restart", func() bool { return acked(r, restartedAt) >= 5 })
	}
	stopLoad()
	for r := range replicas {
		first := time.Duration(-1)
		for _, c := range sent {
			if c.replica == r && c.code == 200 && c.at.After(restartedAt) {
				first = c.at.Sub(restartedAt)
				break
			}
		}
		t.Logf("replica %s: ready %v after the server was back, first command acknowledged after %v",
			r, readyAfter[r].Round(time.Millisecond), first.Round(time.Millisecond))
	}

	// Slack redelivers what was refused: the event (twice, to both
	// replicas) and the commands (as a user would try again).
	h := sign(event, time.Now().Unix())
	h.Set("X-Slack-Retry-Num", "1")
	for _, r := range []string{"b", "a"} {
		if code, resp := postNoFatal(url(r)+"/slack/events", "application/json", event, h); code != 200 {
			t.Errorf("the event redelivered to %s: %d %s", r, code, resp)
		}
	}
	refused, during := 0, 0
	codes := map[int]int{}
	for _, c := range sent {
		codes[c.code]++
		if c.at.After(stoppedAt) && c.at.Before(restartedAt) {
			during++
		}
		if c.code == 200 {
			continue
		}
		if c.code < 500 {
			t.Errorf("%s: refused with %d, want a 5xx the platform retries", c.title, c.code)
		}
		if c.sentAt.After(readyAt) {
			t.Errorf("%s: refused with %d after both replicas were ready again", c.title, c.code)
		}
		refused++
		other := map[string]string{"a": "b", "b": "a"}[c.replica]
		if code, resp := command(other, fmt.Sprintf("task new %q", c.title), c.trigger, "U1"); code != 200 {
			t.Errorf("%s redelivered: %d %s", c.title, code, resp)
		}
	}
	if refused == 0 || during == 0 {
		t.Errorf("%d commands sent during the outage, %d refused: the load did not meet the outage", during, refused)
	}
	t.Logf("%d commands sent, %d during the outage, %d refused and redelivered; answers %v", len(sent), during, refused, codes)

	// Every command, acknowledged or redelivered, made its task once.
	pg, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	count := func(title string) int {
		var n int
		if err := pg.QueryRow(`SELECT count(*) FROM tasks WHERE title = $1`, title).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range sent {
		if n := count(c.title); n != 1 {
			t.Errorf("%q (answered %d): %d tasks, want 1", c.title, c.code, n)
		}
	}
	if n := count("from the outage"); n != 1 {
		t.Errorf("the redelivered event made %d tasks, want 1", n)
	}

	// The reminders due during the outage arrive; the next one too, with
	// the loops left to find it on their own.
	delivered := func(marker string) int {
		n := 0
		for _, c := range fake.Calls("chat.postMessage") {
			if strings.Contains(c.Form.Get("text")+c.Form.Get("blocks"), marker) {
				n++
			}
		}
		return n
	}
	for _, marker := range []string{"outage-a", "outage-b"} {
		waitFor(t, "the reminder "+marker, func() bool { return delivered(marker) > 0 })
	}
	t.Logf("reminders due during the outage delivered %v after the server was back", time.Since(restartedAt).Round(time.Millisecond))

	// The inbox sweep still runs: an event left pending (as a failed
	// processing leaves it) is processed without being sent again.
	swept := &bot.Event{Platform: bot.PlatformSlack, Workspace: "T1", DedupKey: "swept-after-restart", ChatID: "C9",
		ChatType: bot.ChatGroup, Sender: bot.Author{UserID: "U1"}, Text: `task new "swept after the restart"`}
	if err := replicas["a"].DB.Update(t.Context(), func(tx bot.Tx) error {
		_, err := tx.InsertInbound(swept, bot.InboxPending, clock.Now().Add(-time.Minute))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pending event swept", func() bool { return count("swept after the restart") == 1 })
	clock.Set(clock.Now().Add(50 * time.Minute))
	for _, m := range replicas {
		m.Scheduler.Trigger() // the virtual clock jumped; a real one would be waited for
	}
	waitFor(t, "the reminder due after the restart", func() bool { return delivered("after-restart") > 0 })
	for _, marker := range []string{"outage-a", "outage-b", "after-restart"} {
		if n := delivered(marker); n != 1 {
			t.Errorf("reminder %s delivered %d times, want once", marker, n)
		}
	}
}

// dumpQueues lists the jobs and the unsent messages, for a failing test.
func dumpQueues(dsn string) string {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, kind, state, run_at, attempts, lease_owner, lease_until, last_error FROM jobs WHERE kind NOT LIKE 'system/%' ORDER BY id`,
		`SELECT id, state, destination, attempts, next_attempt_at, lease_owner, lease_until, last_error FROM outbox WHERE state <> 'sent' ORDER BY id`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			return err.Error()
		}
		for rows.Next() {
			v := make([]any, 8)
			p := make([]any, 8)
			for i := range v {
				p[i] = &v[i]
			}
			rows.Scan(p...)
			fmt.Fprintln(&b, v...)
		}
		rows.Close()
	}
	return b.String()
}
