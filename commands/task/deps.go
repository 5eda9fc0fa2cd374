package task

import (
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands"
)

// Subtasks and dependencies (issue 19, item 1): "task sub", "task block",
// "task unblock", the done check with "force", and telling both owners when
// a blocker slips past its dependant's due time.

var (
	// blockKeys name the task waited for: task block 14 by:12.
	blockKeys = []string{"by", "after", "on", "blocker", "依赖于", "依赖", "前置", "等待"}
	// forceWords force a blocked task done: task done 14 force.
	forceWords = []string{"force", "forced", "anyway", "强制", "强制完成"}
)

func (f *feature) depSubs(sub func(name string, aliases []string, usageEN, usageZH, sumEN, sumZH, exEN, exZH string, run func(*commands.Ctx) error) *commands.Sub) []*commands.Sub {
	return []*commands.Sub{
		sub("sub", []string{"subtask", "child", "子任务", "拆分"},
			`task sub <parent id> "<title>" [@owner] [due:<time>] [p:low|normal|high|urgent]`,
			`任务 子任务 <父任务编号> "<标题>" [@负责人] [截止:<时间>] [优先级:低|中|高|紧急]`,
			"Add a subtask; the parent card counts them (2/5)", "添加子任务；父任务卡片显示完成进度（2/5）",
			`task sub 12 "Print proofs" @bob due:thu`, `任务 子任务 12 "打印校样" @bob 截止:周四`, f.taskSub),
		sub("block", []string{"depend", "wait", "依赖", "阻塞"},
			"task block <id> by:<id>", "任务 依赖 <编号> 依赖于:<编号>",
			"Make a task wait for another: it can't be done while that is open", "让任务依赖另一个任务：依赖未完成前不能完成",
			"task block 14 by:12", "任务 依赖 14 依赖于:12", taskBlock),
		sub("unblock", []string{"undepend", "解除依赖", "取消依赖"},
			"task unblock <id> by:<id>", "任务 解除依赖 <编号> 依赖于:<编号>",
			"Remove a dependency", "解除任务之间的依赖",
			"task unblock 14 by:12", "任务 解除依赖 14 依赖于:12", taskUnblock),
	}
}

func (f *feature) taskSub(c *commands.Ctx) error {
	parent, err := loadTaskForChange(c)
	if err != nil {
		return err
	}
	if !parent.Status.Open() {
		return bot.Errorf(bot.ECONFLICT, "%s is %s; reopen it before adding subtasks.", "%s 已是「%s」状态，请先重新打开再添加子任务。",
			parent.Ref(), parent.Status.Label(c.Lang))
	}
	if len(c.Args) < 2 {
		return c.Usage(bot.T("Give the subtask's title after the parent's number.", "请在父任务编号后写上子任务的标题。"))
	}
	c.Args = c.Args[1:]
	return f.createTask(c, parent)
}

// addedSubTask records sub on its parent's history and edits every copy of
// the parent's card: its checklist has one more item.
func addedSubTask(c *commands.Ctx, parent, sub *task.Task, ppl *commands.People) error {
	e, err := record(c, parent, task.SubAdded, "", sub.Ref()+" "+sub.Title)
	if err != nil {
		return err
	}
	return refreshCards(c, parent, ppl, e)
}

// blockArgs reads "<id> by:<id>" and loads both tasks; the sender must be
// able to change the dependant (the one made to wait).
func blockArgs(c *commands.Ctx) (dependant, blocker *task.Task, err error) {
	dependant, err = loadTaskForChange(c)
	if err != nil {
		return nil, nil, err
	}
	var blockerArg string
	for _, t := range c.Args[1:] {
		switch {
		case t.Key != "" && isKey(blockKeys, t.Key):
			blockerArg = t.Text
		case t.Key == "" && blockerArg == "" && strings.TrimLeft(t.Text, "#＃") != "" && isNumber(t.Text):
			blockerArg = t.Text // "task block 14 12" reads the same
		default:
			return nil, nil, c.Usage(bot.Tf("I don't understand %q here.", "这里的「%s」我没看懂。", t.Raw))
		}
	}
	if blockerArg == "" {
		return nil, nil, c.Usage(bot.T("Name the task it waits for with by:<number>.", "请用「依赖于:<编号>」写上它所依赖的任务。"))
	}
	id, perr := commands.ParseID(blockerArg)
	if perr != nil {
		return nil, nil, c.Usage(bot.Tf("%q is not a task number.", "「%s」不是任务编号。", blockerArg))
	}
	blocker, err = task.From(c.Tx).FindTaskByID(id)
	return dependant, blocker, err
}

