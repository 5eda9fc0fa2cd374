package main

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/task"
)

// ritaCalendar is rita's published calendar (her calendar_url): the
// dentist on Monday 28 September 2026, 10:00-11:00 in Shanghai.
const ritaCalendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//example//EN\r\nBEGIN:VEVENT\r\nUID:dentist-1@example.com\r\n" +
	"DTSTAMP:20260901T000000Z\r\nDTSTART;TZID=Asia/Shanghai:20260928T100000\r\nDTEND;TZID=Asia/Shanghai:20260928T110000\r\n" +
	"SUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

var feishuSlotButton = regexp.MustCompile(`"action_id":"meeting\.new","value":"([^"]*at:2026-09-28T11:00)"`)

// fieldValue is what a card, as a fake keeps it, shows after label (a
// field's value, up to the end of its line), whatever the platform's
// markup around it. The fields come after the card's text, which may
// use the same words: the last label is the field's.
func fieldValue(raw, label string) string {
	i := strings.LastIndex(raw, label)
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(raw[i+len(label):], `*:： `)
	rest = strings.TrimPrefix(rest, `\n`)
	rest = strings.TrimLeft(rest, "\n *")
	for _, end := range []string{`\n`, "\n", `"`, `*`} {
		if j := strings.Index(rest, end); j >= 0 {
			rest = rest[:j]
		}
	}
	return rest
}

