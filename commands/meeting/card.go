package meeting

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands"
	filescmd "github.com/tandemhq/tandem/commands/files"
)

// view is what a meeting's card shows, read once and rendered for each
// reader (their language and zone).
type view struct {
	m         *meeting.Meeting
	next      time.Time // the next (or only) occurrence's start
	organizer string
	dept      string
	attendees []shownAttendee
	agenda    []shownItem
	files     filescmd.Shown
}

type shownAttendee struct {
	handle string
	answer meeting.Answer
}

type shownItem struct {
	pos     int
	title   string
	owner   string
	timeBox time.Duration
	links   []string
}

// load reads what the card of m shows, its occurrence at or after now.
func (f *feature) load(tx bot.Tx, m *meeting.Meeting, now time.Time) (*view, error) {
	v := &view{m: m, next: f.nextOccurrence(m, now)}
	ppl := commands.NewPeople(tx)
	if p := ppl.Get(m.OrganizerID); p != nil {
		v.organizer = "@" + p.Handle
	}
	if d, err := tx.FindDepartmentByID(m.DeptID); m.DeptID != 0 && err == nil {
		v.dept = d.Name
	}
	as, err := meeting.From(tx).Attendees(m.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if p := ppl.Get(a.PersonID); p != nil {
			v.attendees = append(v.attendees, shownAttendee{"@" + p.Handle, a.Answer})
		}
	}
	items, err := meeting.From(tx).Agenda(m.ID)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		s := shownItem{pos: it.Position, title: it.Title, timeBox: it.TimeBox, links: it.Links}
		if p := ppl.Get(it.OwnerID); p != nil {
			s.owner = "@" + p.Handle
		}
		v.agenda = append(v.agenda, s)
	}
	v.files, err = filescmd.Load(tx, m.Subject())
	return v, err
}

// when is "Fri 27 Nov 14:00, 1h30m" in the reader's zone.
func (v *view) when(rd commands.Reader) string {
	sep := ", "
	if rd.Lang == bot.LangZH {
		sep = "，"
	}
	return rd.Time(v.next) + sep + fmtDuration(v.m.Duration, rd.Lang)
}

// answers lists who accepted, declined and has not answered.
func (v *view) answers(rd commands.Reader) (accepted, declined, pending []string) {
	for _, a := range v.attendees {
		switch a.answer {
		case meeting.Accepted:
			accepted = append(accepted, a.handle)
		case meeting.Declined:
			declined = append(declined, a.handle)
		default:
			pending = append(pending, a.handle)
		}
	}
	return
}

// agendaLines are the agenda as lines: "1. Budget — @bob, 10m (link)".
func (v *view) agendaLines(rd commands.Reader) []string {
	var out []string
	for _, it := range v.agenda {
		line := strconv.Itoa(it.pos) + ". " + it.title
		var extra []string
		if it.owner != "" {
			extra = append(extra, it.owner)
		}
		if it.timeBox > 0 {
			extra = append(extra, fmtDuration(it.timeBox, rd.Lang))
		}
		extra = append(extra, it.links...)
		if len(extra) > 0 {
			line += " — " + rd.List(extra)
		}
		out = append(out, line)
	}
	return out
}

// card is the meeting's live card: when and where, who accepted,
// declined or has not answered, the agenda, and accept/decline buttons
// while it is scheduled.
func (v *view) card(now time.Time, loc *time.Location, lang bot.Lang) *bot.Card {
	rd := commands.Reader{Lang: lang, Loc: loc, Now: now}
	m := v.m
	card := &bot.Card{Title: m.Ref() + " " + m.Title, Subject: m.Subject()}
	add := func(en, zh, value string) {
		if value != "" {
			card.Fields = append(card.Fields, bot.Field{Label: bot.T(en, zh).In(lang), Value: value})
		}
	}
	if m.Status == meeting.Cancelled {
		add("Status", "状态", rd.T("cancelled", "已取消"))
	}
	add("When", "时间", v.when(rd))
	if m.Rule != "" {
		add("Repeats", "重复", describeRule(m, lang, loc))
	}
	add("Room", "会议室", m.Room)
	add("Online", "线上", m.Online)
	add("Organizer", "组织者", v.organizer)
	add("Department", "部门", v.dept)
	accepted, declined, pending := v.answers(rd)
	none := "—"
	or := func(xs []string) string {
		if len(xs) == 0 {
			return none
		}
		return rd.List(xs)
	}
	add("Accepted", "已接受", or(accepted))
	add("Declined", "已拒绝", or(declined))
	add("No answer yet", "未答复", or(pending))
	if lines := v.agendaLines(rd); len(lines) > 0 {
		add("Agenda", "议程", strings.Join(lines, "\n"))
	}
	if f, ok := v.files.Field(lang); ok {
		card.Fields = append(card.Fields, f)
	}
	if m.Status == meeting.Scheduled {
		card.Buttons = answerButtons(m, lang)
	}
	return card
}

