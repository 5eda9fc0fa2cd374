package meeting_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/features"
	meetingcmd "github.com/tandemhq/tandem/commands/meeting"
)

var sh = commandstest.Shanghai

func at(month time.Month, day, h, m int) time.Time {
	return time.Date(2026, month, day, h, m, 0, 0, sh)
}

// newOrg is a harness at Friday 2026-11-20 10:00 with Design (head
// @dora, members @alice and @bob) and Sales (head @sam, member @carol).
func newOrg(t *testing.T, options ...func(*features.Deps)) *commandstest.Harness {
	h := commandstest.New(t, options...)
	h.Org(map[string][]string{"Design": {"dora", "alice", "bob"}, "Sales": {"sam", "carol"}})
	return h
}

func get(h *commandstest.Harness, id int64) (*meeting.Meeting, []*meeting.Attendee) {
	h.T.Helper()
	var m *meeting.Meeting
	var as []*meeting.Attendee
	err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		if m, err = meeting.From(tx).FindMeetingByID(id); err != nil {
			return err
		}
		as, err = meeting.From(tx).Attendees(id)
		return err
	})
	if err != nil {
		h.T.Fatal(err)
	}
	return m, as
}

func reminders(h *commandstest.Harness) []*bot.Job {
	return h.Jobs(bot.JobFilter{Kind: meetingcmd.JobRemind, State: bot.JobPending})
}

