package project

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/commands"
)

// spec is what the options of new, goal and dates say; nil and zero
// fields were not given.
type spec struct {
	text, metric, target, baseline *string
	from, to                       time.Time
	depts                          []*bot.Department
	lead                           *bot.Person
	key                            string
}

// options reads the option words of a project command; the words without
// a key are returned for the caller. allowKey says key: is accepted (only
// on new: a key never changes, groups are bound by it).
func (f *feature) options(c *commands.Ctx, args []commands.Token, allowKey bool) (spec, []commands.Token, error) {
	var s spec
	var loose []commands.Token
	text := func(t commands.Token, max int) (*string, error) {
		v := strings.TrimSpace(t.Text)
		if utf8.RuneCountInString(v) > max {
			return nil, c.Usage(bot.Tf("%s: takes at most %d characters.", "「%s」最多 %d 个字。", t.Key, max))
		}
		return &v, nil
	}
	for _, t := range args {
		var err error
		switch {
		case t.Key == "":
			loose = append(loose, t)
		case commands.Contains(goalKeys, t.Key):
			s.text, err = text(t, maxGoalLen)
		case commands.Contains(metricKeys, t.Key):
			s.metric, err = text(t, maxNameLen)
		case commands.Contains(targetKeys, t.Key):
			s.target, err = text(t, maxNameLen)
		case commands.Contains(baselineKeys, t.Key):
			s.baseline, err = text(t, maxNameLen)
		case commands.Contains(fromKeys, t.Key):
			s.from, err = f.parseDate(c, c.T("the start", "开始"), t.Text)
		case commands.Contains(toKeys, t.Key):
			s.to, err = f.parseDate(c, c.T("the end", "结束"), t.Text)
		case commands.Contains(deptKeys, t.Key):
			s.depts = s.depts[:0:0]
			for _, name := range strings.FieldsFunc(t.Text, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
				d, err := commands.FindDept(c, strings.TrimSpace(name))
				if err != nil {
					return s, nil, err
				}
				if !slices.ContainsFunc(s.depts, func(x *bot.Department) bool { return x.ID == d.ID }) {
					s.depts = append(s.depts, d)
				}
			}
			if len(s.depts) == 0 {
				return s, nil, c.Usage(bot.T("Name the departments after depts:, like depts:Design,Sales.", "请在「部门：」后写上部门，例如 部门：设计，销售。"))
			}
		case commands.Contains(leadKeys, t.Key):
			s.lead, err = c.ResolvePerson(t.Text)
		case allowKey && commands.Contains(keyKeys, t.Key):
			s.key = strings.ToLower(strings.TrimSpace(t.Text))
			err = checkKey(c, s.key)
		default:
			return s, nil, c.Usage(bot.Tf("I don't know the option %q here.", "这里不认识选项「%s」。", t.Key))
		}
		if err != nil {
			return s, nil, err
		}
	}
	return s, loose, nil
}

// setGoal copies the goal parts s gives into p; it reports whether any did.
func (s spec) setGoal(p *project.Project) bool {
	changed := false
	for _, part := range []struct {
		from *string
		to   *string
	}{{s.text, &p.Goal.Text}, {s.metric, &p.Goal.Metric}, {s.target, &p.Goal.Target}, {s.baseline, &p.Goal.Baseline}} {
		if part.from != nil && *part.from != *part.to {
			*part.to, changed = *part.from, true
		}
	}
	return changed
}

// checkDates refuses an end before the start or already past.
func (f *feature) checkDates(c *commands.Ctx, from, to time.Time) error {
	switch {
	case to.IsZero():
		return nil
	case to.Before(f.today(c.Now)):
		return bot.Errorf(bot.EINVALID, "The end date %s has passed; give one from today on.", "结束日期 %s 已经过去了；请给出今天或以后的日期。", f.day(c, to))
	case !from.IsZero() && to.Before(from):
		return bot.Errorf(bot.EINVALID, "The end (%s) is before the start (%s).", "结束日期（%s）早于开始日期（%s）。", f.day(c, to), f.day(c, from))
	}
	return nil
}

