// Package standup is the chat surface of standups and weekly check-ins
// (每日站会 / 周例会): a department's head sets one ("standup 09:30 workdays
// questions:…"), each member is asked on their own platform at the clock in
// their own zone on working days, their next message to the bot (or
// "standup answer …") is their answer, and at the cut-off the answers are
// posted to the department's bound group chats with who has not answered and
// who is on leave. Every step is a job row: a plan per standup and day, an
// ask per member and day, a summary per day, each keyed so it happens once.
package standup

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/standup"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/group"
)

// The job kinds of standups.
const (
	PlanJob    = "standup.plan"
	AskJob     = "standup.ask"
	SummaryJob = "standup.summary"
)

// pageSize is how many members, asks or chats are read at once.
const pageSize = 200

// Deps are what standups need from the host.
type Deps struct {
	// Calendar decides the working days; nil: Monday to Friday.
	Calendar *workcal.Calendar
	// Notifier asks the members (the bot's own); nil: one with the
	// defaults below.
	Notifier    *bot.Notifier
	DefaultTZ   *time.Location
	DefaultLang bot.Lang
}

type feature struct{ Deps }

var (
	deptKeys     = []string{"dept", "department", "部门"}
	questionKeys = []string{"questions", "q", "问题"}
	cutoffKeys   = []string{"cutoff", "until", "截止"}
)

// Module returns the standups' module: the standup and leave commands,
// their three job kinds, and the listener that takes an open ask's answer.
func Module(d Deps) commands.Module {
	if d.DefaultTZ == nil {
		d.DefaultTZ = time.UTC
	}
	if d.DefaultLang == "" {
		d.DefaultLang = bot.LangEN
	}
	f := &feature{d}
	sub := func(name string, aliases []string, usageEN, usageZH, sumEN, sumZH, exEN, exZH string, run func(*commands.Ctx) error) *commands.Sub {
		return &commands.Sub{Name: name, Aliases: aliases, Usage: bot.T(usageEN, usageZH), Summary: bot.T(sumEN, sumZH),
			Example: bot.T(exEN, exZH), Run: run}
	}
	return commands.Module{Name: "standup",
		Commands: []*commands.Command{{
			Name:     "standup",
			Aliases:  []string{"checkin", "站会", "每日站会", "周例会"},
			Summary:  bot.T("Daily standups and weekly check-ins", "每日站会和周例会"),
			Fallback: "set",
			Subs: []*commands.Sub{
				sub("show", []string{"list", "查看"}, "standup show [dept:<department>]", "站会 查看 [部门：<部门>]",
					"Show the department's standups", "查看部门的站会", "standup show", "站会 查看", f.show),
				sub("set", []string{"设置"},
					`standup <HH:MM> workdays|<weekday> [questions:"A|B|C"] [cutoff:2h] [dept:<department>]`,
					"站会 <时:分> 工作日|<星期几> [问题：“甲|乙|丙”] [截止：2h] [部门：<部门>]",
					"Set the department's standup (its head or an admin); a weekday makes a weekly check-in",
					"设置部门站会（部门负责人或管理员）；写星期几即为周例会",
					`standup 09:30 workdays questions:"Yesterday|Today|Blockers"`, "站会 09:30 工作日 问题：“昨天|今天|阻碍”", f.set),
				sub("off", []string{"stop", "关闭"}, "standup off workdays|<weekday> [dept:<department>]", "站会 关闭 工作日|<星期几> [部门：<部门>]",
					"Stop a standup", "停止站会", "standup off fri", "站会 关闭 周五", f.off),
				sub("answer", []string{"回答"}, "standup answer <text>", "站会 回答 <内容>",
					"Answer the standup you were asked", "回答你收到的站会问题", "standup answer Fixed login; today: tests",
					"站会 回答 修好登录；今天写测试", f.answerCmd),
			},
		}, {
			Name:     "leave",
			Aliases:  []string{"away", "请假"},
			Summary:  bot.T("Be on leave: standups skip you", "请假：站会不再问你"),
			Fallback: "add",
			Subs: []*commands.Sub{
				sub("show", []string{"查看"}, "leave show", "请假 查看", "Show your leave", "查看你的请假", "leave show", "请假 查看", f.showLeave),
				sub("add", []string{"添加"}, "leave <from> <to> [delegate:@person] | leave from:<date> to:<date> [delegate:@person] | leave until <date> [delegate:@person]",
					"请假 <开始日期> <结束日期> [代理：@某人] | 请假 开始：<日期> 结束：<日期> [代理：@某人] | 请假 到 <日期> [代理：@某人]",
					"Be on leave from one date to another (both included); a delegate stands in for you: requests, tickets, escalations",
					"从某天请假到某天（含首尾）；代理人代你处理审批、工单和升级",
					"leave 2026-10-08 2026-10-09 delegate:@bob", "请假 2026-10-08 2026-10-09 代理：@bob", f.addLeave),
				sub("cancel", []string{"back", "取消", "销假"}, "leave cancel", "请假 取消", "End your leave today", "销假",
					"leave cancel", "请假 取消", f.cancelLeave),
			},
		}},
		Jobs: map[string]bot.JobHandler{
			PlanJob:    bot.JobHandlerFunc(f.plan),
			AskJob:     bot.JobHandlerFunc(f.ask),
			SummaryJob: bot.JobHandlerFunc(f.summary),
		},
		Listen: f.listen,
	}
}

