package commands

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/workcal"
)

var weekdaysZH = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// WeekdayZH is the weekday in Chinese: "周一".
func WeekdayZH(d time.Weekday) string { return weekdaysZH[d] }

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

// People caches the persons a reply mentions, so a list of fifty tasks owned
// by three people looks each of them up once.
type People struct {
	tx    bot.Tx
	cache map[int64]*bot.Person
}

// NewPeople starts a cache with the persons already at hand.
func NewPeople(tx bot.Tx, known ...*bot.Person) *People {
	p := &People{tx: tx, cache: map[int64]*bot.Person{}}
	for _, k := range known {
		p.cache[k.ID] = k
	}
	return p
}

// Get returns the person, or nil when there is none.
func (p *People) Get(id int64) *bot.Person {
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

// Handle is "@handle", or "nobody" in lang.
func (p *People) Handle(id int64, lang bot.Lang) string {
	if x := p.Get(id); x != nil {
		return "@" + x.Handle
	}
	return bot.T("nobody", "无人").In(lang)
}

// TfList is bot.Tf with a list as the last argument, joined as each
// language lists things: "a, b" and "a、b".
func TfList(en, zh string, items []string, args ...any) bot.Text {
	return bot.T(fmt.Sprintf(en, append(args, strings.Join(items, ", "))...),
		fmt.Sprintf(zh, append(args, strings.Join(items, "、"))...))
}

// FindDept looks a department up by name and, when it does not exist, lists
// the ones that do.
func FindDept(c *Ctx, name string) (*bot.Department, error) { return FindDeptIn(c.Tx, name) }

// FindDeptIn is FindDept in any transaction: a prepare step's view.
func FindDeptIn(tx bot.Tx, name string) (*bot.Department, error) {
	d, err := tx.FindDepartmentByName(name)
	if bot.ErrorCode(err) != bot.ENOTFOUND {
		return d, err
	}
	ds, lerr := tx.ListDepartments()
	if lerr != nil {
		return nil, lerr
	}
	if len(ds) == 0 {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no department %q; none are set up yet (admins: `dept add %s`).",
			"没有「%s」部门；目前还没有设置任何部门（管理员可用「部门 添加 %s」）。", name, name)
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return nil, bot.Err(bot.ENOTFOUND, TfList("There is no department %q. Known departments: %s.",
		"没有「%s」部门。现有部门：%s。", names, name))
}

// Reader is whom a text is written for: their language and zone, and now.
// Notifications build one text per reader (Request.Tell, UpdateCards).
type Reader struct {
	Lang bot.Lang
	Loc  *time.Location
	Now  time.Time
}

// ReaderFor is the sender of ev as a prepare step sees them (person is nil
// when new): their language (else the message's, else defLang) and zone
// (else defLoc), at the moment the event came.
func ReaderFor(person *bot.Person, ev *bot.Event, defLang bot.Lang, defLoc *time.Location) Reader {
	lang, loc := bot.Defaults(defLang, defLoc)
	switch {
	case person != nil && person.Lang != "":
		lang = person.Lang
	case bot.ContainsHan(ev.Text):
		lang = bot.LangZH
	case ev.Text != "" && lang == bot.LangZH:
		lang = bot.LangEN
	}
	if person != nil {
		loc = person.Location(loc)
	}
	return Reader{Lang: lang, Loc: loc, Now: ev.ReceivedAt}
}

// ReaderOf is the sender of c as a reader.
func ReaderOf(c *Ctx) Reader { return Reader{c.Lang, c.Loc, c.Now} }

// T picks the sentence for the reader's language.
func (r Reader) T(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(r.Lang) }

// Time is t for the reader (FormatTime).
func (r Reader) Time(t time.Time) string { return FormatTime(t, r.Now, r.Loc, r.Lang) }

// List joins items as the reader's language lists things: "a, b", "a、b".
func (r Reader) List(items []string) string {
	if r.Lang == bot.LangZH {
		return strings.Join(items, "、")
	}
	return strings.Join(items, ", ")
}

// FindHandle is the person whose handle is h ("@" or "＠" optional), or
// nil; it never registers anyone, so a prepare step may use it.
func FindHandle(tx bot.Tx, h string) *bot.Person {
	h = strings.TrimPrefix(strings.TrimPrefix(h, "@"), "＠")
	ps, err := tx.FindPeopleByName(h)
	if err != nil {
		return nil
	}
	for _, p := range ps {
		if strings.EqualFold(p.Handle, h) {
			return p
		}
	}
	return nil
}

// ZoneOf is the work calendar's zone, else def, else UTC: where a
// feature's dates are midnights and its days are counted.
func ZoneOf(cal *workcal.Calendar, def *time.Location) *time.Location {
	if cal != nil {
		return cal.Location()
	}
	if def != nil {
		return def
	}
	return time.UTC
}
