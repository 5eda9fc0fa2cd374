package commands

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

var weekdaysZH = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// FormatTime renders t for a person: weekday, date and clock in their zone and
// language, with the year only when it is not the current one.
func FormatTime(t, now time.Time, loc *time.Location, lang bot.Lang) string {
	return FormatDate(t, now, loc, lang) + " " + t.In(loc).Format("15:04")
}

// FormatDate is FormatTime without the clock.
func FormatDate(t, now time.Time, loc *time.Location, lang bot.Lang) string {
	t, now = t.In(loc), now.In(loc)
	if lang == bot.LangZH {
		s := fmt.Sprintf("%d月%d日%s", t.Month(), t.Day(), weekdaysZH[t.Weekday()])
		if t.Year() != now.Year() {
			s = strconv.Itoa(t.Year()) + "年" + s
		}
		return s
	}
	if t.Year() != now.Year() {
		return t.Format("Mon 2 Jan 2006")
	}
	return t.Format("Mon 2 Jan")
}

// people caches the persons a reply mentions, so a list of fifty tasks owned
// by three people looks each of them up once.
type people struct {
	tx    bot.Tx
	cache map[int64]*bot.Person
}

func newPeople(tx bot.Tx, known ...*bot.Person) *people {
	p := &people{tx: tx, cache: map[int64]*bot.Person{}}
	for _, k := range known {
		p.cache[k.ID] = k
	}
	return p
}

func (p *people) get(id int64) *bot.Person {
	if id == 0 {
		return nil
	}
	if x, ok := p.cache[id]; ok {
		return x
	}
	x, err := p.tx.FindPersonByID(id)
	if err != nil {
		x = nil
	}
	p.cache[id] = x
	return x
}

func (p *people) handle(id int64, lang bot.Lang) string {
	if x := p.get(id); x != nil {
		return "@" + x.Handle
	}
	return bot.T("nobody", "无人").In(lang)
}

// overdueMark is appended to every overdue task, in lists and on cards.
func overdueMark(lang bot.Lang) string { return bot.T("⚠ OVERDUE", "⚠ 已逾期").In(lang) }

// taskLine is one task in a list.
func taskLine(tk *bot.Task, ppl *people, now time.Time, loc *time.Location, lang bot.Lang) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s] %s — %s", tk.Ref(), tk.Status.Label(lang), tk.Title, ppl.handle(tk.OwnerID, lang))
	if !tk.Due.IsZero() {
		b.WriteString(bot.T(" · due ", " · 截止 ").In(lang) + FormatTime(tk.Due, now, loc, lang))
	}
	if tk.Priority != bot.PriorityNormal {
		b.WriteString(" · " + tk.Priority.Label(lang))
	}
	if tk.Overdue(now) {
		b.WriteString(" " + overdueMark(lang))
	}
	return b.String()
}

// taskCard shows one task with the buttons for its next steps.
func taskCard(tx bot.Tx, tk *bot.Task, ppl *people, now time.Time, loc *time.Location, lang bot.Lang) *bot.Card {
	due := bot.T("none", "无").In(lang)
	if !tk.Due.IsZero() {
		due = FormatTime(tk.Due, now, loc, lang)
		if tk.Overdue(now) {
			due += " " + overdueMark(lang)
		}
	}
	dept := bot.T("none", "无").In(lang)
	if tk.DeptID != 0 {
		if d, err := tx.FindDepartmentByID(tk.DeptID); err == nil {
			dept = d.Name
		}
	}
	card := &bot.Card{
		Title: tk.Ref() + " " + tk.Title,
		Fields: []bot.Field{
			{Label: bot.T("Owner", "负责人").In(lang), Value: ppl.handle(tk.OwnerID, lang)},
			{Label: bot.T("Status", "状态").In(lang), Value: tk.Status.Label(lang)},
			{Label: bot.T("Due", "截止").In(lang), Value: due},
			{Label: bot.T("Priority", "优先级").In(lang), Value: tk.Priority.Label(lang)},
			{Label: bot.T("Department", "部门").In(lang), Value: dept},
			{Label: bot.T("Created by", "创建人").In(lang), Value: ppl.handle(tk.CreatorID, lang)},
		},
		Buttons: taskButtons(tk, lang),
		Subject: taskSubject(tk),
	}
	if tk.Description != "" {
		card.Fields = append(card.Fields, bot.Field{Label: bot.T("Description", "描述").In(lang), Value: tk.Description})
	}
	return card
}

