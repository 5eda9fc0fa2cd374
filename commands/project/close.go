package project

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
)

// timelineEnds is how many of the first and of the latest timeline
// entries a close-out report lists; a longer timeline's middle is counted.
const timelineEnds = 50

// closeout is what a close-out report says, read outside the writer: the
// facts (project.Closeout), the timeline, the departments' names and the
// lead's handle.
type closeout struct {
	st    *project.State
	a     project.Assessment
	facts project.CloseoutReport
	// events are the timeline's first entries and its latest, oldest
	// first; skipped entries lie between the first timelineEnds and the
	// rest.
	events  []*project.Event
	skipped int
	depts   map[int64]string
	lead    string
	image   *bot.Image
}

// closeoutOf reads what a report needs beyond the state, and gathers its
// facts as of now.
func closeoutOf(tx bot.Tx, st *project.State, cal *workcal.Calendar, now time.Time) (*closeout, error) {
	co := &closeout{st: st, a: project.Assess(*st, cal, now), depts: map[int64]string{}}
	var err error
	if co.events, co.skipped, err = timelineOf(project.From(tx), st.Project.ID); err != nil {
		return nil, err
	}
	if st.Project.LeadID != 0 {
		if l, err := tx.FindPersonByID(st.Project.LeadID); err == nil {
			co.lead = l.Handle
		}
	}
	depts, err := tx.ListDepartments()
	if err != nil {
		return nil, err
	}
	for _, d := range depts {
		co.depts[d.ID] = d.Name
	}
	people := commands.NewPeople(tx)
	co.facts = project.Closeout(*st, co.a, co.events, func(id int64) int64 {
		if p := people.Get(id); p != nil {
			return p.DeptID
		}
		return 0
	}, now)
	return co, nil
}

// timelineOf is a project's timeline for its report: all of it when it
// has at most 2×timelineEnds entries, else the first and the latest
// timelineEnds (oldest first) and how many lie between.
func timelineOf(st project.Store, id int64) ([]*project.Event, int, error) {
	n, err := st.CountProjectEvents(id)
	if err != nil || n <= 2*timelineEnds {
		evs, err := st.ProjectEvents(id, 0)
		return evs, 0, err
	}
	first, err := st.ProjectEvents(id, timelineEnds)
	if err != nil {
		return nil, 0, err
	}
	latest, err := st.RecentProjectEvents(id, "", timelineEnds)
	if err != nil {
		return nil, 0, err
	}
	slices.Reverse(latest)
	return append(first, latest...), n - len(first) - len(latest), nil
}

// markdown is the close-out report as printable Markdown for a reader:
// goal against result, the milestones, the tickets, each department's
// contribution and the timeline.
func (co *closeout) markdown(rd commands.Reader) string {
	p, f := co.st.Project, co.facts
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("# %s", rd.T("Close-out report: %s (%s)", "结项报告：%s（%s）", p.Name, p.Key))
	line("")
	if co.lead != "" {
		line("%s", rd.T("Lead: @%s.", "负责人：@%s。", co.lead))
	}
	line("%s", rd.T("From %s to %s (planned end %s).", "%s 至 %s（计划结束 %s）。",
		dayWords(f.Start, rd), dayWords(dateOf(f.Closed, rd.Loc), rd), dayWords(f.End, rd)))
	line("")
	line("## %s", rd.T("Goal and result", "目标与结果"))
	line("")
	line("| %s | %s | %s |", rd.T("Goal", "目标"), rd.T("Target", "目标值"), rd.T("Result", "结果"))
	line("|---|---|---|")
	line("| %s | %s | %s |", cell(strings.TrimSpace(f.Goal.Text+" "+f.Goal.Metric)), cell(f.Goal.Target), cell(f.Result))
	line("")
	switch c := f.GoalCheck; {
	case !c.Comparable:
		line("%s", rd.T("The result and the target are not compared: they do not each read as one number.", "结果与目标值无法直接比较（各自不是单一数字）。"))
	case c.Met:
		line("%s", rd.T("✅ Target met: %v against %v.", "✅ 达成目标：%v（目标 %v）。", c.Achieved, c.Target))
	default:
		line("%s", rd.T("❌ Target missed: %v against %v.", "❌ 未达成目标：%v（目标 %v）。", c.Achieved, c.Target))
	}
	if f.Goal.Baseline != "" {
		line("%s", rd.T("Baseline: %s.", "基线：%s。", f.Goal.Baseline))
	}
	line("")
	line("## %s", rd.T("Work", "工作"))
	line("")
	line("%s", rd.T("%d of %d tasks done — %s; %d delay warnings; reopened %d times.", "完成 %d/%d 个任务——%s；延期预警 %d 次；重新打开 %d 次。",
		f.Done, f.Total, levelWords(f.Level, rd.Lang), f.Warnings, f.Reopens))
	if len(f.Milestones) > 0 {
		line("")
		line("| %s | %s | %s | %s |", rd.T("Milestone", "里程碑"), rd.T("Due", "截止"), rd.T("Met", "达成"), rd.T("Slip (working days)", "延误（工作日）"))
		line("|---|---|---|---|")
		for _, m := range f.Milestones {
			met := levelWords(m.Level, rd.Lang)
			if m.Met {
				met = dayWords(m.MetAt, rd)
			}
			line("| %s | %s | %s | %d |", cell(m.Milestone.Name), dayWords(m.Milestone.Due, rd), met, max(m.Slip, 0))
		}
	}
	line("")
	line("## %s", rd.T("Tickets", "工单"))
	line("")
	if f.Tickets.Total == 0 {
		line("%s", rd.T("None.", "无。"))
	} else {
		line("%s", rd.T("%d tickets; response target missed %d times, resolution %d times.", "共 %d 个工单；响应超时 %d 次，解决超时 %d 次。",
			f.Tickets.Total, f.Tickets.ResponseBreached, f.Tickets.ResolutionBreached))
		for _, x := range co.st.Tickets {
			line("- %s %s — %s", ticketRef(x.Ticket), cell(x.Ticket.Title), x.Ticket.Status.Label(rd.Lang))
		}
	}
	line("")
	line("## %s", rd.T("Contributions by department", "各部门贡献"))
	line("")
	line("| %s | %s |", rd.T("Department", "部门"), rd.T("Tasks done", "完成任务"))
	line("|---|---|")
	for _, d := range f.Departments {
		name := co.depts[d.DeptID]
		if name == "" {
			name = rd.T("no department", "无部门")
		}
		line("| %s | %d |", cell(name), d.Done)
	}
	line("")
	line("## %s", rd.T("Timeline", "时间线"))
	line("")
	for i, e := range co.events {
		if co.skipped > 0 && i == timelineEnds {
			line("- %s", rd.T("… %d more …", "……另有 %d 条……", co.skipped))
		}
		line("- %s %s: %s", e.At.In(rd.Loc).Format("2006-01-02"), e.Kind, cell(e.Text))
	}
	return strings.TrimRight(b.String(), "\n")
}