// create starts a project: it is created even when its goal is not yet
// SMART, and the reply asks for each missing part. The creator and the
// lead become admins; typed in a group, the group is bound to it.
func (f *feature) create(c *commands.Ctx) error {
	s, loose, err := f.options(c, c.Args, true)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(commands.JoinRaw(loose))
	if len(loose) > 0 && loose[0].Quoted {
		if len(loose) > 1 {
			return c.Usage(bot.Tf("I don't understand %q after the name; put the goal in goal:\"…\".",
				"名称后面的「%s」我没看懂；目标请写在「目标：「…」」里。", commands.JoinRaw(loose[1:])))
		}
		name = strings.TrimSpace(loose[0].Text)
	}
	switch {
	case name == "":
		return c.Usage(bot.T("A project needs a name.", "项目需要一个名称。"))
	case utf8.RuneCountInString(name) > maxNameLen:
		return c.Usage(bot.Tf("That name is too long (at most %d characters); put the rest in goal:.",
			"名称太长了（最多 %d 个字）；其余内容请写在「目标：」里。", maxNameLen))
	}
	p := &project.Project{Name: name, Key: s.key, CreatorID: c.Person.ID, Status: project.Active, Review: f.Config.Review,
		Start: s.from, End: s.to, CreatedAt: c.Now, UpdatedAt: c.Now}
	if p.Key == "" {
		p.Key = slug(name)
	}
	if p.Start.IsZero() {
		p.Start = f.today(c.Now)
	}
	if err := f.checkDates(c, p.Start, p.End); err != nil {
		return err
	}
	s.setGoal(p)
	for _, d := range s.depts {
		p.DeptIDs = append(p.DeptIDs, d.ID)
	}
	if s.lead != nil {
		p.LeadID = s.lead.ID
	}
	st := project.From(c.Tx)
	if p.Key != "" {
		if other, err := st.FindProjectByKey(p.Key); err == nil {
			return keyTaken(st, p.Key, other)
		} else if bot.ErrorCode(err) != bot.ENOTFOUND {
			return err
		}
	}
	if err := st.CreateProject(p); err != nil {
		return err
	}
	for _, id := range []int64{p.CreatorID, p.LeadID} {
		if id != 0 {
			if err := st.SetMember(&project.Member{ProjectID: p.ID, PersonID: id, Role: project.Admin, AddedAt: c.Now}); err != nil {
				return err
			}
		}
	}
	if err := record(c, p, project.Created, p.Name); err != nil {
		return err
	}
	if s.lead != nil {
		if err := toldLead(c, s.lead, p); err != nil {
			return err
		}
	}
	bound := false
	if chat, ok := here(c); ok {
		if err := bot.Bindings(c.Tx).Bind(&bot.Binding{Chat: chat, Kind: "project", Ref: p.Key, BoundByID: c.Person.ID, BoundAt: c.Now}); err != nil {
			return err
		}
		if err := record(c, p, project.Bound, chat.ChatID); err != nil {
			return err
		}
		bound = true
	}
	if err := f.scheduleProjectJobs(c, p); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(c.T("Created the project “%s” (key %s), %s – %s.", "已新建项目「%s」（代号 %s），%s至%s。",
		p.Name, p.Key, f.day(c, p.Start), f.day(c, p.End)))
	if bound {
		b.WriteString("\n" + c.T("This group follows it now: its status, warnings and reviews come here.", "本群已绑定该项目：进展、预警和周报会发到这里。"))
	}
	b.WriteString("\n" + smart(c, p))
	c.Reply(bot.Message{Text: b.String()})
	return nil
}

// smart says whether p's goal is SMART and, when not, asks for each
// missing part with an example of how to give it.
func smart(c *commands.Ctx, p *project.Project) string {
	missing := p.Missing()
	if len(missing) == 0 {
		return c.T("The goal is SMART: specific, measurable, with a lead and a deadline.", "目标已符合 SMART：具体、可衡量、有负责人、有期限。")
	}
	lines := []string{c.T("The goal is not complete yet. Still missing:", "目标还不完整，还缺：")}
	for _, m := range missing {
		lines = append(lines, "• "+ask(c, p.Key, m))
	}
	return strings.Join(lines, "\n")
}

