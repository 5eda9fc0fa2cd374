package meeting

import (
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands"
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
	return v, nil
}

// reader is whom a text is written for: their language and zone, now.
type reader struct {
	lang bot.Lang
	loc  *time.Location
	now  time.Time
}

func readerOf(c *commands.Ctx) reader { return reader{c.Lang, c.Loc, c.Now} }

func (r reader) t(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(r.lang) }

func (r reader) time(t time.Time) string { return commands.FormatTime(t, r.now, r.loc, r.lang) }

// list joins items as the reader's language lists things.
func (r reader) list(items []string) string {
	if r.lang == bot.LangZH {
		return strings.Join(items, "、")
	}
	return strings.Join(items, ", ")
}

// when is "Fri 27 Nov 14:00, 1h30m" in the reader's zone.
func (v *view) when(rd reader) string {
	sep := ", "
	if rd.lang == bot.LangZH {
		sep = "，"
	}
	return rd.time(v.next) + sep + fmtDuration(v.m.Duration, rd.lang)
}

// answers lists who accepted, declined and has not answered.
func (v *view) answers(rd reader) (accepted, declined, pending []string) {
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
func (v *view) agendaLines(rd reader) []string {
	var out []string
	for _, it := range v.agenda {
		line := strconv.Itoa(it.pos) + ". " + it.title
		var extra []string
		if it.owner != "" {
			extra = append(extra, it.owner)
		}
		if it.timeBox > 0 {
			extra = append(extra, fmtDuration(it.timeBox, rd.lang))
		}
		extra = append(extra, it.links...)
		if len(extra) > 0 {
			line += " — " + rd.list(extra)
		}
		out = append(out, line)
	}
	return out
}

// card is the meeting's live card: when and where, who accepted,
// declined or has not answered, the agenda, and accept/decline buttons
// while it is scheduled.
func (v *view) card(now time.Time, loc *time.Location, lang bot.Lang) *bot.Card {
	rd := reader{lang, loc, now}
	m := v.m
	card := &bot.Card{Title: m.Ref() + " " + m.Title, Subject: m.Subject()}
	add := func(en, zh, value string) {
		if value != "" {
			card.Fields = append(card.Fields, bot.Field{Label: bot.T(en, zh).In(lang), Value: value})
		}
	}
	if m.Status == meeting.Cancelled {
		add("Status", "状态", rd.t("cancelled", "已取消"))
	}
	add("When", "时间", v.when(rd))
	if m.Rule != "" {
		add("Repeats", "重复", describeRule(m.Rule, m.Holiday, lang))
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
		return rd.list(xs)
	}
	add("Accepted", "已接受", or(accepted))
	add("Declined", "已拒绝", or(declined))
	add("No answer yet", "未答复", or(pending))
	if lines := v.agendaLines(rd); len(lines) > 0 {
		add("Agenda", "议程", strings.Join(lines, "\n"))
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

var weekdayNames = map[string][2]string{"0": {"Sunday", "周日"}, "1": {"Monday", "周一"}, "2": {"Tuesday", "周二"},
	"3": {"Wednesday", "周三"}, "4": {"Thursday", "周四"}, "5": {"Friday", "周五"}, "6": {"Saturday", "周六"}, "7": {"Sunday", "周日"}}

// describeRule says a series' schedule in words: "every Monday 14:00",
// "每个工作日 10:00"; a form it does not know is shown as stored.
func describeRule(rule string, h meeting.HolidayRule, lang bot.Lang) string {
	kind, spec, _ := strings.Cut(rule, ":")
	zh := lang == bot.LangZH
	s := rule
	switch kind {
	case "workdays":
		s = bot.T("every working day "+spec, "每个工作日 "+spec).In(lang)
	case "lastworkday":
		s = bot.T("the last working day of each month "+spec, "每月最后一个工作日 "+spec).In(lang)
	case "cron":
		f := strings.Fields(spec)
		if len(f) == 5 && f[2] == "*" && f[3] == "*" {
			clock := f[1] + ":" + pad(f[0])
			var days []string
			for _, d := range strings.Split(f[4], ",") {
				if n, ok := weekdayNames[d]; ok {
					days = append(days, n[map[bool]int{false: 0, true: 1}[zh]])
				} else if d == "1-5" {
					days = append(days, bot.T("weekday", "个工作日").In(lang))
				} else if d == "*" {
					days = append(days, bot.T("day", "天").In(lang))
				}
			}
			if zh {
				s = "每" + strings.Join(days, "、") + " " + clock
			} else {
				s = "every " + strings.Join(days, ", ") + " " + clock
			}
		}
	}
	if h == meeting.Skip {
		s += bot.T(" (skipped on days off)", "（节假日跳过）").In(lang)
	} else {
		s += bot.T(" (moved to the next working day on days off)", "（节假日顺延至下一个工作日）").In(lang)
	}
	return s
}

func pad(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}