// cell keeps a value on one line of a Markdown table.
func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

// closeRead is what close and report prepared: the project's close-out,
// drawn for the reader (its Gantt chart) and, for close, the groups.
type closeRead struct {
	co       *closeout
	rd       commands.Reader
	groupImg *bot.Image
}

// resultOf reads `result:"…"` / `结果:…` from the arguments.
func resultOf(args []commands.Token) (string, bool) {
	for _, t := range args {
		switch t.Key {
		case "result", "结果", "成果":
			return strings.TrimSpace(t.Text), true
		}
	}
	return "", false
}

// prepareCloseout is the prepare step of close and report: the state,
// timeline and departments read in a view, the report's Gantt chart drawn,
// for a closing (result given: the project as it will be once closed) or a
// closed project.
func (f *feature) prepareCloseout(closing bool) func(*bot.Event, []commands.Token) bot.PrepareFunc {
	return func(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
		result, _ := resultOf(args)
		return func(ctx context.Context, v bot.Viewer) (any, error) {
			r := &closeRead{}
			cal := f.workCal()
			err := v.View(ctx, func(tx bot.Tx) error {
				r.co = nil
				who, err := f.askerOf(tx, ev, args)
				if err != nil || !who.mayView {
					return err // an outsider: the unit refuses
				}
				r.rd = who.rd
				p := who.p
				if closing {
					p.Status, p.Result, p.ClosedAt = project.Closed, result, ev.ReceivedAt
				}
				st, err := readState(tx, p, f.zone())
				if err != nil {
					return err
				}
				r.co, err = closeoutOf(tx, st, cal, ev.ReceivedAt)
				return err
			})
			if err != nil || r.co == nil {
				return r, err
			}
			if f.Painter != nil {
				var err error
				if r.co.image, err = f.Painter.Gantt(ganttPicture(r.co.st, r.co.a, cal, r.rd)); err != nil {
					f.logWarn("project: drawing the close-out chart failed", "project", r.co.st.Project.Key, "err", err)
				}
				if lang, loc := f.groupLang(); closing && lang != r.rd.Lang {
					r.groupImg, _ = f.Painter.Gantt(ganttPicture(r.co.st, r.co.a, cal, commands.Reader{Lang: lang, Loc: loc, Now: ev.ReceivedAt}))
				}
			}
			return r, nil
		}
	}
}

