package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// crashCmd is one slash command of the crash test, with what its
// deliveries were answered.
type crashCmd struct {
	title, trigger, user string
	round                int // the round it was first sent in
	attempts             int
	created              bool // a delivery was answered 200 with "Created"
	dupAck               bool // a redelivery was answered 200 without a reply: stored before
}

// crashReminder is one reminder job inserted into the database while the
// process was down.
type crashReminder struct {
	id    int64
	text  string
	key   string // its outbox key, job<id>/<run_at_ms>
	round int
}

// crashPlatform is where the crash test's reminders are delivered: the
// recipients' accounts, the platform's section of the configuration, and
// what its fake was given. Slash commands always come from Slack.
type crashPlatform struct {
	// config is YAML added to the configuration after the slack section.
	config string
	// account is the account of the i-th recipient of a round.
	account func(round, i int) bot.Account
	// delivered counts the reminders the platform shows its users, by
	// reminder text; requests counts the send requests that carried them
	// (more than delivered when the platform deduplicated some).
	delivered, requests func() map[string]int
}

// crashResult is what a crash run leaves for the platform's own checks.
type crashResult struct {
	reminders []*crashReminder
	inflight  map[string]int // outbox key → kills that caught it claimed and unrecorded
	jobsHeld  int            // reminder jobs found leased by a killed process
}

// inflightRows counts the messages found in flight at all the restarts.
func (r *crashResult) inflightRows() int {
	n := 0
	for _, k := range r.inflight {
		n += k
	}
	return n
}

// Ensure nothing is lost and nothing is done twice when the process is
// killed (SIGKILL, no shutdown) at random moments while it takes commands
// and delivers due reminders to Slack, and restarted each time:
//
//   - Every slash command answered "Created" made its task exactly once; a
//     command never answered made it at most once. Unanswered commands are
//     delivered again, with the same trigger id, in the next round (as a
//     platform redelivers), and a redelivery answered as a duplicate must
//     have made its task exactly once too.
//   - Every reminder that fell due was posted to Slack, none lost.
//   - The process always restarts and becomes ready: a /readyz probe that
//     is taken and not answered within 5 s fails the test with the
//     process's goroutines (SIGQUIT) rather than hanging it.
//
// Duplicates. Slack's chat.postMessage has no idempotency key, and Tandem's
// Slack adapter sends no marker of its own (no client_msg_id, no message
// metadata) that the fake could deduplicate on. A kill after Slack accepted
// a message and before Tandem recorded it as sent therefore leaves the row
// queued, and it is posted again after the restart: at-least-once is the
// best the outbox can do against this API. The test does not hide that: it
// counts the duplicates, and checks each against the outbox state at the
// restarts. A duplicate is only allowed for a row that a killed process had
// claimed and not recorded (leased, still queued), at most once per such
// kill; a duplicate of a row that was recorded as sent, or more duplicates
// than kills caught it in flight, is a bug. Every post must also be counted
// by the row's attempts. The fake Slack answers chat.postMessage after a
// delay, like the real one, so kills do land inside sends.
//
// Leases. A job or message claimed by a killed process stays leased for the
// lease (storage.leases.work, a minute here); the next process takes it
// only then. To keep the test short, each restart expires the leases of the
// dead process (the only writer, now gone) in the file, which is what the
// passing minute would do; the number found is reported as "in flight at
// the kill". TestReplicasKilled instead runs with short leases and times
// the takeover.
//
// TestCrashRestartFeishu is the same run with the reminders going to
// Feishu users, whose API deduplicates sends: there, exactly once.
func TestCrashRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: runs the binary through repeated SIGKILLs")
	}
	fake := newFakeSlack(t)
	p := crashPlatform{
		account: func(round, i int) bot.Account {
			return bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: fmt.Sprintf("UR%dX%d", round, i)}
		},
		delivered: func() map[string]int { return crashPosts(fake) },
		requests:  func() map[string]int { return crashPosts(fake) },
	}
	res := runCrash(t, fake, p)

	// Duplicates only where a kill caught the send in flight.
	posts := crashPosts(fake)
	var lost, dups int
	for _, r := range res.reminders {
		n := posts[r.text]
		switch {
		case n == 0:
			lost++
		case n > 1:
			dups += n - 1
			if n-1 > res.inflight[r.key] {
				t.Errorf("reminder %s posted %d times, but only %d kills caught its send in flight: a duplicate without a cause",
					r.text, n, res.inflight[r.key])
			}
		}
	}
	t.Logf("reminders: %d due, %d posted, %d lost, %d duplicates; at the restarts %d messages were in flight (claimed, not recorded) and %d reminder jobs leased",
		len(res.reminders), len(res.reminders)-lost, lost, dups, res.inflightRows(), res.jobsHeld)
}

