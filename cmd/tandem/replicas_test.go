package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/postgres"
	"github.com/tandemhq/tandem/storage/postgres/pgtest"
)

// The replicas test's leases (storage.leases): short, so that a dead
// replica's work is taken over within the test.
const (
	replWorkLease = 3 * time.Second
	replConnLease = 3 * time.Second
)

// replCmd is one slash command of the replicas test and what its
// deliveries were answered.
type replCmd struct {
	text, title, trigger, user string
	attempts                   int
	created                    bool // answered 200 with "Created" or "Opened"
	dupAck                     bool // a redelivery answered 200 without a reply: stored before
}

// replica is one Tandem process of the replicas test: its own data
// directory, port and configuration, the shared PostgreSQL database.
type replica struct {
	name, addr, cfg string
	srv             *server
}

// replTakeover is a claim a killed replica held: a job or an outgoing
// message leased to it, or the long connection.
type replTakeover struct {
	what   string // "job 12", "message 34", "connection"
	owner  string // the dead process's name in the lease
	killed time.Time
	took   time.Duration // until another process held it; 0 while not yet
}

// Ensure two replicas of the real binary on one PostgreSQL database lose
// nothing and do nothing twice when one of them, chosen at random, is
// killed (SIGKILL) at random moments and restarted, several times, while
// they take commands and reminders and SLA escalations fall due:
//
//   - Slash commands (task new, ticket open) go to the two replicas in
//     turn, as a load balancer sends them; a delivery the replica did not
//     answer (it was killed, or is down) is sent again to the other with
//     the same trigger id, as Slack redelivers. Every command answered
//     "Created"/"Opened", or answered as a duplicate of a stored delivery,
//     made its task or ticket exactly once; an unanswered one at most once.
//   - Every reminder (jobs set before the replicas start, due throughout
//     the run) and every escalation of every ticket (a policy whose ladder
//     tells the owner at 50 % of a 6 s resolution and the head at 100 %)
//     is delivered to its Feishu user exactly once. Feishu deduplicates
//     sends by uuid, and the outbox key gives the uuid: a send a kill
//     caught in flight and the next replica repeated shows nothing new.
//   - Takeover within one lease: every job and message the killed replica
//     held leased is taken by another process (or finished) within the
//     work lease plus a poll, and the DingTalk Stream connection, when the
//     killed replica held it, is opened again within the connection lease
//     plus a retry period (a third of it).
//
// It runs in about 30 s; TANDEM_CRASH_SEED replays a run's kill moments.
func TestReplicasKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("replicas test: runs two replicas through repeated SIGKILLs")
	}
	dsn := pgtest.FreshDatabase(t)
	const (
		runFor       = 16 * time.Second // kills happen during this
		ticketsUntil = 10 * time.Second // tickets opened until then: their escalations fall due within the run's end plus a drain
		senders      = 3
		drainTimeout = 25 * time.Second
		reminders    = 50
		maxTickets   = 12 // each tells its owner and head: a dozen keeps their Feishu lanes short
	)
	rng := killSeed(t)

	t.Setenv("TANDEM_TEST_REPLICA_DSN", dsn)
	t.Setenv("E2E_SLACK_SECRET", slackSecret)
	slack := newFakeSlack(t)
	feishu := feishutest.NewServer(t)
	feishu.SetLatency(150 * time.Millisecond) // kills land inside sends
	ding := dingtalktest.New(t, dingE2EClient, dingE2ESecret)
	connLease := "conn/dingtalk/" + dingE2EClient

	// The Stream connections the replicas open, by time.
	var (
		mu    sync.Mutex
		opens []time.Time
	)
	go func() {
		for range ding.Conns {
			mu.Lock()
			opens = append(opens, time.Now())
			mu.Unlock()
		}
	}()

	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })

	// The reminders are set before the replicas start (the store migrates
	// the database), due over the run.
	begin := time.Now()
	texts := replReminders(t, dsn, reminders, begin.Add(3*time.Second), runFor, rng)

	replicas := make([]*replica, 2)
	for i := range replicas {
		dir := t.TempDir()
		r := &replica{name: string(rune('A' + i)), addr: freeAddr(t), cfg: filepath.Join(dir, "tandem.yaml")}
		yaml := replConfig(r.addr, filepath.Join(dir, "tandem.db"), slack.APIURL(), feishu.URL, ding.URL)
		if err := os.WriteFile(r.cfg, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		r.srv = startCrashServer(t, r.cfg, r.addr)
		replicas[i] = r
	}
	defer func() {
		if t.Failed() {
			for _, r := range replicas {
				t.Logf("replica %s's logs:\n%s", r.name, crashTail(r.srv.logs.String(), 6000))
			}
		}
	}()

	// The senders: commands to the replicas in turn; an unanswered
	// delivery goes again to the other replica with the same trigger.
	var (
		cmds    []*replCmd
		seq     int
		tickets int
	)
	deliver := func(r *replica, c *replCmd) bool {
		code, answer := deliverSlash(r.srv.url, slash(c.text, c.trigger, c.user, c.user))
		mu.Lock()
		defer mu.Unlock()
		c.attempts++
		switch {
		case code != http.StatusOK:
			return false // killed under it, down, or refused: deliver again
		case strings.Contains(answer, "Created") || strings.Contains(answer, "Opened T-"):
			c.created = true
		case c.attempts > 1 && len(answer) == 0:
			c.dupAck = true
		default:
			t.Errorf("command %q answered %d %q", c.text, code, answer)
		}
		return true
	}
	ctx, stopSending := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				seq++
				n := seq
				c := &replCmd{trigger: fmt.Sprintf("repl.%d", n), user: fmt.Sprintf("U%d", g+1)}
				if n%5 == 0 && tickets < maxTickets && time.Since(begin) < ticketsUntil {
					tickets++
					c.title = fmt.Sprintf("repltk-%d", n)
					c.text = fmt.Sprintf(`ticket open "%s" cat:quality p:P2`, c.title)
				} else {
					c.title = fmt.Sprintf("repltask-%d", n)
					c.text = fmt.Sprintf(`task new "%s"`, c.title)
				}
				cmds = append(cmds, c)
				mu.Unlock()
				// The balancer's choice, then the other on each failure;
				// a delivery is given up only after both stayed down for
				// long (the test then fails on the command).
				for i := 0; i < 40 && !deliver(replicas[(n+i)%2], c); i++ {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}

	// The killer: a replica at random, at a random moment; what it held
	// is recorded for the takeover checks, and it is started again. The
	// watcher looks every 50 ms for those claims taken over.
	var takeovers []*replTakeover
	watchCtx, stopWatching := context.WithCancel(context.Background())
	watchDone := make(chan error, 1)
	go func() {
		for {
			mu.Lock()
			tks, seen := append([]*replTakeover(nil), takeovers...), append([]time.Time(nil), opens...)
			mu.Unlock()
			err := replTakeoversSeen(raw, tks, seen)
			if err != nil || watchCtx.Err() != nil {
				watchDone <- err
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	kills := 0
	for time.Since(begin) < runFor {
		time.Sleep(600*time.Millisecond + time.Duration(rng.Int64N(int64(1400*time.Millisecond))))
		victim := replicas[rng.IntN(2)]
		if kills == 0 {
			// The first kill takes the replica holding the Stream
			// connection, so that every run sees it taken over.
			victim = replConnHolder(t, raw, connLease, replicas)
		}
		pid := victim.srv.cmd.Process.Pid
		if err := victim.srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		victim.srv.cmd.Wait()
		killed := time.Now()
		kills++
		held := replHeld(t, raw, pid, connLease, killed)
		mu.Lock()
		takeovers = append(takeovers, held...)
		mu.Unlock()
		// Down for a while: sometimes past the lease, sometimes not.
		time.Sleep(time.Duration(rng.Int64N(int64(2 * replWorkLease))))
		victim.srv = startCrashServer(t, victim.cfg, victim.addr)
	}
	stopSending()
	wg.Wait()

	// Drain: every reminder and every ticket's escalations delivered,
	// nothing left queued.
	deadline := time.Now().Add(drainTimeout)
	for {
		var queued int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'queued'`).Scan(&queued); err != nil {
			t.Fatal(err)
		}
		rem, esc := replDelivered(feishu)
		missing := replMissing(t, raw, texts, rem, esc)
		if queued == 0 && len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained after %s: %d queued messages (%s); missing %v", drainTimeout, queued, replQueued(raw), missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, r := range replicas {
		r.srv.stop(t)
	}
	stopWatching()
	if err := <-watchDone; err != nil {
		t.Fatal(err)
	}

	// Commands: tasks and tickets by title.
	made := map[string]int{}
	for _, q := range []string{`SELECT title, COUNT(*) FROM tasks GROUP BY title`, `SELECT title, COUNT(*) FROM tickets GROUP BY title`} {
		rows, err := raw.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var title string
			var n int
			rows.Scan(&title, &n)
			made[title] += n
		}
		rows.Close()
	}
	outcomes := make([]commandOutcome, len(cmds))
	for i, c := range cmds {
		outcomes[i] = commandOutcome{c.title, c.text, c.attempts, c.created, c.dupAck}
	}
	tally := tallyCommands(t, outcomes, made)

	// Reminders and escalations: exactly once each at Feishu.
	rem, esc := replDelivered(feishu)
	var remOnce, escOnce, dups int
	for _, text := range texts {
		switch n := rem[text]; {
		case n == 1:
			remOnce++
		case n > 1:
			dups += n - 1
			t.Errorf("reminder %s delivered %d times, want once", text, n)
		}
	}
	wantEsc := replTickets(t, raw)
	for _, k := range wantEsc {
		switch n := esc[k]; {
		case n == 1:
			escOnce++
		case n > 1:
			dups += n - 1
			t.Errorf("escalation %s delivered %d times, want once", k, n)
		}
	}
	if len(esc) != len(wantEsc) {
		t.Errorf("%d escalations delivered to %d (ticket, recipient) pairs, want %d: %v", len(esc), len(esc), len(wantEsc), esc)
	}
	var deadJobs, deadMsgs int
	raw.QueryRow(`SELECT COUNT(*) FROM jobs WHERE state = 'dead'`).Scan(&deadJobs)
	raw.QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'dead'`).Scan(&deadMsgs)
	if deadJobs+deadMsgs > 0 {
		t.Errorf("%d dead jobs, %d dead messages after the drain", deadJobs, deadMsgs)
	}

	// Takeovers: each within its lease plus a poll (work) or a retry
	// period (connection).
	var work, conn []time.Duration
	for _, tk := range takeovers {
		limit, list := replWorkLease+replWorkLease/3+time.Second, &work
		if tk.what == "connection" {
			limit, list = replConnLease+replConnLease/3+time.Second, &conn
		}
		switch {
		case tk.took == 0:
			t.Errorf("%s held by the killed %s was never taken over", tk.what, tk.owner)
		case tk.took > limit:
			t.Errorf("%s held by the killed %s taken over after %s, want within %s", tk.what, tk.owner, tk.took.Round(time.Millisecond), limit)
		}
		*list = append(*list, tk.took)
	}

	t.Logf("%d kills of 2 replicas (%d Stream connections opened); run %s",
		kills, len(opens), time.Since(begin).Round(time.Second))
	t.Logf("commands: %d sent (%d of them tickets), %d redelivered; %d acknowledged Created/Opened, %d acknowledged as duplicates of a stored delivery, %d never acknowledged (%d of those made their row)",
		len(cmds), tickets, tally.redelivered, tally.acked, tally.dupAcked, tally.unacked, tally.unackedMade)
	t.Logf("Feishu: %d/%d reminders and %d/%d escalations delivered exactly once, %d duplicates; %d sends repeated a uuid and were deduplicated",
		remOnce, len(texts), escOnce, len(wantEsc), dups, feishu.Repeats())
	t.Logf("takeovers: %d jobs and messages held by a killed replica, taken over after %s; %d Stream connections, reopened after %s",
		len(work), replDurations(work), len(conn), replDurations(conn))
}

// replConfig is a replica's configuration: its address and data
// directory, the shared PostgreSQL database (from
// $TANDEM_TEST_REPLICA_DSN), short leases, Slack for the commands, Feishu
// for the reminders and escalations, DingTalk on Stream for the long
// connection, and a ticket policy that escalates in seconds.
func replConfig(addr, dbPath, slackAPI, feishuURL, dingURL string) string {
	return fmt.Sprintf(`
http: {addr: %q}
storage: {driver: postgres, dsn_env: TANDEM_TEST_REPLICA_DSN, path: %q, leases: {work: %s, connection: %s}}
log: {level: info}
console: {enabled: false}
bot: {notify_window: 0s}
slack:
  signing_secret: ${E2E_SLACK_SECRET}
  bot_token: xoxb-e2e
  bot_user_id: UBOT
  workspace: T1
  api_url: %q
feishu:
  - {app_id: cli_repl, app_secret: repl-secret, verification_token: repl-token, encrypt_key: repl-key, workspace: %s, host: %q}
dingtalk:
  - {client_id: %s, client_secret: %s, robot_code: %s, workspace: %s, card_template_id: tpl.schema, api_url: %q, oapi_url: %q}
departments:
  - {name: QA, head: hank}
people:
  - {name: Olga, handle: olga, dept: QA, accounts: ["feishu:%[5]s:ou_olga"]}
  - {name: Hank, handle: hank, dept: QA, accounts: ["feishu:%[5]s:ou_hank"]}
tickets:
  policies:
    - {name: quick, priority: P2, first_response: 4s, resolution: 6s, clock: wall, ladder: quick}
  ladders:
    - name: quick
      steps:
        - {at: 50%%, target: resolution, notify: [owner]}
        - {at: 100%%, target: resolution, notify: [head]}
  routing:
    quality: {dept: QA, owner: olga}
`, addr, dbPath, replWorkLease, replConnLease, crashFeishuTenant, slackAPI, feishuURL,
		dingE2EClient, dingE2ESecret, dingE2EClient, dingE2ECorp, dingURL, dingURL)
}

// replReminders sets n reminder jobs for n Feishu users, due between from
// and from+over, and returns their texts.
func replReminders(t *testing.T, dsn string, n int, from time.Time, over time.Duration, rng *rand.Rand) []string {
	t.Helper()
	db := postgres.NewDB(dsn)
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var texts []string
	now := time.Now()
	err := db.Update(t.Context(), func(tx bot.Tx) error {
		texts = texts[:0]
		for i := range n {
			person := &bot.Person{Name: fmt.Sprintf("R%d", i), Handle: fmt.Sprintf("r%d", i), DigestOff: true}
			if err := tx.CreatePerson(person, now); err != nil {
				return err
			}
			acct := bot.Account{Platform: bot.PlatformFeishu, Workspace: crashFeishuTenant, UserID: fmt.Sprintf("ou_repl%d", i)}
			if err := tx.LinkAccount(person.ID, acct, person.Name, now); err != nil {
				return err
			}
			text := fmt.Sprintf("replrem-%d-%d", i, rng.IntN(1e6))
			payload, _ := json.Marshal(map[string]any{"text": text, "to_person": person.ID, "set_by": person.ID})
			runAt := from.Add(time.Duration(rng.Int64N(int64(over)))).Truncate(time.Millisecond)
			if _, err := tx.ScheduleJob(&bot.Job{Kind: "reminder", Payload: payload, RunAt: runAt, OwnerID: person.ID}, now); err != nil {
				return err
			}
			texts = append(texts, text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

var (
	replRemText = regexp.MustCompile(`replrem-\d+-\d+`)
	replTkTitle = regexp.MustCompile(`repltk-\d+`)
)

// replDelivered counts what Feishu shows its users: the reminders by text,
// and the escalations by "<ticket title> to <open_id>". A message is
// judged by what it was sent as, not by its current content: the card
// telling the owner of a new ticket is edited to show its escalation.
func replDelivered(api *feishutest.Server) (reminders, escalations map[string]int) {
	reminders, escalations = map[string]int{}, map[string]int{}
	sent := map[string]string{} // uuid → the first send's content
	for _, c := range api.Sends() {
		uuid, _ := c.Body["uuid"].(string)
		if _, ok := sent[uuid]; !ok && uuid != "" {
			content, _ := c.Body["content"].(string)
			sent[uuid] = content
		}
	}
	for _, m := range api.Messages() {
		content, ok := sent[m.UUID]
		if !ok {
			content = m.Content
		}
		if r := replRemText.FindString(content); r != "" {
			reminders[r]++
		}
		if title := replTkTitle.FindString(content); title != "" && escalated(content) {
			escalations[title+" to "+m.ReceiveID]++
		}
	}
	return reminders, escalations
}

// replTickets lists the escalations the tickets in the database are owed:
// the owner (olga) at 50 %, the head (hank) at 100 %.
func replTickets(t *testing.T, raw *sql.DB) []string {
	t.Helper()
	rows, err := raw.Query(`SELECT title FROM tickets WHERE title LIKE 'repltk-%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var title string
		rows.Scan(&title)
		out = append(out, title+" to ou_olga", title+" to ou_hank")
	}
	return out
}

// replMissing lists the reminders and escalations not yet delivered.
func replMissing(t *testing.T, raw *sql.DB, texts []string, rem, esc map[string]int) []string {
	var out []string
	for _, text := range texts {
		if rem[text] == 0 {
			out = append(out, text)
		}
	}
	for _, k := range replTickets(t, raw) {
		if esc[k] == 0 {
			out = append(out, k)
		}
	}
	return out
}

// replHeld lists what the process pid, just killed, held: the jobs and
// outgoing messages leased to it, and the Stream connection's lease.
func replHeld(t *testing.T, raw *sql.DB, pid int, connLease string, killed time.Time) []*replTakeover {
	t.Helper()
	mine := fmt.Sprintf("%%/%d/%%", pid)
	var out []*replTakeover
	for _, q := range []struct{ what, query string }{
		{"job", `SELECT id, lease_owner FROM jobs WHERE state = 'pending' AND lease_until > 0 AND lease_owner LIKE $1`},
		{"message", `SELECT id, lease_owner FROM outbox WHERE state = 'queued' AND lease_until > 0 AND lease_owner LIKE $1`},
	} {
		rows, err := raw.Query(q.query, mine)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var owner string
			rows.Scan(&id, &owner)
			out = append(out, &replTakeover{what: fmt.Sprintf("%s %d", q.what, id), owner: owner, killed: killed})
		}
		rows.Close()
	}
	var holder string
	var until int64
	err := raw.QueryRow(`SELECT holder, held_until FROM leases WHERE name = $1`, connLease).Scan(&holder, &until)
	if err == nil && strings.Contains(holder, fmt.Sprintf("/%d/", pid)) && until > killed.UnixMilli() {
		out = append(out, &replTakeover{what: "connection", owner: holder, killed: killed})
	}
	return out
}

// replTakeoversSeen records, for each claim of a killed replica not yet
// taken over, whether it now is: the row is finished or no longer leased
// to the dead process (another claimed it; nothing else clears a lease);
// the connection was opened again after the kill. It runs every 50 ms.
func replTakeoversSeen(raw *sql.DB, tks []*replTakeover, opens []time.Time) error {
	for _, tk := range tks {
		if tk.took != 0 {
			continue
		}
		kind, id, _ := strings.Cut(tk.what, " ")
		if kind == "connection" {
			for _, at := range opens {
				if at.After(tk.killed) {
					tk.took = at.Sub(tk.killed)
					break
				}
			}
			continue
		}
		q := `SELECT state <> 'pending' OR lease_owner <> $2 FROM jobs WHERE id = $1`
		if kind == "message" {
			q = `SELECT state <> 'queued' OR lease_owner <> $2 FROM outbox WHERE id = $1`
		}
		var taken bool
		if err := raw.QueryRow(q, id, tk.owner).Scan(&taken); err != nil {
			return fmt.Errorf("%s: %w", tk.what, err)
		}
		if taken {
			tk.took = time.Since(tk.killed)
		}
	}
	return nil
}

// replDurations is "median m, max x" of ds.
func replDurations(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return fmt.Sprintf("median %s, max %s", s[len(s)/2].Round(time.Millisecond), s[len(s)-1].Round(time.Millisecond))
}

// replQueued describes the first queued messages, for a failure.
func replQueued(raw *sql.DB) string {
	rows, err := raw.Query(`SELECT key, platform, recipient, attempts, next_attempt_at, lease_owner, lease_until, last_error
		FROM outbox WHERE state = 'queued' ORDER BY id LIMIT 10`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	now := time.Now().UnixMilli()
	for rows.Next() {
		var key, platform, recipient, owner, lastErr string
		var attempts, next, until int64
		rows.Scan(&key, &platform, &recipient, &attempts, &next, &owner, &until, &lastErr)
		fmt.Fprintf(&b, "\n  %s to %s:%s, %d attempts, due in %dms, leased to %q for %dms more, last error %q",
			key, platform, recipient, attempts, next-now, owner, until-now, lastErr)
	}
	return b.String()
}

// replConnHolder is the replica holding the lease of the long connection;
// it waits for one to take it.
func replConnHolder(t *testing.T, raw *sql.DB, lease string, replicas []*replica) *replica {
	t.Helper()
	for deadline := time.Now().Add(2 * replConnLease); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var holder string
		if err := raw.QueryRow(`SELECT holder FROM leases WHERE name = $1 AND held_until > $2`, lease, time.Now().UnixMilli()).Scan(&holder); err != nil {
			continue
		}
		for _, r := range replicas {
			if strings.Contains(holder, fmt.Sprintf("/%d/", r.srv.cmd.Process.Pid)) {
				return r
			}
		}
	}
	t.Fatalf("no replica holds %s", lease)
	return nil
}