func runAts(js []*bot.Job) []time.Time {
	var out []time.Time
	for _, j := range js {
		out = append(out, j.RunAt.In(sh))
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

func joined(ss []string) string { return strings.Join(ss, "\n----\n") }

func TestNew_InvitesEachAttendeeWithButtonsAndSchedulesReminders(t *testing.T) {
	h := newOrg(t)
	h.Expect("dora", `meeting new "Q3 marketing plan" mon 14:00 90m @alice @bob dept:Design room:"3F-A" online:https://meet.example.com/q3`,
		"Scheduled M-1", "Mon 23 Nov 14:00, 1h30m", "Room: 3F-A", "Online: https://meet.example.com/q3", "Organizer: @dora",
		"Department: Design", "Accepted: @dora", "No answer yet: @alice, @bob")
	m, as := get(h, 1)
	if !m.Start.Equal(at(11, 23, 14, 0)) || m.Duration != 90*time.Minute || m.DeptID == 0 || len(as) != 3 {
		t.Fatalf("stored %+v, %d attendees", m, len(as))
	}
	for _, u := range []string{"alice", "bob"} {
		cards := joined(h.QueuedCards(u))
		for _, want := range []string{"@dora invites you to M-1 Q3 marketing plan", "meeting accept 1", "meeting decline 1"} {
			if !strings.Contains(cards, want) {
				t.Errorf("%s's invitation lacks %q:\n%s", u, want, cards)
			}
		}
	}
	if got := h.QueuedFor("dora"); len(got) != 0 {
		t.Errorf("the organizer was told of their own meeting: %q", got)
	}
	// A day and a quarter of an hour before (no work calendar: clock time).
	if got := runAts(reminders(h)); !slices.EqualFunc(got, []time.Time{at(11, 22, 14, 0), at(11, 23, 13, 45)}, time.Time.Equal) {
		t.Errorf("reminders at %v", got)
	}
}

func TestNew_Chinese(t *testing.T) {
	h := newOrg(t)
	h.Say("dora", "lang zh")
	h.Expect("dora", `会议 新建 「Q3 市场计划」 周一 14:00 90分钟 @alice ＠bob 部门：Design 会议室：「3F-A」`,
		"已安排会议 M-1", "11月23日周一 14:00，1小时30分钟", "会议室：3F-A", "已接受：@dora", "未答复：@alice、@bob")
	got := h.Expect("dora", `会议 新建 「周会」 周一 10:00 颜色：红 @alice`, "我不认识选项「颜色」", "用法：")
	if strings.Contains(got, "Usage") {
		t.Errorf("English in a Chinese refusal: %s", got)
	}
	h.Expect("dora", `会议 新建 「周会」 @alice`, "什么时候开？")
	h.Expect("dora", `会议 新建 「周会」 周一 10:00`, "请用 @ 写上参会人。")
}

func TestNew_Refusals(t *testing.T) {
	h := newOrg(t)
	h.Expect("dora", `meeting new "Q3" mon 14:00 @nobody`, "nobody")
	h.Expect("dora", `meeting new "Q3" today 9:00 @alice`, "has passed")
	h.Expect("dora", `meeting new "Q3" mon 14:00 @alice dept:Nowhere`, "Nowhere")
	h.Expect("dora", `meeting new mon 14:00 @alice`, "needs a title")
	h.Expect("dora", `meeting new "Q3" mon 14:00 @alice holiday:maybe`, "holiday: takes skip or move")
}

func TestAnswer_EditsTheLiveCard(t *testing.T) {
	h := newOrg(t)
	h.Say("dora", `meeting new "Q3 marketing plan" mon 14:00 90m @alice @bob`)
	got := h.Click("alice", bot.Button{ActionID: "meeting.accept", Value: "1"})
	if !strings.Contains(got, "You accepted M-1") {
		t.Errorf("accept: %s", got)
	}
	h.Expect("bob", "meeting decline 1", "You declined M-1", "Accepted: @dora, @alice", "Declined: @bob")
	// Bob's invitation had not gone out yet: it goes out current.
	if cards := joined(h.QueuedCards("bob")); !strings.Contains(cards, "Accepted: @dora, @alice") {
		t.Errorf("bob's queued card was not revised:\n%s", cards)
	}
	_, as := get(h, 1)
	answers := map[meeting.Answer]int{}
	for _, a := range as {
		answers[a.Answer]++
	}
	if answers[meeting.Accepted] != 2 || answers[meeting.Declined] != 1 {
		t.Errorf("answers %v", answers)
	}
	h.Expect("carol", "meeting accept 1", "You are not invited to M-1")
}

func TestChangeAndCancel_PermissionsRemindersAndNotices(t *testing.T) {
	h := newOrg(t)
	h.Say("dora", `meeting new "Q3 marketing plan" mon 14:00 90m @alice @bob dept:Design`)
	h.Expect("alice", "meeting cancel 1", "Only the organizer, the department's head or an admin may cancel M-1")
	h.Expect("carol", "meeting change 1 tue 15:00", "Only the organizer")
	h.Say("alice", "lang zh")
	h.Expect("alice", "会议 取消 1", "只有组织者、部门负责人或管理员可以取消会议 M-1。")

	h.Expect("dora", "meeting change 1 tue 15:00 +@carol -@bob", "now Tue 24 Nov 15:00, 1h30m (was Mon 23 Nov 14:00, 1h30m)",
		"invited @carol", "removed @bob")
	if got := runAts(reminders(h)); !slices.EqualFunc(got, []time.Time{at(11, 23, 15, 0), at(11, 24, 14, 45)}, time.Time.Equal) {
		t.Errorf("reminders after the change at %v (the old ones must be cancelled)", got)
	}
	if got := joined(h.QueuedFor("alice")); !strings.Contains(got, "修改了会议 M-1") || !strings.Contains(got, "改为 11月24日周二 15:00") {
		t.Errorf("alice (Chinese) was not told of the change:\n%s", got)
	}
	if got := joined(h.QueuedFor("bob")); !strings.Contains(got, "@dora removed you from M-1") {
		t.Errorf("bob was not told he was removed:\n%s", got)
	}
	if got := joined(h.QueuedCards("carol")); !strings.Contains(got, "meeting accept 1") {
		t.Errorf("carol was not invited:\n%s", got)
	}

	// The department's head may cancel; everyone is told and the
	// reminders go.
	h.Meet("dora")
	h.Expect("dora", "meeting cancel 1 moved to Q4", "Cancelled M-1")
	if got := reminders(h); len(got) != 0 {
		t.Errorf("reminders left after the cancellation: %v", runAts(got))
	}
	for _, u := range []string{"alice", "carol"} {
		if got := joined(h.QueuedFor(u)); !strings.Contains(got, "M-1") || !(strings.Contains(got, "cancelled M-1") || strings.Contains(got, "取消了会议 M-1")) {
			t.Errorf("%s was not told of the cancellation:\n%s", u, got)
		}
	}
	h.Expect("dora", "meeting cancel 1", "already cancelled")
	h.Expect("alice", "会议 接受 1", "已取消")
}

func TestNew_InABoundGroupChat(t *testing.T) {
	h := newOrg(t)
	h.SayIn("g-design", "dora", "群 绑定 部门：Design")
	// A meeting created in the chat belongs to the group and to its
	// department.
	if got := h.SayIn("g-design", "alice", `meeting new "Design review" mon 16:00 @bob`); !strings.Contains(got, "Department: Design") {
		t.Errorf("new in the group: %s", got)
	}
	m, _ := get(h, 1)
	if m.Group.ChatID != "g-design" || m.DeptID == 0 {
		t.Errorf("meeting's group %+v dept %d", m.Group, m.DeptID)
	}
	// In a chat bound to nothing it belongs to the chat only.
	h.SayIn("g-other", "alice", `meeting new "Coffee" mon 17:00 @bob`)
	if m, _ := get(h, 2); m.Group.ChatID != "g-other" || m.DeptID != 0 {
		t.Errorf("meeting's group %+v dept %d", m.Group, m.DeptID)
	}
}

// calendar is a fake platform free/busy source: busy intervals by user.
type calendar struct {
	busy  map[string][]bot.Interval
	calls int
}

func (c *calendar) Busy(_ context.Context, who []bot.Account, from, to time.Time) (map[bot.Account][]bot.Interval, error) {
	c.calls++
	out := map[bot.Account][]bot.Interval{}
	for _, a := range who {
		if b, ok := c.busy[a.UserID]; ok {
			out[a] = b
		}
	}
	return out, nil
}

func TestNew_ConflictsOfferSlotsThatSchedule(t *testing.T) {
	cal := &calendar{busy: map[string][]bot.Interval{"bob": {{Start: at(11, 23, 15, 0), End: at(11, 23, 16, 0), What: "Dentist"}}}}
	h := newOrg(t, commandstest.WorkCalendar(t), func(d *features.Deps) {
		d.FreeBusy = &bot.FreeBusyRegistry{Apps: []bot.FreeBusyApp{{Platform: bot.PlatformConsole, Source: cal}}}
	})
	h.SendOn(bot.PlatformWeCom, "corp", "wendy", "wendy", "whoami")
	h.Say("dora", `meeting new "Budget" mon 14:00 1h @alice`)
	calls := cal.calls
	got := h.Expect("sam", `meeting new "Q3 plan" mon 14:30 1h @alice @bob @wendy`,
		"Not scheduled yet: some attendees are busy at Mon 23 Nov 14:30",
		"@alice: M-1 Budget (Mon 23 Nov 14:00–15:00)", "@bob: Dentist in their calendar (Mon 23 Nov 15:00–16:00)",
		"@wendy: WeCom calendars cannot be checked", "Free for everyone: Mon 23 Nov 16:00", "Go ahead anyway")
	if cal.calls != calls+1 {
		t.Errorf("calendar asked %d times for one command", cal.calls-calls)
	}
	if strings.Contains(got, "Scheduled") {
		t.Fatalf("scheduled despite conflicts: %s", got)
	}
	// The first slot's button schedules the same meeting then.
	got = h.Click("sam", bot.Button{ActionID: "meeting.new", Value: `"Q3 plan" 1h @alice @bob @wendy at:2026-11-23T16:00`})
	if !strings.Contains(got, "Scheduled M-2 for Mon 23 Nov 16:00, 1h") {
		t.Errorf("slot button: %s", got)
	}
	// Scheduling anyway ignores the conflicts.
	h.Expect("sam", `meeting new "Q3 plan bis" mon 14:30 1h @alice anyway`, "Scheduled M-3")
	// Who declined is not busy.
	h.Say("alice", "meeting decline 1")
	h.Expect("sam", `meeting new "Q3 plan ter" mon 14:00 30m @alice`, "Scheduled M-4")
}

func TestSeries_AcrossTheHolidayAndReminders(t *testing.T) {
	h := newOrg(t, commandstest.WorkCalendar(t))
	h.Say("dora", "lang zh")
	h.Expect("dora", `会议 新建 「周会」 每周一 10:00 1小时 @alice @sam 节假日：顺延`, "已安排会议 M-1", "每周一 10:00（节假日顺延至下一个工作日）")
	m, _ := get(h, 1)
	if m.Rule != "FREQ=WEEKLY;BYDAY=MO" || !m.Start.Equal(at(11, 23, 10, 0)) {
		t.Fatalf("rule %q start %v", m.Rule, m.Start)
	}
	// 24h before Monday 10:00 is Sunday: on working time it is Friday's close.
	js := reminders(h)
	got := runAts(js)
	if len(got) != 2 || got[1] != at(11, 23, 9, 45) || got[0].Weekday() != time.Friday {
		t.Fatalf("reminders at %v", got)
	}
	h.Say("dora", `会议 议程 添加 1 「预算」 @alice 10分钟 https://docs.example.com/budget`)
	h.SetNow(at(11, 23, 9, 45))
	for _, j := range js {
		if j.RunAt.Equal(at(11, 23, 9, 45)) {
			h.RunJob(j)
		}
	}
	if got := joined(h.QueuedFor("alice")); !strings.Contains(got, "Reminder: M-1") || !strings.Contains(got, "1. 预算 — @alice, 10m, https://docs.example.com/budget") {
		t.Errorf("alice's reminder:\n%s", got)
	}
	// The last reminder of an occurrence schedules the next one's.
	var next []time.Time
	for _, t := range runAts(reminders(h)) {
		if t.After(at(11, 23, 10, 0)) {
			next = append(next, t)
		}
	}
	if len(next) != 2 || next[1] != at(11, 30, 9, 45) {
		t.Errorf("next occurrence's reminders: %v", next)
	}
}

// A reminder whose occurrence moved or was cancelled says nothing, even
// when it runs (a job claimed just before the change).
func TestReminder_StaleSaysNothing(t *testing.T) {
	h := newOrg(t)
	h.Say("dora", `meeting new "Sync" mon 14:00 @alice`)
	old := reminders(h)
	h.Say("dora", "meeting change 1 tue 14:00")
	h.SetNow(at(11, 23, 13, 45))
	for _, j := range old {
		h.RunJob(j)
	}
	if got := strings.Join(h.QueuedFor("alice"), "\n"); strings.Contains(got, "Reminder") {
		t.Errorf("a moved meeting's old reminder spoke:\n%s", got)
	}
	moved := reminders(h)
	h.Say("dora", "meeting cancel 1")
	h.SetNow(at(11, 24, 13, 45))
	for _, j := range moved {
		h.RunJob(j)
	}
	if got := strings.Join(h.QueuedFor("alice"), "\n"); strings.Contains(got, "Reminder") {
		t.Errorf("a cancelled meeting's reminder spoke:\n%s", got)
	}
	// The control: a live reminder does speak.
	h.Say("dora", `meeting new "Live" wed 14:00 @alice`)
	for _, j := range reminders(h) {
		h.SetNow(j.RunAt)
		h.RunJob(j)
	}
	if got := strings.Join(h.QueuedFor("alice"), "\n"); !strings.Contains(got, "Reminder: M-2 Live starts") {
		t.Errorf("a live reminder said nothing:\n%s", got)
	}
}

func TestListAndShow(t *testing.T) {
	h := newOrg(t)
	h.Say("dora", `meeting new "Sync" mon 14:00 @alice`)
	h.Say("dora", `meeting new "Review" tue 9:00 @bob`)
	h.Say("dora", "meeting cancel 2")
	h.Expect("alice", "meeting list", "M-1 Sync — Mon 23 Nov 14:00")
	if got := h.Say("bob", "meeting list"); strings.Contains(got, "M-2") {
		t.Errorf("a cancelled meeting is listed: %s", got)
	}
	h.Expect("alice", "meeting 1", "M-1 Sync", "Accepted: @dora", "No answer yet: @alice", "meeting accept 1")
	h.Expect("alice", "meeting show M-2", "Status: cancelled")
	h.Expect("alice", "meeting show x", `"x" is not a meeting number`)
}

// A weekly cross-department meeting scheduled in Chinese across the
// National Day holiday of 2026 (1–7 October off, Saturday 10 October a
// make-up working day): the Thursday in the holiday moves to the next
// working day, Thursday 8 October stays, and each occurrence's reminders
// follow the moved dates on working time.
func TestSeries_ChineseAcrossNationalDay(t *testing.T) {
	h := newOrg(t, commandstest.WorkCalendar(t))
	h.SetNow(time.Date(2026, 9, 25, 10, 0, 0, 0, sh)) // a Friday
	h.Say("dora", "lang zh")
	h.Expect("dora", `会议 新建 「跨部门周会」 每周四 15:00 1小时 @alice @carol 节假日：顺延`,
		"已安排会议 M-1：10月8日周四 15:00", "每周四 15:00（节假日顺延至下一个工作日）")
	m, _ := get(h, 1)
	occ, err := meeting.Occurrences(m, h.Deps.Calendar, time.Date(2026, 9, 28, 0, 0, 0, 0, sh), time.Date(2026, 10, 16, 0, 0, 0, 0, sh))
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, o := range occ {
		days = append(days, o.Start.In(sh).Format("01-02 15:04"))
	}
	if strings.Join(days, " ") != "10-08 15:00 10-15 15:00" {
		t.Errorf("occurrences %v (1 October moves to the 8th, where one already is)", days)
	}
	// The card shows the first occurrence as it will be held.
	h.Expect("dora", "会议 查看 1", "10月8日周四 15:00")
	got := runAts(reminders(h))
	if len(got) != 2 || !got[1].Equal(time.Date(2026, 10, 8, 14, 45, 0, 0, sh)) || got[0].Month() != time.September {
		t.Errorf("reminders at %v: 15 minutes before the 8th, and 24h before falls in the holiday so it comes at the last working moment before it", got)
	}
}

func TestChange_ChecksConflicts(t *testing.T) {
	h := newOrg(t, commandstest.WorkCalendar(t))
	h.Say("sam", `meeting new "Budget" mon 14:00 1h @alice`)
	h.Say("dora", `meeting new "Review" mon 16:00 1h @alice @bob`)
	// Its own time is no conflict.
	h.Expect("dora", "meeting change 2 mon 16:30", "now Mon 23 Nov 16:30")
	got := h.Expect("dora", "meeting change 2 mon 14:30 +@carol", "Not changed yet: some attendees are busy at Mon 23 Nov 14:30",
		"@alice: M-1 Budget (Mon 23 Nov 14:00–15:00)", "meeting change 2 +@carol at:2026-11-23T15:00", "Go ahead anyway")
	if m, _ := get(h, 2); !m.Start.Equal(at(11, 23, 16, 30)) {
		t.Errorf("moved despite the conflict: %v\n%s", m.Start, got)
	}
	got = h.Click("dora", bot.Button{ActionID: "meeting.change", Value: "2 +@carol at:2026-11-23T15:00"})
	if !strings.Contains(got, "now Mon 23 Nov 15:00") || !strings.Contains(got, "invited @carol") {
		t.Errorf("slot button: %s", got)
	}
	// Who is removed is not checked; anyway goes ahead.
	h.Expect("dora", "meeting change 2 mon 14:00 -@alice", "removed @alice")
	// Adding someone busy then is a conflict too.
	h.Expect("dora", "meeting change 2 +@alice", "Not changed yet", "@alice: M-1 Budget")
	h.Expect("dora", "meeting change 2 +@alice anyway", "invited @alice")
}

// A series is checked at its first occurrence.
func TestNew_SeriesConflict(t *testing.T) {
	h := newOrg(t, commandstest.WorkCalendar(t))
	h.Say("sam", `meeting new "Budget" mon 10:00 1h @alice`)
	h.Expect("dora", `meeting new "Weekly" every monday 10:00 30m @alice`, "Not scheduled yet: some attendees are busy at Mon 23 Nov 10:00",
		"@alice: M-1 Budget")
	h.Expect("dora", `会议 新建 「周会」 每周一 10:00 30分钟 @alice 强制`, "已安排会议 M-2")
}

// Ensure a series is offered slots on its own day only: a slot sets the
// series' time, not its weekday, so a Tuesday offered for an "every monday"
// meeting would schedule Mondays at a time nobody checked.
func TestNew_SeriesSlotsKeepTheDay(t *testing.T) {
	h := newOrg(t, commandstest.WorkCalendar(t))
	h.Say("sam", `meeting new "Offsite" mon 09:00 9h @alice anyway`)
	got := h.Expect("dora", `meeting new "Weekly" every monday 10:00 30m @alice`, "Not scheduled yet")
	if strings.Contains(got, "Tue") || strings.Contains(got, "at:") {
		t.Errorf("a Monday series was offered another day:\n%s", got)
	}
	oneOff := h.Expect("dora", `meeting new "Once" mon 10:00 30m @alice`, "Not scheduled yet")
	if !strings.Contains(oneOff, "Tue 24 Nov") {
		t.Errorf("a one-off is offered the next free day:\n%s", oneOff)
	}
}
