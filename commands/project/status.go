package project

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
)

// progressSubs are the sub-commands of progress: status in words and
// pictures, each picture alone, the weekly review on demand, close,
// reopen and the close-out report.
func (f *feature) progressSubs() []*commands.Sub {
	sub := func(name string, aliases []string, usageEN, usageZH, sumEN, sumZH, exEN, exZH string, run func(*commands.Ctx) error) *commands.Sub {
		return &commands.Sub{Name: name, Aliases: aliases, Usage: bot.T(usageEN, usageZH), Summary: bot.T(sumEN, sumZH),
			Example: bot.T(exEN, exZH), Run: run}
	}
	view := func(s *commands.Sub, which view) *commands.Sub {
		s.Prepare = f.prepareView(which)
		return s
	}
	prepared := func(s *commands.Sub, step func(*bot.Event, []commands.Token) bot.PrepareFunc) *commands.Sub {
		s.Prepare = step
		return s
	}
	return []*commands.Sub{
		view(sub("status", []string{"progress", "状态", "进度"}, "project status [<key>]", "项目 状态 [<代号>]",
			"Progress in words and pictures (the chat's project when no key is given)", "用文字和图片显示进度（不写键时为本群绑定的项目）",
			"project status q3", "项目 状态 q3", f.showView(viewStatus)), viewStatus),
		view(sub("board", []string{"kanban", "看板"}, "project board [<key>]", "项目 看板 [<代号>]",
			"The kanban board of the project's work", "项目工作看板图", "project board q3", "项目 看板 q3", f.showView(viewBoard)), viewBoard),
		view(sub("gantt", []string{"plan", "甘特图", "甘特"}, "project gantt [<key>]", "项目 甘特图 [<代号>]",
			"The Gantt chart against the work calendar", "按工作日历绘制的甘特图", "project gantt q3", "项目 甘特图 q3", f.showView(viewGantt)), viewGantt),
		view(sub("burndown", []string{"燃尽图", "燃尽"}, "project burndown [<key>]", "项目 燃尽图 [<代号>]",
			"The burndown chart with its ideal line", "燃尽图（含理想线）", "project burndown q3", "项目 燃尽图 q3", f.showView(viewBurndown)), viewBurndown),
		f.reviewSub(sub),
		prepared(sub("close", []string{"finish", "结项", "关闭"}, `project close <key> result:"<measured outcome>"`, `项目 结项 <代号> 结果：「<实际结果>」`,
			"Close the project with its measured result (admins)", "结项并写明实际结果（管理员）",
			`project close q3 result:"4800 signups"`, `项目 结项 q3 结果：「4800 个注册」`, f.close), f.prepareCloseout(true)),
		sub("reopen", []string{"重新打开", "重开"}, "project reopen <key>", "项目 重新打开 <代号>",
			"Reopen a closed project (admins)", "重新打开已结项的项目（管理员）", "project reopen q3", "项目 重新打开 q3", f.reopen),
		prepared(sub("report", []string{"closeout", "结项报告", "报告"}, "project report <key>", "项目 报告 <代号>",
			"The close-out report of a closed project, as printable Markdown", "已结项项目的结项报告（可打印的 Markdown）",
			"project report q3", "项目 报告 q3", f.report), f.prepareCloseout(false)),
	}
}

// view is what a progress sub-command shows.
type view int

const (
	viewStatus view = iota
	viewBoard
	viewGantt
	viewBurndown
)

// workCal is the work calendar, or, when none is configured, one with
// weekends off in the default zone, so that working days always mean
// something.
func (f *feature) workCal() *workcal.Calendar {
	if f.Calendar != nil {
		return f.Calendar
	}
	loc := f.DefaultTZ
	if loc == nil {
		loc = time.UTC
	}
	cal, err := workcal.New(workcal.Options{Location: loc})
	if err != nil { // only a bad weekday can fail; there is none
		panic(err)
	}
	return cal
}

