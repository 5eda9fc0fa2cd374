package project

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
)

// milestone adds a milestone, moves one to another date (editors), or
// lists them with their work (viewers). A due date outside the project's
// dates is refused: the plan would not fit the project.
func (f *feature) milestone(c *commands.Ctx) error {
	p, args, err := target(c, c.Args)
	if err != nil {
		return err
	}
	action, args := verb(args, addWords, moveWords, listWords, removeWords)
	switch {
	case action == 3:
		return f.removeMilestone(c, p, args)
	case action == 2 || action == -1 && len(args) == 0:
		if err := need(c, p, project.Viewer, bot.T("see its milestones", "查看里程碑")); err != nil {
			return err
		}
		lines, err := f.milestoneLines(c, p)
		if err != nil {
			return err
		}
		c.Reply(bot.Message{Text: strings.Join(append([]string{c.T("Milestones of %s:", "项目 %s 的里程碑：", p.Key)}, lines...), "\n"), Private: true})
		return nil
	}
	if err := need(c, p, project.Editor, bot.T("change its milestones", "修改里程碑")); err != nil {
		return err
	}
	var name string
	var due time.Time
	for _, t := range args {
		switch {
		case t.Key != "" && commands.Contains(dueKeys, t.Key):
			if due, err = f.parseDate(c, c.T("the milestone", "里程碑"), t.Text); err != nil {
				return err
			}
		case t.Key == "" && name == "":
			name = strings.TrimSpace(t.Text)
		default:
			return c.Usage(bot.Tf("I don't understand %q; quote a name with spaces and give due:<date>.",
				"「%s」我没看懂；带空格的名称请加引号，并写上「截止：<日期>」。", t.Raw))
		}
	}
	if name == "" || due.IsZero() {
		return c.Usage(bot.T("Give the milestone's name and its due:<date>.", "请写上里程碑名称和「截止：<日期>」。"))
	}
	if utf8.RuneCountInString(name) > maxNameLen {
		return c.Usage(bot.Tf("A milestone's name takes at most %d characters.", "里程碑名称最多 %d 个字。", maxNameLen))
	}
	if outOf(p, due) {
		return bot.Errorf(bot.EINVALID, "%s falls outside %s's dates (%s – %s); choose a date inside, or change the project's dates first.",
			"%s 不在项目 %s 的日期内（%s至%s）；请选择范围内的日期，或先修改项目日期。", f.day(c, due), p.Key, f.day(c, p.Start), f.day(c, p.End))
	}
	st := project.From(c.Tx)
	if action == 1 {
		m, err := findMilestone(c, p, name)
		if err != nil {
			return err
		}
		m.Due = due
		if err := st.UpdateMilestone(m); err != nil {
			return err
		}
		if err := record(c, p, project.MilestoneSet, m.Name+" → "+isoDate(due)); err != nil {
			return err
		}
		c.ReplyText(bot.Tf("Milestone %s of %s is now due %s.", "项目 %s 的里程碑「%s」改到 %s。", m.Name, p.Key, f.day(c, due)))
		return nil
	}
	// Names are matched in any case (findMilestone), so they must differ
	// in more than case.
	m := &project.Milestone{ProjectID: p.ID, Name: name, Due: due}
	_, err = findMilestone(c, p, name)
	if err == nil {
		err = &bot.Error{Code: bot.ECONFLICT}
	} else if bot.ErrorCode(err) == bot.ENOTFOUND {
		err = st.AddMilestone(m)
	}
	if bot.ErrorCode(err) == bot.ECONFLICT {
		return bot.Errorf(bot.ECONFLICT, "%[1]s already has a milestone %[2]q; to change its date: `project milestone %[1]s move %[2]q due:<date>`.",
			"项目 %[1]s 已有里程碑「%[2]s」；改期请用「项目 里程碑 %[1]s 改期 「%[2]s」 截止：<日期>」。", p.Key, name)
	} else if err != nil {
		return err
	}
	if err := record(c, p, project.MilestoneSet, m.Name+" "+isoDate(due)); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("Added the milestone %s to %s, due %s. Attach work to it: `project add %s #<task> milestone:%s`.",
		"已为项目 %[2]s 添加里程碑「%[1]s」，截止 %[3]s。加入任务：「项目 添加 %[4]s #<任务> 里程碑：%[5]s」。",
		m.Name, p.Key, f.day(c, due), p.Key, m.Name))
	return nil
}

// removeMilestone deletes a milestone (editors); its work stays in the
// project under no milestone, and the reply says how much that was.
func (f *feature) removeMilestone(c *commands.Ctx, p *project.Project, args []commands.Token) error {
	if err := need(c, p, project.Editor, bot.T("change its milestones", "修改里程碑")); err != nil {
		return err
	}
	if len(args) != 1 || args[0].Key != "" {
		return c.Usage(bot.T("Name the one milestone to remove.", "请写出要删除的一个里程碑名称。"))
	}
	m, err := findMilestone(c, p, strings.TrimSpace(args[0].Text))
	if err != nil {
		return err
	}
	detached, err := project.From(c.Tx).RemoveMilestone(m.ID)
	if err != nil {
		return err
	}
	if err := record(c, p, project.MilestoneCut, m.Name); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("Removed the milestone %s from %s; its %d work items stay in the project, under no milestone.",
		"已从项目 %[2]s 删除里程碑「%[1]s」；其下 %[3]d 项工作仍在项目中，不再属于任何里程碑。", m.Name, p.Key, detached))
	return nil
}

