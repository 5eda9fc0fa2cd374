package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot"
)

// The month end-to-end test (issue 16) generates a month of cross-
// department work through the four platforms' real adapters on the
// virtual clock, then checks the numbers Tandem gives about it — the usage
// figures, the who-works-with-whom matrix and the tickets' export — against
// what was generated. Three departments, two or three people each, every
// platform used by two of them:
//
//	rita  Slack    U1      Sales        admin  en
//	sam   Slack    U2      Engineering         en
//	olga  Feishu   ou_olga Engineering  head, admin
//	fay   Feishu   ou_fay  Support
//	hank  WeCom    hank    Support      head, admin
//	wendy WeCom    wendy   Sales
//	alice DingTalk staff1  Sales        head, admin
//	dan   DingTalk staff2  Support
type monthPerson struct {
	handle, platform, user, dept string
}

var monthPeople = []monthPerson{
	{"rita", bot.PlatformSlack, "U1", "Sales"},
	{"sam", bot.PlatformSlack, "U2", "Engineering"},
	{"olga", bot.PlatformFeishu, "ou_olga", "Engineering"},
	{"fay", bot.PlatformFeishu, "ou_fay", "Support"},
	{"hank", bot.PlatformWeCom, "hank", "Support"},
	{"wendy", bot.PlatformWeCom, "wendy", "Sales"},
	{"alice", bot.PlatformDingTalk, "staff1", "Sales"},
	{"dan", bot.PlatformDingTalk, "staff2", "Support"},
}

var monthHeads = map[string]string{"Sales": "alice", "Engineering": "olga", "Support": "hank"}

func newMonthWorld(t *testing.T) *meetingWorld {
	t.Helper()
	w := newMeetingWorld(t, "")
	w.yaml = w.appsYAML(", default_tz: Asia/Shanghai") + fmt.Sprintf(`departments:
  - {name: Sales, head: alice}
  - {name: Engineering, head: olga}
  - {name: Support, head: hank}
people:
  - {name: Rita, handle: rita, dept: Sales, role: admin, lang: en, accounts: ["slack:T1:U1"]}
  - {name: Sam, handle: sam, dept: Engineering, lang: en, accounts: ["slack:T1:U2"]}
  - {name: Olga, handle: olga, dept: Engineering, role: admin, lang: zh-CN, accounts: ["feishu:%[1]s:ou_olga"]}
  - {name: Fay, handle: fay, dept: Support, lang: zh-CN, accounts: ["feishu:%[1]s:ou_fay"]}
  - {name: Hank, handle: hank, dept: Support, role: admin, lang: zh-CN, accounts: ["wecom:%[2]s:hank"]}
  - {name: Wendy, handle: wendy, dept: Sales, lang: zh-CN, accounts: ["wecom:%[2]s:wendy"]}
  - {name: Alice, handle: alice, dept: Sales, role: admin, lang: zh-CN, accounts: ["dingtalk:%[3]s:staff1"]}
  - {name: Dan, handle: dan, dept: Support, lang: zh-CN, accounts: ["dingtalk:%[3]s:staff2"]}
calendar: {region: CN}
`, xpFeishuTenant, xpWeComCorp, tkDingCorp)
	return w
}

// monthSays is p's message to the bot on p's platform, through its
// adapter's real intake: a signed Slack app_mention in C9, a signed and
// encrypted Feishu direct message, an encrypted WeCom callback, a DingTalk
// Stream frame.
func monthSays(w *meetingWorld, p monthPerson, text string) {
	w.t.Helper()
	n := w.next()
	switch p.platform {
	case bot.PlatformSlack:
		ev := string(slacktest.Event("T1", fmt.Sprintf("EvMonth%d", n), map[string]any{"type": "app_mention", "user": p.user,
			"channel": "C9", "text": "<@UBOT> " + text, "ts": fmt.Sprintf("1700000001.%06d", n)}))
		if code, resp := post(w.t, w.base+"/slack/events", slacktest.JSONType, ev, sign(ev, time.Now().Unix())); code != 200 {
			w.t.Fatalf("%s's %q: %d %s", p.handle, text, code, resp)
		}
	case bot.PlatformFeishu:
		w.seq-- // feishuSays takes its own number
		w.feishuSays(p.user, "", text)
	case bot.PlatformWeCom:
		if code, resp := postWeCom(w.t, w.base, wecomCallback(w.t, wecomText(p.user, text, 7700000000000000000+int64(n)))); code != 200 {
			w.t.Fatalf("%s's %q: %d %s", p.handle, text, code, resp)
		}
	case bot.PlatformDingTalk:
		msg := dingtalktest.BotMessage{MsgID: fmt.Sprintf("msgMonth%d", n), ConversationID: "cid" + p.user + "==",
			SenderStaffID: p.user, CorpID: tkDingCorp, Text: text}
		w.stream.Send(w.t, "CALLBACK", dingtalktest.TopicBotMessage, fmt.Sprintf("frame-month-%d", n), msg.Data())
		if ack := w.stream.NextAck(w.t, 5*time.Second); ack == nil || ack.Code != 200 {
			w.t.Fatalf("ack of %s's %q: %+v", p.handle, text, ack)
		}
	}
}