// chatOf is the group chat an event came from, or the zero destination.
func chatOf(ev *bot.Event) bot.Destination {
	if ev.ChatType != bot.ChatGroup || ev.ChatID == "" {
		return bot.Destination{}
	}
	return bot.Destination{Platform: ev.Platform, Workspace: ev.Workspace, ChatID: ev.ChatID}
}

// findProject is target (access.go) for a prepare step, which has a view
// and not a unit: the project named by the first argument, else the one
// the chat is bound to. Its errors are plain: the unit, which runs target
// itself, gives the answer people read.
func findProject(tx bot.Tx, args []commands.Token, chat bot.Destination) (*project.Project, error) {
	s := project.From(tx)
	if len(args) > 0 && args[0].Key == "" && !args[0].Quoted && !args[0].IsMention() {
		p, err := s.FindProjectByKey(strings.ToLower(args[0].Text))
		if bot.ErrorCode(err) != bot.ENOTFOUND {
			return p, err
		}
	}
	if chat.ChatID != "" {
		bs, err := bot.Bindings(tx).BindingsOf(chat)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			if b.Kind == "project" {
				return s.FindProjectByKey(b.Ref)
			}
		}
	}
	return nil, bot.Errorf(bot.ENOTFOUND, "no such project", "没有该项目")
}

// roleIn is person's role in p (roleOf, access.go, for any unit or view):
// the lead, the creator and the bot's admins are admins, members have
// their role, the people of the project's departments may view. ok is
// false for everyone else, and for nobody (a sender not yet known).
func roleIn(tx bot.Tx, p *project.Project, person *bot.Person) (project.Role, bool, error) {
	if person == nil {
		return "", false, nil
	}
	if person.ID == p.LeadID || person.ID == p.CreatorID || person.Role == bot.RoleAdmin {
		return project.Admin, true, nil
	}
	r, ok, err := project.From(tx).MemberRole(p.ID, person.ID)
	if err != nil || ok {
		return r, ok, err
	}
	if person.DeptID != 0 && slices.Contains(p.DeptIDs, person.DeptID) {
		return project.Viewer, true, nil
	}
	return "", false, nil
}

// holds reports whether person's role in p grants want.
func holds(tx bot.Tx, p *project.Project, person *bot.Person, want project.Role) (bool, error) {
	r, ok, err := roleIn(tx, p, person)
	return ok && r.AtLeast(want), err
}

// projectFor is the project a command is about (target), once the sender
// is found to hold at least want in it (need); what completes "… can …".
func projectFor(c *commands.Ctx, want project.Role, what bot.Text) (*project.Project, error) {
	p, _, err := target(c, c.Args)
	if err != nil {
		return nil, err
	}
	return p, need(c, p, want, what)
}

// asker is who a prepare step reads for: the project the event names, the
// sender (nil when new), whether they may view the project, and the reader
// to write for.
type asker struct {
	p       *project.Project
	mayView bool
	rd      commands.Reader
}

// askerOf finds, in a prepare step's view, who asks about which project;
// the unit refuses outsiders, the step reads nothing more for them.
func (f *feature) askerOf(tx bot.Tx, ev *bot.Event, args []commands.Token) (asker, error) {
	p, err := findProject(tx, args, chatOf(ev))
	if err != nil {
		return asker{}, err
	}
	person, err := tx.FindPersonByAccount(ev.SenderAccount())
	if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		return asker{}, err
	}
	a := asker{p: p, rd: f.readerFor(person, ev)}
	a.mayView, err = holds(tx, p, person, project.Viewer)
	return a, err
}

