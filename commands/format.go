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