func isNumber(s string) bool { _, err := commands.ParseID(s); return err == nil }

func taskBlock(c *commands.Ctx) error {
	dependant, blocker, err := blockArgs(c)
	if err != nil {
		return err
	}
	store := task.From(c.Tx)
	blockersOf := func(id int64) ([]int64, error) {
		ts, err := store.TaskBlockers(id)
		ids := make([]int64, len(ts))
		for i, t := range ts {
			ids[i] = t.ID
		}
		return ids, err
	}
	if err := task.CheckBlock(blocker.ID, dependant.ID, blockersOf); err != nil {
		return err
	}
	if !dependant.Status.Open() {
		return bot.Errorf(bot.ECONFLICT, "%s is %s already; there is nothing left for it to wait for.", "%s 已是「%s」状态，无需再依赖其他任务。",
			dependant.Ref(), dependant.Status.Label(c.Lang))
	}
	blockers, err := store.TaskBlockers(dependant.ID)
	if err != nil {
		return err
	}
	dependants, err := store.TaskDependants(blocker.ID)
	if err != nil {
		return err
	}
	if len(blockers) >= task.MaxBlockers || len(dependants) >= task.MaxBlockers {
		return bot.Errorf(bot.EINVALID, "A task can wait for, or hold up, at most %d tasks.", "一个任务最多依赖或阻塞 %d 个任务。", task.MaxBlockers)
	}
	if err := store.AddTaskBlock(blocker.ID, dependant.ID, c.Now); err != nil {
		return err
	}
	if err := scheduleSlipCheck(c.Tx, dependant, c.Now); err != nil {
		return err
	}
	e, err := record(c, dependant, task.Blocked, "", blocker.Ref())
	if err != nil {
		return err
	}
	ppl := commands.NewPeople(c.Tx, c.Person)
	text := c.T("%s now waits for %s.", "%s 现在依赖于 %s。", dependant.Ref(), blocker.Ref())
	if !blocker.Status.Open() {
		text += c.T(" (%s is %s already.)", "（%s 已是「%s」状态。）", blocker.Ref(), blocker.Status.Label(c.Lang))
	}
	if err := changedTask(c, dependant, ppl, e, text); err != nil {
		return err
	}
	if err := refreshCards(c, blocker, ppl, e); err != nil {
		return err
	}
	if err := notifyEvent(c, dependant, ppl, e); err != nil {
		return err
	}
	return tellSlipped(c, blocker, dependant, ppl)
}

func taskUnblock(c *commands.Ctx) error {
	dependant, blocker, err := blockArgs(c)
	if err != nil {
		return err
	}
	if err := task.From(c.Tx).RemoveTaskBlock(blocker.ID, dependant.ID); err != nil {
		return err
	}
	e, err := record(c, dependant, task.Unblocked, blocker.Ref(), "")
	if err != nil {
		return err
	}
	ppl := commands.NewPeople(c.Tx, c.Person)
	if err := changedTask(c, dependant, ppl, e, c.T("%s no longer waits for %s.", "%s 不再依赖于 %s。", dependant.Ref(), blocker.Ref())); err != nil {
		return err
	}
	if err := refreshCards(c, blocker, ppl, e); err != nil {
		return err
	}
	return notifyEvent(c, dependant, ppl, e)
}

