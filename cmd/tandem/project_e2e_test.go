package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/workcal"
)

// The projects end-to-end test (issue 20) runs Main in this process on the
// virtual clock against the four platforms' test kits (the meeting tests'
// world), with three departments:
//
//	olga  Feishu   ou_olga  Design, its head        zh   creates the project
//	fay   Feishu   ou_fay   Design                  zh
//	rita  Slack    U1       Sales, its head         en
//	hank  WeCom    hank     Engineering, its head   zh   the project's lead
//	alice DingTalk staff1   Engineering             zh
//
// The project is bound to Design's Feishu group (oc_design), where olga
// creates it.

// projectWorld is the meeting world with the project's people.
func newProjectWorld(t *testing.T) *meetingWorld {
	t.Helper()
	w := newMeetingWorld(t, "")
	w.yaml = w.appsYAML(", default_tz: Asia/Shanghai, default_lang: zh-CN") + fmt.Sprintf(`departments:
  - {name: Design, head: olga}
  - {name: Sales, head: rita}
  - {name: Engineering, head: hank}
people:
  - {name: Olga, handle: olga, dept: Design, lang: zh-CN, accounts: ["feishu:%[1]s:ou_olga", "console:olga"]}
  - {name: Fay, handle: fay, dept: Design, lang: zh-CN, accounts: ["feishu:%[1]s:ou_fay"]}
  - {name: Rita, handle: rita, dept: Sales, lang: en, accounts: ["slack:T1:U1"]}
  - {name: Hank, handle: hank, dept: Engineering, lang: zh-CN, accounts: ["wecom:%[2]s:hank"]}
  - {name: Alice, handle: alice, dept: Engineering, lang: zh-CN, accounts: ["dingtalk:%[3]s:staff1"]}
calendar: {region: CN}
projects: {review: "fri 16:00", check_at: "09:30"}
`, xpFeishuTenant, xpWeComCorp, tkDingCorp)
	// olga keeps the plan at her desk: the console answers a line in the
	// same call (Feishu's would come through the outbox, five a second).
	w.yaml = strings.Replace(w.yaml, "console: {enabled: false}", "console: {enabled: true}", 1)
	return w
}

// olgaTypes is olga's line at the console, and its answer.
func olgaTypes(w *meetingWorld, text string) string {
	w.t.Helper()
	res, err := w.m.Console.Say(context.Background(), "olga", fmt.Sprintf("pj-%d", w.next()), text)
	if err != nil || !res.Done {
		w.t.Fatalf("olga's %q: %v (done %v)", text, err, res.Done)
	}
	var out []string
	for _, m := range res.Replies {
		raw, _ := json.Marshal(m) // the words and any card's fields
		out = append(out, string(raw))
	}
	return strings.Join(out, "\n")
}

// olgaSays posts olga's message in her direct chat and waits for Tandem's
// answer to it (commands that follow depend on what it did); it returns
// the answers' contents.
func olgaSays(w *meetingWorld, text string) string {
	w.t.Helper()
	w.feishuSays("ou_olga", "", text)
	msgID := fmt.Sprintf("om_mt_%d", w.seq)
	var got []string
	if !feishutest.WaitFor(8*time.Second, func() bool {
		got = got[:0]
		for _, m := range w.feishu.Messages() {
			if m.ReplyTo == msgID || (m.ReceiveID == "ou_olga" && strings.Contains(m.UUID, msgID)) {
				got = append(got, m.Content)
			}
		}
		return len(got) > 0
	}) {
		w.t.Fatalf("olga's %q has no answer; she has:\n%s", text, strings.Join(w.shown("feishu:ou_olga"), "\n---\n"))
	}
	return strings.Join(got, "\n")
}

// dingSays is alice's one-to-one message to the DingTalk robot, over Stream.
func dingSays(w *meetingWorld, text string) {
	w.t.Helper()
	n := w.next()
	msg := dingtalktest.BotMessage{MsgID: fmt.Sprintf("msgPJ%d", n), ConversationID: "cidAlice==", SenderStaffID: "staff1",
		CorpID: tkDingCorp, Text: text}
	w.stream.Send(w.t, "CALLBACK", dingtalktest.TopicBotMessage, fmt.Sprintf("frame-pj-%d", n), msg.Data())
	if ack := w.stream.NextAck(w.t, 5*time.Second); ack == nil || ack.Code != 200 {
		w.t.Fatalf("ack of alice's %q: %+v", text, ack)
	}
}