// readState reads a project's whole state: one bounded read (MaxItems),
// made in a view outside the writer. Its dates are put in loc, the
// project zone, where they are midnights: a date is then written as the
// day it is, whatever zone the store hands instants back in.
func readState(tx bot.Tx, p *project.Project, loc *time.Location) (*project.State, error) {
	p = inZone(p, loc)
	s := project.From(tx)
	st := &project.State{Project: p}
	var err error
	if st.Milestones, err = s.Milestones(p.ID); err != nil {
		return nil, err
	}
	for _, m := range st.Milestones {
		m.Due = m.Due.In(loc)
	}
	if st.Tasks, err = s.ProjectTasks(p.ID); err != nil {
		return nil, err
	}
	if st.Tickets, err = s.ProjectTickets(p.ID); err != nil {
		return nil, err
	}
	if st.Blocks, err = s.ProjectBlocks(p.ID); err != nil {
		return nil, err
	}
	return st, nil
}

// inZone is a copy of p with its dates in loc.
func inZone(p *project.Project, loc *time.Location) *project.Project {
	c := *p
	c.Start, c.End = p.Start.In(loc), p.End.In(loc)
	return &c
}

// handlesOf names the owners of a state's tasks and its lead.
func handlesOf(tx bot.Tx, st *project.State) names {
	people := commands.NewPeople(tx)
	who := names{}
	add := func(id int64) {
		if _, done := who[id]; done || id == 0 {
			return
		}
		if p := people.Get(id); p != nil {
			who[id] = p.Handle
		}
	}
	add(st.Project.LeadID)
	for _, x := range st.Tasks {
		add(x.Task.OwnerID)
	}
	return who
}

// viewRead is what a progress sub-command's prepare step read and drew
// outside the writer: the state, its assessment, the owners' handles and
// the pictures in the reader's language and zone.
type viewRead struct {
	st      *project.State
	a       project.Assessment
	who     names
	rd      commands.Reader
	images  []*bot.Image
	drawErr error
}

// readerFor is the reader a prepare step writes for: the person's
// language and zone when known, else the language the message is in and
// the default zone (as the bot decides for the unit).
func (f *feature) readerFor(person *bot.Person, ev *bot.Event) commands.Reader {
	return commands.ReaderFor(person, ev, f.DefaultLang, f.DefaultTZ)
}

// prepareView is the prepare step of status, board, gantt and burndown:
// the state is read in a view, assessed, and the pictures drawn, all
// before and outside the command's unit, which only checks who asks and
// replies.
func (f *feature) prepareView(which view) func(*bot.Event, []commands.Token) bot.PrepareFunc {
	return func(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
		return func(ctx context.Context, v bot.Viewer) (any, error) {
			r := &viewRead{}
			err := v.View(ctx, func(tx bot.Tx) error {
				who, err := f.askerOf(tx, ev, args)
				if err != nil || !who.mayView {
					return err // an outsider: the unit refuses, nothing is drawn
				}
				r.rd = who.rd
				if r.st, err = readState(tx, who.p, f.zone()); err != nil {
					return err
				}
				r.who = handlesOf(tx, r.st)
				return nil
			})
			if err != nil || r.st == nil {
				return r, err
			}
			cal := f.workCal()
			r.a = project.Assess(*r.st, cal, ev.ReceivedAt)
			r.images, r.drawErr = f.draw(r.st, r.a, cal, r.rd, which, r.who)
			return r, nil
		}
	}
}

// draw paints the pictures of a view: all three for status, else the one
// named; none without a Painter.
func (f *feature) draw(st *project.State, a project.Assessment, cal *workcal.Calendar, rd commands.Reader, which view, who names) ([]*bot.Image, error) {
	if f.Painter == nil {
		return nil, nil
	}
	var out []*bot.Image
	var errs []error
	keep := func(img *bot.Image, err error) {
		if err != nil {
			errs = append(errs, err)
		} else if img != nil {
			out = append(out, img)
		}
	}
	if which == viewStatus || which == viewBoard {
		keep(f.Painter.Board(boardPicture(st, rd, who)))
	}
	if which == viewStatus || which == viewGantt {
		keep(f.Painter.Gantt(ganttPicture(st, a, cal, rd)))
	}
	if which == viewStatus || which == viewBurndown {
		keep(f.Painter.Lines(burndownPicture(st, cal, rd)))
	}
	return out, errors.Join(errs...)
}

