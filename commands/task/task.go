package task

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands"
	filescmd "github.com/tandemhq/tandem/commands/files"
)

// Option keys people type in either language.
var (
	dueKeys      = []string{"due", "deadline", "by", "截止", "截止时间", "到期", "期限"}
	priorityKeys = []string{"p", "pri", "prio", "priority", "优先级", "优先"}
	deptKeys     = []string{"dept", "department", "d", "部门"}
	statusKeys   = []string{"status", "s", "状态"}
)

const maxTitleLen = 200

// Deps are what the task feature is given by its host (cmd/tandem).
type Deps struct {
	// DueHour and DueMinute are the time of day a due date without a
	// clock means (bot.due_time, 18:00 by default).
	DueHour, DueMinute int
	// Notifier tells owners from the slip check job; DefaultLang and
	// DefaultTZ make one when it is nil (tests).
	Notifier    *bot.Notifier
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
}

// Module is the task feature: the task command and its buttons.
func Module(d Deps) commands.Module {
	f := &feature{d}
	cmd := f.command()
	cmd.Subs = append(cmd.Subs, f.fromSub()) // from.go
	return commands.Module{Name: "task", Commands: []*commands.Command{cmd, f.fromCommand()},
		Jobs: map[string]bot.JobHandler{JobSlipCheck: bot.JobHandlerFunc(f.runSlipCheck)}}
}

// feature holds the task commands' dependencies; commands that need one
// are its methods.
type feature struct{ Deps }

func (f *feature) command() *commands.Command {
	sub := func(name string, aliases []string, usageEN, usageZH, sumEN, sumZH, exEN, exZH string, run func(*commands.Ctx) error) *commands.Sub {
		return &commands.Sub{Name: name, Aliases: aliases, Usage: bot.T(usageEN, usageZH), Summary: bot.T(sumEN, sumZH),
			Example: bot.T(exEN, exZH), Run: run}
	}
	transition := func(to task.Status) func(*commands.Ctx) error {
		return func(c *commands.Ctx) error { return setStatus(c, to) }
	}
	return &commands.Command{
		Name:    "task",
		Aliases: []string{"tasks", "t", "todo", "任务"},
		Summary: bot.T("Create, assign and track tasks", "创建、指派和跟踪任务"),
		ByID:    "show",
		Subs: append([]*commands.Sub{
			sub("list", []string{"ls", "列表", "查看全部", "清单"},
				"task list [@person | dept:<name> | all | overdue | done] [page N]", "任务 列表 [@某人 | 部门:<名称> | 全部 | 逾期 | 已完成] [第N页]",
				"List tasks (yours by default); overdue ones are marked", "列出任务（默认是你的）；逾期任务会标出",
				"task list overdue", "任务 列表 逾期", taskList),
			sub("new", []string{"add", "create", "新建", "创建", "添加"},
				`task new "<title>" [@owner] [due:<time>] [p:low|normal|high|urgent] [dept:<name>] [description]`,
				`任务 新建 "<标题>" [@负责人] [截止:<时间>] [优先级:低|中|高|紧急] [部门:<名称>] [描述]`,
				"Create a task", "新建任务",
				`task new "Poster for the Q3 launch" @bob due:fri 18:00 p:high dept:design`,
				`任务 新建 "Q3发布海报" @bob 截止:周五18点 优先级:高`, f.taskNew),
			sub("show", []string{"view", "info", "查看", "详情"},
				"task show <id>", "任务 查看 <编号>", "Show a task with its history", "查看任务详情和历史",
				"task show 12", "任务 查看 12", taskShow),
			sub("assign", []string{"give", "指派", "分配", "转交"},
				"task assign <id> @person", "任务 指派 <编号> @某人", "Give a task to someone", "把任务指派给某人",
				"task assign 12 @bob", "任务 指派 12 @bob", taskAssign),
			sub("start", []string{"begin", "开始"}, "task start <id>", "任务 开始 <编号>",
				"Start work (to do → in progress)", "开始处理（待办 → 进行中）", "task start 12", "任务 开始 12", transition(task.InProgress)),
			sub("review", []string{"submit", "审核", "提交审核"}, "task review <id>", "任务 审核 <编号>",
				"Ask for review (in progress → in review)", "提交审核（进行中 → 待审核）", "task review 12", "任务 审核 12", transition(task.InReview)),
			sub("done", []string{"finish", "complete", "完成"}, "task done <id> [force]", "任务 完成 <编号> [强制]",
				"Mark done (force: over an open blocker, for the department head or an admin)", "标记完成（强制：依赖未完成时，仅限部门负责人或管理员）",
				"task done 12", "任务 完成 12", transition(task.Done)),
			sub("cancel", []string{"drop", "取消"}, "task cancel <id>", "任务 取消 <编号>",
				"Cancel a task", "取消任务", "task cancel 12", "任务 取消 12", transition(task.Cancelled)),
			sub("reopen", []string{"重开", "重新打开"}, "task reopen <id>", "任务 重开 <编号>",
				"Reopen a done or cancelled task", "重新打开已完成或已取消的任务", "task reopen 12", "任务 重开 12", transition(task.Todo)),
			sub("comment", []string{"c", "评论", "备注"}, "task comment <id> <text>", "任务 评论 <编号> <内容>",
				"Comment on a task (anyone may)", "评论任务（任何人都可以）", "task comment 12 the logo is final", "任务 评论 12 logo已定稿", taskComment),
			sub("progress", []string{"note", "进展", "进度"}, "task progress <id> <text>", "任务 进展 <编号> <内容>",
				"Add a progress note", "添加进展记录", "task progress 12 draft sent to marketing", "任务 进展 12 初稿已发市场部", taskProgress),
			sub("due", []string{"截止", "deadline"}, "task due <id> <time>|none", "任务 截止 <编号> <时间>|无",
				"Set or clear the due time", "设置或清除截止时间", "task due 12 next monday 10am", "任务 截止 12 下周一上午10点", f.taskDue),
			sub("priority", []string{"p", "pri", "优先级"}, "task priority <id> low|normal|high|urgent", "任务 优先级 <编号> 低|中|高|紧急",
				"Set the priority", "设置优先级", "task priority 12 urgent", "任务 优先级 12 紧急", taskPriority),
			sub("title", []string{"rename", "标题", "改名"}, "task title <id> <new title>", "任务 标题 <编号> <新标题>",
				"Rename a task", "修改标题", `task title 12 "Poster v2"`, `任务 标题 12 "海报第二版"`, taskTitle),
			sub("describe", []string{"desc", "description", "描述", "说明"}, "task describe <id> <text>", "任务 描述 <编号> <内容>",
				"Set the description", "设置描述", "task describe 12 A2 size, both languages", "任务 描述 12 A2尺寸，中英双语", taskDescribe),
			sub("dept", []string{"department", "部门"}, "task dept <id> <department>", "任务 部门 <编号> <部门>",
				"Move a task to a department", "设置任务所属部门", "task dept 12 Design", "任务 部门 12 设计部", taskDept),
			filescmd.LinkSub("task", "任务", "id", "编号", linkItem),
		}, f.depSubs(sub)...),
	}
}