// close is `project close <key> result:"…"`: an admin closes the project
// with its measured result; its jobs stop; the close-out report goes to
// the project's groups and the closer, with the Gantt chart of the whole
// project.
func (f *feature) close(c *commands.Ctx) error {
	result, given := resultOf(c.Args)
	if !given || result == "" {
		return c.Usage(bot.T("Say what the project achieved, measured: result:\"4800 signups\".",
			"请写明项目的实际结果（可衡量）：结果：「4800 个注册」。"))
	}
	p, err := projectFor(c, project.Admin, bot.T("close it", "结项"))
	if err != nil {
		return err
	}
	if p.Status == project.Closed {
		return bot.Errorf(bot.ECONFLICT, "%s is closed already; `project report %s` shows its report, `project reopen %s` reopens it.",
			"%s 已经结项；「项目 报告 %s」可查看报告，「项目 重新打开 %s」可重新打开。", p.Key, p.Key, p.Key)
	}
	if c.PrepareErr != nil {
		return c.PrepareErr
	}
	r, ok := c.Prepared.(*closeRead)
	if !ok || r.co == nil {
		return fmt.Errorf("project close %s: nothing prepared (%T)", p.Key, c.Prepared)
	}
	p.Status, p.Result, p.ClosedAt, p.UpdatedAt = project.Closed, result, c.Now, c.Now
	s := project.From(c.Tx)
	if err := s.UpdateProject(p); err != nil {
		return err
	}
	if err := cancelJobs(c.Tx, p, c.Now); err != nil {
		return err
	}
	closed := &project.Event{ProjectID: p.ID, ActorID: c.Person.ID, Kind: project.ClosedEvent, At: c.Now, Text: "closed; result: " + result}
	if err := s.AddProjectEvent(closed); err != nil {
		return err
	}
	if f.OnClosed != nil {
		members, err := s.Members(p.ID)
		if err != nil {
			return err
		}
		people := []int64{p.LeadID}
		for _, m := range members {
			people = append(people, m.PersonID)
		}
		if err := f.OnClosed(c.Tx, "project/"+p.Key, p.Name, people, c.Now); err != nil {
			return err
		}
	}
	co := *r.co
	co.events = append(slices.Clip(co.events), closed) // read before this unit wrote it
	// Still the latest timelineEnds: the oldest of them joins the middle.
	if co.skipped > 0 {
		co.events = slices.Delete(co.events, timelineEnds, timelineEnds+1)
		co.skipped++
	}
	st := *co.st
	st.Project = inZone(p, f.zone())
	co.st = &st
	rd := commands.ReaderOf(c)
	c.Reply(bot.Message{Text: co.markdown(rd), Image: co.image})
	chats, err := groupsOf(c.Tx, p)
	if err != nil {
		return err
	}
	lang, loc := f.groupLang()
	img := co.image
	if r.groupImg != nil {
		img = r.groupImg
	}
	for i, to := range chats {
		if to == chatOf(c.Event) {
			continue // the reply is there already
		}
		m := bot.Message{Text: co.markdown(commands.Reader{Lang: lang, Loc: loc, Now: c.Now}), Image: img}.ForReader(lang, loc)
		if _, err := c.Tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("project/%d/closeout/in%d/%d", p.ID, c.Event.ID, i), To: to, Msg: m}, c.Now); err != nil {
			return err
		}
	}
	return nil
}

// report is `project report <key>`: the close-out report again (a closed
// project), for whoever may view the project.
func (f *feature) report(c *commands.Ctx) error {
	p, err := projectFor(c, project.Viewer, bot.T("read its report", "查看报告"))
	if err != nil {
		return err
	}
	if p.Status != project.Closed {
		return bot.Errorf(bot.EINVALID, "%s is still open: the report is written when it closes (`project close %s result:\"…\"`). `project status %s` shows where it stands.",
			"%s 尚未结项：结项时生成报告（「项目 结项 %s 结果：「…」」）。「项目 状态 %s」可查看当前进度。", p.Key, p.Key, p.Key)
	}
	if c.PrepareErr != nil {
		return c.PrepareErr
	}
	r, ok := c.Prepared.(*closeRead)
	if !ok || r.co == nil {
		return fmt.Errorf("project report %s: nothing prepared (%T)", p.Key, c.Prepared)
	}
	c.Reply(bot.Message{Text: r.co.markdown(commands.ReaderOf(c)), Image: r.co.image})
	return nil
}

// reopen is `project reopen <key>`: an admin reopens a closed project; its
// daily check and weekly review are made again.
func (f *feature) reopen(c *commands.Ctx) error {
	p, err := projectFor(c, project.Admin, bot.T("reopen it", "重新打开项目"))
	if err != nil {
		return err
	}
	if p.Status != project.Closed {
		return bot.Errorf(bot.ECONFLICT, "%s is not closed.", "%s 并未结项。", p.Key)
	}
	p.Status, p.ClosedAt, p.UpdatedAt = project.Active, time.Time{}, c.Now
	s := project.From(c.Tx)
	if err := s.UpdateProject(p); err != nil {
		return err
	}
	if err := s.AddProjectEvent(&project.Event{ProjectID: p.ID, ActorID: c.Person.ID, Kind: project.Reopened, At: c.Now, Text: "reopened"}); err != nil {
		return err
	}
	if err := f.scheduleProjectJobs(c, p); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("Reopened %s: the daily check and the weekly review run again. Its result %q is kept until it closes again.",
		"已重新打开 %s：每日风险检查和周报恢复。结果「%s」保留，直到再次结项。", p.Key, p.Result))
	return nil
}
