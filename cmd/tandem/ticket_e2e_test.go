package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot/ticket"
)

// The ticket end-to-end tests run Main in-process on a virtual clock
// (Main.Now) against the four platforms' test kits, so that a ticket's SLA
// days pass in seconds while everything else (the adapters' signature
// windows, the fakes, the HTTP requests) keeps real time.

// virtualClock is real time shifted by an offset the test sets: time keeps
// flowing between jumps (so leases, rate-limit buckets and the outbox's
// retries behave as they do in production) and a jump moves everything
// that decides by time at once.
type virtualClock struct {
	mu     sync.Mutex
	offset time.Duration
	// path, when set, is a file Set writes the offset to, for a Tandem
	// process of its own to follow (runTicketChild).
	path string
}

// Now is the clock Main is given.
func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Set makes Now read t from now on (and flow on from there).
func (c *virtualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
	if c.path != "" {
		if err := os.WriteFile(c.path+".tmp", []byte(strconv.FormatInt(int64(c.offset), 10)), 0o644); err != nil {
			panic(err)
		}
		if err := os.Rename(c.path+".tmp", c.path); err != nil {
			panic(err)
		}
	}
}

// load reads the offset from path and reports whether it changed.
func (c *virtualClock) load() bool {
	raw, err := os.ReadFile(c.path)
	if err != nil {
		return false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := c.offset != time.Duration(n)
	c.offset = time.Duration(n)
	return changed
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// sh is a wall time in Asia/Shanghai (bot.default_tz), "2006-01-02 15:04".
func sh(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// The DingTalk app of the ticket tests (stream mode, with a card template,
// as dingE2EConfig).
const (
	tkDingCorp   = "dingcorpTK"
	tkDingClient = "ding-tk"
	tkDingSecret = "ding-tk-secret"
)

// ticketWorld is Tandem with all four platforms, each a test kit's fake,
// and four people, one at home on each: rita (Slack, U1) asks; QA handles,
// olga (Feishu) its member and the owner of quality tickets by routing,
// hank (WeCom) its head; alice (DingTalk) is an admin, "management".
type ticketWorld struct {
	t      *testing.T
	slack  *slacktest.Server
	feishu *feishutest.Server
	wecom  *wecomtest.Server
	ding   *dingtalktest.Server
	clock  *virtualClock
	dir    string
	yaml   string
	logs   *dirLogs
	// Tandem runs in this process (m) or, to be killed, as a process of
	// its own (child, on the clock's file).
	m     *Main
	child *exec.Cmd
	base  string // its HTTP server
}

func newTicketWorld(t *testing.T) *ticketWorld {
	t.Helper()
	w := &ticketWorld{t: t, slack: slacktest.NewServer(t), feishu: feishutest.NewServer(t), wecom: wecomtest.New(t),
		ding: dingtalktest.New(t, tkDingClient, tkDingSecret), clock: &virtualClock{}, dir: t.TempDir(), logs: &dirLogs{}}
	w.yaml = w.appsYAML("") + fmt.Sprintf(`departments:
  - {name: QA, head: hank}
people:
  - {name: Rita, handle: rita, accounts: ["slack:T1:U1"]}
  - {name: Olga, handle: olga, dept: QA, accounts: ["feishu:%[1]s:ou_olga"]}
  - {name: Hank, handle: hank, dept: QA, accounts: ["wecom:%[2]s:hank"]}
  - {name: Alice, handle: alice, role: admin, accounts: ["dingtalk:%[3]s:staff1"]}
tickets:
  routing:
    quality: {dept: QA, owner: olga}
`, xpFeishuTenant, xpWeComCorp, tkDingCorp)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s\nslack:\n%s\nfeishu:\n%s\nwecom:\n%s\ndingtalk:\n%s",
				crashTail(w.logs.String(), 20000), w.slack.Dump(), w.feishu.Dump(), w.wecom.Dump(), w.ding.Dump())
		}
	})
	return w
}

