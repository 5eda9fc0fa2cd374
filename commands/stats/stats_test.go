package stats_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/commands/commandstest"
	statscmd "github.com/tandemhq/tandem/commands/stats"
)

var sh = commandstest.Shanghai

func dm(user string) bot.Destination {
	return bot.Destination{Platform: bot.PlatformConsole, Workspace: "local", ChatID: "dm:" + user}
}

// usage reads the counters of the days [from, to] for one department (0: all).
func usage(t *testing.T, h *commandstest.Harness, from, to string, dept int64) []stats.UsageRow {
	t.Helper()
	var rows []stats.UsageRow
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		rows, err = stats.From(tx).UsageRows(from, to, dept)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return rows
}

// count sums rows of one platform and kind.
func count(rows []stats.UsageRow, platform string, kind bot.UsageKind) int {
	n := 0
	for _, r := range rows {
		if r.Platform == platform && r.Kind == kind {
			n += r.N
		}
	}
	return n
}

func topOf(t *testing.T, h *commandstest.Harness, day string, dept int64) map[string]int {
	t.Helper()
	var top []stats.NameCount
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		top, err = stats.From(tx).TopCommands(day, day, dept, 50)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range top {
		out[c.Name] = c.N
	}
	return out
}

// words drops the texts of pictures (empty).
func words(texts []string) []string {
	var out []string
	for _, s := range texts {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// setDept puts the person of account a into dept.
func setDept(t *testing.T, h *commandstest.Harness, a bot.Account, dept string) {
	t.Helper()
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		p, err := tx.FindPersonByAccount(a)
		if err != nil {
			return err
		}
		d, err := tx.FindDepartmentByName(dept)
		if err != nil {
			return err
		}
		p.DeptID = d.ID
		return tx.UpdatePerson(p)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Ensure each handled event is counted once, in its unit, on the row of
// its day, its sender's department and platform and its kind: commands
// typed in English or Chinese by their English name, a refused command
// too, plain messages and button clicks apart.
func TestCounting_ByDayDepartmentPlatformAndKind(t *testing.T) {
	h := commandstest.New(t)
	h.Org(map[string][]string{"Sales": {"alice"}, "Design": {"carol"}})
	sales, design := h.Person("alice").DeptID, h.Person("carol").DeptID

	h.Say("alice", "task new Call the client")
	h.Say("alice", "任务 新建 写周报")
	h.Say("alice", "hello there")       // no command: a message
	h.Say("alice", "stats dept:Design") // refused, still a command
	h.SendOn(bot.PlatformSlack, "T1", "U9", "dave", "whoami")
	setDept(t, h, bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "U9"}, "Design")
	h.SendOn(bot.PlatformSlack, "T1", "U9", "dave", "统计")
	h.Click("carol", bot.Button{ActionID: "task.show", Value: "1"})

	day := "2026-11-20"
	all := usage(t, h, day, day, 0)
	if got := count(usage(t, h, day, day, sales), bot.PlatformConsole, bot.UsageMessage); got != 1 {
		t.Errorf("Sales messages on the console = %d, want 1 (%+v)", got, all)
	}
	if got := topOf(t, h, day, sales); got["task"] != 2 || got["stats"] != 1 {
		t.Errorf("Sales commands = %v, want task 2 (English and Chinese) and stats 1 (refused)", got)
	}
	designRows := usage(t, h, day, day, design)
	if got := count(designRows, bot.PlatformSlack, bot.UsageCommand); got != 1 {
		t.Errorf("Design commands on Slack = %d, want 1 (统计; whoami came before dave joined): %+v", got, designRows)
	}
	if got := count(designRows, bot.PlatformConsole, bot.UsageClick); got != 1 {
		t.Errorf("Design clicks on the console = %d, want 1: %+v", got, designRows)
	}
	if got := topOf(t, h, day, design); got["stats"] != 1 {
		t.Errorf("Design commands = %v, want stats 1 (typed as 统计)", got)
	}
	if got := count(usage(t, h, day, day, 0), bot.PlatformSlack, bot.UsageCommand); got != 2 {
		t.Errorf("commands on Slack = %d, want 2", got)
	}
}

// Ensure days are the counters' zone's days (Shanghai here): 23:30 and
// 00:30 across a month's end land on two days of two months, and each
// month's figures count only its own.
func TestFigures_AcrossAMonthBoundary(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("boss")
	h.SetNow(time.Date(2026, 10, 31, 23, 30, 0, 0, sh))
	h.Say("boss", "task new one")
	h.Say("boss", "hi")
	h.SetNow(time.Date(2026, 11, 1, 0, 30, 0, 0, sh))
	h.Say("boss", "task new two")
	h.Say("boss", "task new three")
	h.SetNow(time.Date(2026, 11, 3, 10, 0, 0, 0, sh))

	oct := h.Say("boss", "stats month:2026-10")
	// Admin's "whoami" counted on 11-20 (Friday10, before SetNow) is not in October.
	for _, want := range []string{"Figures for 2026-10 (all departments)", "Messages: 2, of which commands 1", "Tasks: 1 created"} {
		if !strings.Contains(oct, want) {
			t.Errorf("October figures lack %q:\n%s", want, oct)
		}
	}
	nov := h.Say("boss", "统计 month:2026-11")
	// November: two tasks on the 1st, October's stats on the 3rd, and the
	// admin's "whoami" on the 20th (h.Admin, at the harness's first now).
	for _, want := range []string{"2026-11 数据（全部门）", "消息 4 条，其中命令 4 条", "新建 2 个", "最忙的一天：2026-11-01（2 条消息）",
		"最常用命令：task 2、stats 1、whoami 1"} {
		if !strings.Contains(nov, want) {
			t.Errorf("November figures lack %q:\n%s", want, nov)
		}
	}
	var charts []string
	for _, m := range h.QueuedTo(dm("boss")) {
		if m.Image != nil {
			charts = append(charts, m.Image.Name+" "+m.Image.Alt)
		}
	}
	if len(charts) != 2 || !strings.Contains(strings.Join(charts, "\n"), "2026-10-01 to 2026-10-31: 2 messages, 1 command.") ||
		!strings.Contains(strings.Join(charts, "\n"), "2026-11-01 至 2026-11-30 每日消息与命令：消息 4 条，命令 4 条") {
		t.Errorf("charts = %q, want one per answer, in its reader's language", charts)
	}
}

// Ensure admins see everything and any department; others only their own
// department (named or not), and nobody outside a department sees any.
func TestStats_WhoMaySee(t *testing.T) {
	h := commandstest.New(t)
	h.Org(map[string][]string{"Sales": {"alice", "bob"}, "Design": {"carol"}})
	h.Admin("boss")
	h.Say("drifter", "whoami")
	for _, c := range []struct{ user, text, want string }{
		{"boss", "stats", "(all departments)"},
		{"boss", "stats dept:Design", "(Design)"},
		{"alice", "stats", "(Sales)"},          // a head
		{"bob", "stats week", "(Sales)"},       // a member
		{"bob", "stats dept:Sales", "(Sales)"}, // their own, named
		{"bob", "stats dept:Design", "Only admins and the people of Design can see its figures."},
		{"bob", "统计 部门：Design", "只有管理员和Design的成员可以查看该部门的数据。"},
		{"drifter", "stats", "You are in no department"},
	} {
		if got := h.Say(c.user, c.text); !strings.Contains(got, c.want) {
			t.Errorf("%s: %q = %q, want %q", c.user, c.text, got, c.want)
		}
	}
	if got := h.Say("boss", "stats dept:Nowhere"); !strings.Contains(got, "Nowhere") {
		t.Errorf("unknown department: %q", got)
	}
}

// Ensure a malformed period or a stray word gets the usage, in the
// reader's language, and nothing else.
func TestStats_MalformedInput(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("boss")
	for _, c := range []struct{ text, want string }{
		{"stats fortnight", "Say the period as `week`, `month:2026-11`"},
		{"stats month:2026-13", "Usage: `stats [week|month|"},
		{"stats from:2026-11-30 to:2026-11-01", "at most 92 days"},
		{"stats from:2026-01-01 to:2026-12-31", "at most 92 days"},
		{"stats week month", "I can't read \"month\" here."},
		{"stats colour:red", "I can't read \"colour:red\" here."},
		{"统计 两周", "时间段请写成「week」"},
		{"统计 颜色：红", "无法识别「颜色：红」。用法："},
	} {
		got := h.Say("boss", c.text)
		if !strings.Contains(got, c.want) {
			t.Errorf("%q = %q, want %q", c.text, got, c.want)
		}
		if strings.Contains(got, "Figures for") || strings.Contains(got, "数据（") {
			t.Errorf("%q answered figures: %q", c.text, got)
		}
	}
}

// Ensure the monthly report is a system job on the first working day at
// 09:30 (2026-10-08 after National Day), tells every admin last month's
// figures with the chart in their language, and goes out once a month
// however often the job runs.
func TestMonthlyReport(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.Admin("boss")
	h.Admin("laoban")
	h.Say("laoban", "lang zh")
	h.SetNow(time.Date(2026, 9, 15, 10, 0, 0, 0, sh))
	h.Say("boss", "task new September work")

	m := statscmd.Module(statscmd.Deps{Calendar: h.Deps.Calendar, NextRun: h.Deps.NextRun, DefaultTZ: sh})
	if len(m.SystemJobs) != 1 {
		t.Fatalf("system jobs = %+v", m.SystemJobs)
	}
	sj := m.SystemJobs[0]
	if sj.Schedule != "firstworkday:09:30" || sj.TZ != "Asia/Shanghai" {
		t.Errorf("system job = %+v, want firstworkday:09:30 in Asia/Shanghai", sj)
	}
	if first := sj.First(time.Date(2026, 9, 30, 12, 0, 0, 0, sh)); !first.Equal(time.Date(2026, 10, 8, 9, 30, 0, 0, sh)) {
		t.Errorf("first report at %v, want 2026-10-08 09:30 (the first working day after National Day)", first)
	}
	if off := statscmd.Module(statscmd.Deps{Config: statscmd.Config{Report: "off"}}); off.SystemJobs[0].Schedule != "" {
		t.Errorf("report off: schedule %q, want none (cancelled)", off.SystemJobs[0].Schedule)
	}

	h.SetNow(time.Date(2026, 10, 8, 9, 30, 0, 0, sh))
	job := &bot.Job{Kind: statscmd.JobMonthly, DedupKey: "system/stats-monthly", Schedule: sj.Schedule, TZ: sj.TZ}
	h.RunJob(job)
	h.RunJob(job) // run again (a retry): nothing more
	texts := words(h.QueuedFor("boss"))
	if len(texts) != 1 || !strings.Contains(texts[0], "Monthly report — Figures for 2026-09 (all departments)") ||
		!strings.Contains(texts[0], "Tasks: 1 created") {
		t.Errorf("boss got %q, want one report on September", texts)
	}
	zh := words(h.QueuedFor("laoban"))
	if len(zh) != 1 || !strings.Contains(zh[0], "月度报告——2026-09 数据（全部门）") {
		t.Errorf("laoban got %q, want one report in Chinese", zh)
	}
	var charts []string
	for _, msg := range h.QueuedTo(bot.Destination{Platform: bot.PlatformConsole, UserID: "laoban"}) {
		if msg.Image != nil {
			charts = append(charts, msg.Image.Alt)
		}
	}
	if len(charts) != 1 || !strings.Contains(charts[0], "每日消息与命令") {
		t.Errorf("laoban's charts = %q, want one, in Chinese", charts)
	}
}

// Ensure the figures are as of when the event came, in the prepare step
// and the unit alike: handled after midnight (a retry by the sweep), an
// event of 23:59 still answers about the week that ended that day.
func TestStats_AsOfWhenTheEventCame(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("boss")
	h.SetNow(time.Date(2026, 11, 3, 0, 1, 0, 0, sh))
	got := h.Deliver(&bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: h.NextKey("k"), ChatID: "dm:boss",
		ChatType: bot.ChatDirect, Sender: bot.Author{UserID: "boss", Name: "boss"}, Text: "stats",
		ReceivedAt: time.Date(2026, 11, 2, 23, 59, 0, 0, sh)})
	if !strings.Contains(got, "Figures for 2026-10-27 – 2026-11-02") {
		t.Errorf("got %q, want the week ending 11-02", got)
	}
}
