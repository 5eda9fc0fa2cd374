package project

import (
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands"
)

// maxShownGroups bounds the bound groups show lists.
const maxShownGroups = 10

// shownEvents is how many of the newest timeline entries show lists.
const shownEvents = 5

// eventNames label the timeline's entries in the reader's language.
var eventNames = map[project.EventKind]bot.Text{
	project.Created: bot.T("created", "创建"), project.GoalSet: bot.T("goal", "目标"), project.DatesSet: bot.T("dates", "日期"),
	project.LeadSet: bot.T("lead", "负责人"), project.MemberSet: bot.T("member", "成员"), project.MemberGone: bot.T("member removed", "移除成员"),
	project.MilestoneSet: bot.T("milestone", "里程碑"), project.MilestoneMet: bot.T("milestone met", "里程碑达成"),
	project.MilestoneCut: bot.T("milestone removed", "删除里程碑"), project.ItemAdded: bot.T("work added", "加入工作"),
	project.ItemRemoved: bot.T("work removed", "移出工作"), project.Warned: bot.T("warning", "预警"),
	project.Reviewed: bot.T("weekly review", "周报"), project.ClosedEvent: bot.T("closed", "结项"),
	project.Reopened: bot.T("reopened", "重新打开"), project.Bound: bot.T("group bound", "绑定群"),
}

// eventLine is one timeline entry for a reader: when (their zone), what
// (their language), who and the entry's own text.
func eventLine(e *project.Event, ppl *commands.People, rd commands.Reader) string {
	name := string(e.Kind)
	if t, ok := eventNames[e.Kind]; ok {
		name = t.In(rd.Lang)
	}
	s := e.At.In(rd.Loc).Format("2006-01-02 15:04") + " " + name
	if e.ActorID != 0 {
		s += " " + ppl.Handle(e.ActorID, rd.Lang)
	}
	if e.Text != "" && e.Text != string(e.Kind) {
		s += rd.T(": %s", "：%s", e.Text)
	}
	return s
}

