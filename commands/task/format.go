package task

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands"
	filescmd "github.com/tandemhq/tandem/commands/files"
)

// overdueMark is appended to every overdue task, in lists and on cards.
func overdueMark(lang bot.Lang) string { return bot.T("⚠ OVERDUE", "⚠ 已逾期").In(lang) }

// Line is one task in a list (also in the digest).
func Line(tk *task.Task, ppl *commands.People, now time.Time, loc *time.Location, lang bot.Lang) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s] %s — %s", tk.Ref(), tk.Status.Label(lang), tk.Title, ppl.Handle(tk.OwnerID, lang))
	if !tk.Due.IsZero() {
		b.WriteString(bot.T(" · due ", " · 截止 ").In(lang) + commands.FormatTime(tk.Due, now, loc, lang))
	}
	if tk.Priority != task.PriorityNormal {
		b.WriteString(" · " + tk.Priority.Label(lang))
	}
	if tk.Overdue(now) {
		b.WriteString(" " + overdueMark(lang))
	}
	return b.String()
}

// taskCard shows one task with the buttons for its next steps.
func taskCard(tx bot.Tx, tk *task.Task, ppl *commands.People, now time.Time, loc *time.Location, lang bot.Lang) *bot.Card {
	due := bot.T("none", "无").In(lang)
	if !tk.Due.IsZero() {
		due = commands.FormatTime(tk.Due, now, loc, lang)
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
			{Label: bot.T("Owner", "负责人").In(lang), Value: ppl.Handle(tk.OwnerID, lang)},
			{Label: bot.T("Status", "状态").In(lang), Value: tk.Status.Label(lang)},
			{Label: bot.T("Due", "截止").In(lang), Value: due},
			{Label: bot.T("Priority", "优先级").In(lang), Value: tk.Priority.Label(lang)},
			{Label: bot.T("Department", "部门").In(lang), Value: dept},
			{Label: bot.T("Created by", "创建人").In(lang), Value: ppl.Handle(tk.CreatorID, lang)},
		},
		Buttons: taskButtons(tk, lang),
		Subject: Subject(tk),
	}
	card.Fields = append(card.Fields, depFields(tx, tk, lang)...)
	if tk.Description != "" {
		card.Fields = append(card.Fields, bot.Field{Label: bot.T("Description", "描述").In(lang), Value: tk.Description})
	}
	if f, ok := filescmd.CardField(tx, Subject(tk), lang); ok {
		card.Fields = append(card.Fields, f)
	}
	if !tk.Status.Open() {
		// A closed task's card keeps no buttons: clicking Done must leave
		// a card that plainly reads done everywhere it was posted. Reopening
		// is rare and deliberate, so it is typed.
		card.Footer = bot.Tf("Reopen it with `task reopen %d`.", "如需重新打开：任务 重开 %d", tk.ID).In(lang)
	}
	return card
}

// taskButtons offers the transitions allowed from the task's status.
func taskButtons(tk *task.Task, lang bot.Lang) []bot.Button {
	id := strconv.FormatInt(tk.ID, 10)
	b := func(action string, en, zh, style string) bot.Button {
		typed := "task " + action + " " + id
		if lang == bot.LangZH {
			typed = "任务 " + taskVerbsZH[action] + " " + id
		}
		return bot.Button{ActionID: "task." + action, Value: id, Label: bot.T(en, zh).In(lang), Style: style, Typed: typed}
	}
	switch tk.Status {
	case task.Todo:
		return []bot.Button{b("start", "Start", "开始", "primary"), b("cancel", "Cancel", "取消", "danger")}
	case task.InProgress:
		return []bot.Button{b("review", "Ready for review", "提交审核", "primary"), b("done", "Done", "完成", "")}
	case task.InReview:
		return []bot.Button{b("done", "Approve", "通过", "primary"), b("start", "Back to work", "退回", "danger")}
	}
	return nil
}

// taskVerbsZH are the Chinese sub-command names the buttons stand for.
var taskVerbsZH = map[string]string{"start": "开始", "review": "审核", "done": "完成", "cancel": "取消"}