func isKey(keys []string, k string) bool { return commands.Contains(keys, k) }

// parsePriority reads a priority in either language.
func parsePriority(s string) (task.Priority, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "low", "l", "p4", "低", "不急":
		return task.PriorityLow, true
	case "normal", "medium", "med", "n", "m", "p3", "中", "普通", "一般", "正常":
		return task.PriorityNormal, true
	case "high", "h", "p2", "高", "重要":
		return task.PriorityHigh, true
	case "urgent", "u", "p1", "critical", "紧急", "急", "加急":
		return task.PriorityUrgent, true
	}
	return 0, false
}

// parseDue reads a due time starting at args[i] (whose value, for an option
// word like due:fri, is its Text) and returns it with the number of tokens
// used. A date without a clock means the configured end-of-day time.
func (f *feature) parseDue(c *commands.Ctx, args []commands.Token, i int, fromOption bool) (time.Time, int, error) {
	due, used, ws, ok := commands.TimeOption(args, i, fromOption, c.Now, c.Loc, f.DueHour, f.DueMinute)
	if !ok {
		shown := strings.Join(ws, " ")
		if len(ws) > 3 {
			shown = strings.Join(ws[:3], " ") + " …"
		}
		return time.Time{}, 0, c.Usage(bot.Tf("I couldn't read the time %q. Try: fri 18:00, tomorrow 5pm, in 2 hours, next monday, 2026-12-01 09:30, 明天下午3点.",
			"我没看懂时间「%s」。可以这样写：周五18点、明天下午3点、2小时后、下周一、2026-12-01 09:30、tomorrow 5pm。", shown))
	}
	if due.Before(c.Now.Add(-time.Minute)) {
		return time.Time{}, 0, c.Usage(bot.Tf("That due time (%s) has already passed.", "这个截止时间（%s）已经过去了。",
			commands.FormatTime(due, c.Now, c.Loc, c.Lang)))
	}
	return due, used, nil
}