// findMilestone finds a project's milestone by name, any case, naming the
// ones there are when there is none.
func findMilestone(c *commands.Ctx, p *project.Project, name string) (*project.Milestone, error) {
	ms, err := project.From(c.Tx).Milestones(p.ID)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range ms {
		if strings.EqualFold(m.Name, name) {
			return m, nil
		}
		names = append(names, m.Name)
	}
	if len(names) == 0 {
		return nil, bot.Errorf(bot.ENOTFOUND, "%[1]s has no milestones yet; add one with `project milestone %[1]s %[2]q due:<date>`.",
			"项目 %[1]s 还没有里程碑；添加：「项目 里程碑 %[1]s 「%[2]s」 截止：<日期>」。", p.Key, name)
	}
	return nil, bot.Err(bot.ENOTFOUND, commands.TfList("%[1]s has no milestone %[2]q. Its milestones: %[3]s.",
		"项目 %[1]s 没有里程碑「%[2]s」。现有里程碑：%[3]s。", names, p.Key, name))
}

// milestoneLines are the project's milestones with their due dates and
// how much of their work is done.
func (f *feature) milestoneLines(c *commands.Ctx, p *project.Project) ([]string, error) {
	st := project.From(c.Tx)
	ms, err := st.Milestones(p.ID)
	if err != nil || len(ms) == 0 {
		return []string{c.T("• none yet", "• 暂无")}, err
	}
	tasks, err := st.ProjectTasks(p.ID)
	if err != nil {
		return nil, err
	}
	done, total := map[int64]int{}, map[int64]int{}
	for _, t := range tasks {
		if t.Task.Status == task.Cancelled {
			continue
		}
		total[t.Item.MilestoneID]++
		if t.Task.Status == task.Done {
			done[t.Item.MilestoneID]++
		}
	}
	var lines []string
	for _, m := range ms {
		line := c.T("• %s, due %s: %d/%d tasks done", "• %s，截止 %s：已完成 %d/%d 项任务", m.Name, f.day(c, m.Due), done[m.ID], total[m.ID])
		if !m.DoneAt.IsZero() {
			line += c.T(" (met)", "（已达成）")
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// ref is a task or a ticket as a command names it.
type ref struct {
	kind project.ItemKind
	id   int64
}

func (r ref) String() string {
	if r.kind == project.TicketItem {
		return (&ticket.Ticket{ID: r.id}).Ref()
	}
	return (&task.Task{ID: r.id}).Ref()
}

var (
	ticketWords = []string{"ticket", "tickets", "tk", "工单"}
	taskWords   = []string{"task", "tasks", "任务"}
)

// refs reads the tasks and tickets a command names: "#12", "12", "task
// 12", "T-5" (as tickets show themselves), "ticket 5", "工单 5". The
// remaining option words are returned.
func refs(c *commands.Ctx, args []commands.Token) ([]ref, []commands.Token, error) {
	var out []ref
	var opts []commands.Token
	kind := project.TaskItem
	for _, t := range args {
		word := strings.ToLower(t.Text)
		switch {
		case t.Key != "":
			opts = append(opts, t)
		case commands.Contains(ticketWords, word):
			kind = project.TicketItem
		case commands.Contains(taskWords, word):
			kind = project.TaskItem
		case strings.HasPrefix(strings.ToUpper(t.Text), "T-") || strings.HasPrefix(strings.ToUpper(t.Text), "T") && isNumber(t.Text[1:]):
			id, err := commands.ParseID(strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(t.Text), "T"), "-"))
			if err != nil {
				return nil, nil, c.Usage(bot.Tf("%q is not a ticket number.", "「%s」不是工单编号。", t.Raw))
			}
			out = append(out, ref{project.TicketItem, id})
		default:
			id, err := commands.ParseID(t.Text)
			if err != nil {
				return nil, nil, c.Usage(bot.Tf("%q is neither a task (#12) nor a ticket (T-5).", "「%s」既不是任务（#12）也不是工单（T-5）。", t.Raw))
			}
			out = append(out, ref{kind, id})
		}
	}
	if len(out) == 0 {
		return nil, nil, c.Usage(bot.T("Which work? Name tasks as #12 and tickets as T-5.", "哪些工作？任务写作 #12，工单写作 T-5。"))
	}
	return out, opts, nil
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && s != ""
}

// add attaches tasks and tickets to a project (editors): one project per
// task or ticket, MaxItems per project.
func (f *feature) add(c *commands.Ctx) error {
	p, args, err := target(c, c.Args)
	if err != nil {
		return err
	}
	if err := need(c, p, project.Editor, bot.T("attach work", "加入工作")); err != nil {
		return err
	}
	rs, opts, err := refs(c, args)
	if err != nil {
		return err
	}
	st := project.From(c.Tx)
	var ms *project.Milestone
	days := 1
	var start time.Time
	for _, t := range opts {
		switch {
		case commands.Contains(milestoneKeys, t.Key):
			if ms, err = findMilestone(c, p, t.Text); err != nil {
				return err
			}
		case commands.Contains(daysKeys, t.Key):
			if days, err = strconv.Atoi(t.Text); err != nil || days < 1 || days > 250 {
				return c.Usage(bot.Tf("%q is not a number of working days (1–250).", "「%s」不是有效的工作日天数（1–250）。", t.Text))
			}
		case commands.Contains(fromKeys, t.Key):
			if start, err = f.parseDate(c, c.T("the start", "开始"), t.Text); err != nil {
				return err
			}
		default:
			return c.Usage(bot.Tf("I don't know the option %q here; use milestone:, days: or start:.",
				"这里不认识选项「%s」；可用：里程碑、工期、开始。", t.Key))
		}
	}
	n, err := st.CountItems(p.ID)
	if err != nil {
		return err
	}
	if n+len(rs) > project.MaxItems {
		return bot.Errorf(bot.ECONFLICT, "%s has %d items attached; a project holds at most %d. Split it into smaller projects.",
			"项目 %s 已有 %d 项工作；一个项目最多 %d 项，请拆分成更小的项目。", p.Key, n, project.MaxItems)
	}
	var names []string
	for _, r := range rs {
		if err := exists(c, r); err != nil {
			return err
		}
		if it, err := st.ItemOf(r.kind, r.id); err == nil {
			return inProject(c, r, it)
		} else if bot.ErrorCode(err) != bot.ENOTFOUND {
			return err
		}
		it := &project.Item{ProjectID: p.ID, Kind: r.kind, RefID: r.id, Days: days, Start: start, AddedAt: c.Now}
		if ms != nil {
			it.MilestoneID = ms.ID
		}
		if err := st.AddItem(it); err != nil {
			return err
		}
		if err := record(c, p, project.ItemAdded, r.String()); err != nil {
			return err
		}
		names = append(names, r.String())
	}
	rd := commands.ReaderOf(c)
	text := c.T("Added to %s: %s.", "已加入项目 %s：%s。", p.Key, rd.List(names))
	if ms != nil {
		text = c.T("Added to %s, milestone %s: %s.", "已加入项目 %s 的里程碑「%s」：%s。", p.Key, ms.Name, rd.List(names))
	}
	c.ReplyText(bot.T(text, text))
	return nil
}

// exists refuses a task or ticket that does not exist, in words.
func exists(c *commands.Ctx, r ref) error {
	var err error
	if r.kind == project.TicketItem {
		_, err = ticket.From(c.Tx).FindTicketByID(r.id)
	} else {
		_, err = task.From(c.Tx).FindTaskByID(r.id)
	}
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return bot.Errorf(bot.ENOTFOUND, "There is no %s.", "没有 %s。", r)
	}
	return err
}

