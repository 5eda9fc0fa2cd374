package ticket

import (
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
	filescmd "github.com/tandemhq/tandem/commands/files"
)

// view is what a ticket's card shows, read once and rendered for each
// reader (UpdateCards renders one copy per reader's language and zone).
type view struct {
	tk                 *ticket.Ticket
	dept               string
	owner, requester   string // handles with "@", "" for nobody
	respDue, resoDue   time.Time
	respRuns, resoRuns bool
	tasksDone, tasks   int
	wall               bool // the clock counts every minute
	files              filescmd.Shown
}

// load reads what the card of tk shows: its department, people, SLA dues
// and the progress of its linked tasks.
func (f *feature) load(tx bot.Tx, tk *ticket.Ticket, now time.Time) (*view, error) {
	v := &view{tk: tk}
	if d, err := tx.FindDepartmentByID(tk.DeptID); err == nil {
		v.dept = d.Name
	}
	if p, err := tx.FindPersonByID(tk.OwnerID); tk.OwnerID != 0 && err == nil {
		v.owner = "@" + p.Handle
	}
	if p, err := tx.FindPersonByID(tk.RequesterID); err == nil {
		v.requester = "@" + p.Handle
	}
	k, err := f.clockOf(tx, tk)
	if err != nil {
		return nil, err
	}
	v.wall = k.pol.Clock == ticket.Wall
	v.respRuns, v.resoRuns = k.runs(ticket.FirstResponse, now), k.runs(ticket.Resolution, now)
	v.respDue, _ = ticket.Reach(k.pol, f.Calendar, k.dept, k.events, ticket.FirstResponse, k.pol.FirstResponse, now)
	v.resoDue, _ = ticket.Reach(k.pol, f.Calendar, k.dept, k.events, ticket.Resolution, k.pol.Resolution, now)
	ids, err := ticket.From(tx).TicketTasks(tk.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		t, err := task.From(tx).FindTaskByID(id)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		v.tasks++
		if t.Status == task.Done || t.Status == task.Cancelled {
			v.tasksDone++
		}
	}
	v.files, err = filescmd.Load(tx, Subject(tk))
	return v, err
}

// reader is whom a text is written for (commands.Reader).
type reader = commands.Reader

func readerOf(c *commands.Ctx) reader { return commands.ReaderOf(c) }

// sla says where one target stands: met (when), breached, due (when),
// or paused.
func (v *view) sla(rd reader, due time.Time, runs, met, breached bool) string {
	switch {
	case met && breached:
		return rd.T("met late", "已完成（超时）")
	case met:
		return rd.T("met", "已达成")
	case breached:
		return rd.T("⚠ BREACHED (due %s)", "⚠ 已超时（应于 %s）", rd.Time(due))
	case !runs:
		return rd.T("paused", "暂停计时")
	case due.IsZero():
		return "—"
	}
	return rd.T("due %s", "%s 前", rd.Time(due))
}

// card shows the ticket with the buttons for what may be done next. A
// closed ticket's card keeps no buttons.
func (v *view) card(now time.Time, loc *time.Location, lang bot.Lang) *bot.Card {
	rd := reader{Lang: lang, Loc: loc, Now: now}
	tk := v.tk
	nobody := rd.T("nobody yet", "暂无")
	or := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	acked := !tk.AckedAt.IsZero() || !tk.Status.Active()
	card := &bot.Card{
		Title: tk.Ref() + " " + tk.Title,
		Fields: []bot.Field{
			{Label: rd.T("Status", "状态"), Value: tk.Status.Label(lang)},
			{Label: rd.T("Priority", "优先级"), Value: tk.Priority.Label(lang)},
			{Label: rd.T("For", "处理部门"), Value: or(v.dept, nobody)},
			{Label: rd.T("Owner", "负责人"), Value: or(v.owner, nobody)},
			{Label: rd.T("Requester", "提报人"), Value: or(v.requester, nobody)},
		},
		Subject: Subject(tk),
	}
	add := func(en, zh, value string) {
		if value != "" {
			card.Fields = append(card.Fields, bot.Field{Label: bot.T(en, zh).In(lang), Value: value})
		}
	}
	add("Category", "类别", tk.Category)
	add("Impact", "影响", tk.Impact)
	add("Needs", "需要", tk.Need)
	add("First response", "首次响应", v.sla(rd, v.respDue, v.respRuns, acked, tk.ResponseBreached))
	add("Resolution", "解决时限", v.sla(rd, v.resoDue, v.resoRuns, !tk.Status.Active(), tk.ResolutionBreached))
	if hasRoom(tk) {
		add("War room", "应急群", platformName(tk.WarRoom.Platform, lang))
	}
	if v.tasks > 0 {
		add("Tasks", "关联任务", rd.T("%d/%d done", "已完成 %d/%d", v.tasksDone, v.tasks))
	}
	if f, ok := v.files.Field(lang); ok {
		card.Fields = append(card.Fields, f)
	}
	clock := rd.T("in business hours", "工作时间")
	if v.wall {
		clock = rd.T("around the clock", "全天候")
	}
	card.Footer = rd.T("SLA %s, counted %s; cycle %d.", "SLA「%s」，按%s计时；第 %d 轮。", tk.Policy.Name, clock, tk.Cycle)
	if tk.Status == ticket.Closed {
		card.Footer += " " + rd.T("Reopen it with `ticket reopen %d`.", "如需重新打开：工单 重开 %d", tk.ID)
	}
	card.Buttons = buttons(tk, lang)
	return card
}