func (f *feature) taskNew(c *commands.Ctx) error { return f.createTask(c, nil) }

// createTask makes a task of c.Args; a subtask of parent when parent is set
// ("task sub"), which the caller has checked the sender may change.
func (f *feature) createTask(c *commands.Ctx, parent *task.Task) error {
	tk := &task.Task{CreatorID: c.Person.ID, Priority: task.PriorityNormal, Status: task.Todo, CreatedAt: c.Now, UpdatedAt: c.Now}
	if parent != nil {
		tk.ParentID = parent.ID
	}
	var owner *bot.Person
	var loose []string
	args := c.Args
	for i := 0; i < len(args); {
		t := args[i]
		switch {
		case t.Key != "" && isKey(dueKeys, t.Key):
			due, used, err := f.parseDue(c, args, i, true)
			if err != nil {
				return err
			}
			tk.Due, i = due, i+used
			continue
		case t.Key != "" && isKey(priorityKeys, t.Key):
			p, ok := parsePriority(t.Text)
			if !ok {
				return c.Usage(bot.Tf("%q is not a priority: use low, normal, high or urgent.", "「%s」不是有效的优先级：请用 低、中、高 或 紧急。", t.Text))
			}
			tk.Priority = p
		case t.Key != "" && isKey(deptKeys, t.Key):
			d, err := commands.FindDept(c, t.Text)
			if err != nil {
				return err
			}
			tk.DeptID = d.ID
		case t.IsMention():
			if owner != nil {
				return c.Usage(bot.T("A task has one owner; name only one @person (others can follow by comments).",
					"一个任务只能有一位负责人，请只 @ 一个人。"))
			}
			p, err := c.ResolvePerson(t.Text)
			if err != nil {
				return err
			}
			owner = p
		case t.Quoted && tk.Title == "":
			tk.Title = strings.TrimSpace(t.Text)
		default:
			loose = append(loose, t.Raw)
		}
		i++
	}
	if tk.Title == "" {
		tk.Title = strings.Join(loose, " ")
	} else if len(loose) > 0 {
		tk.Description = strings.Join(loose, " ")
	}
	if tk.Title == "" {
		return c.Usage(bot.T("A task needs a title.", "任务需要一个标题。"))
	}
	if utf8.RuneCountInString(tk.Title) > maxTitleLen {
		return c.Usage(bot.Tf("That title is too long (%d characters; at most %d). Put the details in the description.",
			"标题太长了（%d 个字，最多 %d 个）。详细内容请写在描述里。", utf8.RuneCountInString(tk.Title), maxTitleLen))
	}
	if owner == nil {
		owner = c.Person
	}
	tk.OwnerID = owner.ID
	if tk.DeptID == 0 {
		tk.DeptID = owner.DeptID
	}
	if tk.DeptID == 0 && parent != nil {
		tk.DeptID = parent.DeptID
	}
	// The task row is its own record of who created it and when; history
	// shows it first (taskHistory), so no "created" event is written.
	if err := task.From(c.Tx).CreateTask(tk); err != nil {
		return err
	}
	ppl := commands.NewPeople(c.Tx, c.Person)
	text := c.T("Created %s for %s.", "已创建任务 %s，负责人 %s。", tk.Ref(), ppl.Handle(tk.OwnerID, c.Lang))
	c.Reply(bot.Message{Text: text, Card: taskCard(c.Tx, tk, ppl, c.Now, c.Loc, c.Lang)})
	if parent != nil {
		if err := addedSubTask(c, parent, tk, ppl); err != nil {
			return err
		}
	}
	return notifyTask(c, tk, ppl, owner, gaveYou(c, tk))
}

// gaveYou tells a new owner who gave them tk.
func gaveYou(c *commands.Ctx, tk *task.Task) func(reader) string {
	return func(rd reader) string {
		return rd.t("%s gave you a task: %s", "%s 给你指派了任务：%s", "@"+c.Person.Handle, tk.Ref()+" "+tk.Title)
	}
}