// inProject refuses attaching work that is in a project already.
func inProject(c *commands.Ctx, r ref, it *project.Item) error {
	other, err := project.From(c.Tx).FindProjectByID(it.ProjectID)
	if err != nil {
		return err
	}
	return bot.Errorf(bot.ECONFLICT, "%[1]s is in the project %[2]s already, and work belongs to one project. To move it: `project remove %[2]s %[1]s` first.",
		"%[1]s 已在项目 %[2]s 中，一项工作只能属于一个项目。如需转移，请先「项目 移除 %[2]s %[1]s」。", r.String(), other.Key)
}

// remove detaches tasks and tickets from a project (editors).
func (f *feature) remove(c *commands.Ctx) error {
	p, args, err := target(c, c.Args)
	if err != nil {
		return err
	}
	if err := need(c, p, project.Editor, bot.T("detach work", "移出工作")); err != nil {
		return err
	}
	rs, opts, err := refs(c, args)
	if err != nil {
		return err
	}
	if len(opts) > 0 {
		return c.Usage(bot.Tf("I don't know the option %q here.", "这里不认识选项「%s」。", opts[0].Key))
	}
	st := project.From(c.Tx)
	var names []string
	for _, r := range rs {
		it, err := st.ItemOf(r.kind, r.id)
		if bot.ErrorCode(err) == bot.ENOTFOUND || err == nil && it.ProjectID != p.ID {
			return bot.Errorf(bot.ENOTFOUND, "%s is not in %s.", "%s 不在项目 %s 中。", r.String(), p.Key)
		} else if err != nil {
			return err
		}
		if err := st.RemoveItem(r.kind, r.id); err != nil {
			return err
		}
		if err := record(c, p, project.ItemRemoved, r.String()); err != nil {
			return err
		}
		names = append(names, r.String())
	}
	c.ReplyText(bot.Tf("Removed from %s: %s.", "已从项目 %s 移出：%s。", p.Key, commands.ReaderOf(c).List(names)))
	return nil
}