func (f *feature) notifier() *bot.Notifier {
	return bot.NotifierOr(f.Notifier, f.DefaultLang, f.DefaultTZ)
}

// deptOf is the department a command is about: dept:, else the one the
// group chat it was typed in is bound to, else the sender's.
func deptOf(c *commands.Ctx, name string) (*bot.Department, error) {
	if name != "" {
		return commands.FindDept(c, name)
	}
	if c.Event.ChatType == bot.ChatGroup && c.Event.ChatID != "" {
		d, err := group.BoundDept(c.Tx, bot.Destination{Platform: c.Event.Platform, Workspace: c.Event.Workspace, ChatID: c.Event.ChatID})
		if err != nil || d != nil {
			return d, err
		}
	}
	if c.Person.DeptID != 0 {
		return c.Tx.FindDepartmentByID(c.Person.DeptID)
	}
	return nil, bot.Errorf(bot.EINVALID, "Which department? Write dept:<name>, or type this in a chat bound to one.",
		"哪个部门？请写「部门：<名称>」，或在已绑定部门的群里输入。")
}

// mayManage refuses anyone but an admin and the department's head.
func mayManage(actor *bot.Person, d *bot.Department) error {
	if actor.Role == bot.RoleAdmin || (d.HeadID != 0 && d.HeadID == actor.ID) {
		return nil
	}
	return bot.Errorf(bot.EFORBIDDEN, "Only %s's head or an admin may change its standups.",
		"只有「%s」的负责人或管理员可以修改它的站会。", d.Name)
}

func (f *feature) set(c *commands.Ctx) error {
	s := &standup.Standup{Weekday: standup.Workdays, Cutoff: standup.DefaultCutoff, CreatedBy: c.Person.ID,
		CreatedAt: c.Now, TZ: c.Loc.String()}
	var deptName string
	for _, t := range c.Args {
		switch {
		case t.Key != "" && commands.Contains(deptKeys, t.Key):
			deptName = strings.TrimSpace(t.Text)
		case t.Key != "" && commands.Contains(questionKeys, t.Key):
			s.Questions = splitQuestions(t.Text)
		case t.Key != "" && commands.Contains(cutoffKeys, t.Key):
			d, err := time.ParseDuration(t.Text)
			if err != nil || d < 5*time.Minute || d > 12*time.Hour {
				return c.Usage(bot.Tf("The cut-off %q should be a duration between 5m and 12h, such as 2h.",
					"截止时长「%s」应在 5m 到 12h 之间，例如 2h。", t.Text))
			}
			s.Cutoff = d
		default:
			if _, _, err := standup.ParseClock(t.Text); err == nil {
				s.Clock = normalClock(t.Text)
				continue
			}
			if wd, ok := standup.ParseDays(t.Text); ok {
				s.Weekday = wd
				continue
			}
			return c.Usage(bot.Tf("I don't understand %q.", "我没看懂「%s」。", t.Raw))
		}
	}
	if !s.Weekly() && typedWeekly(c) {
		return c.Usage(bot.T("On which day of the week? Write it as fri or 周五.", "每周哪一天？请写成 fri 或 周五。"))
	}
	if s.Clock == "" {
		return c.Usage(bot.T("At what time? Write it as 09:30.", "几点开？请写成 09:30 这样的时刻。"))
	}
	if len(s.Questions) == 0 {
		s.Questions = defaultQuestions(s.Weekly(), c.Lang)
	}
	d, err := deptOf(c, deptName)
	if err != nil {
		return err
	}
	if err := mayManage(c.Person, d); err != nil {
		return err
	}
	s.DeptID = d.ID
	st := standup.From(c.Tx)
	if err := st.SaveStandup(s); err != nil {
		return err
	}
	// Today is planned at once: the members whose clock has not yet come
	// today are asked today, the others from the next day on.
	if err := schedulePlan(c.Tx, s, dayOf(c.Now, c.Loc), c.Now); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("%s's %s is set: %s, at %s in each member's own time, questions: %s. Answers go to its groups %s after the last member is asked.",
		"「%s」的%s已设置：%s，每位成员当地时间 %s 提问，问题：%s。最后一位成员被问到 %s 后，回答汇总发到部门群。",
		d.Name, kindName(s).In(c.Lang), daysText(s).In(c.Lang), s.Clock, strings.Join(s.Questions, " | "), s.Cutoff))
	return nil
}

// typedWeekly reports whether the command was typed as a weekly check-in
// (周例会, checkin), which then needs its weekday rather than every working day.
func typedWeekly(c *commands.Ctx) bool {
	toks := commands.Tokenize(c.Event.Text)
	return len(toks) > 0 && commands.Contains([]string{"周例会", "checkin"}, strings.TrimLeft(toks[0].Text, "/!！"))
}