// notifyTask sends the task card to p with text written for p: every line
// in p's language and zone, whoever acted. Notifications about one task
// to one person within Bot.NotifyWindow arrive as one message, a line per
// change, with the latest card (see bot.Request.NotifyAbout).
func notifyTask(c *commands.Ctx, tk *task.Task, ppl *commands.People, p *bot.Person, text func(reader) string) error {
	if p == nil || p.ID == c.Person.ID {
		return nil
	}
	return c.Tell(bot.Notice{To: p, Subject: Subject(tk)}, func(lang bot.Lang, loc *time.Location) bot.Message {
		rd := reader{lang: lang, loc: loc, now: c.Now}
		return bot.Message{Text: text(rd), Card: taskCard(c.Tx, tk, ppl, c.Now, loc, lang)}
	})
}

// notifyEvent tells the watchers what e did, as a sentence naming the actor
// and the task.
func notifyEvent(c *commands.Ctx, tk *task.Task, ppl *commands.People, e *task.Event) error {
	return notifyWatchers(c, tk, ppl, func(rd reader) string {
		line := rd.clause("@"+c.Person.Handle, eventSentence(e, tk, rd))
		if !endsWithText(e) {
			line += rd.t(".", "。")
		}
		return line
	})
}

// notifyWatchers tells the owner and the creator, except whoever acted.
func notifyWatchers(c *commands.Ctx, tk *task.Task, ppl *commands.People, text func(reader) string) error {
	done := map[int64]bool{}
	for _, id := range []int64{tk.OwnerID, tk.CreatorID} {
		if id == 0 || done[id] {
			continue
		}
		done[id] = true
		if err := notifyTask(c, tk, ppl, ppl.Get(id), text); err != nil {
			return err
		}
	}
	return nil
}

func record(c *commands.Ctx, tk *task.Task, kind task.EventKind, from, to string) (*task.Event, error) {
	e := &task.Event{TaskID: tk.ID, ActorID: c.Person.ID, Kind: kind, From: from, To: to, At: c.Now}
	return e, task.From(c.Tx).AddTaskEvent(e)
}

// loadTask reads the task id argument and loads the task.
func loadTask(c *commands.Ctx) (*task.Task, error) {
	if len(c.Args) == 0 {
		return nil, c.Usage(bot.T("Which task? Give its number.", "哪个任务？请写上任务编号。"))
	}
	id, err := commands.ParseID(c.Args[0].Text)
	if err != nil {
		return nil, c.Usage(bot.Tf("%q is not a task number.", "「%s」不是任务编号。", c.Args[0].Text))
	}
	return task.From(c.Tx).FindTaskByID(id)
}

// loadTaskForChange also checks that the sender may change the task.
func loadTaskForChange(c *commands.Ctx) (*task.Task, error) {
	tk, err := loadTask(c)
	if err != nil {
		return nil, err
	}
	return tk, task.MayChange(c.Tx, c.Person, tk)
}

func setStatus(c *commands.Ctx, to task.Status) error {
	tk, err := loadTaskForChange(c)
	if err != nil {
		return err
	}
	if tk.Status == to {
		return bot.Err(bot.ECONFLICT, bot.T(fmt.Sprintf("%s is already %s.", tk.Ref(), to.Label(bot.LangEN)),
			fmt.Sprintf("%s 已经是「%s」状态。", tk.Ref(), to.Label(bot.LangZH))))
	}
	if !tk.Status.CanMoveTo(to) {
		return bot.Err(bot.ECONFLICT, bot.T(
			fmt.Sprintf("%s is %s, so it can't become %s. It can go to: %s.", tk.Ref(), tk.Status.Label(bot.LangEN), to.Label(bot.LangEN), nextSteps(tk.Status, bot.LangEN)),
			fmt.Sprintf("%s 当前是「%s」，不能改为「%s」。可以改为：%s。", tk.Ref(), tk.Status.Label(bot.LangZH), to.Label(bot.LangZH), nextSteps(tk.Status, bot.LangZH))))
	}
	overridden, err := checkBlockers(c, tk, to)
	if err != nil {
		return err
	}
	from := tk.Status
	tk.Status, tk.UpdatedAt = to, c.Now
	if !to.Open() {
		tk.ClosedAt = c.Now
	} else {
		tk.ClosedAt = time.Time{}
	}
	if err := task.From(c.Tx).UpdateTask(tk); err != nil {
		return err
	}
	if overridden != "" {
		if _, err := record(c, tk, task.Forced, "", overridden); err != nil {
			return err
		}
	}
	e, err := record(c, tk, task.StatusSet, string(from), string(to))
	if err != nil {
		return err
	}
	ppl := commands.NewPeople(c.Tx, c.Person)
	if err := changedTask(c, tk, ppl, e, c.T("%s is now %s.", "%s 已改为「%s」。", tk.Ref(), to.Label(c.Lang))); err != nil {
		return err
	}
	if err := notifyEvent(c, tk, ppl, e); err != nil {
		return err
	}
	return statusChanged(c, tk, ppl, e)
}

