package standup_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/standup"
	"github.com/tandemhq/tandem/commands/commandstest"
	standupcmd "github.com/tandemhq/tandem/commands/standup"
)

var sh = commandstest.Shanghai

// runUntil runs every pending job due by t, earliest first, each at its
// own time as the scheduler would, then sets the clock to t.
func runUntil(h *commandstest.Harness, t time.Time) {
	h.T.Helper()
	for {
		var next *bot.Job
		for _, j := range h.Jobs(bot.JobFilter{State: bot.JobPending, Limit: 1000}) {
			if !j.RunAt.After(t) && (next == nil || j.RunAt.Before(next.RunAt)) {
				next = j
			}
		}
		if next == nil {
			break
		}
		if next.RunAt.After(h.Now()) {
			h.SetNow(next.RunAt)
		}
		h.CompleteJob(next)
	}
	h.SetNow(t)
}

// asked lists the handles of the people asked on day, by person id.
func asked(h *commandstest.Harness, day string) []string {
	h.T.Helper()
	var out []string
	err := h.DB.View(context.Background(), func(tx bot.Tx) error {
		ss, err := standup.From(tx).StandupsOfDept(h.Person("lead").DeptID)
		if err != nil || len(ss) == 0 {
			return err
		}
		asks, err := standup.From(tx).StandupAsks(ss[0].ID, day, 0, 100)
		for _, a := range asks {
			p, err := tx.FindPersonByID(a.PersonID)
			if err != nil {
				return err
			}
			out = append(out, p.Handle)
		}
		return err
	})
	if err != nil {
		h.T.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// summaryOf is the message posted to chat about the day written as in
// "Thu 8 Oct"; the outbox does not keep rows in the order queued.
func summaryOf(h *commandstest.Harness, chat bot.Destination, day string) string {
	h.T.Helper()
	for _, m := range h.QueuedTo(chat) {
		if strings.Contains(m.Text, day+" (") {
			return m.Text
		}
	}
	h.T.Fatalf("no summary of %s in %q", day, texts(h.QueuedTo(chat)))
	return ""
}

func texts(ms []bot.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}

// TestStandupAcrossTheNationalDayWeek runs a daily standup from Tuesday
// 29 September to Sunday 11 October 2026: 1–7 October are off, Saturday 10
// October is a make-up working day. Ann is on Slack in New York (asked at
// 09:30 her time, 21:30 in Shanghai), Cat is on leave on 8–9 October.
func TestStandupAcrossTheNationalDayWeek(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(time.Date(2026, 9, 29, 10, 0, 0, 0, sh))
	h.Org(map[string][]string{"Design": {"lead", "cat"}})
	h.SendOn("slack", "T1", "U1", "ann", "tz America/New_York")
	ann := h.PersonOf(bot.Account{Platform: "slack", Workspace: "T1", UserID: "U1"})
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		ann.DeptID = h.Person("lead").DeptID
		return tx.UpdatePerson(ann)
	})
	if err != nil {
		t.Fatal(err)
	}
	h.SayIn("design-room", "lead", "group bind dept:Design")
	group := bot.Destination{Platform: bot.PlatformConsole, Workspace: "local", ChatID: "design-room"}

	if got := h.SayIn("design-room", "cat", `standup 09:30 workdays`); !strings.Contains(got, "Only Design's head or an admin") {
		t.Fatalf("a member set the standup: %q", got)
	}
	got := h.SayIn("design-room", "lead", `standup 09:30 workdays questions:"Yesterday|Today|Blockers"`)
	if !strings.Contains(got, "Design's standup is set") || !strings.Contains(got, "Yesterday | Today | Blockers") {
		t.Fatalf("set: %q", got)
	}
	if got := h.Say("cat", "leave 2026-10-08 2026-10-09"); !strings.Contains(got, "from 2026-10-08 to 2026-10-09") {
		t.Fatalf("leave: %q", got)
	}

	// Set at 10:00 in Shanghai: Lead and Cat's 09:30 has passed today, Ann's
	// (21:30 in Shanghai) has not.
	runUntil(h, time.Date(2026, 9, 29, 23, 59, 0, 0, sh))
	if got := asked(h, "2026-09-29"); !slices.Equal(got, []string{"ann"}) {
		t.Fatalf("asked on 29 September: %v", got)
	}
	annDM := bot.Destination{Platform: "slack", Workspace: "T1", UserID: "U1"}
	if q := texts(h.QueuedTo(annDM)); len(q) == 0 || !strings.Contains(q[len(q)-1], "1. Yesterday\n2. Today\n3. Blockers") {
		t.Fatalf("Ann's question on Slack: %q", q)
	}
	if q := texts(h.QueuedTo(group)); len(q) != 1 || !strings.Contains(q[0], "(0 of 1 answered)") || !strings.Contains(q[0], "Not answered: @ann") {
		t.Fatalf("29 September's summary: %q", q)
	}

	// The holiday week: nobody is asked from 1 to 7 October.
	runUntil(h, time.Date(2026, 10, 8, 9, 45, 0, 0, sh))
	if got := asked(h, "2026-09-30"); !slices.Equal(got, []string{"ann", "cat", "lead"}) {
		t.Fatalf("asked on 30 September: %v", got)
	}
	for d := 1; d <= 7; d++ {
		day := time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC).Format(standup.DayLayout)
		if got := asked(h, day); len(got) != 0 {
			t.Fatalf("asked on the holiday %s: %v", day, got)
		}
	}
	// 8 October: Lead answers his question with his next message; Cat,
	// on leave, is not asked.
	if q := h.QueuedFor("lead"); !slices.ContainsFunc(q, func(s string) bool { return strings.Contains(s, "Design standup, Thu 8 Oct") }) {
		t.Fatalf("Lead's question: %q", q)
	}
	// A command while the ask is open is a command, not the answer.
	if got := h.Say("lead", "leave show"); got != "You are not on leave today." {
		t.Fatalf("a command while asked: %q", got)
	}
	if got := h.Say("lead", "Fixed the login; today the tests; no blockers"); !strings.Contains(got, "Thanks, your answer is recorded") {
		t.Fatalf("answer: %q", got)
	}
	runUntil(h, time.Date(2026, 10, 8, 21, 40, 0, 0, sh))
	if got := h.SendOn("slack", "T1", "U1", "ann", "Reviewed the mock-ups; today the icons"); !strings.Contains(got, "recorded") {
		t.Fatalf("Ann's answer: %q", got)
	}
	runUntil(h, time.Date(2026, 10, 9, 0, 0, 0, 0, sh))
	summary := summaryOf(h, group, "Thu 8 Oct")
	for _, want := range []string{"Design standup, Thu 8 Oct (2 of 2 answered)", "@lead: Fixed the login; today the tests; no blockers",
		"@ann: Reviewed the mock-ups; today the icons", "On leave: @cat"} {
		if !strings.Contains(summary, want) {
			t.Fatalf("8 October's summary lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(summary, "Not answered") {
		t.Fatalf("8 October's summary:\n%s", summary)
	}
	if got := asked(h, "2026-10-08"); !slices.Equal(got, []string{"ann", "lead"}) {
		t.Fatalf("asked on 8 October: %v", got)
	}

	// The make-up Saturday is a working day, Cat is back; Sunday is off.
	runUntil(h, time.Date(2026, 10, 12, 0, 0, 0, 0, sh))
	if got := asked(h, "2026-10-10"); !slices.Equal(got, []string{"ann", "cat", "lead"}) {
		t.Fatalf("asked on the make-up Saturday: %v", got)
	}
	if got := asked(h, "2026-10-11"); len(got) != 0 {
		t.Fatalf("asked on Sunday 11 October: %v", got)
	}
	last := summaryOf(h, group, "Sat 10 Oct")
	q := texts(h.QueuedTo(group))
	if !strings.Contains(last, "Sat 10 Oct (0 of 3 answered)") || !strings.Contains(last, "Not answered: @lead, @cat, @ann") {
		t.Fatalf("the make-up Saturday's summary:\n%s", last)
	}
	// One summary for each day the standup happened: 29 and 30 September,
	// 8, 9 and 10 October.
	if len(q) != 5 {
		t.Fatalf("group messages: %q", q)
	}
	if pending := h.Jobs(bot.JobFilter{Kind: standupcmd.PlanJob, State: bot.JobPending}); len(pending) != 1 {
		t.Fatalf("the plan chain: %d pending plans", len(pending))
	}
}

// TestWeeklyCheckInInChinese sets a weekly check-in on Fridays in Chinese:
// it happens on Fridays that are working days only.
func TestWeeklyCheckInInChinese(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(time.Date(2026, 9, 28, 10, 0, 0, 0, sh))
	h.Org(map[string][]string{"设计": {"lead", "bob"}})
	if got := h.Say("lead", "周例会 16:00 部门：设计"); !strings.Contains(got, "每周哪一天？") {
		t.Fatalf("a check-in without its weekday: %q", got)
	}
	got := h.Say("lead", "周例会 16:00 周五 部门：设计")
	if !strings.Contains(got, "「设计」的周例会已设置：每周五") || !strings.Contains(got, "本周完成了什么") {
		t.Fatalf("set: %q", got)
	}
	runUntil(h, time.Date(2026, 10, 17, 0, 0, 0, 0, sh))
	for day, want := range map[string]int{"2026-10-02": 0, "2026-10-09": 2, "2026-10-16": 2, "2026-10-10": 0} {
		if got := asked(h, day); len(got) != want {
			t.Errorf("%s: asked %v, want %d people", day, got, want)
		}
	}
	if got := h.Say("bob", "站会 回答 完成了图标"); !strings.Contains(got, "你现在没有需要回答的站会") {
		t.Fatalf("an answer with no open ask: %q", got)
	}
	if got := h.Say("lead", "站会 10:00 工作日 截止：1分钟"); !strings.Contains(got, "截止时长") {
		t.Fatalf("a bad cut-off: %q", got)
	}
	if got := h.Say("lead", "站会 关闭 周五"); !strings.Contains(got, "「设计」的周例会已停止。") {
		t.Fatalf("off: %q", got)
	}
	// Stopped, its chain of plans ends at the next one, and nobody is asked.
	if pending := h.Jobs(bot.JobFilter{Kind: standupcmd.PlanJob, State: bot.JobPending}); len(pending) != 1 {
		t.Fatalf("before the next plan: %d pending plans", len(pending))
	}
	runUntil(h, time.Date(2026, 10, 31, 0, 0, 0, 0, sh))
	if pending := h.Jobs(bot.JobFilter{Kind: standupcmd.PlanJob, State: bot.JobPending}); len(pending) != 0 {
		t.Fatalf("a stopped check-in is still planned: %d pending plans", len(pending))
	}
	if asks := h.Jobs(bot.JobFilter{Kind: standupcmd.AskJob, State: bot.JobPending}); len(asks) != 0 {
		t.Fatalf("a stopped check-in still asks: %d", len(asks))
	}
}

// Ensure leave is read as whole days, refused when backwards, past or
// unreadable, and ends with `leave cancel` / `请假 取消`.
func TestLeave(t *testing.T) {
	h := commandstest.New(t)
	h.SetNow(time.Date(2026, 10, 5, 10, 0, 0, 0, sh))
	for in, want := range map[string]string{
		"leave 2026-10-09 2026-10-08": "The last day comes before the first.",
		"leave until 2026-10-01":      "That leave is over already.",
		"leave tomorrow":              `"tomorrow" is not a date such as 2026-10-08.`,
		"请假 下周":                       "「下周」不是日期，例如 2026-10-08。",
		"leave cancel":                "You have no leave to cancel.",
	} {
		if got := h.Say("cat", in); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	if got := h.Say("cat", "leave to:2026-10-12 from:2026-10-08"); !strings.Contains(got, "from 2026-10-08 to 2026-10-12") {
		t.Fatalf("leave with keyed days in either order: %q", got)
	}
	if got := h.Say("cat", "请假 开始：2026-10-20 结束：2026-10-21"); !strings.Contains(got, "已请假：2026-10-20 至 2026-10-21") {
		t.Fatalf("请假 with keyed days: %q", got)
	}
	if got := h.Say("cat", "leave from:2026-10-14"); !strings.Contains(got, "from 2026-10-14 to 2026-10-14") {
		t.Fatalf("leave from one day: %q", got)
	}
	if got := h.Say("cat", "leave from:tomorrow to:2026-10-12"); !strings.Contains(got, `"from:tomorrow" is not a date`) {
		t.Fatalf("leave from a word: %q", got)
	}
	h.Say("cat", "leave cancel")
	if got := h.Say("cat", "请假 到 2026-10-09"); !strings.Contains(got, "已请假：2026-10-05 至 2026-10-09") {
		t.Fatalf("leave until: %q", got)
	}
	if got := h.Say("cat", "leave show"); got != "You are on leave from 2026-10-05 to 2026-10-09." {
		t.Fatalf("show: %q", got)
	}
	if got := h.Say("cat", "请假 取消"); !strings.Contains(got, "欢迎回来") {
		t.Fatalf("cancel: %q", got)
	}
	if got := h.Say("cat", "leave show"); got != "You are not on leave today." {
		t.Fatalf("show after cancel: %q", got)
	}
}