func splitQuestions(s string) []string {
	var out []string
	for _, q := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == '｜' }) {
		if q = strings.TrimSpace(q); q != "" {
			out = append(out, q)
		}
	}
	return out
}

func defaultQuestions(weekly bool, lang bot.Lang) []string {
	switch {
	case weekly && lang == bot.LangZH:
		return []string{"本周完成了什么", "下周计划", "风险和需要的帮助"}
	case weekly:
		return []string{"Done this week", "Next week", "Risks and help needed"}
	case lang == bot.LangZH:
		return []string{"昨天做了什么", "今天计划做什么", "遇到什么阻碍"}
	}
	return []string{"Yesterday", "Today", "Blockers"}
}

func normalClock(s string) string {
	h, m, _ := standup.ParseClock(s)
	return time.Date(2000, 1, 1, h, m, 0, 0, time.UTC).Format("15:04")
}

func kindName(s *standup.Standup) bot.Text {
	if s.Weekly() {
		return bot.T("weekly check-in", "周例会")
	}
	return bot.T("standup", "每日站会")
}

func daysText(s *standup.Standup) bot.Text {
	if !s.Weekly() {
		return bot.T("every working day", "每个工作日")
	}
	wd := time.Weekday(s.Weekday)
	return bot.T("every "+wd.String(), "每"+commands.WeekdayZH(wd))
}

func (f *feature) show(c *commands.Ctx) error {
	var deptName string
	for _, t := range c.Args {
		if t.Key != "" && commands.Contains(deptKeys, t.Key) {
			deptName = strings.TrimSpace(t.Text)
			continue
		}
		return c.Usage(bot.Tf("I don't understand %q.", "我没看懂「%s」。", t.Raw))
	}
	d, err := deptOf(c, deptName)
	if err != nil {
		return err
	}
	ss, err := standup.From(c.Tx).StandupsOfDept(d.ID)
	if err != nil {
		return err
	}
	if len(ss) == 0 {
		c.ReplyText(bot.Tf("%s has no standup. Set one with `standup 09:30 workdays`.", "「%s」还没有站会。可以用「站会 09:30 工作日」设置。", d.Name))
		return nil
	}
	lines := []string{c.T("%s:", "「%s」：", d.Name)}
	for _, s := range ss {
		lines = append(lines, c.T("• %s, %s at %s (cut-off %s): %s", "• %s，%s %s（截止 %s）：%s",
			kindName(s).In(c.Lang), daysText(s).In(c.Lang), s.Clock, s.Cutoff, strings.Join(s.Questions, " | ")))
	}
	c.Reply(bot.Message{Text: strings.Join(lines, "\n")})
	return nil
}

func (f *feature) off(c *commands.Ctx) error {
	weekday, deptName := standup.Workdays, ""
	for _, t := range c.Args {
		switch {
		case t.Key != "" && commands.Contains(deptKeys, t.Key):
			deptName = strings.TrimSpace(t.Text)
		default:
			wd, ok := standup.ParseDays(t.Text)
			if !ok {
				return c.Usage(bot.Tf("I don't understand %q.", "我没看懂「%s」。", t.Raw))
			}
			weekday = wd
		}
	}
	d, err := deptOf(c, deptName)
	if err != nil {
		return err
	}
	if err := mayManage(c.Person, d); err != nil {
		return err
	}
	st := standup.From(c.Tx)
	ss, err := st.StandupsOfDept(d.ID)
	if err != nil {
		return err
	}
	for _, s := range ss {
		if s.Weekday == weekday {
			// Its pending jobs find it gone and do nothing.
			if err := st.DeleteStandup(s.ID); err != nil {
				return err
			}
			c.ReplyText(bot.Tf("%s's %s is stopped.", "「%s」的%s已停止。", d.Name, kindName(s).In(c.Lang)))
			return nil
		}
	}
	return bot.Errorf(bot.ENOTFOUND, "%s has no such standup. Type `standup show` to see its standups.",
		"「%s」没有这个站会。输入「站会 查看」看它的站会。", d.Name)
}

// dayOf is the date of t in loc, at midnight UTC: a standup's day is a
// calendar date, the same for every member whatever their zone.
func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func loadZone(name string, fallback *time.Location) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	return fallback
}

// planPayload is a plan job's: the standup and the day it plans.
type planPayload struct {
	Standup int64  `json:"standup"`
	Day     string `json:"day"`
}

// schedulePlan stores the plan of s's day, keyed by both so a day is
// planned once however often the standup is set.
func schedulePlan(tx bot.Tx, s *standup.Standup, day, now time.Time) error {
	payload, err := json.Marshal(planPayload{Standup: s.ID, Day: day.Format(standup.DayLayout)})
	if err != nil {
		return err
	}
	at := standup.PlanAt(day, loadZone(s.TZ, time.UTC))
	if at.Before(now) {
		at = now
	}
	_, err = tx.ScheduleJob(&bot.Job{Kind: PlanJob, Payload: payload, RunAt: at,
		DedupKey: "standup/" + strconv.FormatInt(s.ID, 10) + "/plan/" + day.Format(standup.DayLayout)}, now)
	return err
}