// ask is the question for one missing part of a goal, with an example.
func ask(c *commands.Ctx, key string, m project.GoalPart) string {
	switch m {
	case project.Specific:
		return c.T("what exactly will be achieved? `project goal %s \"Launch the new plan to all customers\"`",
			"具体要达成什么？「项目 目标 %s 「新套餐向全部客户上线」」", key)
	case project.Measurable:
		return c.T("how is it measured? a metric and a numeric target: `project goal %s metric:\"signups\" target:5000`",
			"如何衡量？指标和数字目标：「项目 目标 %s 指标：「注册数」 目标值：5000」", key)
	case project.Owner:
		return c.T("who leads it? `project lead %s @alice`", "谁负责？「项目 负责人 %s @alice」", key)
	case project.TimeBound:
		return c.T("by when? `project dates %s to:2027-01-29`", "何时完成？「项目 日期 %s 结束：2027-01-29」", key)
	}
	return string(m)
}

// goal fills in or changes the goal (admins); it also takes lead: and
// the dates, the other parts of a SMART goal.
func (f *feature) goal(c *commands.Ctx) error {
	p, args, err := target(c, c.Args)
	if err != nil {
		return err
	}
	if err := need(c, p, project.Admin, bot.T("change the goal", "修改目标")); err != nil {
		return err
	}
	s, loose, err := f.options(c, args, false)
	if err != nil {
		return err
	}
	if len(loose) > 0 {
		if s.text != nil {
			return c.Usage(bot.Tf("I don't understand %q; the goal is already in goal:.", "「%s」我没看懂；目标已写在「目标：」里。", commands.JoinRaw(loose)))
		}
		text := strings.TrimSpace(commands.JoinRaw(loose))
		if len(loose) == 1 && loose[0].Quoted {
			text = strings.TrimSpace(loose[0].Text)
		}
		if utf8.RuneCountInString(text) > maxGoalLen {
			return c.Usage(bot.Tf("The goal takes at most %d characters.", "目标最多 %d 个字。", maxGoalLen))
		}
		s.text = &text
	}
	changed, err := f.change(c, p, s)
	if err != nil {
		return err
	}
	if !changed {
		return c.Usage(bot.T("What should change? Give the goal text, metric:, target: or baseline:.",
			"要修改什么？请写上目标描述、指标、目标值或基线。"))
	}
	c.Reply(bot.Message{Text: c.T("Updated the goal of %s.", "已更新项目 %s 的目标。", p.Key) + "\n" + smart(c, p)})
	return nil
}

// change applies what s gives to p (goal, dates, departments, lead),
// records each kind of change on the timeline and stores p.
func (f *feature) change(c *commands.Ctx, p *project.Project, s spec) (bool, error) {
	var events []*project.Event
	note := func(kind project.EventKind, text string) {
		events = append(events, &project.Event{Kind: kind, Text: text})
	}
	if s.setGoal(p) {
		note(project.GoalSet, goalText(p.Goal))
	}
	if !s.from.IsZero() || !s.to.IsZero() {
		from, to := p.Start, p.End
		if !s.from.IsZero() {
			from = s.from
		}
		if !s.to.IsZero() {
			to = s.to
		}
		if err := f.checkDates(c, from, to); err != nil {
			return false, err
		}
		if !from.Equal(p.Start) || !to.Equal(p.End) {
			p.Start, p.End = from, to
			note(project.DatesSet, isoDate(from)+" – "+isoDate(to))
		}
	}
	if s.depts != nil {
		ids := make([]int64, len(s.depts))
		names := make([]string, len(s.depts))
		for i, d := range s.depts {
			ids[i], names[i] = d.ID, d.Name
		}
		if !slices.Equal(ids, p.DeptIDs) {
			p.DeptIDs = ids
			note(project.GoalSet, "departments: "+strings.Join(names, ", "))
		}
	}
	if s.lead != nil && s.lead.ID != p.LeadID {
		p.LeadID = s.lead.ID
		if err := project.From(c.Tx).SetMember(&project.Member{ProjectID: p.ID, PersonID: p.LeadID, Role: project.Admin, AddedAt: c.Now}); err != nil {
			return false, err
		}
		note(project.LeadSet, "@"+s.lead.Handle)
		if err := toldLead(c, s.lead, p); err != nil {
			return false, err
		}
	}
	if len(events) == 0 {
		return false, nil
	}
	if err := save(c, p); err != nil {
		return false, err
	}
	for _, e := range events {
		if err := record(c, p, e.Kind, e.Text); err != nil {
			return false, err
		}
	}
	return true, nil
}