// appsYAML is the head of the world's config: its server and storage, bot
// settings (bot, extra keys of the bot section) and the four platforms'
// apps, each on its fake.
func (w *ticketWorld) appsYAML(bot string) string {
	return fmt.Sprintf(`
http: {addr: "127.0.0.1:0"}
storage: {path: %q}
bot: {notify_window: 0s%s}  # each notification at once: the test reads them straight away
console: {enabled: false}
slack: {signing_secret: %s, bot_token: xoxb-tk, bot_user_id: UBOT, workspace: T1, api_url: %q}
feishu:
  - {app_id: cli_xp, app_secret: tk-feishu-secret, verification_token: %s, encrypt_key: %s, workspace: %s, host: %q}
%s
dingtalk:
  - {client_id: %[10]s, client_secret: %[11]s, robot_code: %[10]s, workspace: %[12]s, card_template_id: tpl-tk.schema, api_url: %[13]q, oapi_url: %[13]q}
`, filepath.Join(w.dir, "tandem.db"), bot, slackSecret, w.slack.APIURL(),
		xpFeishuToken, xpFeishuKey, xpFeishuTenant, w.feishu.URL,
		xpWeComYAML(w.wecom.URL),
		tkDingClient, tkDingSecret, tkDingCorp, w.ding.URL)
}