// reader is whom a text is written for: their language and time zone, at
// the moment it is written. A notification is built once per recipient, so
// every line of it is in the recipient's language and zone.
type reader struct {
	lang bot.Lang
	loc  *time.Location
	now  time.Time
}

// readerOf is the sender of c.
func readerOf(c *commands.Ctx) reader { return reader{c.Lang, c.Loc, c.Now} }

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
func (r reader) time(t time.Time) string { return commands.FormatTime(t, r.now, r.loc, r.lang) }

// eventSentence says what history event e did, for rd, without its actor:
// "changed the priority from normal to high". With tk (notifications, read
// away from the task's history) it names the task: "changed the priority of
// #3 Poster from normal to high".
func eventSentence(e *task.Event, tk *task.Task, rd reader) string {
	zh := rd.lang == bot.LangZH
	named := ""
	if tk != nil {
		named = tk.Ref() + " " + tk.Title
	}
	// of is "the due time" or "the due time of #3 Poster"; zhOf is "截止时间"
	// or "#3 Poster 的截止时间".
	of := func(en string) string {
		if named == "" {
			return en
		}
		return en + " of " + named
	}
	zhOf := func(s string) string {
		if named == "" {
			return s
		}
		return bot.ZHConcat(named, "的"+s)
	}
	it, zhIt := "it", "任务"
	if named != "" {
		it, zhIt = named, named
	}
	switch e.Kind {
	case task.Created:
		if zh {
			return bot.ZHConcat("创建了", zhOf("任务"))
		}
		return "created " + it
	case task.StatusSet:
		from, to := task.Status(e.From).Label(rd.lang), task.Status(e.To).Label(rd.lang)
		switch {
		case named != "" && zh:
			return bot.ZHConcat("把", named, "改为「"+to+"」")
		case named != "":
			return "moved " + named + " to " + to
		case zh:
			return "把状态从「" + from + "」改为「" + to + "」"
		}
		return "changed status " + from + " → " + to
	case task.Assigned:
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
	case task.Commented:
		if tk != nil {
			named = tk.Ref() // what was written follows
		}
		if zh {
			if named != "" {
				return bot.ZHConcat("评论了", named+"：") + e.To
			}
			return "评论：" + e.To
		}
		if named != "" {
			return "commented on " + named + ": " + e.To
		}
		return "commented: " + e.To
	case task.Progress:
		if tk != nil {
			named = tk.Ref()
		}
		if zh {
			return bot.ZHConcat("更新了", zhOf("进展")+"：") + e.To
		}
		if named != "" {
			return "noted progress on " + named + ": " + e.To
		}
		return "noted progress: " + e.To
	case task.DueSet:
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
	case task.PrioritySet:
		from, to := storedPriority(e.From, rd.lang), storedPriority(e.To, rd.lang)
		if zh {
			return bot.ZHConcat("把", zhOf("优先级")+"从「"+from+"」改为「"+to+"」")
		}
		return "changed " + of("the priority") + " from " + from + " to " + to
	case task.TitleSet:
		if tk != nil {
			named = tk.Ref() // the titles follow
		}
		if zh {
			return bot.ZHConcat("把", zhOf("标题")+"从「"+e.From+"」改为「"+e.To+"」")
		}
		if named != "" {
			return "renamed " + named + " from “" + e.From + "” to “" + e.To + "”"
		}
		return "renamed it from “" + e.From + "” to “" + e.To + "”"
	case task.DescSet:
		if zh {
			return bot.ZHConcat("修改了", zhOf("描述")+"：") + e.To
		}
		return "changed " + of("the description") + ": " + e.To
	case task.DeptSet:
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
	if s := depSentence(e, it, zhIt, zh); s != "" {
		return s
	}
	return rd.t("changed %s: %s → %s", "修改了%s：%s → %s", string(e.Kind), e.From, e.To)
}

// endsWithText reports whether the sentence of e ends with what someone
// wrote (a comment), which takes no full stop of ours.
func endsWithText(e *task.Event) bool {
	return e.Kind == task.Commented || e.Kind == task.Progress || e.Kind == task.DescSet
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