// sentPicture is one picture a fake received: the PNG uploaded and the
// positions, among the fake's calls, of its upload and of the message that
// shows it.
type sentPicture struct {
	PNG            []byte
	Upload, Send   int
	Key, Recipient string
}

// feishuPictures are the image messages sent to (or in reply to) to.
func feishuPictures(w *meetingWorld, to string) []sentPicture {
	calls := w.feishu.Calls()
	uploads := map[string]int{} // image_key → the upload's call
	var out []sentPicture
	for i, c := range calls {
		if c.Path == feishutest.PathImages {
			if _, key, ok := strings.Cut(c.Answer, `"image_key":"`); ok {
				key, _, _ = strings.Cut(key, `"`)
				uploads[key] = i
			}
		}
	}
	keyOf := map[string][]byte{}
	for _, u := range w.feishu.Uploads() {
		keyOf[u.Key] = u.Bytes
	}
	for i, c := range calls {
		if c.Method != "POST" || !strings.HasPrefix(c.Path, "/open-apis/im/v1/messages") || c.Body["msg_type"] != "image" {
			continue
		}
		content, _ := c.Body["content"].(string)
		_, key, _ := strings.Cut(content, `"image_key":"`)
		key, _, _ = strings.Cut(key, `"`)
		recv, _ := c.Body["receive_id"].(string)
		if recv == "" { // a reply: the chat of the message answered
			parts := strings.Split(c.Path, "/")
			if len(parts) >= 6 {
				recv = w.feishuChat[parts[5]]
			}
		}
		if recv != to {
			continue
		}
		up, ok := uploads[key]
		if !ok {
			up = -1
		}
		out = append(out, sentPicture{PNG: keyOf[key], Upload: up, Send: i, Key: key, Recipient: recv})
	}
	return out
}

// slackPictures are the files shared into channel.
func slackPictures(w *meetingWorld, channel string) []sentPicture {
	calls := w.slack.Calls()
	var out []sentPicture
	for _, f := range w.slack.Files() {
		if !slices.ContainsFunc(f.Shares, func(s slacktest.Share) bool { return s.Channel == channel }) {
			continue
		}
		p := sentPicture{PNG: f.Data, Upload: -1, Send: -1, Key: f.ID, Recipient: channel}
		for i, c := range calls {
			switch {
			case c.Method == slacktest.Upload && strings.HasSuffix(c.Path, "/"+f.ID) && p.Upload < 0:
				p.Upload = i
			case c.Method == "files.completeUploadExternal" && strings.Contains(c.Form.Get("files"), f.ID) && c.Form.Get("channel_id") == channel:
				p.Send = i
			}
		}
		out = append(out, p)
	}
	return out
}

// wecomPictures are the image messages sent to user.
func wecomPictures(w *meetingWorld, user string) []sentPicture {
	calls := w.wecom.Calls()
	uploads := map[string]int{}
	for i, c := range calls {
		if c.Path == wecomtest.PathMediaUpload {
			if _, id, ok := strings.Cut(c.Answer, `"media_id":"`); ok {
				id, _, _ = strings.Cut(id, `"`)
				uploads[id] = i
			}
		}
	}
	var out []sentPicture
	for i, c := range calls {
		if !wecomtest.SendTo(user)(c) || c.JSON["msgtype"] != "image" {
			continue
		}
		img, _ := c.JSON["image"].(map[string]any)
		id, _ := img["media_id"].(string)
		p := sentPicture{Upload: -1, Send: i, Key: id, Recipient: user}
		if up, ok := uploads[id]; ok {
			p.Upload, p.PNG = up, calls[up].File
		}
		out = append(out, p)
	}
	return out
}