// Ensure a weekly cross-department meeting scheduled in Chinese across
// the 2026 National Day holiday (1-7 October; 25-27 September are off
// for 中秋节) works on all four platforms, asserted at the fakes:
//
//   - olga (Feishu, Design's head) binds Feishu's oc_design to Design and
//     rita (Slack, an admin) binds C9; on Wednesday 23 September olga asks
//     for `会议 新建 「跨部门周会」 每周一 10:00 …` with fay (Feishu), rita
//     (Slack), hank (WeCom, QA) and alice (DingTalk, QA);
//   - the answer names the two planted conflicts, fay's busy time in her
//     Feishu calendar (calendar/v4/freebusy on the fake) and rita's
//     dentist in her calendar_url (served here), and offers Monday 11:00;
//     olga clicks that slot;
//   - each attendee gets the invitation on their own platform with accept
//     and decline; rita (Slack) and alice (DingTalk) accept, hank (WeCom)
//     declines, and olga's card shows their answers;
//   - the occurrence of Monday 5 October (a holiday) is held on Thursday
//     8 October; the 15-minute reminder comes at 10:45 on the 28th, not
//     before; the 24-hour one is on working time (Thursday 24th, 18:00,
//     before the 中秋节 days off);
//   - minutes with three action items for rita, hank and alice make three
//     tasks with owners and due dates, each owner told on their platform;
//   - the digest reaches Design's two groups and each attendee, in their
//     language;
//   - olga's feed, fetched over HTTP, parses with golang-ical and has the
//     series in Shanghai time with a VTIMEZONE and the moved occurrence.
func TestMeetingAcrossHolidayOnFourPlatforms(t *testing.T) {
	w := newMeetingWorld(t, ritaCalendar)
	w.feishu.SetBusy("ou_fay", feishutest.Busy{Start: sh(t, "2026-09-28 09:30"), End: sh(t, "2026-09-28 10:30")})
	w.startAt(sh(t, "2026-09-23 10:00"))

	// Design's group chats, on Feishu and on Slack.
	w.feishuSays("ou_olga", meetingFeishuGroup, "群 绑定 部门：Design")
	w.seen("feishu:"+meetingFeishuGroup, "本群已绑定到「Design」")
	w.slackSays("group bind dept:Design")
	w.seen("slack:C9", "This chat is now Design's")

	// Scheduling, in Chinese: both conflicts named, a slot offered.
	const ask = `会议 新建 「跨部门周会」 每周一 10:00 1小时 @fay @rita @hank @alice 部门：Design 会议室：「3F-A」`
	w.feishuSays("ou_olga", "", ask)
	conflicts := w.seen("feishu:ou_olga", "尚未安排")
	for _, want := range []string{"@fay：日历显示忙碌", "@rita：日历中的「Dentist」", "仍然安排"} {
		if !strings.Contains(conflicts, want) {
			t.Errorf("the conflicts lack %q:\n%s", want, conflicts)
		}
	}
	if n := len(w.feishu.Matching(func(c feishutest.Call) bool {
		return c.Path == feishutest.PathFreeBusyBatch || c.Path == feishutest.PathFreeBusyList
	})); n == 0 {
		t.Error("Feishu's free/busy was never asked")
	}
	slot := feishuSlotButton.FindStringSubmatch(conflicts)
	if slot == nil {
		t.Fatalf("no slot button for Monday 28 September 11:00:\n%s", conflicts)
	}
	var conflictMsg string
	for _, m := range w.feishu.Messages() {
		if strings.Contains(m.Content, "尚未安排") {
			conflictMsg = m.ID
		}
	}
	if resp := w.feishuClicks("ou_olga", conflictMsg, "meeting.new", slot[1]); !strings.Contains(resp, "已安排会议 M-1") {
		t.Fatalf("olga's click on the slot: %s", resp)
	}

	// The meeting: a weekly series from Monday 28 September, 11:00.
	olga := w.personID("olga")
	var mt *meeting.Meeting
	if err := w.m.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		mt, err = meeting.From(tx).FindMeetingByID(1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !mt.Start.Equal(sh(t, "2026-09-28 11:00")) || mt.Rule == "" || mt.OrganizerID != olga || mt.Holiday != meeting.MoveToNextWorkday {
		t.Fatalf("M-1 is %+v; want a weekly series from Mon 28 Sep 11:00, organized by olga, moved on holidays", mt)
	}
	// Held on the next working day in the holiday week.
	cal, err := newCalendar(w.m.Config)
	if err != nil {
		t.Fatal(err)
	}
	occ, err := meeting.Occurrences(mt, cal, sh(t, "2026-09-28 00:00"), sh(t, "2026-10-13 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, o := range occ {
		starts = append(starts, o.Start.In(shanghai).Format("2006-01-02 15:04"))
	}
	if want := []string{"2026-09-28 11:00", "2026-10-08 11:00", "2026-10-12 11:00"}; strings.Join(starts, ",") != strings.Join(want, ",") {
		t.Errorf("occurrences %v, want %v (5 October is a holiday: held on Thursday the 8th)", starts, want)
	}

	// Invitations on each attendee's platform, with accept and decline.
	w.seen("slack:DU1", "M-1", "meeting.accept", "meeting.decline")
	w.seen("feishu:ou_fay", "M-1", "meeting.accept", "meeting.decline")
	w.seen("wecom:hank", "M-1", "meeting.accept", "meeting.decline")
	w.seen("dingtalk:staff1", "M-1", "meeting.accept", "meeting.decline")

	// rita accepts on Slack, alice on DingTalk; hank declines on WeCom.
	for _, m := range w.slack.Messages("DU1") {
		if strings.Contains(m.Blocks, "meeting.accept") {
			w.slackClicks("DU1", m.TS, "meeting.accept", "1")
			break
		}
	}
	for _, c := range w.ding.Cards() {
		if strings.HasSuffix(c.Space, ".staff1") && strings.Contains(c.Params["title"], "M-1") {
			w.dingClicks(c.OutTrackID, "meeting.accept", "1")
			break
		}
	}
	for _, c := range w.wecom.Matching(wecomtest.SendTo("hank")) {
		if c.JSON["msgtype"] == "template_card" && strings.Contains(string(c.Raw), "M-1") {
			w.wecomClicks("meeting.decline|1", fmt.Sprint(c.JSON["template_card"].(map[string]any)["task_id"]))
			break
		}
	}
	// Every copy of the live card shows the answers: fay's on Feishu,
	// rita's on Slack, alice's on DingTalk, and hank's WeCom card, updated
	// through his click's response code.
	answered := func(where, acceptedLabel, declinedLabel, pendingLabel string) {
		t.Helper()
		ok := func() bool {
			for _, s := range w.shown(where) {
				if containsAll(fieldValue(s, acceptedLabel), "@olga", "@rita", "@alice") &&
					strings.Contains(fieldValue(s, declinedLabel), "@hank") && fieldValue(s, pendingLabel) == "@fay" {
					return true
				}
			}
			return false
		}
		if !feishutest.WaitFor(8*time.Second, ok) {
			t.Errorf("%s's card does not show the answers:\n%s", where, strings.Join(w.shown(where), "\n---\n"))
		}
	}
	answered("feishu:ou_fay", "已接受", "已拒绝", "未答复")
	answered("slack:DU1", "Accepted", "Declined", "No answer yet")
	answered("dingtalk:staff1", "已接受", "已拒绝", "未答复")
	if !feishutest.WaitFor(8*time.Second, func() bool {
		return len(w.wecom.Matching(func(c wecomtest.Call) bool {
			// A field, or, past WeCom's six, a line of the subtitle.
			raw := string(c.Raw)
			return c.Path == wecomtest.PathUpdateCard && (strings.Contains(raw, `"keyname":"已拒绝","value":"@hank"`) || fieldValue(raw, "已拒绝") == "@hank")
		})) > 0
	}) {
		t.Error("hank's WeCom card was not updated to show his answer")
	}

	// Reminders, on working time: 24 hours before Monday 11:00 is Sunday,
	// off, as are Saturday and Friday (中秋节): the previous working moment
	// is Thursday 24th, 18:00; and 15 minutes before, at 10:45.
	var due []string
	w.query(`SELECT run_at FROM jobs WHERE kind = 'meeting.remind' AND state = 'pending' ORDER BY run_at`, func(r *sql.Rows) error {
		var ms int64
		err := r.Scan(&ms)
		due = append(due, time.UnixMilli(ms).In(shanghai).Format("2006-01-02 15:04"))
		return err
	})
	if want := []string{"2026-09-24 18:00", "2026-09-28 10:45"}; strings.Join(due, ",") != strings.Join(want, ",") {
		t.Errorf("reminders due %v, want %v", due, want)
	}
	// hank, who declined, is not reminded.
	reminded := map[string]string{"slack:DU1": "Reminder: M-1", "feishu:ou_fay": "提醒：会议 M-1", "wecom:hank": "提醒：会议 M-1",
		"dingtalk:staff1": "提醒：会议 M-1", "feishu:ou_olga": "提醒：会议 M-1"}
	declined := map[string]bool{"wecom:hank": true}
	remindersAre := func(at string, want int) {
		t.Helper()
		w.jumpTo(sh(t, at))
		count := func() (string, bool) {
			var got []string
			all := true
			for where, sub := range reminded {
				n := 0
				for _, s := range w.shown(where) {
					if strings.Contains(s, sub) {
						n++
					}
				}
				got = append(got, fmt.Sprintf("%s=%d", where, n))
				all = all && (n == want && !declined[where] || n == 0 && declined[where])
			}
			return strings.Join(got, " "), all
		}
		feishutest.WaitFor(8*time.Second, func() bool { _, ok := count(); return ok })
		w.settle()
		if got, ok := count(); !ok {
			t.Fatalf("at %s the reminders are %s, want %d each (none to hank)", at, got, want)
		}
	}
	remindersAre("2026-09-24 17:59", 0)
	remindersAre("2026-09-24 18:00", 1)
	remindersAre("2026-09-28 10:44", 1)
	remindersAre("2026-09-28 10:45", 2)

	// Minutes with three action items for people on three platforms.
	w.jumpTo(sh(t, "2026-09-28 11:50"))
	w.feishuSays("ou_olga", "", "纪要 1\n决定：下季度设计评审改为双周\n"+
		"行动 @rita 「整理设计规范」 截止：2026-09-30\n"+
		"行动 @hank 「准备测试计划」 截止：2026-10-09\n"+
		"行动 @alice 「预约会议室」 截止：2026-10-08")
	w.seen("feishu:ou_olga", "行动项 3 条")
	var tasks []*task.Task
	var linked []int64 // the tasks the minutes' action items name
	if err := w.m.DB.View(context.Background(), func(tx bot.Tx) error {
		ms, err := meeting.From(tx).Minutes(1, sh(t, "2026-09-28 11:00"))
		if err != nil {
			return err
		}
		for _, mn := range ms {
			if mn.Kind == meeting.Action {
				linked = append(linked, mn.TaskID)
			}
		}
		for id := int64(1); id <= 3; id++ {
			tk, err := task.From(tx).FindTaskByID(id)
			if err != nil {
				return err
			}
			tasks = append(tasks, tk)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(linked) != "[1 2 3]" {
		t.Errorf("the action items are linked to tasks %v, want [1 2 3]", linked)
	}
	for i, want := range []struct {
		title, owner, due string
	}{{"整理设计规范", "rita", "2026-09-30"}, {"准备测试计划", "hank", "2026-10-09"}, {"预约会议室", "alice", "2026-10-08"}} {
		tk := tasks[i]
		if tk.Title != want.title || !strings.HasPrefix(tk.Description, "M-1 ") || tk.OwnerID != w.personID(want.owner) || tk.Due.In(shanghai).Format("2006-01-02") != want.due {
			t.Errorf("task %d: %q owner %d due %v; want %q, @%s, %s", i+1, tk.Title, tk.OwnerID, tk.Due, want.title, want.owner, want.due)
		}
	}
	w.seen("slack:DU1", "Action item from M-1", "整理设计规范")
	w.seen("wecom:hank", "给你的行动项", "准备测试计划")
	w.seen("dingtalk:staff1", "给你的行动项", "预约会议室")

	// The digest: in Design's groups and to each attendee in their language.
	w.feishuSays("ou_olga", "", "纪要 1 发送")
	w.seen("feishu:ou_olga", "已发给 5 位参会人和 2 个群聊")
	w.seen("feishu:"+meetingFeishuGroup, "M-1", "下季度设计评审改为双周", "整理设计规范")
	w.seen("slack:C9", "Minutes of M-1", "整理设计规范")
	w.seen("slack:DU1", "Minutes of M-1", "@rita: 整理设计规范 — due Wed 30 Sep 18:00 (task #1)", "Absent: @fay (no answer), @hank (declined)")
	for _, where := range []string{"feishu:ou_fay", "wecom:hank", "dingtalk:staff1"} {
		w.seen(where, "会议纪要：M-1", "@hank：准备测试计划——截止 10月9日周五 18:00（任务 #2）", "缺席：@fay（未答复）、@hank（已拒绝）")
	}
	// Nothing went to olga's direct chat as if it were a group (the meeting
	// was made by her click there).
	for _, m := range w.feishu.Messages() {
		if m.ReceiveIDType == "chat_id" && m.ReceiveID != meetingFeishuGroup {
			t.Errorf("posted in chat %s: %s", m.ReceiveID, m.Content)
		}
	}

	// olga's feed.
	var url string
	if err := w.m.DB.View(context.Background(), func(tx bot.Tx) (err error) { url, err = w.m.CalendarFeed.URL(tx, olga); return err }); err != nil {
		t.Fatal(err)
	}
	res, body := feedGet(t, url)
	if res.StatusCode != 200 {
		t.Fatalf("feed: %d\n%s", res.StatusCode, body)
	}
	feed, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, body)
	}
	if len(feed.Timezones()) != 1 || !strings.Contains(body, "DTSTART;TZID=Asia/Shanghai:20260928T110000") {
		t.Errorf("the feed lacks the series in Shanghai time with its VTIMEZONE:\n%s", body)
	}
	moved := false
	for _, ev := range feed.Events() {
		rid, st := ev.GetProperty(ics.ComponentPropertyRecurrenceId), ev.GetProperty(ics.ComponentPropertyDtStart)
		if rid != nil && st != nil && rid.Value == "20261005T110000" && st.Value == "20261008T110000" {
			moved = true
		}
	}
	if !moved {
		t.Errorf("the feed lacks Monday 5 October held on Thursday 8 October:\n%s", body)
	}
}