// taskButtons offers the transitions allowed from the task's status.
func taskButtons(tk *bot.Task, lang bot.Lang) []bot.Button {
	id := strconv.FormatInt(tk.ID, 10)
	b := func(action string, en, zh, style string) bot.Button {
		typed := "task " + action + " " + id
		if lang == bot.LangZH {
			typed = "任务 " + taskVerbsZH[action] + " " + id
		}
		return bot.Button{ActionID: "task." + action, Value: id, Label: bot.T(en, zh).In(lang), Style: style, Typed: typed}
	}
	switch tk.Status {
	case bot.TaskTodo:
		return []bot.Button{b("start", "Start", "开始", "primary"), b("cancel", "Cancel", "取消", "danger")}
	case bot.TaskInProgress:
		return []bot.Button{b("review", "Ready for review", "提交审核", "primary"), b("done", "Done", "完成", "")}
	case bot.TaskInReview:
		return []bot.Button{b("done", "Approve", "通过", "primary"), b("start", "Back to work", "退回", "danger")}
	}
	return []bot.Button{b("reopen", "Reopen", "重新打开", "")}
}

// taskVerbsZH are the Chinese sub-command names the buttons stand for.
var taskVerbsZH = map[string]string{"start": "开始", "review": "审核", "done": "完成", "cancel": "取消", "reopen": "重开"}

func parseTaskID(s string) (int64, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "#"), "＃")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("not a task id")
	}
	return id, nil
}

// tfList is bot.Tf with a list as the last argument, joined as each
// language lists things: "a, b" and "a、b".
func tfList(en, zh string, items []string, args ...any) bot.Text {
	return bot.T(fmt.Sprintf(en, append(args, strings.Join(items, ", "))...),
		fmt.Sprintf(zh, append(args, strings.Join(items, "、"))...))
}

// reader is whom a text is written for: their language and time zone, at
// the moment it is written. A notification is built once per recipient, so
// every line of it is in the recipient's language and zone.
type reader struct {
	lang bot.Lang
	loc  *time.Location
	now  time.Time
}

// readerOf is the sender of c.
func readerOf(c *Ctx) reader { return reader{c.Lang, c.Loc, c.Now} }

func (r reader) t(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(r.lang) }

// clause puts a subject before a predicate: "@alice created it", "@alice
// 创建了任务" (spaced as Chinese text is, see bot.ZHConcat).
func (r reader) clause(subject, predicate string) string {
	if r.lang == bot.LangZH {
		return bot.ZHConcat(subject, predicate)
	}
	return subject + " " + predicate
}

// time formats t for the reader.
func (r reader) time(t time.Time) string { return FormatTime(t, r.now, r.loc, r.lang) }