// dingPictures are the pictures sent to the user.
func dingPictures(w *meetingWorld, user string) []sentPicture {
	calls := w.ding.Calls("")
	var out []sentPicture
	for i, c := range calls {
		if (c.Key != "batchSend" && c.Key != "groupSend") || c.JSON["msgKey"] != "sampleImageMsg" || c.Scripted ||
			!strings.Contains(fmt.Sprint(c.JSON["userIds"]), user) {
			continue
		}
		id, _ := c.Param["photoURL"].(string)
		p := sentPicture{Upload: -1, Send: i, Key: id, Recipient: user}
		for _, img := range w.ding.Images() {
			if img.MediaID == id {
				p.PNG = img.PNG
			}
		}
		for j, u := range calls[:i] {
			if u.Key == "mediaUpload" && p.PNG != nil && bytes.Equal(u.Media, p.PNG) {
				p.Upload = j
			}
		}
		out = append(out, p)
	}
	return out
}

// checkPictures asserts that want pictures arrived (waiting for the
// outbox), each a PNG of a readable size uploaded before the message that
// shows it, and returns them. While it waits the virtual clock moves on a
// second at a time, so the platforms' rate limits (Slack: a message a
// second in a channel) pass without waiting in real time.
func checkPictures(t *testing.T, w *meetingWorld, where string, want int, list func() []sentPicture) []sentPicture {
	t.Helper()
	var got []sentPicture
	feishutest.WaitFor(8*time.Second, func() bool {
		if got = list(); len(got) >= want {
			return true
		}
		w.jumpTo(w.clock.Now().Add(time.Second))
		time.Sleep(20 * time.Millisecond)
		return false
	})
	if len(got) != want {
		t.Fatalf("%s received %d pictures, want %d", where, len(got), want)
	}
	for i, p := range got {
		if p.Upload < 0 || p.Upload >= p.Send {
			t.Errorf("%s picture %d (%s): uploaded at call %d, sent at call %d; want the upload first", where, i, p.Key, p.Upload, p.Send)
		}
		img, err := png.Decode(bytes.NewReader(p.PNG))
		if err != nil {
			t.Errorf("%s picture %d (%s) is not a PNG: %v (%d bytes)", where, i, p.Key, err, len(p.PNG))
			continue
		}
		if b := img.Bounds(); b.Dx() < 1000 || b.Dx() > 1600 || b.Dy() < 300 || b.Dy() > 4000 || len(p.PNG) > bot.MaxImageBytes {
			t.Errorf("%s picture %d is %dx%d, %d bytes; want 1,000–1,600 px wide, 300–4,000 high, at most 2 MB", where, i, b.Dx(), b.Dy(), len(p.PNG))
		}
	}
	return got
}