// answerButtons accept or decline; the command checks who clicked.
func answerButtons(m *meeting.Meeting, lang bot.Lang) []bot.Button {
	id := strconv.FormatInt(m.ID, 10)
	b := func(action, zh, en, zhLabel, style string) bot.Button {
		typed := "meeting " + action + " " + id
		if lang == bot.LangZH {
			typed = "会议 " + zh + " " + id
		}
		return bot.Button{ActionID: "meeting." + action, Value: id, Label: bot.T(en, zhLabel).In(lang), Style: style, Typed: typed}
	}
	return []bot.Button{b("accept", "接受", "Accept", "接受", "primary"), b("decline", "拒绝", "Decline", "拒绝", "danger")}
}

var weekdayNames = [...][2]string{{"Sunday", "周日"}, {"Monday", "周一"}, {"Tuesday", "周二"}, {"Wednesday", "周三"},
	{"Thursday", "周四"}, {"Friday", "周五"}, {"Saturday", "周六"}}

// describeRule says a series' schedule in words, at its clock in loc:
// "every Monday 10:00", "每月第一个工作日 15:00", and what becomes of an
// occurrence on a day off; a rule it cannot read is shown as stored.
func describeRule(m *meeting.Meeting, lang bot.Lang, loc *time.Location) string {
	r, err := meeting.ParseRule(m.Rule)
	if err != nil {
		return m.Rule
	}
	zh := lang == bot.LangZH
	clock := m.Start.In(m.Location(loc)).Format("15:04")
	every := func(en, zhs string) string { return bot.T(en, zhs).In(lang) }
	var s string
	switch {
	case r.Workdays:
		s = every("every working day", "每个工作日")
	case r.Workday == -1:
		s = every("the last working day of each month", "每月最后一个工作日")
	case r.Workday > 0:
		s = bot.Tf("working day %d of each month", "每月第%d个工作日", r.Workday).In(lang)
	case r.Freq == meeting.Daily:
		s = every("every day", "每天")
	case r.Freq == meeting.Monthly:
		day := r.MonthDay
		if day == 0 {
			day = m.Start.In(m.Location(loc)).Day()
		}
		s = bot.Tf("the %d. of each month", "每月%d日", day).In(lang)
	default:
		days := r.Weekdays
		if len(days) == 0 {
			days = []time.Weekday{m.Start.In(m.Location(loc)).Weekday()}
		}
		var names []string
		for _, d := range days {
			names = append(names, weekdayNames[d][map[bool]int{false: 0, true: 1}[zh]])
		}
		switch {
		case zh && r.Interval > 1:
			s = fmt.Sprintf("每%d周的", r.Interval) + strings.Join(names, "、")
		case zh:
			s = "每" + strings.Join(names, "、")
		case r.Interval > 1:
			s = fmt.Sprintf("every %d weeks on ", r.Interval) + strings.Join(names, ", ")
		default:
			s = "every " + strings.Join(names, ", ")
		}
	}
	s += " " + clock
	switch {
	case r.Workdays || r.Workday != 0:
	case m.Holiday == meeting.Skip:
		s += bot.T(" (skipped on days off)", "（节假日跳过）").In(lang)
	default:
		s += bot.T(" (moved to the next working day on days off)", "（节假日顺延至下一个工作日）").In(lang)
	}
	return s
}