// list pages projects: the active ones the sender is a member of by
// default, every active one with "all", closed ones with "closed".
func (f *feature) list(c *commands.Ctx) error {
	page, args, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	flt := project.Filter{Status: project.Active, MemberID: c.Person.ID, Offset: (page - 1) * commands.PageSize, Limit: commands.PageSize + 1}
	for _, t := range args {
		switch strings.ToLower(t.Text) {
		case "all", "全部", "所有":
			flt.MemberID = 0
		case "mine", "my", "我的":
			flt.MemberID = c.Person.ID
		case "closed", "done", "已关闭", "已结束":
			flt.Status = project.Closed
		default:
			return c.Usage(bot.Tf("I don't understand %q here.", "这里的「%s」我没看懂。", t.Raw))
		}
	}
	title := bot.T("Your active projects", "你参与的进行中项目")
	switch {
	case flt.MemberID == 0 && flt.Status == project.Closed:
		title = bot.T("Closed projects", "已关闭的项目")
	case flt.MemberID == 0:
		title = bot.T("Active projects", "进行中的项目")
	case flt.Status == project.Closed:
		title = bot.T("Your closed projects", "你参与的已关闭项目")
	}
	ps, err := project.From(c.Tx).FindProjects(flt)
	if err != nil {
		return err
	}
	switch {
	case len(ps) == 0 && page > 1:
		c.Reply(bot.Message{Text: title.In(c.Lang) + c.T(": there is no page %d.", "：没有第%d页。", page), Private: true})
		return nil
	case len(ps) == 0:
		c.Reply(bot.Message{Text: title.In(c.Lang) + c.T(": none. Start one with `project new \"<name>\"`.", "：没有。新建项目：「项目 新建 「<名称>」」。"), Private: true})
		return nil
	}
	more := len(ps) > commands.PageSize
	ps = ps[:min(len(ps), commands.PageSize)]
	ppl := commands.NewPeople(c.Tx, c.Person)
	var b strings.Builder
	b.WriteString(commands.PageTitle(c, title, page, len(ps), more))
	for _, p := range ps {
		b.WriteString("\n" + c.T("• %s — %s, %s – %s, lead %s", "• %s — %s，%s至%s，负责人 %s",
			p.Key, p.Name, f.day(c, p.Start), f.day(c, p.End), ppl.Handle(p.LeadID, c.Lang)))
		if len(p.Missing()) > 0 {
			b.WriteString(c.T(" (goal incomplete)", "（目标不完整）"))
		}
	}
	if more {
		b.WriteString("\n" + commands.NextPage(c, "project list", "项目 列表", args, page))
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

// show answers a project's goal (and whether it is SMART), lead,
// departments, dates, members, milestones with their work, and the groups
// bound to it. The project is the one named, else the chat's.
func (f *feature) show(c *commands.Ctx) error {
	p, args, err := target(c, c.Args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return c.Usage(bot.Tf("I don't understand %q here.", "这里的「%s」我没看懂。", commands.JoinRaw(args)))
	}
	if err := need(c, p, project.Viewer, bot.T("see it", "查看")); err != nil {
		return err
	}
	st := project.From(c.Tx)
	ppl := commands.NewPeople(c.Tx, c.Person)
	rd := commands.ReaderOf(c)
	status := c.T("active", "进行中")
	if p.Status == project.Closed {
		status = c.T("closed", "已关闭")
	}
	lines := []string{c.T("%s (%s) — %s", "%s（%s）— %s", p.Name, p.Key, status)}
	if p.Goal.Text != "" {
		lines = append(lines, c.T("Goal: %s", "目标：%s", p.Goal.Text))
	}
	if p.Goal.Metric != "" || p.Goal.Target != "" {
		m := c.T("Measured by: %s, target %s", "衡量指标：%s，目标值 %s", p.Goal.Metric, p.Goal.Target)
		if p.Goal.Baseline != "" {
			m += c.T(" (baseline %s)", "（基线 %s）", p.Goal.Baseline)
		}
		lines = append(lines, m)
	}
	if p.Result != "" {
		lines = append(lines, c.T("Result: %s", "结果：%s", p.Result))
	}
	lines = append(lines, smart(c, p), c.T("Lead: %s", "负责人：%s", ppl.Handle(p.LeadID, c.Lang)))
	var depts []string
	for _, id := range p.DeptIDs {
		if d, err := c.Tx.FindDepartmentByID(id); err == nil {
			depts = append(depts, d.Name)
		} else if bot.ErrorCode(err) != bot.ENOTFOUND {
			return err
		}
	}
	if len(depts) > 0 {
		lines = append(lines, c.T("Departments: %s", "部门：%s", rd.List(depts)))
	}
	lines = append(lines, c.T("Dates: %s – %s", "日期：%s至%s", f.day(c, p.Start), f.day(c, p.End)))
	ms, err := st.Members(p.ID)
	if err != nil {
		return err
	}
	var members []string
	for _, m := range ms {
		members = append(members, ppl.Handle(m.PersonID, c.Lang)+" "+m.Role.Label(c.Lang))
	}
	lines = append(lines, c.T("Members (%d): %s", "成员（%d）：%s", len(ms), rd.List(members)))
	lines = append(lines, c.T("Milestones:", "里程碑："))
	mls, err := f.milestoneLines(c, p)
	if err != nil {
		return err
	}
	lines = append(lines, mls...)
	tasks, err := st.ProjectTasks(p.ID)
	if err != nil {
		return err
	}
	tickets, err := st.ProjectTickets(p.ID)
	if err != nil {
		return err
	}
	done := 0
	for _, t := range tasks {
		if t.Task.Status == task.Done {
			done++
		}
	}
	lines = append(lines, c.T("Work: %d tasks (%d done), %d tickets", "工作：%d 项任务（已完成 %d），%d 个工单", len(tasks), done, len(tickets)))
	bs, err := bot.Bindings(c.Tx).BoundChats("project", p.Key, maxShownGroups)
	if err != nil {
		return err
	}
	if len(bs) == 0 {
		lines = append(lines, c.T("Groups: none (bind one with `project bind %s` in it)", "群：无（在群里发送「项目 绑定 %s」即可绑定）", p.Key))
	} else {
		var chats []string
		for _, b := range bs {
			chats = append(chats, b.Chat.Platform+":"+b.Chat.ChatID)
		}
		lines = append(lines, c.T("Groups: %s", "群：%s", rd.List(chats)))
	}
	recent, err := st.RecentProjectEvents(p.ID, "", shownEvents)
	if err != nil {
		return err
	}
	if len(recent) > 0 {
		lines = append(lines, c.T("Latest on the timeline:", "时间线最新动态："))
		for _, e := range recent {
			lines = append(lines, "• "+eventLine(e, ppl, rd))
		}
	}
	c.Reply(bot.Message{Text: strings.Join(lines, "\n")})
	return nil
}

// bind binds the group chat the command is typed in to a project
// (admins): its status, warnings and reviews go there.
func (f *feature) bind(c *commands.Ctx) error {
	chat, ok := here(c)
	if !ok {
		return bot.Errorf(bot.EINVALID, "Bind a group: type `project bind <key>` in the group chat itself.",
			"请在要绑定的群里发送「项目 绑定 <代号>」。")
	}
	if len(c.Args) != 1 {
		return c.Usage(bot.T("Which project? Give its key.", "绑定哪个项目？请写上项目代号。"))
	}
	p, err := load(c, c.Args[0].Text)
	if err != nil {
		return err
	}
	if err := need(c, p, project.Admin, bot.T("bind groups to it", "绑定群")); err != nil {
		return err
	}
	if err := bot.Bindings(c.Tx).Bind(&bot.Binding{Chat: chat, Kind: "project", Ref: p.Key, BoundByID: c.Person.ID, BoundAt: c.Now}); err != nil {
		return err
	}
	if err := record(c, p, project.Bound, chat.ChatID); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("This group follows %s now: its status, warnings and reviews come here.",
		"本群已绑定项目 %s：进展、预警和周报会发到这里。", p.Key))
	return nil
}