// runCrash is the crash test's run: rounds of start, commands and due
// reminders, and a kill; then a last start that drains everything. It
// checks what does not depend on the reminders' platform p: the commands
// and their tasks, that every reminder was delivered at least once and its
// outbox row and job finished, and that no delivery went uncounted by the
// row's attempts. fake is the Slack that takes the commands (and, behind a
// delay on chat.postMessage, the posts).
func runCrash(t *testing.T, fake *slacktest.Server, p crashPlatform) *crashResult {
	t.Helper()
	const (
		rounds       = 8
		perRound     = 5 // reminders inserted before each start
		senders      = 4 // goroutines sending slash commands
		postDelay    = 40 * time.Millisecond
		drainTimeout = 20 * time.Second
	)
	rng := killSeed(t)

	// Slack takes a while to answer a post; the message is in the channel
	// whether or not the caller is still there to read the answer.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat.postMessage") {
			time.Sleep(postDelay)
		}
		fake.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)

	dir := t.TempDir()
	addr := freeAddr(t)
	dbPath := filepath.Join(dir, "tandem.db")
	cfg := filepath.Join(dir, "tandem.yaml")
	// Each start runs with the next synchronous mode, so that every run
	// kills and recovers both.
	configure := func(synchronous string) {
		if err := os.WriteFile(cfg, crashConfig(addr, dbPath, synchronous, slow.URL, p.config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("E2E_SLACK_SECRET", slackSecret)

	var (
		mu        sync.Mutex
		cmds      []*crashCmd
		reminders []*crashReminder
		inflight  = map[string]int{} // outbox key → kills that caught it claimed and unrecorded
		jobsHeld  int                // reminder jobs found leased by a killed process
		readies   []time.Duration
	)
	deliver := func(base string, c *crashCmd) {
		code, answer := deliverSlash(base, slash(fmt.Sprintf(`task new "%s"`, c.title), c.trigger, c.user, c.user))
		mu.Lock()
		defer mu.Unlock()
		c.attempts++
		switch {
		case code != http.StatusOK:
			// Not acknowledged: killed under it, or refused.
		case strings.Contains(answer, "Created"):
			c.created = true
		case c.attempts > 1 && len(answer) == 0:
			c.dupAck = true
		default:
			t.Errorf("command %q answered %d %q", c.title, code, answer)
		}
	}

	// prepare runs while the process is down: it expires the dead process's
	// leases (recording what they held) and inserts the round's reminders.
	prepare := func(round int, withReminders bool) {
		raw, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		if round > 0 {
			rows, err := raw.Query(`SELECT key FROM outbox WHERE state = 'queued' AND lease_until > 0`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var key string
				rows.Scan(&key)
				inflight[key]++
			}
			rows.Close()
			var held int
			raw.QueryRow(`SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND lease_until > 0 AND kind = 'reminder'`).Scan(&held)
			jobsHeld += held
			for _, q := range []string{
				`UPDATE outbox SET lease_owner = '', lease_until = 0 WHERE state = 'queued' AND lease_until > 0`,
				`UPDATE jobs SET lease_owner = '', lease_until = 0 WHERE state = 'pending' AND lease_until > 0`,
			} {
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
		}
		raw.Close()
		if !withReminders {
			return
		}
		db := sqlite.NewDB(dbPath)
		db.Log = slog.New(slog.DiscardHandler)
		if err := db.Open(); err != nil {
			t.Fatalf("open the database after a kill: %v", err)
		}
		defer db.Close()
		now := time.Now()
		err = db.Update(context.Background(), func(tx bot.Tx) error {
			for i := range perRound {
				person := &bot.Person{Name: fmt.Sprintf("R%d-%d", round, i), Handle: fmt.Sprintf("r%dx%d", round, i), DigestOff: true}
				if err := tx.CreatePerson(person, now); err != nil {
					return err
				}
				if err := tx.LinkAccount(person.ID, p.account(round, i), person.Name, now); err != nil {
					return err
				}
				text := fmt.Sprintf("crashrem-%d-%d-%d", round, i, rng.IntN(1e6))
				payload, _ := json.Marshal(map[string]any{"text": text, "to_person": person.ID, "set_by": person.ID})
				runAt := now.Add(300*time.Millisecond + time.Duration(rng.Int64N(int64(1700*time.Millisecond)))).Truncate(time.Millisecond)
				j := &bot.Job{Kind: "reminder", Payload: payload, RunAt: runAt, OwnerID: person.ID}
				if _, err := tx.ScheduleJob(j, now); err != nil {
					return err
				}
				reminders = append(reminders, &crashReminder{id: j.ID, text: text, round: round,
					key: fmt.Sprintf("job%d/%d", j.ID, runAt.UnixMilli())})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	// start runs tandem on the file the last kill left and, once it is
	// ready, has SQLite check the file.
	start := func() *server {
		configure([]string{"full", "normal"}[len(readies)%2])
		begin := time.Now()
		srv := startCrashServer(t, cfg, addr)
		readies = append(readies, time.Since(begin))
		crashIntegrity(t, dbPath, len(readies))
		return srv
	}

	seq := 0
	kills := 0
	for round := range rounds {
		prepare(round, true)
		// Commands left unanswered by the previous kill are delivered again.
		var retry []*crashCmd
		for _, c := range cmds {
			if c.round == round-1 && !c.created && !c.dupAck && c.attempts == 1 {
				retry = append(retry, c)
			}
		}
		began := time.Now()
		srv := start()
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for g := range senders {
			var mine []*crashCmd
			for i := g; i < len(retry); i += senders {
				mine = append(mine, retry[i])
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, c := range mine {
					deliver(srv.url, c)
				}
				for ctx.Err() == nil {
					mu.Lock()
					seq++
					c := &crashCmd{title: fmt.Sprintf("crash-%d-%d-%d", round, g, seq), trigger: fmt.Sprintf("crash.%d", seq),
						user: fmt.Sprintf("U%d", g+1), round: round}
					cmds = append(cmds, c)
					mu.Unlock()
					deliver(srv.url, c)
				}
			}()
		}
		wait := 300*time.Millisecond + time.Duration(rng.Int64N(int64(1200*time.Millisecond)))
		time.Sleep(time.Until(began.Add(wait)))
		// No new commands from now on; those in flight are killed under.
		cancel()
		if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		srv.cmd.Wait()
		kills++
		wg.Wait()
	}

	// The last start: no kill, everything due drains.
	prepare(rounds, false)
	srv := start()
	deadline := time.Now().Add(drainTimeout)
	for {
		queued, due := crashBacklog(t, dbPath)
		if queued == 0 && due == 0 && len(crashUnposted(p.delivered(), reminders)) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained after %s: %d queued messages, %d due jobs, unposted reminders %v\n%s",
				drainTimeout, queued, due, crashUnposted(p.delivered(), reminders), crashTail(srv.logs.String(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.stop(t)

	// Reminders: each delivered at least once, and each request counted by
	// the row's attempts; how many times is the platform's to check.
	delivered, requests := p.delivered(), p.requests()
	raw, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, r := range reminders {
		n := delivered[r.text]
		var state string
		var attempts int
		if err := raw.QueryRow(`SELECT state, attempts FROM outbox WHERE key = ?`, r.key).Scan(&state, &attempts); err != nil {
			t.Errorf("reminder %s (%s): no outbox row: %v", r.text, r.key, err)
		} else if state != "sent" {
			t.Errorf("reminder %s: outbox row %s", r.text, state)
		}
		var jobState string
		raw.QueryRow(`SELECT state FROM jobs WHERE id = ?`, r.id).Scan(&jobState)
		if jobState != "done" {
			t.Errorf("reminder job %d: %s, want done", r.id, jobState)
		}
		if n == 0 {
			t.Errorf("reminder %s (round %d) was never delivered", r.text, r.round)
		}
		if m := requests[r.text]; m > attempts {
			t.Errorf("reminder %s sent %d times in %d recorded attempts", r.text, m, attempts)
		}
	}
	for text := range requests {
		if strings.HasPrefix(text, "crashrem-") && !crashSetText(reminders, text) {
			t.Errorf("posted a reminder nobody set: %q", text)
		}
	}
	var deadJobs, deadMsgs int
	raw.QueryRow(`SELECT COUNT(*) FROM jobs WHERE state = 'dead'`).Scan(&deadJobs)
	raw.QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'dead'`).Scan(&deadMsgs)
	if deadJobs+deadMsgs > 0 {
		t.Errorf("%d dead jobs, %d dead messages after the drain", deadJobs, deadMsgs)
	}

	// Tasks: by title, after the final shutdown.
	made := map[string]int{}
	rows, err := raw.Query(`SELECT title, COUNT(*) FROM tasks GROUP BY title`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var title string
		var n int
		rows.Scan(&title, &n)
		made[title] = n
	}
	rows.Close()
	outcomes := make([]commandOutcome, len(cmds))
	for i, c := range cmds {
		outcomes[i] = commandOutcome{c.title, c.title, c.attempts, c.created, c.dupAck}
	}
	tally := tallyCommands(t, outcomes, made)

	sorted := append([]time.Duration(nil), readies...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	t.Logf("%d kills, %d starts (synchronous full and normal in turn), all ready and passing integrity_check (restart to ready: median %s, max %s)",
		kills, len(readies), sorted[len(sorted)/2].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond))
	t.Logf("commands: %d sent (%d redelivered); %d acknowledged Created, %d acknowledged as duplicates of a stored delivery, %d never acknowledged (%d of those made their task, committed before the kill)",
		len(cmds), tally.redelivered, tally.acked, tally.dupAcked, tally.unacked, tally.unackedMade)
	return &crashResult{reminders: reminders, inflight: inflight, jobsHeld: jobsHeld}
}

// crashConfig is the configuration of a crash test's tandem: the HTTP
// address, the database and its synchronous mode, Slack (commands signed with
// slackSecret from $E2E_SLACK_SECRET, the Web API at api) and extra YAML.
func crashConfig(addr, dbPath, synchronous, api, extra string) []byte {
	return []byte(fmt.Sprintf(`
http: {addr: "%s"}
storage: {path: "%s", synchronous: %s}
log: {level: info}
console: {enabled: false}
slack:
  signing_secret: ${E2E_SLACK_SECRET}
  bot_token: xoxb-e2e
  bot_user_id: UBOT
  api_url: %s/api/
`, addr, dbPath, synchronous, api) + extra)
}

// crashIntegrity runs SQLite's integrity check on the file, read-only,
// beside the running process.
func crashIntegrity(t *testing.T, path string, start int) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var check string
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("start %d: integrity check: %q, %v", start, check, err)
	}
}

// crashBacklog counts the queued messages and the due pending jobs.
func crashBacklog(t *testing.T, path string) (queued, due int) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'queued'`).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND run_at <= ?`, time.Now().UnixMilli()).Scan(&due); err != nil {
		t.Fatal(err)
	}
	return queued, due
}

// crashPosts counts the reminders the fake Slack was given, by reminder text.
func crashPosts(f *slacktest.Server) map[string]int {
	out := map[string]int{}
	for _, c := range f.Calls("chat.postMessage") {
		if text, ok := strings.CutPrefix(c.Form.Get("text"), "⏰ Reminder: "); ok {
			out[text]++
		}
	}
	return out
}

// crashUnposted lists the reminders not delivered, given the deliveries by
// reminder text.
func crashUnposted(posts map[string]int, rs []*crashReminder) []string {
	var out []string
	for _, r := range rs {
		if posts[r.text] == 0 {
			out = append(out, r.text)
		}
	}
	return out
}

func crashSetText(rs []*crashReminder, text string) bool {
	for _, r := range rs {
		if r.text == text {
			return true
		}
	}
	return false
}

func crashTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// startCrashServer is startServer (the same probe: GET /readyz every 20 ms
// until it answers 200, for at most 15 s) with a watchdog: a process that
// accepts the probe and never answers it fails the test with its goroutines
// (SIGQUIT) instead of hanging it.
func startCrashServer(t *testing.T, cfg, addr string) *server {
	t.Helper()
	s := &server{url: "http://" + addr, logs: &bytes.Buffer{}}
	s.cmd = exec.Command(binary, "--config", cfg)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	dump := func(format string, args ...any) {
		t.Helper()
		s.cmd.Process.Signal(syscall.SIGQUIT)
		s.cmd.Wait()
		t.Fatalf(format+"; its goroutines and logs:\n%s", append(args, s.logs)...)
	}
	var last string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		answer := make(chan string, 1)
		go func() {
			resp, err := http.Get(s.url + "/readyz")
			if err != nil {
				answer <- err.Error()
				return
			}
			resp.Body.Close()
			answer <- resp.Status
		}()
		select {
		case last = <-answer:
		case <-time.After(5 * time.Second):
			dump("tandem took /readyz and did not answer it in 5 s")
		}
		if strings.HasPrefix(last, "200") {
			return s
		}
		if time.Now().After(deadline) {
			dump("tandem did not become ready in 15 s (last probe: %s)", last)
		}
	}
}

// commandOutcome is what a kill test knows of one command it sent: the
// title of the row it makes, how it reads in a failure, how often it was
// delivered, and how it was answered.
type commandOutcome struct {
	title, label string
	attempts     int
	created      bool // a delivery was answered 200 with the row's confirmation
	dupAck       bool // a redelivery was answered 200 without a reply: stored before
}

// commandTally counts the commands of a kill test by how they were
// answered.
type commandTally struct{ acked, dupAcked, unacked, unackedMade, redelivered int }

// tallyCommands checks the kill tests' promise on commands against made,
// the rows per title after the run: every acknowledged command made its
// row exactly once, an unacknowledged one at most once, and no row was
// made that no command asked for.
func tallyCommands(t *testing.T, cmds []commandOutcome, made map[string]int) commandTally {
	t.Helper()
	var n commandTally
	asked := map[string]bool{}
	for _, c := range cmds {
		asked[c.title] = true
		if c.attempts > 1 {
			n.redelivered++
		}
		rows := made[c.title]
		switch {
		case c.created || c.dupAck:
			if c.created {
				n.acked++
			} else {
				n.dupAcked++
			}
			if rows != 1 {
				t.Errorf("acknowledged command %q (attempts %d) made %d rows, want 1", c.label, c.attempts, rows)
			}
		default:
			n.unacked++
			n.unackedMade += rows
			if rows > 1 {
				t.Errorf("unacknowledged command %q made %d rows, want at most 1", c.label, rows)
			}
		}
	}
	for title := range made {
		if !asked[title] {
			t.Errorf("%q made, and no command asked for it", title)
		}
	}
	return n
}

// killSeed is the random source of a kill test: a new seed each run,
// logged, or TANDEM_CRASH_SEED's. The seed picks the kill moments and due
// times; the interleavings still vary from run to run.
func killSeed(t *testing.T) *rand.Rand {
	t.Helper()
	seed := rand.Uint64()
	if s := os.Getenv("TANDEM_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("TANDEM_CRASH_SEED: %v", err)
		}
	}
	t.Logf("seed %d (TANDEM_CRASH_SEED=%d replays it)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x5eed))
}