func goalText(g project.Goal) string {
	parts := []string{g.Text}
	if g.Metric != "" || g.Target != "" {
		parts = append(parts, g.Metric+" → "+g.Target)
	}
	if g.Baseline != "" {
		parts = append(parts, "baseline "+g.Baseline)
	}
	return strings.TrimSpace(strings.Join(parts, "; "))
}

func isoDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2006-01-02")
}

// dates changes the project's dates (admins), warning about milestones
// the new dates leave outside.
func (f *feature) dates(c *commands.Ctx) error {
	p, args, err := target(c, c.Args)
	if err != nil {
		return err
	}
	if err := need(c, p, project.Admin, bot.T("change the dates", "修改日期")); err != nil {
		return err
	}
	s, loose, err := f.options(c, args, false)
	if err != nil {
		return err
	}
	if len(loose) > 0 || s.from.IsZero() && s.to.IsZero() || s.text != nil || s.metric != nil || s.target != nil || s.baseline != nil || s.lead != nil || s.depts != nil {
		return c.Usage(bot.T("Give the dates as from:<date> and/or to:<date>.", "请用「开始：<日期>」和/或「结束：<日期>」写日期。"))
	}
	if _, err := f.change(c, p, s); err != nil {
		return err
	}
	text := c.T("%s now runs %s – %s.", "项目 %s 的日期：%s至%s。", p.Key, f.day(c, p.Start), f.day(c, p.End))
	ms, err := project.From(c.Tx).Milestones(p.ID)
	if err != nil {
		return err
	}
	var outside []string
	for _, m := range ms {
		if outOf(p, m.Due) {
			outside = append(outside, m.Name+" ("+f.day(c, m.Due)+")")
		}
	}
	if len(outside) > 0 {
		text += "\n" + commands.TfList("These milestones now fall outside the project's dates; move them with `project milestone %[1]s move`: %[2]s",
			"以下里程碑已不在项目日期内，请用「项目 里程碑 %[1]s 改期」调整：%[2]s", outside, p.Key).In(c.Lang)
	}
	c.Reply(bot.Message{Text: text + "\n" + smart(c, p)})
	return nil
}

// outOf reports whether a date falls outside the project's dates.
func outOf(p *project.Project, d time.Time) bool {
	return !p.Start.IsZero() && d.Before(p.Start) || !p.End.IsZero() && d.After(p.End)
}

// lead names the project's lead (admins); the lead becomes an admin.
func (f *feature) lead(c *commands.Ctx) error {
	p, args, err := target(c, c.Args)
	if err != nil {
		return err
	}
	if err := need(c, p, project.Admin, bot.T("change the lead", "更换负责人")); err != nil {
		return err
	}
	if len(args) != 1 || args[0].Key != "" && !commands.Contains(leadKeys, args[0].Key) {
		return c.Usage(bot.T("Name one person, like @alice.", "请写上一个人，例如 @alice。"))
	}
	who, err := c.ResolvePerson(args[0].Text)
	if err != nil {
		return err
	}
	if _, err := f.change(c, p, spec{lead: who}); err != nil {
		return err
	}
	c.Reply(bot.Message{Text: c.T("@%s leads %s (and is one of its admins).", "@%s 现在负责项目 %s（同时是项目管理员）。", who.Handle, p.Key) + "\n" + smart(c, p)})
	return nil
}
