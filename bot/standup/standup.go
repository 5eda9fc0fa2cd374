// Package standup is the standups' and weekly check-ins' domain: a
// department's standup (its clock, its days, its questions, its cut-off),
// which days it happens on (the work calendar's working days, or one
// weekday), when each member is asked (the clock read in their own zone),
// people's leave, and standup.Store, its narrow store contract.
package standup

import (
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/workcal"
)

// Workdays is Standup.Weekday for a daily standup on every working day.
const Workdays = -1

// DefaultCutoff is how long after the standup's time answers are collected
// when none is given.
const DefaultCutoff = 2 * time.Hour

// DayLayout is how a standup's day is written (in rows, job payloads and
// dedup keys): a calendar date, the same date for every member whatever
// their zone.
const DayLayout = "2006-01-02"

// Standup is a department's daily standup or weekly check-in.
type Standup struct {
	ID     int64
	DeptID int64
	// Clock is the local time of day members are asked ("09:30"), read in
	// each member's own zone.
	Clock string
	// Weekday is Workdays, or the day (time.Sunday…time.Saturday) of a
	// weekly check-in.
	Weekday int
	// Questions are asked in order.
	Questions []string
	// Cutoff is how long after the last member's ask the answers are
	// posted to the department's groups.
	Cutoff time.Duration
	// TZ is the zone a day starts in for planning (the creator's zone).
	TZ        string
	CreatedBy int64
	CreatedAt time.Time
}

// Weekly reports whether s is a weekly check-in.
func (s *Standup) Weekly() bool { return s.Weekday != Workdays }

// Ask is one member asked on one day, and their answer.
type Ask struct {
	StandupID int64
	PersonID  int64
	Day       string // DayLayout
	AskedAt   time.Time
	// CloseAt is when the answers are posted: an answer after it is too
	// late for that day.
	CloseAt    time.Time
	Answer     string
	AnsweredAt time.Time // zero until answered
}

// Leave is a person away from one day to another, both included.
type Leave struct {
	PersonID int64
	From, To string // DayLayout
	// DelegateID is who decides for them meanwhile (代理): a request's
	// step that would ask them asks the delegate instead. 0: nobody.
	DelegateID int64
}

// Store is the standups' store, reached from a unit with From.
type Store interface {
	// SaveStandup stores s, replacing the department's standup of the same
	// Weekday (a daily and a weekly one may coexist), and sets s.ID.
	SaveStandup(s *Standup) error
	// FindStandup returns ENOTFOUND when there is none.
	FindStandup(id int64) (*Standup, error)
	// StandupsOfDept lists a department's standups (at most one daily and
	// seven weekly).
	StandupsOfDept(deptID int64) ([]*Standup, error)
	// DeleteStandup removes it (its asks stay until pruned with it).
	DeleteStandup(id int64) error
	// StandupMembers pages a department's members by id, after afterID.
	StandupMembers(deptID, afterID int64, limit int) ([]*bot.Person, error)
	// RecordStandupAsk stores a; inserted is false when that member was
	// already asked that day (the ask is then not sent again).
	RecordStandupAsk(a *Ask) (inserted bool, err error)
	// OpenStandupAsk is the person's latest ask still open at now (CloseAt
	// after now), or nil.
	OpenStandupAsk(personID int64, now time.Time) (*Ask, error)
	// AnswerStandup records the answer of an ask.
	AnswerStandup(a *Ask) error
	// StandupAsks pages a day's asks by person id, after afterPerson.
	StandupAsks(standupID int64, day string, afterPerson int64, limit int) ([]*Ask, error)
	// MarkStandupPosted records that a day's answers were posted; false
	// when they already were.
	MarkStandupPosted(standupID int64, day string, now time.Time) (bool, error)
	// AddLeave stores a leave.
	AddLeave(l *Leave, now time.Time) error
	// LeaveOn is the person's leave covering day, or nil.
	LeaveOn(personID int64, day string) (*Leave, error)
	// CancelLeaves removes the person's leaves that end on or after day.
	CancelLeaves(personID int64, day string) (int, error)
}