// checkBlockers is the done check of setStatus: a task moving to done must
// not wait for an open task, unless the sender forces it and may. It
// returns the open blockers overridden (for the history), "" when none.
func checkBlockers(c *commands.Ctx, tk *task.Task, to task.Status) (string, error) {
	if to != task.Done {
		return "", nil
	}
	force := false
	for _, a := range c.Args[1:] {
		if commands.Contains(forceWords, strings.ToLower(a.Text)) {
			force = true
		}
	}
	blockers, err := task.From(c.Tx).TaskBlockers(tk.ID)
	if err != nil {
		return "", err
	}
	if err := task.CheckDone(tk, blockers, false); err == nil || !force {
		return "", err
	}
	if err := task.MayForce(c.Tx, c.Person, tk); err != nil {
		return "", err
	}
	var open []string
	for _, b := range blockers {
		if b.Status.Open() {
			open = append(open, b.Ref())
		}
	}
	return strings.Join(open, ", "), nil
}

// statusChanged follows a status change of tk: its parent's checklist and
// its dependants' cards change with it, and a dependant's owner whose last
// open blocker this was is told the task is free.
func statusChanged(c *commands.Ctx, tk *task.Task, ppl *commands.People, e *task.Event) error {
	store := task.From(c.Tx)
	if tk.ParentID != 0 {
		parent, err := store.FindTaskByID(tk.ParentID)
		if err != nil {
			return err
		}
		if err := refreshCards(c, parent, ppl, e); err != nil {
			return err
		}
	}
	dependants, err := store.TaskDependants(tk.ID)
	if err != nil {
		return err
	}
	for _, d := range dependants {
		if err := refreshCards(c, d, ppl, e); err != nil {
			return err
		}
		if tk.Status.Open() || !d.Status.Open() {
			continue
		}
		blockers, err := store.TaskBlockers(d.ID)
		if err != nil {
			return err
		}
		if task.CheckDone(d, blockers, false) != nil {
			continue // it still waits for another
		}
		owner := ppl.Get(d.OwnerID)
		if owner == nil {
			continue
		}
		if owner.ID == c.Person.ID {
			c.ReplyText(bot.Tf("%s no longer waits for anything.", "%s 已不再等待任何任务。", d.Ref()))
			continue
		}
		if err := notifyTask(c, d, ppl, owner, func(rd reader) string {
			return rd.t("%s is %s, so %s no longer waits for anything.", "%s 已「%s」，%s 不再等待任何任务。",
				tk.Ref(), tk.Status.Label(rd.lang), d.Ref()+" "+d.Title)
		}); err != nil {
			return err
		}
	}
	return nil
}

// dueChanged follows a change of tk's due time: a blocker of tk now due
// after it, or tk now due after a task that waits for it, has slipped.
func dueChanged(c *commands.Ctx, tk *task.Task) error {
	store := task.From(c.Tx)
	ppl := commands.NewPeople(c.Tx, c.Person)
	blockers, err := store.TaskBlockers(tk.ID)
	if err != nil {
		return err
	}
	for _, b := range blockers {
		if err := tellSlipped(c, b, tk, ppl); err != nil {
			return err
		}
	}
	if len(blockers) > 0 {
		if err := scheduleSlipCheck(c.Tx, tk, c.Now); err != nil {
			return err
		}
	}
	dependants, err := store.TaskDependants(tk.ID)
	if err != nil {
		return err
	}
	for _, d := range dependants {
		if err := tellSlipped(c, tk, d, ppl); err != nil {
			return err
		}
	}
	return nil
}

// tellSlipped tells both owners when blocker has slipped past dependant's
// due time (task.Slipped): the blocker's owner that someone waits, the
// dependant's owner that their date is at risk. The sender reads it in the
// reply instead.
func tellSlipped(c *commands.Ctx, blocker, dependant *task.Task, ppl *commands.People) error {
	if !task.Slipped(blocker, dependant, c.Now) {
		return nil
	}
	line := slipLine(blocker, dependant)
	for _, tk := range slipOwners(blocker, dependant, ppl) {
		owner := ppl.Get(tk.OwnerID)
		if owner.ID == c.Person.ID {
			c.ReplyText(bot.Text{EN: line(reader{lang: bot.LangEN, loc: c.Loc, now: c.Now}),
				ZH: line(reader{lang: bot.LangZH, loc: c.Loc, now: c.Now})})
			continue
		}
		if err := c.Tell(bot.Notice{To: owner, Subject: Subject(tk)}, func(lang bot.Lang, loc *time.Location) bot.Message {
			return bot.Message{Text: line(reader{lang: lang, loc: loc, now: c.Now}), Card: taskCard(c.Tx, tk, ppl, c.Now, loc, lang)}
		}); err != nil {
			return err
		}
	}
	return nil
}