// showView answers status, board, gantt and burndown with what the
// prepare step read and drew; the unit checks who asks.
func (f *feature) showView(which view) func(*commands.Ctx) error {
	return func(c *commands.Ctx) error {
		p, err := projectFor(c, project.Viewer, bot.T("see it", "查看"))
		if err != nil {
			return err
		}
		if c.PrepareErr != nil {
			return c.PrepareErr
		}
		r, ok := c.Prepared.(*viewRead)
		if !ok || r.st == nil {
			return fmt.Errorf("project %s: nothing prepared (%T)", p.Key, c.Prepared)
		}
		rd := commands.ReaderOf(c)
		if which == viewStatus {
			c.Reply(bot.Message{Text: statusWords(r.st, r.a, rd, r.who)})
		}
		for _, img := range r.images {
			c.Reply(bot.Message{Image: img})
		}
		if len(r.images) == 0 && which != viewStatus {
			c.Reply(bot.Message{Text: pictureWords(r.st, r.a, f.workCal(), rd, which, r.who)})
		}
		if r.drawErr != nil {
			f.logWarn("project: drawing failed", "project", p.Key, "err", r.drawErr)
		}
		return nil
	}
}

func (f *feature) logWarn(msg string, args ...any) {
	if f.Log != nil {
		f.Log.Warn(msg, args...)
	}
}

// pictureWords stands in for a picture when none can be drawn (no
// Painter configured): its description.
func pictureWords(st *project.State, a project.Assessment, cal *workcal.Calendar, rd commands.Reader, which view, who names) string {
	switch which {
	case viewBoard:
		b := boardPicture(st, rd, who)
		var lines []string
		lines = append(lines, b.Alt)
		for _, col := range b.Columns {
			var cards []string
			for _, card := range col.Cards {
				cards = append(cards, card.Title)
			}
			if col.More > 0 {
				cards = append(cards, fmt.Sprintf(col.MoreLabel, col.More))
			}
			if len(cards) > 0 {
				lines = append(lines, "• "+col.Title+rd.T(": ", "：")+rd.List(cards))
			}
		}
		return strings.Join(lines, "\n")
	case viewGantt:
		return ganttPicture(st, a, cal, rd).Alt
	}
	return burndownPicture(st, cal, rd).Alt
}

// taskNames are the tasks of ids as "#12 Title", in order.
func taskNames(st *project.State, ids []int64) []string {
	byID := map[int64]*task.Task{}
	for _, x := range st.Tasks {
		byID[x.Task.ID] = x.Task
	}
	var out []string
	for _, id := range ids {
		if t := byID[id]; t != nil {
			out = append(out, t.Ref()+" "+t.Title)
		} else {
			out = append(out, fmt.Sprintf("#%d", id))
		}
	}
	return out
}

// goalPartWords names a missing part of the goal.
func goalPartWords(g project.GoalPart, lang bot.Lang) string {
	switch g {
	case project.Specific:
		return bot.T("what will be achieved", "具体目标").In(lang)
	case project.Measurable:
		return bot.T("a metric and a numeric target", "衡量指标和目标值").In(lang)
	case project.Owner:
		return bot.T("a lead", "负责人").In(lang)
	case project.TimeBound:
		return bot.T("an end date", "结束日期").In(lang)
	}
	return string(g)
}

// goalWords says how complete the SMART goal is.
func goalWords(p *project.Project, rd commands.Reader) string {
	if missing := p.Missing(); len(missing) > 0 {
		parts := make([]string, len(missing))
		for i, m := range missing {
			parts[i] = goalPartWords(m, rd.Lang)
		}
		return rd.T("Goal incomplete: missing %s (e.g. `project goal %s metric:\"signups\" target:5000`).",
			"目标不完整：缺少%s（例如「项目 目标 %s 指标：注册数 目标值：5000」）。", rd.List(parts), p.Key)
	}
	g := p.Goal
	s := rd.T("Goal: %s — %s %s", "目标：%s——%s %s", g.Text, g.Metric, g.Target)
	if g.Baseline != "" {
		s += rd.T(" (from %s)", "（基线 %s）", g.Baseline)
	}
	return s + rd.T(" by %s.", "，截止 %s。", dayWords(p.End, rd))
}