func nextSteps(s task.Status, lang bot.Lang) string {
	var out []string
	for _, to := range []task.Status{task.Todo, task.InProgress, task.InReview, task.Done, task.Cancelled} {
		if s.CanMoveTo(to) {
			out = append(out, to.Label(lang))
		}
	}
	if lang == bot.LangZH {
		return strings.Join(out, "、")
	}
	return strings.Join(out, ", ")
}

func taskShow(c *commands.Ctx) error {
	tk, err := loadTask(c)
	if err != nil {
		return err
	}
	evs, err := taskHistory(c.Tx, tk)
	if err != nil {
		return err
	}
	ppl := commands.NewPeople(c.Tx, c.Person)
	rd := readerOf(c)
	var b strings.Builder
	b.WriteString(c.T("History:", "历史："))
	for _, e := range evs {
		b.WriteString("\n• " + rd.time(e.At) + " " + rd.clause(ppl.Handle(e.ActorID, rd.lang), eventSentence(e, nil, rd)))
	}
	// The card first: what the task is now, then how it got there.
	c.Reply(bot.Message{Card: taskCard(c.Tx, tk, ppl, c.Now, c.Loc, c.Lang), Private: true})
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

// taskHistory is the task's creation, read from the task row, followed by
// its recorded events. Databases from before the row stood for it have a
// "created" event of their own, which is then shown in its place.
func taskHistory(tx bot.Tx, tk *task.Task) ([]*task.Event, error) {
	evs, err := task.From(tx).TaskEvents(tk.ID)
	if err != nil {
		return nil, err
	}
	if len(evs) > 0 && evs[0].Kind == task.Created {
		return evs, nil
	}
	created := &task.Event{TaskID: tk.ID, ActorID: tk.CreatorID, Kind: task.Created, To: tk.Title, At: tk.CreatedAt}
	return append([]*task.Event{created}, evs...), nil
}

func taskAssign(c *commands.Ctx) error {
	tk, err := loadTaskForChange(c)
	if err != nil {
		return err
	}
	if len(c.Args) != 2 || !c.Args[1].IsMention() {
		return c.Usage(bot.T("Name the new owner with @.", "请用 @ 指定新的负责人。"))
	}
	owner, err := c.ResolvePerson(c.Args[1].Text)
	if err != nil {
		return err
	}
	ppl := commands.NewPeople(c.Tx, c.Person)
	old := ppl.Get(tk.OwnerID)
	oldHandle := ppl.Handle(tk.OwnerID, bot.LangEN)
	if old != nil && old.ID == owner.ID {
		return bot.Errorf(bot.ECONFLICT, "%s is already @%s's.", "%s 的负责人已经是 @%s。", tk.Ref(), owner.Handle)
	}
	tk.OwnerID, tk.UpdatedAt = owner.ID, c.Now
	if err := task.From(c.Tx).UpdateTask(tk); err != nil {
		return err
	}
	e, err := record(c, tk, task.Assigned, oldHandle, "@"+owner.Handle)
	if err != nil {
		return err
	}
	if err := changedTask(c, tk, ppl, e, c.T("%s is now @%s's.", "%s 已指派给 @%s。", tk.Ref(), owner.Handle)); err != nil {
		return err
	}
	if err := notifyTask(c, tk, ppl, owner, gaveYou(c, tk)); err != nil {
		return err
	}
	if old != nil && old.ID != owner.ID {
		return notifyTask(c, tk, ppl, old, func(rd reader) string {
			return rd.t("%s passed %s to @%s.", "%s 把 %s 转交给了 @%s。", "@"+c.Person.Handle, tk.Ref(), owner.Handle)
		})
	}
	return nil
}

func freeText(c *commands.Ctx, what bot.Text) (*task.Task, string, error) {
	tk, err := loadTask(c)
	if err != nil {
		return nil, "", err
	}
	text := strings.TrimSpace(commands.JoinRaw(c.Args[1:]))
	if text == "" {
		return nil, "", c.Usage(what)
	}
	if utf8.RuneCountInString(text) > 4000 {
		return nil, "", c.Usage(bot.T("That is too long (at most 4000 characters).", "内容太长了（最多 4000 个字）。"))
	}
	return tk, text, nil
}

func taskComment(c *commands.Ctx) error {
	tk, text, err := freeText(c, bot.T("Write the comment after the task number.", "请在任务编号后写上评论内容。"))
	if err != nil {
		return err
	}
	e, err := record(c, tk, task.Commented, "", text)
	if err != nil {
		return err
	}
	c.ReplyText(bot.Tf("Comment added to %s.", "已评论 %s。", tk.Ref()))
	return notifyEvent(c, tk, commands.NewPeople(c.Tx, c.Person), e)
}

func taskProgress(c *commands.Ctx) error {
	tk, text, err := freeText(c, bot.T("Write the progress note after the task number.", "请在任务编号后写上进展内容。"))
	if err != nil {
		return err
	}
	if err := task.MayChange(c.Tx, c.Person, tk); err != nil {
		return err
	}
	tk.UpdatedAt = c.Now
	if err := task.From(c.Tx).UpdateTask(tk); err != nil {
		return err
	}
	e, err := record(c, tk, task.Progress, "", text)
	if err != nil {
		return err
	}
	c.ReplyText(bot.Tf("Progress noted on %s.", "已记录 %s 的进展。", tk.Ref()))
	return notifyEvent(c, tk, commands.NewPeople(c.Tx, c.Person), e)
}

// change applies a field edit with history and tells the watchers, each in
// their own language and zone. label says what changed, for the sender.
func change(c *commands.Ctx, tk *task.Task, kind task.EventKind, from, to string, label string) error {
	tk.UpdatedAt = c.Now
	if err := task.From(c.Tx).UpdateTask(tk); err != nil {
		return err
	}
	e, err := record(c, tk, kind, from, to)
	if err != nil {
		return err
	}
	ppl := commands.NewPeople(c.Tx, c.Person)
	if err := changedTask(c, tk, ppl, e, c.T("Updated %s: %s.", "已更新 %s：%s。", tk.Ref(), label)); err != nil {
		return err
	}
	return notifyEvent(c, tk, ppl, e)
}

// changedTask answers a change to tk with text, and edits every posted copy
// of tk's card (bot.Request.UpdateCards) so that each shows the new state
// and only the buttons that still apply; where a platform cannot edit a copy
// it posts the sentence of e instead. A click on a card needs no second card
// in the answer: the clicked one changes in place.
func changedTask(c *commands.Ctx, tk *task.Task, ppl *commands.People, e *task.Event, text string) error {
	reply := bot.Message{Text: text}
	if c.Event.Action == nil {
		reply.Card = taskCard(c.Tx, tk, ppl, c.Now, c.Loc, c.Lang)
	}
	c.Reply(reply)
	return refreshCards(c, tk, ppl, e)
}

// refreshCards edits every posted copy of tk's card to its current state,
// each for its own reader; a platform that cannot edit gets the sentence of
// e. A change to one task that shows on another's card (a subtask on its
// parent's checklist, a blocker on its dependant's) refreshes that one too.
func refreshCards(c *commands.Ctx, tk *task.Task, ppl *commands.People, e *task.Event) error {
	about := tk // the task e happened to, which its sentence names
	if e.TaskID != tk.ID {
		var err error
		if about, err = task.From(c.Tx).FindTaskByID(e.TaskID); err != nil {
			return err
		}
	}
	return c.UpdateCards(Subject(tk), func(lang bot.Lang, loc *time.Location) bot.Message {
		rd := reader{lang: lang, loc: loc, now: c.Now}
		line := rd.clause("@"+c.Person.Handle, eventSentence(e, about, rd))
		if !endsWithText(e) {
			line += rd.t(".", "。")
		}
		return bot.Message{Text: line, Card: taskCard(c.Tx, tk, ppl, c.Now, loc, lang)}
	})
}

// Subject names tk for live cards and coalesced notifications.
func Subject(tk *task.Task) string { return "task/" + strconv.FormatInt(tk.ID, 10) }

func (f *feature) taskDue(c *commands.Ctx) error {
	tk, err := loadTaskForChange(c)
	if err != nil {
		return err
	}
	if len(c.Args) < 2 {
		return c.Usage(bot.T("Give the new due time, or none.", "请写上新的截止时间，或写「无」清除。"))
	}
	from := ""
	if !tk.Due.IsZero() {
		from = tk.Due.Format(time.RFC3339)
	}
	if w := strings.ToLower(c.Args[1].Text); len(c.Args) == 2 && (w == "none" || w == "clear" || w == "无" || w == "清除" || w == "-") {
		tk.Due = time.Time{}
		return change(c, tk, task.DueSet, from, "", c.T("no due time", "无截止时间"))
	}
	due, used, err := f.parseDue(c, c.Args, 1, false)
	if err != nil {
		return err
	}
	if 1+used != len(c.Args) {
		return c.Usage(bot.Tf("I understood the time but not %q after it.", "时间之后的「%s」我没看懂。", commands.JoinRaw(c.Args[1+used:])))
	}
	tk.Due = due
	if err := change(c, tk, task.DueSet, from, due.Format(time.RFC3339), c.T("due %s", "截止 %s", commands.FormatTime(due, c.Now, c.Loc, c.Lang))); err != nil {
		return err
	}
	return dueChanged(c, tk)
}

func taskPriority(c *commands.Ctx) error {
	tk, err := loadTaskForChange(c)
	if err != nil {
		return err
	}
	if len(c.Args) != 2 {
		return c.Usage(bot.T("Give the new priority.", "请写上新的优先级。"))
	}
	p, ok := parsePriority(c.Args[1].Text)
	if !ok {
		return c.Usage(bot.Tf("%q is not a priority.", "「%s」不是有效的优先级。", c.Args[1].Text))
	}
	from := tk.Priority
	tk.Priority = p
	return change(c, tk, task.PrioritySet, from.Label(bot.LangEN), p.Label(bot.LangEN), c.T("priority %s", "优先级「%s」", p.Label(c.Lang)))
}

// statusScope titles a list filtered by status.
func statusScope(s task.Status) bot.Text {
	return bot.T("Tasks that are "+s.Label(bot.LangEN), "状态为「"+s.Label(bot.LangZH)+"」的任务")
}

func taskTitle(c *commands.Ctx) error {
	tk, err := loadTaskForChange(c)
	if err != nil {
		return err
	}
	title := strings.TrimSpace(strings.Join(commands.Words(c.Args[1:]), " "))
	if title == "" {
		return c.Usage(bot.T("Give the new title.", "请写上新标题。"))
	}
	if utf8.RuneCountInString(title) > maxTitleLen {
		return c.Usage(bot.Tf("That title is too long (at most %d characters).", "标题太长了（最多 %d 个字）。", maxTitleLen))
	}
	from := tk.Title
	tk.Title = title
	return change(c, tk, task.TitleSet, from, title, c.T("title “%s”", "标题「%s」", title))
}

func taskDescribe(c *commands.Ctx) error {
	tk, text, err := freeText(c, bot.T("Write the description after the task number.", "请在任务编号后写上描述。"))
	if err != nil {
		return err
	}
	if err := task.MayChange(c.Tx, c.Person, tk); err != nil {
		return err
	}
	from := tk.Description
	tk.Description = text
	return change(c, tk, task.DescSet, from, text, c.T("description", "描述"))
}

func taskDept(c *commands.Ctx) error {
	tk, err := loadTaskForChange(c)
	if err != nil {
		return err
	}
	if len(c.Args) < 2 {
		return c.Usage(bot.T("Name the department.", "请写上部门名称。"))
	}
	d, err := commands.FindDept(c, strings.Join(commands.Words(c.Args[1:]), " "))
	if err != nil {
		return err
	}
	if tk.DeptID == d.ID {
		return bot.Errorf(bot.ECONFLICT, "%s is already in %s.", "%s 已经属于「%s」。", tk.Ref(), d.Name)
	}
	from := ""
	if tk.DeptID != 0 {
		if old, err := c.Tx.FindDepartmentByID(tk.DeptID); err == nil {
			from = old.Name
		}
	}
	tk.DeptID = d.ID
	return change(c, tk, task.DeptSet, from, d.Name, c.T("department %s", "部门「%s」", d.Name))
}

func taskList(c *commands.Ctx) error {
	page, args, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	f := task.Filter{OpenOnly: true, Offset: (page - 1) * commands.PageSize, Limit: commands.PageSize + 1}
	scope := bot.T("Your open tasks", "你的未完成任务")
	mine := true
	for _, t := range args {
		switch {
		case t.IsMention():
			p, err := c.ResolvePerson(t.Text)
			if err != nil {
				return err
			}
			f.OwnerID, mine = p.ID, false
			scope = bot.Tf("Open tasks of @%s", "@%s 的未完成任务", p.Handle)
		case t.Key != "" && isKey(deptKeys, t.Key):
			d, err := commands.FindDept(c, t.Text)
			if err != nil {
				return err
			}
			f.DeptID, mine = d.ID, false
			scope = bot.Tf("Open tasks of %s", "%s 的未完成任务", d.Name)
		case t.Key != "" && isKey(statusKeys, t.Key):
			s, ok := parseStatus(t.Text)
			if !ok {
				return c.Usage(bot.Tf("%q is not a status: use todo, in_progress, in_review, done or cancelled.",
					"「%s」不是有效状态：请用 待办、进行中、待审核、已完成 或 已取消。", t.Text))
			}
			f.Statuses, f.OpenOnly = []task.Status{s}, false
			scope = statusScope(s)
		default:
			switch strings.ToLower(t.Text) {
			case "mine", "my", "我的":
			case "all", "everyone", "全部", "所有":
				mine = false
				scope = bot.T("All open tasks", "全部未完成任务")
			case "overdue", "late", "逾期", "过期", "超期":
				f.OverdueAt = c.Now
				scope = bot.T("Overdue tasks", "逾期任务")
			default:
				if s, ok := parseStatus(t.Text); ok {
					f.Statuses, f.OpenOnly = []task.Status{s}, false
					scope = statusScope(s)
					continue
				}
				return c.Usage(bot.Tf("I don't understand %q here.", "这里的「%s」我没看懂。", t.Raw))
			}
		}
	}
	if mine && f.OwnerID == 0 {
		f.OwnerID = c.Person.ID
		if f.OverdueAt.IsZero() && f.OpenOnly {
			scope = bot.T("Your open tasks", "你的未完成任务")
		} else if !f.OverdueAt.IsZero() {
			scope = bot.T("Your overdue tasks", "你的逾期任务")
		}
	}
	tasks, err := task.From(c.Tx).FindTasks(f)
	if err != nil {
		return err
	}
	if len(tasks) == 0 && page > 1 {
		c.Reply(bot.Message{Text: scope.In(c.Lang) + c.T(": there is no page %d.", "：没有第%d页。", page), Private: true})
		return nil
	}
	if len(tasks) == 0 {
		c.Reply(bot.Message{Text: scope.In(c.Lang) + c.T(": none. ", "：没有。") +
			c.T("Create one with `task new \"title\" @person due:fri`.", "可以用「任务 新建 \"标题\" @某人 截止:周五」创建。"), Private: true})
		return nil
	}
	more := len(tasks) > commands.PageSize
	tasks = tasks[:min(len(tasks), commands.PageSize)]
	ppl := commands.NewPeople(c.Tx, c.Person)
	var b strings.Builder
	b.WriteString(commands.PageTitle(c, scope, page, len(tasks), more))
	for _, tk := range tasks {
		b.WriteString("\n" + Line(tk, ppl, c.Now, c.Loc, c.Lang))
	}
	if more {
		b.WriteString("\n" + commands.NextPage(c, "task list", "任务 列表", args, page))
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

func parseStatus(s string) (task.Status, bool) {
	switch strings.ToLower(strings.ReplaceAll(s, "-", "_")) {
	case "todo", "to_do", "open", "待办", "未开始":
		return task.Todo, true
	case "in_progress", "doing", "started", "progress", "进行中", "处理中":
		return task.InProgress, true
	case "in_review", "review", "reviewing", "待审核", "审核中":
		return task.InReview, true
	case "done", "finished", "completed", "已完成", "完成":
		return task.Done, true
	case "cancelled", "canceled", "已取消", "取消":
		return task.Cancelled, true
	}
	return "", false
}