// slipOwners are the tasks whose owners hear of a slip, one per owner: the
// blocker's, then the dependant's.
func slipOwners(blocker, dependant *task.Task, ppl *commands.People) []*task.Task {
	var out []*task.Task
	for _, tk := range []*task.Task{blocker, dependant} {
		if ppl.Get(tk.OwnerID) != nil && (len(out) == 0 || out[0].OwnerID != tk.OwnerID) {
			out = append(out, tk)
		}
	}
	return out
}

// slipLine says how blocker slipped past dependant, for one reader.
func slipLine(blocker, dependant *task.Task) func(reader) string {
	if blocker.Due.After(dependant.Due) {
		return func(rd reader) string {
			return "⚠ " + rd.t("%s is due %s, after %s which waits for it is due (%s).", "%s 的截止时间是 %s，晚于依赖它的 %s 的截止时间（%s）。",
				blocker.Ref()+" "+blocker.Title, rd.time(blocker.Due), dependant.Ref()+" "+dependant.Title, rd.time(dependant.Due))
		}
	}
	return func(rd reader) string {
		return "⚠ " + rd.t("%s is still open, and %s which waits for it was due %s.", "%s 仍未完成，而依赖它的 %s 已于 %s 到期。",
			blocker.Ref()+" "+blocker.Title, dependant.Ref()+" "+dependant.Title, rd.time(dependant.Due))
	}
}

// depSentence is the history sentence of a subtask or dependency event, ""
// for other kinds. it and zhIt name the task ("it", "任务" in its own
// history).
func depSentence(e *task.Event, it, zhIt string, zh bool) string {
	switch e.Kind {
	case task.SubAdded:
		if zh {
			return bot.ZHConcat("给", zhIt, "添加了子任务", e.To)
		}
		return "added the subtask " + e.To + " to " + it
	case task.Blocked:
		if zh {
			return bot.ZHConcat("让", zhIt, "依赖于", e.To)
		}
		return "made " + it + " wait for " + e.To
	case task.Unblocked:
		if zh {
			return bot.ZHConcat("解除了", zhIt, "对", e.From, "的依赖")
		}
		return "made " + it + " no longer wait for " + e.From
	case task.Forced:
		if zh {
			return bot.ZHConcat("在", e.To, "未完成时强制完成了", zhIt)
		}
		return "forced " + it + " done while " + e.To + " was open"
	}
	return ""
}

// depFields are the parent card's checklist and a task's dependencies, as
// card fields: "Subtasks 2/5", "Part of #12", "Waiting for #12, #13",
// "Holding up #14". Closed blockers are not listed: nothing waits on them.
func depFields(tx bot.Tx, tk *task.Task, lang bot.Lang) []bot.Field {
	store := task.From(tx)
	var fs []bot.Field
	if tk.ParentID != 0 {
		fs = append(fs, bot.Field{Label: bot.T("Part of", "所属父任务").In(lang), Value: "#" + itoa(tk.ParentID)})
	}
	if list, err := store.SubTaskProgress(tk.ID); err == nil && list.Total > 0 {
		fs = append(fs, bot.Field{Label: bot.T("Subtasks", "子任务").In(lang), Value: list.String()})
	}
	refs := func(ts []*task.Task) string {
		var out []string
		for _, t := range ts {
			if t.Status.Open() {
				out = append(out, t.Ref())
			}
		}
		if lang == bot.LangZH {
			return strings.Join(out, "、")
		}
		return strings.Join(out, ", ")
	}
	if bs, err := store.TaskBlockers(tk.ID); err == nil && refs(bs) != "" {
		fs = append(fs, bot.Field{Label: bot.T("Waiting for", "依赖于").In(lang), Value: refs(bs)})
	}
	if tk.Status.Open() {
		if ds, err := store.TaskDependants(tk.ID); err == nil && refs(ds) != "" {
			fs = append(fs, bot.Field{Label: bot.T("Holding up", "阻塞").In(lang), Value: refs(ds)})
		}
	}
	return fs
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