// start runs Tandem on the world's config, data and clock (again, after a
// stop or a kill: a restart on the same database): in this process, or,
// when the world is to be killed, as a process of its own.
func (w *ticketWorld) start() {
	w.t.Helper()
	if w.clock.path != "" {
		w.startChild()
		return
	}
	cfg, err := ParseConfig(strings.NewReader(w.yaml), env(nil))
	if err != nil {
		w.t.Fatalf("config: %v\n%s", err, w.yaml)
	}
	m := &Main{Config: cfg, Now: w.clock.Now,
		Log: slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if err := m.Run(); err != nil {
		m.Close()
		w.t.Fatalf("run: %v", err)
	}
	w.t.Cleanup(func() { m.Close() })
	w.m, w.base = m, m.Server.URL()
}

// killable makes the world run Tandem as a process of its own, on a fixed
// address, following the clock through a file.
func (w *ticketWorld) killable() {
	w.clock.path = filepath.Join(w.dir, "clock")
	w.yaml = strings.Replace(w.yaml, "127.0.0.1:0", freeAddr(w.t), 1)
	if err := os.WriteFile(filepath.Join(w.dir, "tandem.yaml"), []byte(w.yaml), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// startChild runs this test binary as Tandem (runTicketChild) and waits
// until it is ready.
func (w *ticketWorld) startChild() {
	w.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), ticketChildEnv+"="+w.dir)
	cmd.Stdout, cmd.Stderr = w.logs, w.logs
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	w.child = cmd
	_, addr, _ := strings.Cut(w.yaml, `http: {addr: "`)
	addr, _, _ = strings.Cut(addr, `"`)
	w.base = "http://" + addr
	dirEventually(w.t, "the tandem process is ready", func() (bool, string) {
		resp, err := http.Get(w.base + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
}

// restart stops Tandem, as SIGTERM does, or kills its process (SIGKILL),
// and starts it again on the same data and clock.
func (w *ticketWorld) restart() {
	w.t.Helper()
	if w.child != nil {
		if err := w.child.Process.Signal(syscall.SIGKILL); err != nil {
			w.t.Fatal(err)
		}
		w.child.Wait()
	} else if err := w.m.Close(); err != nil {
		w.t.Fatalf("close: %v", err)
	}
	w.start()
}

// jumpTo moves the clock to at and wakes the scheduler and the senders, as
// the passing time would once their sleep ended (a child process wakes
// its own when it sees the clock's file change).
func (w *ticketWorld) jumpTo(at time.Time) {
	w.clock.Set(at)
	if w.m != nil && w.child == nil {
		w.m.Scheduler.Trigger()
		w.m.Dispatcher.Trigger()
	}
}

// ticketChildEnv names the data directory of a ticket world whose Tandem
// this test binary is to be (TestMain).
const ticketChildEnv = "TANDEM_E2E_TICKET_WORLD"

// runTicketChild is Tandem in a process of its own, as the binary runs it
// but on the world's virtual clock (which the binary cannot take): the
// config and the clock's offset are files in dir; when the offset
// changes, the scheduler and the senders are woken. It runs until it is
// killed.
func runTicketChild(dir string) int {
	clock := &virtualClock{path: filepath.Join(dir, "clock")}
	clock.load()
	raw, err := os.ReadFile(filepath.Join(dir, "tandem.yaml"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg, err := ParseConfig(bytes.NewReader(raw), env(nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	m := &Main{Config: cfg, Now: clock.Now, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if err := m.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for {
		time.Sleep(5 * time.Millisecond)
		if clock.load() {
			m.Scheduler.Trigger()
			m.Dispatcher.Trigger()
		}
	}
}

// settle gives the scheduler and the outbox a moment to act on a jump
// after which nothing is expected: what is due runs within milliseconds,
// so anything wrongly due would show by then.
func (w *ticketWorld) settle() { time.Sleep(150 * time.Millisecond) }

// mention posts rita's signed app_mention in channel C9.
func (w *ticketWorld) mention(eventID, text string) {
	w.t.Helper()
	ev := slacktest.Event("T1", eventID, map[string]any{"type": "app_mention", "user": "U1", "channel": "C9",
		"text": "<@UBOT> " + text, "ts": "1700000001.000100"})
	if code, resp := post(w.t, w.base+"/slack/events", slacktest.JSONType, string(ev), sign(string(ev), time.Now().Unix())); code != 200 {
		w.t.Fatalf("rita's mention %q: %d %s", text, code, resp)
	}
}

// escalated reports whether a message sent to a platform carries an
// escalation ("⏫ T-1 …"), as raw JSON may escape it.
func escalated(raw string) bool {
	return strings.Contains(raw, "⏫") || strings.Contains(strings.ToLower(raw), `\u23eb`)
}

// escalations counts the escalation messages posted (not edits of posted
// cards) on every fake, by recipient: "slack:C9", "feishu:ou_olga",
// "wecom:hank", "dingtalk:<space or users>".
func (w *ticketWorld) escalations() map[string]int {
	out := map[string]int{}
	for _, c := range w.slack.Calls("chat.postMessage", "chat.postEphemeral") {
		if escalated(c.Form.Get("text") + c.Form.Get("blocks")) {
			out["slack:"+c.Form.Get("channel")]++
		}
	}
	for _, c := range w.feishu.Matching(func(c feishutest.Call) bool { return c.Method == "POST" && c.Path == feishutest.PathMessages }) {
		if escalated(string(c.Raw)) {
			out[fmt.Sprint("feishu:", c.Body["receive_id"])]++
		}
	}
	for _, c := range w.wecom.Matching(func(c wecomtest.Call) bool { return c.Path == wecomtest.PathSend }) {
		if escalated(string(c.Raw)) {
			out[fmt.Sprint("wecom:", c.JSON["touser"])]++
		}
	}
	for _, key := range []string{"createAndDeliver", "batchSend"} {
		for _, c := range w.ding.Calls(key) {
			if !escalated(string(c.Body)) {
				continue
			}
			to := fmt.Sprint(c.JSON["openSpaceId"])
			if key == "batchSend" {
				to = fmt.Sprint(c.JSON["userIds"])
			}
			out["dingtalk:"+to]++
		}
	}
	return out
}

// sameCounts says whether two tallies hold the same counts.
func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func countsString(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, m[k])
	}
	return "{" + strings.TrimSpace(b.String()) + "}"
}

// query reads the database while Tandem runs (WAL: readers do not wait
// for its writer), whether it runs here or in a process of its own.
func (w *ticketWorld) query(q string, scan func(*sql.Rows) error, args ...any) {
	w.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(w.dir, "tandem.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		w.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q, args...)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			w.t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		w.t.Fatal(err)
	}
}

// escalationEvents are ticket 1's escalation steps on its timeline.
func (w *ticketWorld) escalationEvents() []*ticket.Event {
	var out []*ticket.Event
	w.query(`SELECT to_value, at FROM ticket_events WHERE ticket_id = 1 AND kind = ? ORDER BY id`, func(r *sql.Rows) error {
		e := &ticket.Event{Kind: ticket.Escalated}
		var at int64
		err := r.Scan(&e.To, &at)
		e.At = time.UnixMilli(at)
		out = append(out, e)
		return err
	}, string(ticket.Escalated))
	return out
}

// pendingStep is when ticket 1's escalation job for step n is due, or
// the zero time when none is pending under its own key.
func (w *ticketWorld) pendingStep(n int) time.Time {
	var at time.Time
	w.query(`SELECT run_at FROM jobs WHERE dedup_key = ? AND state = 'pending'`, func(r *sql.Rows) error {
		var ms int64
		err := r.Scan(&ms)
		at = time.UnixMilli(ms)
		return err
	}, fmt.Sprintf("ticket/1/1/step/%d", n))
	return at
}

// atStep says whether a job's time is step's: the clock counts from the
// instant the ticket opened, a few milliseconds after the minute the
// clock was set to (it flows), so its steps fall as many milliseconds
// after theirs.
func atStep(at, step time.Time) bool {
	return !at.Before(step) && at.Sub(step) < 5*time.Second
}

// slaSteps runs `tandem sla --policy P2 --opened OPENED --config FILE` on
// the world's config and returns its escalation steps' times.
func (w *ticketWorld) slaSteps(opened string) []time.Time {
	w.t.Helper()
	path := filepath.Join(w.dir, "tandem.yaml")
	if err := os.WriteFile(path, []byte(w.yaml), 0o644); err != nil {
		w.t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := runSLA([]string{"--policy", "P2", "--dept", "QA", "--category", "quality", "--opened", opened, "--config", path},
		time.Now(), &out, &errb); err != nil {
		w.t.Fatalf("tandem sla: %v\n%s", err, errb.String())
	}
	var steps []time.Time
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[0] == "step" {
			steps = append(steps, sh(w.t, f[2]+" "+f[3]))
		}
	}
	return steps
}

// Ensure a ticket opened on the afternoon before the 2026 National Day
// holiday and left alone escalates exactly as `tandem sla` says, each step
// exactly once, at its time and never during the holiday, each to its own
// audience on its own platform, across a restart in the middle of the
// ladder. Everything is asserted at the platforms' fakes, the clock
// jumping from just before each step to its time.
//
// rita (Slack) opens a P2 quality ticket at 16:00 on Wed 30 Sep 2026;
// routing gives it to olga (Feishu) in QA, whose head is hank (WeCom). The
// P2 policy (8 business hours to resolve, the default ladder) counts
// 16:00-18:00 that day, nothing from 1 to 7 October (国庆节 and 中秋节),
// then 09:00-12:00 and 13:30-… on Thu 8 October: 75 % (6 h) falls at
// 14:30, 100 % (8 h) at 16:30, and 150 % (12 h) after 7.5 h on the 8th
// and 2.5 h on Fri 9 October, at 11:30.
//
// It runs twice: Tandem in this process, stopped in order and started
// again; and Tandem as a process of its own (this test binary, as the
// binary cannot take a virtual clock), killed with SIGKILL between the
// steps and started again.
func TestTicketLadderAcrossHolidayAndRestart(t *testing.T) {
	t.Run("Restart", func(t *testing.T) { walkLadder(t, newTicketWorld(t)) })
	t.Run("Killed", func(t *testing.T) {
		if testing.Short() {
			t.Skip("runs Tandem as a process and kills it")
		}
		w := newTicketWorld(t)
		w.killable()
		walkLadder(t, w)
	})
}

func walkLadder(t *testing.T, w *ticketWorld) {
	steps := w.slaSteps("2026-09-30 16:00")
	want := []time.Time{sh(t, "2026-10-08 14:30"), sh(t, "2026-10-08 16:30"), sh(t, "2026-10-09 11:30")}
	if len(steps) != 3 || !steps[0].Equal(want[0]) || !steps[1].Equal(want[1]) || !steps[2].Equal(want[2]) {
		t.Fatalf("tandem sla's steps %v, want %v (hand-computed)", steps, want)
	}
	audience := []string{"feishu:ou_olga", "wecom:hank", "dingtalk:dtv1.card//IM_ROBOT.staff1"}

	w.clock.Set(sh(t, "2026-09-30 16:00"))
	w.start()
	w.mention("EvTk1", `ticket open "Batch 2611 labels peel off" cat:quality p:P2 impact:"3 customers"`)
	opened := w.slack.WaitMessages("C9", 1, 5*time.Second)
	if len(opened) != 1 || !strings.Contains(opened[0].Text, "Opened T-1 for QA.") {
		t.Fatalf("rita's answer in C9: %+v", opened)
	}
	dirEventually(t, "olga is told of the new ticket", func() (bool, string) {
		n := len(w.feishu.Matching(feishuCreateTo("ou_olga")))
		return n == 1, fmt.Sprint(n, " messages to olga")
	})
	if at := w.pendingStep(1); !atStep(at, steps[0]) {
		t.Fatalf("the first step's job is due %v, want %v", at, steps[0])
	}

	// expect checks, after the clock jumped to at, that the escalations
	// posted so far are want (each recipient's count), waiting for them when
	// some are due, then a moment more for any that should not come.
	expect := func(at time.Time, want map[string]int) {
		t.Helper()
		w.jumpTo(at)
		deadline := time.Now().Add(8 * time.Second)
		for !sameCounts(w.escalations(), want) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		w.settle()
		if got := w.escalations(); !sameCounts(got, want) {
			t.Fatalf("at %s the escalations posted are %s, want %s", at.Format("Mon 2 Jan 15:04"), countsString(got), countsString(want))
		}
	}
	none := map[string]int{}
	// The first-response target (17:00) passes unanswered: the ladder has
	// no step for it. Then the holiday: nothing, on any day of it.
	for _, at := range []string{"2026-09-30 17:01", "2026-10-01 10:00", "2026-10-05 09:30", "2026-10-07 17:59", "2026-10-08 09:00"} {
		expect(sh(t, at), none)
	}
	told := map[string]int{}
	fire := func(i int) {
		t.Helper()
		expect(steps[i].Add(-time.Minute), told)
		told[audience[i]]++
		expect(steps[i], told)
		evs := w.escalationEvents()
		if len(evs) != i+1 {
			t.Fatalf("escalations on the timeline after step %d: %d", i+1, len(evs))
		}
		// Told at its time: the job ran within the few real seconds the
		// clock flowed since the jump, never before.
		if got := evs[i].At; got.Before(steps[i]) || got.After(steps[i].Add(10*time.Second)) {
			t.Errorf("step %d told at %v, want %v", i+1, got.In(shanghai), steps[i])
		}
		if !strings.HasPrefix(evs[i].To, fmt.Sprintf("%d/3 ", i+1)) {
			t.Errorf("step %d recorded as %q", i+1, evs[i].To)
		}
	}
	fire(0)

	// A restart in the middle of the ladder (an orderly stop, or a kill):
	// the next step is still pending in the database, at its time.
	w.restart()
	if at := w.pendingStep(2); !atStep(at, steps[1]) {
		t.Fatalf("after the restart the second step's job is due %v, want %v", at, steps[1])
	}
	expect(steps[0].Add(time.Minute), told) // the first step does not come again
	fire(1)
	fire(2)

	// The ladder is done: nothing more, on the next working days either.
	for _, at := range []string{"2026-10-10 10:00", "2026-10-12 10:00", "2026-10-20 10:00"} {
		expect(sh(t, at), told)
	}
	// Each step also edited the posted cards: olga's card (her news of the
	// new ticket) now shows the resolution target breached.
	var card string
	for _, m := range w.feishu.Messages() {
		if m.ReceiveID == "ou_olga" && m.MsgType == "interactive" && strings.Contains(m.Content, "T-1") {
			card = m.Content
			break
		}
	}
	if !strings.Contains(card, "BREACHED") {
		t.Errorf("olga's first card after the ladder: %s", card)
	}
}

// cardCopy is one posted copy of ticket 1's card as its platform now shows
// it: where, the status it shows, and the actions of its buttons.
type cardCopy struct {
	where, status string
	actions       []string
}

func (c cardCopy) String() string {
	return fmt.Sprintf("%s: %q %v", c.where, c.status, c.actions)
}

var (
	slackStatus   = regexp.MustCompile(`\*Status\*\\n([^"\\]*)`)
	feishuStatus  = regexp.MustCompile(`\*\*Status\*\*\\n([^"\\]*)`)
	dingStatus    = regexp.MustCompile(`\*\*Status:\*\* ([^\n]*)`)
	slackActions  = regexp.MustCompile(`"action_id":"(ticket\.[a-z]+)"`)
	dingActions   = regexp.MustCompile(`"action":"(ticket\.[a-z]+)"`)
	ticketCardRef = "T-1 Batch 2611"
)

func submatches(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func firstSubmatch(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// wecomCardState is what a WeCom template card call (a send, or an update)
// shows: its Status field and its buttons' actions.
func wecomCardState(c wecomtest.Call) (status string, actions []string) {
	card, _ := c.JSON["template_card"].(map[string]any)
	list, _ := card["horizontal_content_list"].([]any)
	for _, f := range list {
		if m, ok := f.(map[string]any); ok && m["keyname"] == "Status" {
			status = fmt.Sprint(m["value"])
		}
	}
	for _, k := range wecomtest.Buttons(c) {
		action, _, _ := strings.Cut(k, "|")
		actions = append(actions, action)
	}
	return status, actions
}

// cardCopies reads every posted copy of ticket 1's card on the four fakes.
// A WeCom card is what its last successful send or update showed, or,
// when its single-use response code was spent since, the follow-up line
// WeCom's adapter posts instead (status "followed up: <text>").
// isTicketCard tells the ticket's card from the feedback form its close
// sends its requester and owner (commands/feedback), which names it too.
func isTicketCard(s string) bool {
	return strings.Contains(s, ticketCardRef) && !strings.Contains(s, "Feedback on "+ticketCardRef)
}

func (w *ticketWorld) cardCopies(clickCodes map[string]string) []cardCopy {
	wecomCodes := maps.Clone(clickCodes)
	var out []cardCopy
	for _, m := range w.slack.Messages("") {
		if isTicketCard(m.Blocks) {
			out = append(out, cardCopy{"slack:" + m.Channel + "/" + m.TS, firstSubmatch(slackStatus, m.Blocks), submatches(slackActions, m.Blocks)})
		}
	}
	for _, m := range w.feishu.Messages() {
		if m.MsgType == "interactive" && isTicketCard(m.Content) {
			out = append(out, cardCopy{"feishu:" + m.ReceiveID + "/" + m.ID, firstSubmatch(feishuStatus, m.Content), submatches(slackActions, m.Content)})
		}
	}
	for _, c := range w.ding.Cards() {
		if isTicketCard(c.Params["title"]) {
			out = append(out, cardCopy{"dingtalk:" + c.Space + "/" + c.OutTrackID, firstSubmatch(dingStatus, c.Params["markdown"]),
				submatches(dingActions, c.Params["buttons"])})
		}
	}
	// WeCom: each template card is followed through the codes that may
	// update it (wecomCodes: code → the card's task_id).
	latest := map[string]cardCopy{}
	var order []string
	for _, c := range w.wecom.Calls() {
		switch {
		case c.Path == wecomtest.PathSend && c.JSON["msgtype"] == "template_card" && isTicketCard(string(c.Raw)):
			task := fmt.Sprint(c.JSON["template_card"].(map[string]any)["task_id"])
			status, actions := wecomCardState(c)
			latest[task] = cardCopy{fmt.Sprint("wecom:", c.JSON["touser"], "/", task), status, actions}
			order = append(order, task)
			_, rest, _ := strings.Cut(c.Answer, `"response_code":"`)
			code, _, _ := strings.Cut(rest, `"`)
			wecomCodes[code] = task
		case c.Path == wecomtest.PathUpdateCard:
			task := wecomCodes[fmt.Sprint(c.JSON["response_code"])]
			cp, ok := latest[task]
			if !ok {
				continue
			}
			if strings.Contains(c.Answer, `"errcode":0`) {
				cp.status, cp.actions = wecomCardState(c)
			} else {
				cp.status, cp.actions = "code spent", nil
			}
			latest[task] = cp
		case c.Path == wecomtest.PathSend && c.JSON["msgtype"] == "text":
			for _, task := range order {
				cp := latest[task]
				if cp.status == "code spent" && strings.HasPrefix(cp.where, fmt.Sprint("wecom:", c.JSON["touser"], "/")) {
					cp.status = "followed up: " + wecomtest.Shown(c)
					latest[task] = cp
				}
			}
		}
	}
	for _, task := range order {
		out = append(out, latest[task])
	}
	return out
}

// Ensure one ticket's card lives on all four platforms and every posted
// copy shows each change, with the buttons of the new state, whichever
// platform the change came from. rita (Slack) opens a quality ticket in
// channel C9 (her answer is a card); olga (Feishu), its owner by routing,
// is told with a card; hank (WeCom), QA's head, and alice (DingTalk), an
// admin, each look at it (`ticket show 1`), which answers with a card.
// Then, each through a signed request or a click on their own card: olga
// acknowledges (Feishu click), hank waits for the requester (WeCom click),
// rita answers (Slack mention: the clock resumes, in progress), alice
// resolves (DingTalk click over Stream), rita closes (Slack click). After
// each, every copy on every fake (the first four, and the news cards sent
// to olga and rita on the way) shows the new status and exactly the
// buttons of that status (none once closed): Slack by chat.update, Feishu
// by a patch, DingTalk by a card update, WeCom by update_template_card
// while the card's response code is fresh, and else by the follow-up
// line the adapter posts instead, which names the new status.
func TestTicketCardsOnAllFourPlatforms(t *testing.T) {
	w := newTicketWorld(t)
	w.clock.Set(sh(t, "2026-10-08 10:00")) // a Thursday, a working day
	w.start()
	stream := w.ding.NextConn(t)
	clickCodes := map[string]string{} // a WeCom click's response code → the clicked card's task_id

	w.mention("EvCards1", `ticket open "Batch 2611 labels peel off" cat:quality p:P2`)
	msgID := int64(7500000000000000001)
	wecomSay := func(text string) {
		t.Helper()
		msgID++
		if code, resp := postWeCom(t, w.base, wecomCallback(t, wecomText("hank", text, msgID))); code != 200 {
			t.Fatalf("hank's %q: %d %s", text, code, resp)
		}
	}
	wecomSay("ticket show 1")
	show := dingtalktest.BotMessage{MsgID: "msgTK1", ConversationID: "cidAlice==", SenderStaffID: "staff1", CorpID: tkDingCorp,
		Text: "ticket show 1", SessionWebhook: w.ding.URL + "/robot/sendBySession?session=alice", Expires: time.Now().Add(time.Hour)}
	stream.Send(t, "CALLBACK", dingtalktest.TopicBotMessage, "frame-show", show.Data())
	if ack := stream.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 {
		t.Fatalf("ack of alice's message: %+v", ack)
	}

	// allShow waits until there are exactly copies copies and every one
	// shows status with exactly the buttons of actions (a WeCom copy whose
	// code is spent: the follow-up line saying status instead).
	allShow := func(after string, copies int, status string, actions ...string) []cardCopy {
		t.Helper()
		var got []cardCopy
		ok := func() bool {
			got = w.cardCopies(clickCodes)
			if len(got) != copies {
				return false
			}
			for _, c := range got {
				if strings.HasPrefix(c.status, "followed up: ") && strings.Contains(c.status, status) {
					continue
				}
				if c.status != status || !slices.Equal(c.actions, actions) {
					return false
				}
			}
			return true
		}
		deadline := time.Now().Add(8 * time.Second)
		for !ok() && time.Now().Before(deadline) {
			// The platforms' rate limits (one message a second in a
			// Slack chat) pace the edits of the many copies: let the
			// virtual clock run faster while waiting for them.
			time.Sleep(20 * time.Millisecond)
			w.jumpTo(w.clock.Now().Add(time.Second))
		}
		if !ok() {
			t.Fatalf("after %s, want %d copies showing %q with %v; the copies:\n%s", after, copies, status, actions, cardList(got))
		}
		return got
	}
	// The copies: rita's answer in C9, olga's news, hank's and alice's
	// answers; then the news each change brings to olga and rita (not to
	// whoever made it), and rita's answer to her reply in C9.
	copies := allShow("the ticket was opened and looked at", 4, "open", "ticket.ack", "ticket.wait", "ticket.resolve", "ticket.assign")
	find := func(prefix string) cardCopy {
		t.Helper()
		for _, c := range copies {
			if strings.HasPrefix(c.where, prefix) {
				return c
			}
		}
		t.Fatalf("no copy at %s:\n%s", prefix, cardList(copies))
		return cardCopy{}
	}
	ritaCard, olgaCard, hankCard, aliceCard := find("slack:C9/"), find("feishu:ou_olga/"), find("wecom:hank/"), find("dingtalk:")
	after := func(where string) string { _, id, _ := strings.Cut(where, "/"); return id }
	// inPlace checks that hank's WeCom card itself was updated (its code
	// still fresh), not followed up.
	inPlace := func(got []cardCopy, status string) {
		t.Helper()
		for _, c := range got {
			if c.where == hankCard.where && c.status != status {
				t.Errorf("hank's WeCom card shows %q, want %q updated in place", c.status, status)
			}
		}
	}

	// olga acknowledges from her Feishu card.
	body, h := feishuEvent(t, feishuClick("ev-tk-ack", xpFeishuToken, "ou_olga", "ticket.ack", "1", after(olgaCard.where)))
	if code, resp := post(t, w.base+"/feishu/events", "application/json", body, h); code != 200 {
		t.Fatalf("olga's Acknowledge: %d %s", code, resp)
	}
	inPlace(allShow("olga acknowledged", 5, "acknowledged", "ticket.start", "ticket.wait", "ticket.resolve", "ticket.assign"), "acknowledged")

	// hank, QA's head, waits for the requester from his WeCom card: a
	// click with a fresh response code, which updates the card clicked.
	hankTask := after(hankCard.where)
	code := w.wecom.IssueResponseCode()
	clickCodes[code] = hankTask
	cb := xpWeComApp.Callback(t, xpWeComApp.CardClickXML("hank", "ticket.wait|1", hankTask, code, time.Now()), time.Now())
	if status, resp := postWeCom(t, w.base, cb); status != 200 {
		t.Fatalf("hank's Wait: %d %s", status, resp)
	}
	inPlace(allShow("hank put it on wait", 7, "waiting for the requester", "ticket.start", "ticket.resolve"), "waiting for the requester")

	// rita answers in C9: the clock resumes and the ticket is in progress.
	w.mention("EvCards2", "ticket reply 1 photos of the labels attached")
	allShow("rita answered", 9, "in progress", "ticket.resolve", "ticket.wait", "ticket.assign")

	// alice, an admin, resolves from her DingTalk card.
	click := dingtalktest.Click{OutTrackID: after(aliceCard.where), UserID: "staff1", CorpID: tkDingCorp, SpaceID: "cidAlice==",
		Params: map[string]any{"action": "ticket.resolve", "value": "1"}}
	stream.Send(t, "CALLBACK", dingtalktest.TopicCardCallback, "frame-resolve", click.Data())
	if ack := stream.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 {
		t.Fatalf("ack of alice's Resolve: %+v", ack)
	}
	allShow("alice resolved", 11, "resolved", "ticket.close", "ticket.reopen")

	// rita closes from her card in C9.
	ts := after(ritaCard.where)
	form := string(slacktest.Click{User: "U1", UserName: "rita", Channel: "C9", MessageTS: ts, ActionID: "ticket.close", Value: "1",
		Trigger: "tk-close", ResponseURL: w.slack.URL + "/response/tk"}.Body())
	if code, resp := post(t, w.base+"/slack/interactions", slacktest.FormType, form, sign(form, time.Now().Unix())); code != 200 {
		t.Fatalf("rita's Close: %d %s", code, resp)
	}
	allShow("rita closed", 12, "closed")
}

func cardList(cs []cardCopy) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString("  " + c.String() + "\n")
	}
	return b.String()
}

// Ensure the console's mailbox keeps Main's clock: bob's news of a task,
// held for the notification window, is his once the virtual clock has
// passed the window, and not before, though real time never gets there.
func TestConsoleMailboxOnMainClock(t *testing.T) {
	clock := &virtualClock{}
	clock.Set(sh(t, "2031-03-04 10:00")) // years after any real test run
	cfg, err := ParseConfig(strings.NewReader(fmt.Sprintf(`
storage: {path: %q}
bot: {notify_window: 60s}
people:
  - {name: Alice, handle: alice, accounts: ["console:alice"]}
  - {name: Bob, handle: bob, accounts: ["console:bob"]}
`, filepath.Join(t.TempDir(), "tandem.db"))), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, NoHTTP: true, Now: clock.Now, Log: slog.New(slog.DiscardHandler)}
	if err := m.Run(); err != nil {
		m.Close()
		t.Fatal(err)
	}
	defer m.Close()
	ctx := t.Context()
	if _, err := m.Console.Say(ctx, "alice", "line-1", `task new "Quarterly report" @bob`); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Console.Take(ctx, "bob", 0); err != nil || len(got) != 0 {
		t.Fatalf("bob's mailbox within the window: %+v, %v; want nothing yet", got, err)
	}
	clock.Set(clock.Now().Add(61 * time.Second))
	got, err := m.Console.Take(ctx, "bob", 0)
	if err != nil || len(got) != 1 || !strings.Contains(got[0].Text+fmt.Sprint(got[0].Card), "Quarterly report") {
		t.Fatalf("bob's mailbox after the window: %+v, %v; want the news of the task", got, err)
	}
}