// From returns the standups' store of a unit (bot.Contract); a unit
// without it gets a store whose every call fails with an internal error.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("standup: the unit %T does not implement standup.Store", tx)}
}

// Occurs reports whether s happens on day (a date; only its year, month
// and day count): a daily standup on the calendar's working days (make-up
// days included, holidays not), a weekly check-in on its weekday when that
// is a working day. Without a calendar, Monday to Friday are working days.
func Occurs(s *Standup, cal *workcal.Calendar, day time.Time) bool {
	working := day.Weekday() != time.Saturday && day.Weekday() != time.Sunday
	if cal != nil {
		working = cal.IsWorkday(cal.Date(day.Year(), day.Month(), day.Day()))
	}
	if s.Weekly() && day.Weekday() != time.Weekday(s.Weekday) {
		return false
	}
	return working
}

// AskAt is when a member in loc is asked on day: the standup's clock on
// that date in the member's own zone.
func AskAt(s *Standup, day time.Time, loc *time.Location) time.Time {
	h, m, _ := ParseClock(s.Clock)
	return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
}

// PlanAt is when the asks of day are planned: a day before the day starts
// in the standup's zone, so that members in zones ahead of it are planned
// before their clock comes.
func PlanAt(day time.Time, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, -1)
}

// ParseClock reads "9:30" or "09:30".
func ParseClock(s string) (hour, minute int, err error) {
	s = strings.ReplaceAll(s, "：", ":")
	if _, err := fmt.Sscanf(s, "%d:%d", &hour, &minute); err != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
		!strings.Contains(s, ":") || len(s) > 5 {
		return 0, 0, bot.Errorf(bot.EINVALID, "%q is not a time of day such as 09:30.", "「%s」不是有效的时刻，例如 09:30。", s)
	}
	return hour, minute, nil
}

// weekdays are the words a weekly check-in's day is written with.
var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday, "周日": time.Sunday, "星期日": time.Sunday, "周天": time.Sunday,
	"mon": time.Monday, "monday": time.Monday, "周一": time.Monday, "星期一": time.Monday,
	"tue": time.Tuesday, "tuesday": time.Tuesday, "周二": time.Tuesday, "星期二": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday, "周三": time.Wednesday, "星期三": time.Wednesday,
	"thu": time.Thursday, "thursday": time.Thursday, "周四": time.Thursday, "星期四": time.Thursday,
	"fri": time.Friday, "friday": time.Friday, "周五": time.Friday, "星期五": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday, "周六": time.Saturday, "星期六": time.Saturday,
}

// ParseDays reads "workdays" / "工作日" (Workdays) or a weekday ("fri",
// "friday", "周五"); ok is false for anything else.
func ParseDays(s string) (weekday int, ok bool) {
	s = strings.ToLower(s)
	switch s {
	case "workdays", "weekdays", "daily", "工作日", "每个工作日", "每天":
		return Workdays, true
	}
	if d, found := weekdays[s]; found {
		return int(d), true
	}
	return 0, false
}

type missing struct{ err error }

func (m missing) SaveStandup(*Standup) error                               { return m.err }
func (m missing) FindStandup(int64) (*Standup, error)                      { return nil, m.err }
func (m missing) StandupsOfDept(int64) ([]*Standup, error)                 { return nil, m.err }
func (m missing) DeleteStandup(int64) error                                { return m.err }
func (m missing) StandupMembers(int64, int64, int) ([]*bot.Person, error)  { return nil, m.err }
func (m missing) RecordStandupAsk(*Ask) (bool, error)                      { return false, m.err }
func (m missing) OpenStandupAsk(int64, time.Time) (*Ask, error)            { return nil, m.err }
func (m missing) AnswerStandup(*Ask) error                                 { return m.err }
func (m missing) StandupAsks(int64, string, int64, int) ([]*Ask, error)    { return nil, m.err }
func (m missing) MarkStandupPosted(int64, string, time.Time) (bool, error) { return false, m.err }
func (m missing) AddLeave(*Leave, time.Time) error                         { return m.err }
func (m missing) LeaveOn(int64, string) (*Leave, error)                    { return nil, m.err }
func (m missing) CancelLeaves(int64, string) (int, error)                  { return 0, m.err }