// savePictures writes the pictures to the test's directory and, when
// TANDEM_SAVE_PICTURES names a directory, there too, for a person to look
// at.
func savePictures(t *testing.T, dir string, names []string, pics []sentPicture) {
	t.Helper()
	dirs := []string{dir}
	if d := os.Getenv("TANDEM_SAVE_PICTURES"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	for i, p := range pics {
		for _, d := range dirs {
			if err := os.WriteFile(filepath.Join(d, names[i]), p.PNG, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A planned task of the scenario: who does it, in which milestone, its
// planned working days and first day, the tasks it waits for, and the
// day it is actually done ("" for never).
type planned struct {
	title, owner, milestone string
	days                    int
	start                   string
	after                   []int // task numbers
	done                    string
}

// The two-month plan (working days of the CN calendar: d1 = Mon 5 Jan …
// d30 = Fri 13 Feb, d31 = Sat 14 Feb (make-up), d32 = Tue 24 Feb, …,
// d41 = Fri 6 Mar). Beta is due d30, Launch d41 (the project's end). On
// plan Beta's chain 1→2→4→6→8 ends d24 and Launch's ends d33. In week 3
// (19–23 Jan) and week 4 nothing is finished; the work resumes on Monday
// 2 February.
var springPlan = []planned{
	1:  {"需求评审", "olga", "Beta", 2, "2026-01-05", nil, "2026-01-06"},
	2:  {"原型设计", "fay", "Beta", 3, "2026-01-07", []int{1}, "2026-01-09"},
	3:  {"定价方案 Pricing", "rita", "Beta", 3, "2026-01-05", nil, "2026-01-07"},
	4:  {"后端开发", "hank", "Beta", 8, "2026-01-12", []int{2}, "2026-02-02"},
	5:  {"视觉设计", "fay", "Beta", 2, "2026-01-12", []int{2}, "2026-01-13"},
	6:  {"前后端联调", "alice", "Beta", 6, "2026-01-22", []int{4, 5}, "2026-02-09"},
	7:  {"Sales deck", "rita", "Beta", 3, "2026-01-13", []int{3}, "2026-01-15"},
	8:  {"Beta 测试", "alice", "Beta", 5, "2026-01-30", []int{6}, "2026-02-14"},
	9:  {"Beta invitations", "rita", "Beta", 1, "2026-01-16", []int{7}, "2026-01-16"},
	10: {"修复 Beta 问题", "hank", "Launch", 4, "2026-02-06", []int{8}, "2026-02-26"},
	11: {"发布页面", "olga", "Launch", 3, "2026-02-09", nil, "2026-02-12"},
	12: {"Press kit", "rita", "Launch", 2, "2026-02-13", nil, "2026-02-24"},
	13: {"正式发布", "hank", "Launch", 3, "2026-02-12", []int{10}, "2026-03-02"},
	14: {"客服培训", "alice", "Launch", 2, "2026-02-24", nil, "2026-03-03"},
	15: {"发布会", "rita", "Launch", 2, "2026-02-26", []int{12, 13}, "2026-03-05"},
}

// Ensure the check scenario works end to end: a two-month project
// across Spring Festival 2026 (15–23 February off; Saturdays 14 and 28
// February worked) with three departments whose tasks stop being finished
// in week 3. The clock walks day by day; the daily check (09:30 on
// working days) warns the lead, hank on WeCom, and Design's Feishu group
// before the dates are missed, naming the critical path and the projected
// date against the due date; nothing is checked on a day off; the weekly
// review reaches the group on Fridays at 16:00; status shows its words and
// three pictures on each of the four platforms; close makes the close-out
// report and its picture.
//
// The first warnings, by the rule (docs/projects-risk.md): pace is the
// tasks done in the last 10 working days ÷ 10, or, when those hold fewer
// than three, the tasks done since the day of the third most recent ÷ the
// working days since then. Six tasks closed on d2, d3, d5, d7, d9 and d10
// and none after, so at the check of
//
//   - Mon 26 Jan (d16) the window d6–d15 holds three (d7, d9, d10): pace
//     0.3, nine tasks open → ⌈9 ÷ 0.3⌉ = 30 working days from d16 = d45,
//     Thu 12 Mar, after Launch's and the project's end (Fri 6 Mar, d41):
//     Launch (and so the project) is at risk, 4 working days late. (On Fri 23
//     Jan the window d5–d14 still held four: ⌈9 ÷ 0.4⌉ = 23 → d37, in time.)
//   - Fri 30 Jan (d20) the window d10–d19 holds one (d10), so the pace
//     rests on the last three, d7–d19: 3 in 13 working days, Beta's three
//     open tasks → 13 working days from d20 = d32, Tue 24 Feb — the holiday
//     week falls in between — after Beta's Fri 13 Feb: Beta at risk, 2
//     working days late (Sat 14 and Tue 24 Feb). On Wed 28 Jan (3 in 11 →
//     11 days → d28) and Thu 29 Jan (3 in 12 → d30, its due day) Beta was
//     still in time, as was its critical path (后端开发's last day, 前后端联调 6,
//     Beta 测试 5 → d29, d30). Measured over the two tasks of the window,
//     Wed 28 Jan's pace of 0.2 warned two days sooner, and Fri 30 Jan's of 0.1
//     put Launch in mid-June.
func TestProjectAcrossSpringFestival(t *testing.T) {
	w := newProjectWorld(t)
	w.startAt(sh(t, "2026-01-05 09:00"))
	cal, err := newCalendar(w.m.Config)
	if err != nil {
		t.Fatal(err)
	}

	// The project, made in Design's Feishu group (which binds it), and its
	// milestones.
	w.feishuSays("ou_olga", meetingFeishuGroup, `项目 新建 「春季发布」 目标：「上线新套餐」 指标：「注册数」 目标值：5000 开始：2026-01-05 结束：2026-03-06 部门：Design，Sales，Engineering 负责人：@hank 代号：spring`)
	w.seen("feishu:"+meetingFeishuGroup, "spring")
	olgaTypes(w, `project milestone spring "Beta" due:2026-02-13`)
	olgaTypes(w, `project milestone spring "Launch" due:2026-03-06`)
	for n := 1; n < len(springPlan); n++ {
		p := springPlan[n]
		if out := olgaTypes(w, fmt.Sprintf(`task new "%s" @%s`, p.title, p.owner)); !strings.Contains(out, fmt.Sprintf("#%d", n)) {
			t.Fatalf("task %d: %s", n, out)
		}
		olgaTypes(w, fmt.Sprintf(`project add spring #%d milestone:%s days:%d start:%s`, n, p.milestone, p.days, p.start))
		for _, b := range p.after {
			olgaTypes(w, fmt.Sprintf("task block %d by:%d", n, b))
		}
	}
	st := projectState(w, "spring")
	if len(st.Tasks) != 15 || len(st.Milestones) != 2 || len(st.Blocks) != 12 {
		t.Fatalf("the project holds %d tasks, %d milestones, %d dependencies; want 15, 2, 12", len(st.Tasks), len(st.Milestones), len(st.Blocks))
	}

	// Day by day: the check at 09:30, the review on Fridays at 16:00, the
	// day's work done at 17:00.
	from, to := sh(t, "2026-01-05 00:00"), sh(t, "2026-03-06 00:00")
	reviews := 0
	started, finished := map[int]bool{}, map[int]bool{}
	startWhatCan := func(date string) { // a task starts on its planned day, or once what it waits for is done
		for n := 1; n < len(springPlan); n++ {
			p := springPlan[n]
			if started[n] || p.start > date || slices.ContainsFunc(p.after, func(b int) bool { return !finished[b] }) {
				continue
			}
			if out := olgaTypes(w, fmt.Sprintf("task start %d", n)); !strings.Contains(out, "进行中") {
				t.Fatalf("task start %d: %s", n, out)
			}
			started[n] = true
		}
	}
	for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
		date := day.Format(time.DateOnly)
		if cal.IsWorkday(day) {
			w.jumpTo(day.Add(9*time.Hour + 30*time.Minute))
			waitJobRan(w, "check", projectJobKey(st, "check"))
		}
		if day.Weekday() == time.Friday || date == "2026-02-24" {
			// The review at 16:00, in the group. Friday 20 February is in
			// the holiday: its review comes on the first working day
			// after, Tuesday 24 February (a one-off late review), and the
			// weekly job keeps its Fridays.
			w.jumpTo(day.Add(16 * time.Hour))
			if day.Weekday() == time.Friday {
				waitJobRan(w, "review", projectJobKey(st, "review"))
			}
			if cal.IsWorkday(day) {
				reviews++
			}
			if !feishutest.WaitFor(8*time.Second, func() bool { return countIn(w.shown("feishu:"+meetingFeishuGroup), "📋 春季发布") == reviews }) {
				t.Fatalf("on %s the group has %d weekly reviews, want %d", date, countIn(w.shown("feishu:"+meetingFeishuGroup), "📋 春季发布"), reviews)
			}
		}
		if !cal.IsWorkday(day) {
			continue
		}
		w.jumpTo(day.Add(17 * time.Hour))
		startWhatCan(date)
		for n := 1; n < len(springPlan); n++ {
			if springPlan[n].done == date {
				if out := olgaTypes(w, fmt.Sprintf("task done %d", n)); !strings.Contains(out, "已完成") {
					t.Fatalf("task done %d: %s", n, out)
				}
				finished[n] = true
			}
		}
		startWhatCan(date)
		if date == "2026-01-30" {
			statusOnFourPlatforms(t, w)
		}
	}

	// The warnings' timeline.
	var warned []*project.Event
	for _, e := range projectEvents(w, st.Project.ID) {
		if e.Kind == project.Warned {
			warned = append(warned, e)
		}
	}
	t.Logf("delay warnings (Spring Festival 15–23 Feb off; Sat 14 and 28 Feb worked; Beta due Fri 13 Feb, Launch and the end Fri 6 Mar):")
	for _, e := range warned {
		at := e.At.In(shanghai)
		t.Logf("  %s %s  %s", at.Format("Mon 2006-01-02 15:04"), workdayWord(cal, at), e.Text)
	}
	for _, e := range warned {
		at := e.At.In(shanghai)
		if !cal.IsWorkday(at) || at.Format("15:04") != "09:30" {
			t.Errorf("a warning at %s: want only the 09:30 check of working days", at.Format("Mon 2006-01-02 15:04"))
		}
		if d := at.Format(time.DateOnly); d >= "2026-02-15" && d <= "2026-02-23" {
			t.Errorf("a warning during Spring Festival, %s", d)
		}
	}
	first := func(what string) *project.Event {
		for _, e := range warned {
			if strings.HasPrefix(e.Text, what) {
				return e
			}
		}
		t.Fatalf("no warning about %s", what)
		return nil
	}
	// Launch is due on the project's end and holds all the open work: its
	// warnings say what the project's would, which are not sent.
	if e := slices.IndexFunc(warned, func(e *project.Event) bool { return strings.HasPrefix(e.Text, "project ") }); e >= 0 {
		t.Errorf("a project warning was sent besides Launch's: %q", warned[e].Text)
	}
	for _, want := range []struct{ what, day, text string }{
		{`milestone "Launch"`, "2026-01-26", `milestone "Launch" projected 2026-03-12, due 2026-03-06: 4 working days late`},
		{`milestone "Beta"`, "2026-01-30", `milestone "Beta" projected 2026-02-24, due 2026-02-13: 2 working days late`},
	} {
		e := first(want.what)
		if got := e.At.In(shanghai).Format(time.DateOnly); got != want.day || !strings.HasPrefix(e.Text, want.text) {
			t.Errorf("the first warning about %s: %s %q; want %s %q", want.what, got, e.Text, want.day, want.text)
		}
		if !strings.Contains(e.Text, "后端开发") {
			t.Errorf("the first warning about %s does not name the stalled 后端开发 on its critical path: %q", want.what, e.Text)
		}
	}

	// Each warning reached the lead on WeCom and the group on Feishu: the
	// first Beta one in words with the dates and the critical path.
	betaWords := []string{"⚠️ 春季发布：里程碑「Beta」（截止 2月13日周五）预计 2月24日周二", "晚 2 个工作日", "关键路径：", "后端开发", "前后端联调", "Beta 测试"}
	w.seen("wecom:hank", betaWords...)
	w.seen("feishu:"+meetingFeishuGroup, betaWords...)
	countWarnings := func(where string) int {
		n := 0
		for _, s := range w.shown(where) {
			if strings.Contains(s, "⚠️ 春季发布") {
				n++
			}
		}
		return n
	}
	for _, where := range []string{"wecom:hank", "feishu:" + meetingFeishuGroup} {
		if !feishutest.WaitFor(8*time.Second, func() bool { return countWarnings(where) == len(warned) }) {
			t.Errorf("%s has %d warnings, want %d (one per warning)", where, countWarnings(where), len(warned))
		}
	}

	// Close-out, on the end day after the review.
	w.jumpTo(sh(t, "2026-03-06 17:40"))
	report := olgaSays(w, `project close spring result:"4800 signups"`)
	t.Logf("close-out report:\n%s", report)
	for _, want := range []string{"结项报告：春季发布（spring）", "未达成目标：4800（目标 5000）", "| Beta | 2月13日周五 | 2月14日周六 | 1 |",
		"| Launch | 3月6日周五 | 3月5日周四 | 0 |", "| Engineering | 6 |", "| Sales | 5 |", "| Design | 4 |"} {
		if !strings.Contains(report, want) {
			t.Errorf("the close-out report lacks %q", want)
		}
	}
	w.seen("feishu:"+meetingFeishuGroup, "结项报告：春季发布（spring）")
	closeout := checkPictures(t, w, "olga's close-out", 4, func() []sentPicture { return feishuPictures(w, "ou_olga") })[3:]
	savePictures(t, t.TempDir(), []string{"closeout-gantt.png"}, closeout)
}

// statusOnFourPlatforms asks for the project's status on each platform at
// the end of week 4, the day Beta is first at risk, and checks the words
// and the three pictures each receives.
func statusOnFourPlatforms(t *testing.T, w *meetingWorld) {
	t.Helper()
	w.jumpTo(sh(t, "2026-01-30 17:30"))
	words := olgaSays(w, "项目 状态 spring")
	t.Logf("status on Fri 30 Jan:\n%s", words)
	for _, want := range []string{"春季发布（spring）——有延期风险", "已完成 6/15", "Beta——6/9，截止 2月13日周五——有延期风险（预计 2月24日周二，晚 2 个工作日）"} {
		if !strings.Contains(words, want) {
			t.Errorf("the status lacks %q", want)
		}
	}
	pics := checkPictures(t, w, "olga (Feishu)", 3, func() []sentPicture { return feishuPictures(w, "ou_olga") })
	savePictures(t, t.TempDir(), []string{"status-board.png", "status-gantt.png", "status-burndown.png"}, pics)

	w.slackSays("project status spring")
	w.seen("slack:C9", "春季发布 (spring)", "Critical path")
	checkPictures(t, w, "rita (Slack, C9)", 3, func() []sentPicture { return slackPictures(w, "C9") })

	w.wecomSays("项目 状态 spring")
	w.seen("wecom:hank", "春季发布（spring）", "关键路径")
	checkPictures(t, w, "hank (WeCom)", 3, func() []sentPicture { return wecomPictures(w, "hank") })

	dingSays(w, "项目 状态 spring")
	w.seen("dingtalk:staff1", "春季发布（spring）", "关键路径")
	checkPictures(t, w, "alice (DingTalk)", 3, func() []sentPicture { return dingPictures(w, "staff1") })
}

func countIn(msgs []string, sub string) int {
	n := 0
	for _, s := range msgs {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

func workdayWord(cal *workcal.Calendar, t time.Time) string {
	if cal.IsWorkday(t) {
		return "workday"
	}
	return "DAY OFF"
}

// projectState reads the project's state.
func projectState(w *meetingWorld, key string) *project.State {
	w.t.Helper()
	var st *project.State
	if err := w.m.DB.View(context.Background(), func(tx bot.Tx) error {
		s := project.From(tx)
		p, err := s.FindProjectByKey(key)
		if err != nil {
			return err
		}
		st = &project.State{Project: p}
		if st.Milestones, err = s.Milestones(p.ID); err != nil {
			return err
		}
		if st.Tasks, err = s.ProjectTasks(p.ID); err != nil {
			return err
		}
		st.Blocks, err = s.ProjectBlocks(p.ID)
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	return st
}

func projectEvents(w *meetingWorld, id int64) []*project.Event {
	w.t.Helper()
	var es []*project.Event
	if err := w.m.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		es, err = project.From(tx).ProjectEvents(id, 1000)
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	return es
}

func projectJobKey(st *project.State, kind string) string {
	return fmt.Sprintf("project/%d/%s", st.Project.ID, kind)
}

// waitJobRan waits until the recurring job key has run at the clock's
// time: its next run is after now.
func waitJobRan(w *meetingWorld, what, key string) {
	w.t.Helper()
	var next time.Time
	if !feishutest.WaitFor(8*time.Second, func() bool {
		var js []*bot.Job
		w.m.DB.View(context.Background(), func(tx bot.Tx) (err error) { js, err = tx.FindJobs(bot.JobFilter{DedupKey: key}); return })
		if len(js) == 1 {
			next = js[0].RunAt
		}
		return len(js) == 1 && next.After(w.clock.Now())
	}) {
		w.t.Fatalf("the %s (%s) did not run at %s; next run %s", what, key, w.clock.Now().In(shanghai).Format(time.DateTime), next.In(shanghai))
	}
}