// buttons offer what may be done from the ticket's status (the command
// still checks who clicked): acknowledge, start, wait for the requester,
// resolve and take it over while it is handled; close or reopen once
// resolved.
func buttons(tk *ticket.Ticket, lang bot.Lang) []bot.Button {
	id := strconv.FormatInt(tk.ID, 10)
	b := func(action, en, zh, style string, extra ...string) bot.Button {
		value := strings.Join(append([]string{id}, extra...), " ")
		typed := "ticket " + action + " " + value
		if lang == bot.LangZH {
			typed = strings.TrimSpace("工单 " + verbsZH[action] + " " + id + " " + strings.Join(zhExtra(extra), " "))
		}
		return bot.Button{ActionID: "ticket." + action, Value: value, Label: bot.T(en, zh).In(lang), Style: style, Typed: typed}
	}
	take := b("assign", "Reassign to me", "转给我", "", "me")
	switch tk.Status {
	case ticket.Open:
		return []bot.Button{b("ack", "Acknowledge", "受理", "primary"), b("wait", "Wait for requester", "等待提报人", ""),
			b("resolve", "Resolve", "解决", ""), take}
	case ticket.Acked:
		return []bot.Button{b("start", "Start", "开始处理", "primary"), b("wait", "Wait for requester", "等待提报人", ""),
			b("resolve", "Resolve", "解决", ""), take}
	case ticket.InProgress:
		return []bot.Button{b("resolve", "Resolve", "解决", "primary"), b("wait", "Wait for requester", "等待提报人", ""), take}
	case ticket.Waiting:
		return []bot.Button{b("start", "Resume", "恢复处理", "primary"), b("resolve", "Resolve", "解决", "")}
	case ticket.Resolved:
		return []bot.Button{b("close", "Close", "关闭", "primary"), b("reopen", "Reopen", "重开", "danger")}
	}
	return nil
}

var verbsZH = map[string]string{"ack": "受理", "start": "开始", "wait": "等待", "resolve": "解决", "close": "关闭",
	"reopen": "重开", "assign": "指派"}

func zhExtra(extra []string) []string {
	out := make([]string, len(extra))
	for i, e := range extra {
		if e == "me" {
			e = "我"
		}
		out[i] = e
	}
	return out
}

// sentence says what timeline entry e did, for rd, without its actor:
// "acknowledged it", "把状态改为「已解决」".
func sentence(e *ticket.Event, ppl *commands.People, rd reader) string {
	zh := rd.Lang == bot.LangZH
	switch e.Kind {
	case ticket.Opened:
		return rd.T("opened it: %s", "提报了工单：%s", e.To)
	case ticket.StatusSet:
		return rd.T("set it to %s", "改为「%s」", ticket.Status(e.To).Label(rd.Lang))
	case ticket.Assigned:
		id, _ := strconv.ParseInt(e.To, 10, 64)
		return rd.T("gave it to %s", "指派给 %s", ppl.Handle(id, rd.Lang))
	case ticket.StoodIn:
		to, _ := strconv.ParseInt(e.To, 10, 64)
		from, _ := strconv.ParseInt(e.From, 10, 64)
		return rd.T("gave it to %s for %s, on leave", "指派给 %s（代 %s，休假中）", ppl.Handle(to, rd.Lang), ppl.Handle(from, rd.Lang))
	case ticket.Commented:
		return rd.T("commented: %s", "评论：%s", e.To)
	case ticket.Escalated:
		return rd.T("escalation step %s", "升级第 %s 步", e.To)
	case ticket.Breached:
		if e.To == string(ticket.FirstResponse) {
			return rd.T("first response target breached", "首次响应超时")
		}
		return rd.T("resolution target breached", "解决时限超时")
	case ticket.Reopened:
		if e.From != "" {
			return rd.T("reopened it (cycle %s): %s", "重新打开（第 %s 轮）：%s", e.To, e.From)
		}
		return rd.T("reopened it (cycle %s)", "重新打开（第 %s 轮）", e.To)
	case ticket.TaskLinked:
		return rd.T("linked task #%s", "关联了任务 #%s", e.To)
	case ticket.WarRoomSet:
		if e.From == "refused" {
			return rd.T("could not open a war room", "未能建立应急群")
		}
		if e.To != "" {
			name := platformName(e.To, rd.Lang)
			return bot.T("opened a war room on "+name, bot.ZHConcat("在", name, "建立了应急群")).In(rd.Lang)
		}
		return rd.T("opened a war room", "建立了应急群")
	}
	if zh {
		return "修改了" + string(e.Kind)
	}
	return "changed " + string(e.Kind)
}

// actor names who did e: "@alice", or the bot for an escalation.
func actor(e *ticket.Event, ppl *commands.People, rd reader) string {
	if e.ActorID == 0 {
		return "Tandem"
	}
	return ppl.Handle(e.ActorID, rd.Lang)
}

// line is one timeline entry: "Fri 20 Nov 10:00 @alice acknowledged it".
func line(e *ticket.Event, ppl *commands.People, rd reader) string {
	if rd.Lang == bot.LangZH {
		return rd.Time(e.At) + " " + bot.ZHConcat(actor(e, ppl, rd), sentence(e, ppl, rd))
	}
	return rd.Time(e.At) + " " + actor(e, ppl, rd) + " " + sentence(e, ppl, rd)
}

// listLine is one ticket in a list.
func listLine(tk *ticket.Ticket, ppl *commands.People, rd reader) string {
	s := rd.T("%s [%s] %s · %s · %s", "%s【%s】%s · %s · %s", tk.Ref(), tk.Status.Label(rd.Lang), tk.Title,
		tk.Priority.Label(rd.Lang), ppl.Handle(tk.OwnerID, rd.Lang))
	if tk.ResponseBreached || tk.ResolutionBreached {
		s += " " + rd.T("⚠ breached", "⚠ 已超时")
	}
	return s
}
