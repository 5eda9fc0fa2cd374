package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot"
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
	m      *Main
}

func newTicketWorld(t *testing.T) *ticketWorld {
	t.Helper()
	w := &ticketWorld{t: t, slack: slacktest.NewServer(t), feishu: feishutest.NewServer(t), wecom: wecomtest.New(t),
		ding: dingtalktest.New(t, tkDingClient, tkDingSecret), clock: &virtualClock{}, dir: t.TempDir(), logs: &dirLogs{}}
	w.yaml = fmt.Sprintf(`
http: {addr: "127.0.0.1:0"}
storage: {path: %q}
bot: {notify_window: 0s}  # each notification at once: the test reads them straight away
console: {enabled: false}
slack: {signing_secret: %s, bot_token: xoxb-tk, bot_user_id: UBOT, workspace: T1, api_url: %q}
feishu:
  - {app_id: cli_xp, app_secret: tk-feishu-secret, verification_token: %s, encrypt_key: %s, workspace: %s, host: %q}
%s
dingtalk:
  - {client_id: %[9]s, client_secret: %[10]s, robot_code: %[9]s, workspace: %[11]s, card_template_id: tpl-tk.schema, api_url: %[12]q, oapi_url: %[12]q}
departments:
  - {name: QA, head: hank}
people:
  - {name: Rita, handle: rita, accounts: ["slack:T1:U1"]}
  - {name: Olga, handle: olga, dept: QA, accounts: ["feishu:%[6]s:ou_olga"]}
  - {name: Hank, handle: hank, dept: QA, accounts: ["wecom:%[13]s:hank"]}
  - {name: Alice, handle: alice, role: admin, accounts: ["dingtalk:%[11]s:staff1"]}
tickets:
  routing:
    quality: {dept: QA, owner: olga}
`, filepath.Join(w.dir, "tandem.db"), slackSecret, w.slack.APIURL(),
		xpFeishuToken, xpFeishuKey, xpFeishuTenant, w.feishu.URL,
		xpWeComYAML(w.wecom.URL),
		tkDingClient, tkDingSecret, tkDingCorp, w.ding.URL, xpWeComCorp)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s\nslack:\n%s\nfeishu:\n%s\nwecom:\n%s\ndingtalk:\n%s",
				crashTail(w.logs.String(), 20000), w.slack.Dump(), w.feishu.Dump(), w.wecom.Dump(), w.ding.Dump())
		}
	})
	return w
}

// start runs Main on the world's config, data and clock (again, after a
// stop: a restart on the same database).
func (w *ticketWorld) start() {
	w.t.Helper()
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
	w.m = m
}

// stop closes Main as SIGTERM does.
func (w *ticketWorld) stop() {
	w.t.Helper()
	if err := w.m.Close(); err != nil {
		w.t.Fatalf("close: %v", err)
	}
}

// jumpTo moves the clock to at and wakes the scheduler and the senders, as
// the passing time would once their sleep ended.
func (w *ticketWorld) jumpTo(at time.Time) {
	w.clock.Set(at)
	w.m.Scheduler.Trigger()
	w.m.Dispatcher.Trigger()
}

// settle gives the scheduler and the outbox a moment to act on a jump
// after which nothing is expected: what is due runs within milliseconds,
// so anything wrongly due would show by then.
func (w *ticketWorld) settle() { time.Sleep(250 * time.Millisecond) }

// mention posts rita's signed app_mention in channel C9.
func (w *ticketWorld) mention(eventID, text string) {
	w.t.Helper()
	ev := slacktest.Event("T1", eventID, map[string]any{"type": "app_mention", "user": "U1", "channel": "C9",
		"text": "<@UBOT> " + text, "ts": "1700000001.000100"})
	if code, resp := post(w.t, w.m.Server.URL()+"/slack/events", slacktest.JSONType, string(ev), sign(string(ev), time.Now().Unix())); code != 200 {
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

// escalationEvents are ticket 1's escalation steps on its timeline.
func (w *ticketWorld) escalationEvents() []*ticket.Event {
	var out []*ticket.Event
	dirView(w.t, w.m, func(tx bot.Tx) error {
		evs, err := ticket.From(tx).TicketEvents(1, 500)
		for _, e := range evs {
			if e.Kind == ticket.Escalated {
				out = append(out, e)
			}
		}
		return err
	})
	return out
}

// pendingStep is when ticket 1's escalation job for step n is due, or
// the zero time when none is pending under its own key.
func (w *ticketWorld) pendingStep(n int) time.Time {
	var at time.Time
	dirView(w.t, w.m, func(tx bot.Tx) error {
		jobs, err := tx.FindJobs(bot.JobFilter{DedupKey: fmt.Sprintf("ticket/1/1/step/%d", n), Limit: 1})
		if len(jobs) == 1 {
			at = jobs[0].RunAt
		}
		return err
	})
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
func TestTicketLadderAcrossHolidayAndRestart(t *testing.T) {
	w := newTicketWorld(t)
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
	for _, at := range []string{"2026-09-30 17:01", "2026-09-30 23:00", "2026-10-01 10:00", "2026-10-03 15:00",
		"2026-10-05 09:30", "2026-10-07 17:59", "2026-10-08 09:00", "2026-10-08 14:29"} {
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

	// A restart in the middle of the ladder (an orderly stop; the binary
	// cannot take a virtual clock, so a kill is not walked here): the next
	// step is still pending in the database, at its time.
	w.stop()
	w.start()
	if at := w.pendingStep(2); !atStep(at, steps[1]) {
		t.Fatalf("after the restart the second step's job is due %v, want %v", at, steps[1])
	}
	expect(steps[0].Add(time.Minute), told) // the first step does not come again
	fire(1)
	fire(2)

	// The ladder is done: nothing more, on the next working days either.
	for _, at := range []string{"2026-10-09 18:00", "2026-10-10 10:00", "2026-10-12 10:00", "2026-10-20 10:00"} {
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