// monthHandled waits until the bot has counted n typed events: the count
// is bumped in the unit that handled each, so by then its work is durable.
func monthHandled(w *meetingWorld, n int) {
	w.t.Helper()
	var got int
	if !feishutest.WaitFor(10*time.Second, func() bool {
		w.query(`SELECT COALESCE(SUM(n), 0) FROM usage_counts WHERE kind IN ('command', 'message')`,
			func(r *sql.Rows) error { return r.Scan(&got) })
		return got == n
	}) {
		w.t.Fatalf("the bot counted %d events, want %d", got, n)
	}
}

// monthTally is what the test generated, as the figures should show it.
type monthTally struct {
	events      int
	byPlatform  map[string]int
	byDept      map[string]int
	tasks       map[[2]string]int // creator's department → owner's
	tickets     map[[2]string]int // requester's → handling
	meetings    map[[2]string]int // each unordered pair, both ways
	ticketTitle []string
}

// monthWho is the person with handle.
func monthWho(handle string) monthPerson {
	for _, p := range monthPeople {
		if p.handle == handle {
			return p
		}
	}
	panic(handle)
}

// Ensure a month of work across four platforms and three departments is
// what Tandem's numbers say: `stats month:2026-11` counts every command by
// platform and by department, `matrix month:2026-11` has each pair's tasks,
// tickets and shared meetings, and `export tickets month:2026-11 xlsx`,
// typed by an admin on each platform, arrives there as a file (uploaded,
// then sent) that excelize opens, with a row per ticket, Chinese titles
// included.
func TestMonthOfWorkInTheNumbers(t *testing.T) {
	w := newMonthWorld(t)
	w.startAt(sh(t, "2026-11-02 10:00"))
	rng := rand.New(rand.NewPCG(16, 2026))
	tally := monthTally{byPlatform: map[string]int{}, byDept: map[string]int{}, tasks: map[[2]string]int{},
		tickets: map[[2]string]int{}, meetings: map[[2]string]int{}}
	say := func(p monthPerson, en, zh string) {
		t.Helper()
		text := zh
		if p.platform == bot.PlatformSlack {
			text = en
		}
		monthSays(w, p, text)
		tally.events++
		tally.byPlatform[p.platform]++
		tally.byDept[p.dept]++
		monthHandled(w, tally.events)
	}
	other := func(dept string) monthPerson { // someone of another department
		for {
			if p := monthPeople[rng.IntN(len(monthPeople))]; p.dept != dept {
				return p
			}
		}
	}
	tickets := 0
	days := []int{2, 4, 6, 9, 11, 13, 16, 18, 20, 23, 25, 27}
	for i, day := range days {
		w.jumpTo(sh(t, fmt.Sprintf("2026-11-%02d 10:00", day)))
		// A task for someone of another department.
		creator := monthPeople[rng.IntN(len(monthPeople))]
		owner := other(creator.dept)
		say(creator, fmt.Sprintf(`task new "Follow up %d" @%s`, i+1, owner.handle),
			fmt.Sprintf(`任务 新建 "跟进客户 %d" @%s`, i+1, owner.handle))
		tally.tasks[[2]string{creator.dept, owner.dept}]++
		// A ticket for another department, acknowledged by its head.
		requester := monthPeople[rng.IntN(len(monthPeople))]
		handling := other(requester.dept).dept
		title := fmt.Sprintf("Printer %d jams", i+1)
		if requester.platform != bot.PlatformSlack {
			title = fmt.Sprintf("打印机 %d 卡纸", i+1)
		}
		say(requester, fmt.Sprintf(`ticket open "%s" for:%s`, title, handling), fmt.Sprintf(`工单 新建 「%s」 部门：%s`, title, handling))
		tickets++
		tally.tickets[[2]string{requester.dept, handling}]++
		tally.ticketTitle = append(tally.ticketTitle, title)
		head := monthWho(monthHeads[handling])
		say(head, fmt.Sprintf("ticket ack %d", tickets), fmt.Sprintf("工单 受理 %d", tickets))
		// Every other day, a meeting tomorrow with someone of each other
		// department.
		if i%2 == 0 {
			organizer := monthPeople[rng.IntN(len(monthPeople))]
			depts := map[string]bool{organizer.dept: true}
			var at []string
			for _, d := range []string{"Sales", "Engineering", "Support"} {
				if d == organizer.dept {
					continue
				}
				for {
					if p := other(organizer.dept); p.dept == d {
						at = append(at, "@"+p.handle)
						depts[d] = true
						break
					}
				}
			}
			say(organizer, fmt.Sprintf(`meeting new "Sync %d" tomorrow 15:00 30m %s anyway`, i+1, strings.Join(at, " ")),
				fmt.Sprintf(`会议 新建 「周会 %d」 明天 15:00 30分钟 %s 强制`, i+1, strings.Join(at, " ")))
			for a := range depts {
				for b := range depts {
					if a != b {
						tally.meetings[[2]string{a, b}]++
					}
				}
			}
		}
		monthDrain(w) // the day's notifications go out that day
	}
	t.Logf("generated %d events: %v by platform, %v by department; %d tickets", tally.events, tally.byPlatform, tally.byDept, tickets)
	w.query(`SELECT COUNT(*) FROM meetings`, func(r *sql.Rows) error {
		var n int
		if err := r.Scan(&n); err != nil {
			return err
		}
		if n != (len(days)+1)/2 {
			t.Errorf("%d meetings stored, want %d", n, (len(days)+1)/2)
		}
		return nil
	})

	// December: rita, an admin, reads November's numbers on Slack.
	// The month's notifications go out first.
	w.jumpTo(sh(t, "2026-12-01 10:00"))
	monthDrain(w)
	rita := monthWho("rita")
	monthSays(w, rita, "stats month:2026-11")
	monthDrain(w)
	figures := w.seen("slack:C9", "Figures for", "By platform")
	checkMonthStats(t, figures, tally)
	monthSays(w, rita, "matrix month:2026-11")
	monthDrain(w)
	matrix := w.seen("slack:C9", "Who works with whom", "By pair")
	checkMonthMatrix(t, matrix, tally)

	// An admin on each platform exports November's tickets.
	for _, handle := range []string{"rita", "olga", "hank", "alice"} {
		p := monthWho(handle)
		monthSays(w, p, "export tickets month:2026-11 xlsx")
		monthDrain(w)
		name, data := monthExportArrived(w, p)
		t.Logf("%s: %s, %d bytes", p.platform, name, len(data))
		checkMonthXLSX(t, p.platform, data, tally.ticketTitle)
	}
}