// slipWords is "3 working days late" for a positive slip.
func slipWords(slip int, rd commands.Reader) string {
	if slip == 1 {
		return rd.T("1 working day late", "晚 1 个工作日")
	}
	return rd.T("%d working days late", "晚 %d 个工作日", slip)
}

// statusWords is a project's status in words: done/total, each milestone
// (done/total, due, level), overdue tasks, the milestones at risk with
// their critical path, and the goal's completeness.
func statusWords(st *project.State, a project.Assessment, rd commands.Reader, who names) string {
	p := st.Project
	var b strings.Builder
	b.WriteString(rd.T("%s (%s) — %s", "%s（%s）——%s", p.Name, p.Key, levelWords(a.Level, rd.Lang)))
	if p.Status == project.Closed {
		b.WriteString(rd.T(" — closed", "——已结项"))
	}
	pct := 0
	if a.Total > 0 {
		pct = a.Done * 100 / a.Total
	}
	b.WriteString("\n" + rd.T("Done %d/%d tasks (%d%%)", "已完成 %d/%d 个任务（%d%%）", a.Done, a.Total, pct))
	if !p.End.IsZero() {
		b.WriteString(rd.T(", %d working days left to %s", "，距 %[2]s 还有 %[1]d 个工作日", a.DaysLeft, dayWords(p.End, rd)))
	}
	if !a.Projected.IsZero() {
		b.WriteString(rd.T("; projected to finish %s", "；预计完成于 %s", dayWords(a.Projected, rd)))
		if a.Slip > 0 {
			b.WriteString(rd.T(" (%s)", "（%s）", slipWords(a.Slip, rd)))
		}
	}
	b.WriteString(rd.T(".", "。"))
	if len(a.Milestones) > 0 {
		b.WriteString("\n" + rd.T("Milestones:", "里程碑："))
		for _, m := range a.Milestones {
			b.WriteString("\n• " + rd.T("%s — %d/%d, due %s — %s", "%s——%d/%d，截止 %s——%s",
				m.Milestone.Name, m.Done, m.Total, dayWords(m.Milestone.Due, rd), levelWords(m.Level, rd.Lang)))
			if m.Level == project.AtRisk || m.Level == project.Late {
				if !m.Projected.IsZero() && m.Slip > 0 {
					b.WriteString(rd.T(" (projected %s, %s)", "（预计 %s，%s）", dayWords(m.Projected, rd), slipWords(m.Slip, rd)))
				}
				if len(m.Critical) > 0 {
					b.WriteString(rd.T("; critical path: %s", "；关键路径：%s", rd.List(taskNames(st, m.Critical))))
				}
			}
		}
	}
	var overdue []string
	for _, x := range st.Tasks {
		if x.Task.Overdue(rd.Now) {
			s := x.Task.Ref() + " " + x.Task.Title + rd.T(" (due %s", "（截止 %s", dayWords(dateOf(x.Task.Due, rd.Loc), rd))
			if h := who[x.Task.OwnerID]; h != "" {
				s += ", @" + h
			}
			overdue = append(overdue, s+rd.T(")", "）"))
		}
	}
	if len(overdue) > 0 {
		b.WriteString("\n" + rd.T("Overdue (%d): %s", "已逾期（%d）：%s", len(overdue), rd.List(overdue)))
	}
	if (a.Level == project.AtRisk || a.Level == project.Late) && len(a.Critical) > 0 {
		b.WriteString("\n" + rd.T("Critical path: %s.", "关键路径：%s。", rd.List(taskNames(st, a.Critical))))
	}
	b.WriteString("\n" + goalWords(p, rd))
	return b.String()
}