// eventSentence says what history event e did, for rd, without its actor:
// "changed the priority from normal to high". With tk (notifications, read
// away from the task's history) it names the task: "changed the priority of
// #3 Poster from normal to high".
func eventSentence(e *bot.TaskEvent, tk *bot.Task, rd reader) string {
	zh := rd.lang == bot.LangZH
	task := ""
	if tk != nil {
		task = tk.Ref() + " " + tk.Title
	}
	// of is "the due time" or "the due time of #3 Poster"; zhOf is "截止时间"
	// or "#3 Poster 的截止时间".
	of := func(en string) string {
		if task == "" {
			return en
		}
		return en + " of " + task
	}
	zhOf := func(s string) string {
		if task == "" {
			return s
		}
		return bot.ZHConcat(task, "的"+s)
	}
	it, zhIt := "it", "任务"
	if task != "" {
		it, zhIt = task, task
	}
	switch e.Kind {
	case bot.TaskCreated:
		if zh {
			return bot.ZHConcat("创建了", zhOf("任务"))
		}
		return "created " + it
	case bot.TaskStatusSet:
		from, to := bot.TaskStatus(e.From).Label(rd.lang), bot.TaskStatus(e.To).Label(rd.lang)
		switch {
		case task != "" && zh:
			return bot.ZHConcat("把", task, "改为「"+to+"」")
		case task != "":
			return "moved " + task + " to " + to
		case zh:
			return "把状态从「" + from + "」改为「" + to + "」"
		}
		return "changed status " + from + " → " + to
	case bot.TaskAssigned:
		from := e.From
		if from == "nobody" || from == "" {
			if zh {
				return bot.ZHConcat("把", zhIt, "指派给", e.To)
			}
			return "gave " + it + " to " + e.To
		}
		if zh {
			return bot.ZHConcat("把", zhIt, "从", from, "转交给", e.To)
		}
		return "passed " + it + " from " + from + " to " + e.To
	case bot.TaskCommented:
		if tk != nil {
			task = tk.Ref() // what was written follows
		}
		if zh {
			if task != "" {
				return bot.ZHConcat("评论了", task+"：") + e.To
			}
			return "评论：" + e.To
		}
		if task != "" {
			return "commented on " + task + ": " + e.To
		}
		return "commented: " + e.To
	case bot.TaskProgress:
		if tk != nil {
			task = tk.Ref()
		}
		if zh {
			return bot.ZHConcat("更新了", zhOf("进展")+"：") + e.To
		}
		if task != "" {
			return "noted progress on " + task + ": " + e.To
		}
		return "noted progress: " + e.To
	case bot.TaskDueSet:
		from, to := rd.storedTime(e.From), rd.storedTime(e.To)
		switch {
		case to == "" && zh:
			return "清除了" + zhOf("截止时间")
		case to == "":
			return "cleared " + of("the due time")
		case from == "" && zh:
			return bot.ZHConcat("把", zhOf("截止时间")+"设为", to)
		case from == "":
			return "set " + of("the due time") + " to " + to
		case zh:
			return bot.ZHConcat("把", zhOf("截止时间")+"从", from, "改为", to)
		}
		return "moved " + of("the due time") + " from " + from + " to " + to
	case bot.TaskPrioritySet:
		from, to := storedPriority(e.From, rd.lang), storedPriority(e.To, rd.lang)
		if zh {
			return bot.ZHConcat("把", zhOf("优先级")+"从「"+from+"」改为「"+to+"」")
		}
		return "changed " + of("the priority") + " from " + from + " to " + to
	case bot.TaskTitleSet:
		if tk != nil {
			task = tk.Ref() // the titles follow
		}
		if zh {
			return bot.ZHConcat("把", zhOf("标题")+"从「"+e.From+"」改为「"+e.To+"」")
		}
		if task != "" {
			return "renamed " + task + " from “" + e.From + "” to “" + e.To + "”"
		}
		return "renamed it from “" + e.From + "” to “" + e.To + "”"
	case bot.TaskDescSet:
		if zh {
			return bot.ZHConcat("修改了", zhOf("描述")+"：") + e.To
		}
		return "changed " + of("the description") + ": " + e.To
	case bot.TaskDeptSet:
		switch {
		case e.From != "" && zh:
			return bot.ZHConcat("把", zhIt, "从「"+e.From+"」移到「"+e.To+"」")
		case e.From != "":
			return "moved " + it + " from " + e.From + " to " + e.To
		case zh:
			return bot.ZHConcat("把", zhIt, "归入「"+e.To+"」")
		}
		return "put " + it + " in " + e.To
	}
	return rd.t("changed %s: %s → %s", "修改了%s：%s → %s", string(e.Kind), e.From, e.To)
}

// endsWithText reports whether the sentence of e ends with what someone
// wrote (a comment), which takes no full stop of ours.
func endsWithText(e *bot.TaskEvent) bool {
	return e.Kind == bot.TaskCommented || e.Kind == bot.TaskProgress || e.Kind == bot.TaskDescSet
}

// storedTime formats a time stored in history (RFC 3339) for the reader; ""
// stays "", and text that is no time is shown as it is.
func (r reader) storedTime(s string) string {
	if s == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return r.time(t)
}

// storedPriority is a priority stored in history (its English label) in
// lang.
func storedPriority(s string, lang bot.Lang) string {
	if p, ok := parsePriority(s); ok {
		return p.Label(lang)
	}
	return s
}