// monthFigure reads "key n" items of a "• Label: a 1, b 2." line.
func monthFigure(t *testing.T, words, label string) map[string]int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^• ` + label + `: (.*)\.$`).FindStringSubmatch(words)
	if m == nil {
		t.Fatalf("no %q in:\n%s", label, words)
	}
	out := map[string]int{}
	for _, item := range strings.Split(m[1], ", ") {
		i := strings.LastIndexByte(item, ' ')
		n, err := strconv.Atoi(item[i+1:])
		if i < 0 || err != nil {
			t.Fatalf("%q in %q", item, m[1])
		}
		out[item[:i]] = n
	}
	return out
}

func checkMonthStats(t *testing.T, words string, tally monthTally) {
	t.Helper()
	t.Logf("stats:\n%s", words)
	want := fmt.Sprintf("Messages: %d, of which commands %d; button clicks 0.", tally.events, tally.events)
	if !strings.Contains(words, want) {
		t.Errorf("the totals: want %q", want)
	}
	if got := monthFigure(t, words, "By platform"); !maps.Equal(got, tally.byPlatform) {
		t.Errorf("by platform %v, generated %v", got, tally.byPlatform)
	}
	if got := monthFigure(t, words, "By department"); !maps.Equal(got, tally.byDept) {
		t.Errorf("by department %v, generated %v", got, tally.byDept)
	}
	tasks := 0
	for _, n := range tally.tasks {
		tasks += n
	}
	if want := fmt.Sprintf("Tasks: %d created, 0 done", tasks); !strings.Contains(words, want) {
		t.Errorf("want %q", want)
	}
}

var monthPairLine = regexp.MustCompile(`(?m)^• (\w+) → (\w+): ([^;\n]*)`)

func checkMonthMatrix(t *testing.T, words string, tally monthTally) {
	t.Helper()
	t.Logf("matrix:\n%s", words)
	words = strings.SplitN(words, "By pair", 2)[1]
	words = strings.SplitN(words, "Slowest to answer", 2)[0]
	type cell struct{ tasks, tickets, meetings int }
	got, want := map[[2]string]cell{}, map[[2]string]cell{}
	for _, m := range monthPairLine.FindAllStringSubmatch(words, -1) {
		var c cell
		for _, part := range strings.Split(m[3], ", ") {
			var n int
			var what string
			if _, err := fmt.Sscanf(part, "%d %s", &n, &what); err != nil {
				t.Fatalf("%q: %v", part, err)
			}
			switch strings.TrimSuffix(what, "s") {
			case "task":
				c.tasks = n
			case "ticket":
				c.tickets = n
			case "meeting":
				c.meetings = n
			}
		}
		got[[2]string{m[1], m[2]}] = c
	}
	for _, pairs := range []map[[2]string]int{tally.tasks, tally.tickets, tally.meetings} {
		for k := range pairs {
			want[k] = cell{tally.tasks[k], tally.tickets[k], tally.meetings[k]}
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("the matrix's pairs %v, generated %v", got, want)
	}
}

// monthDrain moves the clock on a minute at a time until the outbox has
// nothing queued: the platforms pace each chat's messages (Slack's C9,
// hank's on WeCom), which would otherwise take minutes of real time.
func monthDrain(w *meetingWorld) {
	w.t.Helper()
	queued := -1
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		w.query(`SELECT COUNT(*) FROM outbox WHERE state = 'queued'`, func(r *sql.Rows) error { return r.Scan(&queued) })
		if queued == 0 {
			return
		}
		w.jumpTo(w.clock.Now().Add(time.Minute))
		time.Sleep(20 * time.Millisecond)
	}
	w.t.Fatalf("%d messages still queued after 20 s:\n%s", queued, monthQueued(w))
}

// monthQueued lists the outbox's queued messages, for a failure's log.
func monthQueued(w *meetingWorld) string {
	var rows []string
	w.query(`SELECT platform, recipient, destination, next_attempt_at, attempts, last_error FROM outbox WHERE state = 'queued'`, func(r *sql.Rows) error {
		var p, rc, d, e string
		var at, n int64
		if err := r.Scan(&p, &rc, &d, &at, &n, &e); err != nil {
			return err
		}
		rows = append(rows, fmt.Sprintf("%s %s %s at %v (%d attempts) %s", p, rc, d, time.UnixMilli(at).Sub(w.clock.Now()), n, e))
		return nil
	})
	return strings.Join(rows, "\n")
}

// monthExportArrived waits for the spreadsheet sent to p on p's platform,
// checks it was uploaded and then sent as a file, and returns its name
// and bytes.
func monthExportArrived(w *meetingWorld, p monthPerson) (name string, data []byte) {
	t := w.t
	t.Helper()
	xlsx := func(n string) bool { return strings.HasSuffix(n, ".xlsx") }
	ok := feishutest.WaitFor(10*time.Second, func() bool {
		switch p.platform {
		case bot.PlatformSlack:
			for _, f := range w.slack.Files() {
				if xlsx(f.Name) && f.Uploaded && len(f.Shares) == 1 {
					name, data = f.Name, f.Data
					return true
				}
			}
		case bot.PlatformFeishu:
			for _, u := range w.feishu.Uploads() {
				if !xlsx(u.FileName) {
					continue
				}
				for _, m := range w.feishu.Messages() {
					if m.MsgType == "file" && (m.ReceiveID == p.user || w.feishuChat[m.ReplyTo] == p.user) && strings.Contains(m.Content, u.Key) {
						name, data = u.FileName, u.Bytes
						return true
					}
				}
			}
		case bot.PlatformWeCom:
			calls := w.wecom.Calls()
			for i, up := range calls {
				if up.Path != wecomtest.PathMediaUpload || up.Query.Get("type") != "file" || !xlsx(up.FileName) {
					continue
				}
				for _, c := range calls[i+1:] {
					if c.Path == wecomtest.PathSend && c.JSON["msgtype"] == "file" && c.JSON["touser"] == p.user {
						name, data = up.FileName, up.File
						return true
					}
				}
			}
		case bot.PlatformDingTalk:
			for _, f := range w.ding.Files() {
				if f.To == p.user && xlsx(f.FileName) && f.Data != nil {
					name, data = f.FileName, f.Data
					return true
				}
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("%s's export never arrived on %s", p.handle, p.platform)
	}
	return name, data
}

// checkMonthXLSX opens the spreadsheet and finds a row per generated
// ticket, by title.
func checkMonthXLSX(t *testing.T, platform string, data []byte, titles []string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: excelize cannot open the file: %v", platform, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(titles) {
		t.Fatalf("%s: %d rows, want a header and %d tickets:\n%q", platform, len(rows), len(titles), rows)
	}
	var got []string
	col := slices.IndexFunc(rows[0], func(h string) bool { return h == "Title" || h == "标题" })
	if col < 0 {
		t.Fatalf("%s: no title column in %q", platform, rows[0])
	}
	for _, r := range rows[1:] {
		got = append(got, r[col])
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(titles))
	if !slices.Equal(got, want) {
		t.Errorf("%s: titles %q, want %q", platform, got, want)
	}
}
