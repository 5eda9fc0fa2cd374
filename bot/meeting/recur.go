package meeting

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/tandemhq/tandem/bot/workcal"
)

// Freq is how often a recurrence repeats.
type Freq string

// Frequencies (the RFC 5545 FREQ values Tandem uses).
const (
	Daily   Freq = "DAILY"
	Weekly  Freq = "WEEKLY"
	Monthly Freq = "MONTHLY"
)

// Recurrence is a meeting's Rule, parsed. Its String form is what
// Meeting.Rule stores:
//
//   - a calendar rule is an RFC 5545 RRULE value (without "RRULE:") made of
//     FREQ (DAILY, WEEKLY, MONTHLY), INTERVAL, BYDAY (weekly) and BYMONTHDAY
//     (monthly): "FREQ=WEEKLY;BYDAY=MO" (every monday),
//     "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" (every other tuesday, counted from
//     Meeting.Start), "FREQ=MONTHLY;BYMONTHDAY=15" (the 15th; a month without
//     that day has no occurrence, as in RFC 5545);
//   - a work-calendar rule, which RFC 5545 cannot say, adds an X- part:
//     "FREQ=DAILY;X-WORKDAYS=1" is every working day of the work calendar
//     (make-up days included, holidays and weekends not), and
//     "FREQ=MONTHLY;X-WORKDAY=1" the first working day of each month
//     ("X-WORKDAY=2" the second, "X-WORKDAY=-1" the last).
//
// The rule has no clock and no first day: like an iCalendar DTSTART,
// Meeting.Start gives both (its wall clock in Meeting.TZ is every
// occurrence's), and INTERVAL counts from it.
type Recurrence struct {
	Freq     Freq
	Interval int            // every Interval days, weeks or months; 0 and 1 both mean every one
	Weekdays []time.Weekday // Weekly: the days (none: Start's weekday)
	MonthDay int            // Monthly: the day of the month (1–31); 0: Start's, unless Workday is set
	// Workdays (Daily only) keeps the working days of the work calendar.
	Workdays bool
	// Workday (Monthly only) is the n-th working day of each month (1 the
	// first, -1 the last); 0 when the rule is on a day of the month.
	Workday int
}

// workdayRule reports whether the rule's days come from the work calendar,
// so that its occurrences never fall on a day off (and Holiday never applies).
func (r Recurrence) workdayRule() bool { return r.Workdays || r.Workday != 0 }

// maxWorkdayOfMonth bounds X-WORKDAY: no month has more working days.
const maxWorkdayOfMonth = 23

var rfcDays = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// String renders the rule in the stored form (see Recurrence), parts in a
// fixed order so that equal rules are equal strings.
func (r Recurrence) String() string {
	parts := []string{"FREQ=" + string(r.Freq)}
	if r.Interval > 1 {
		parts = append(parts, "INTERVAL="+strconv.Itoa(r.Interval))
	}
	if len(r.Weekdays) > 0 {
		days := make([]string, 0, len(r.Weekdays))
		for _, d := range sortedWeekdays(r.Weekdays) {
			days = append(days, rfcDays[d])
		}
		parts = append(parts, "BYDAY="+strings.Join(days, ","))
	}
	if r.MonthDay != 0 {
		parts = append(parts, "BYMONTHDAY="+strconv.Itoa(r.MonthDay))
	}
	if r.Workdays {
		parts = append(parts, "X-WORKDAYS=1")
	}
	if r.Workday != 0 {
		parts = append(parts, "X-WORKDAY="+strconv.Itoa(r.Workday))
	}
	return strings.Join(parts, ";")
}

// sortedWeekdays returns days Monday first (the week as people read it),
// without duplicates.
func sortedWeekdays(days []time.Weekday) []time.Weekday {
	out := slices.Clone(days)
	slices.SortFunc(out, func(a, b time.Weekday) int { return (int(a)+6)%7 - (int(b)+6)%7 })
	return slices.Compact(out)
}

// ParseRule reads a stored rule (see Recurrence). It is written by hand
// rather than with rrule.StrToROption because the X- parts are Tandem's own
// and because only the subset above is allowed: a rule Tandem stores must be
// one it can show, expand on the work calendar and export.
func ParseRule(s string) (Recurrence, error) {
	var r Recurrence
	seen := map[string]bool{}
	for part := range strings.SplitSeq(strings.TrimPrefix(strings.TrimSpace(s), "RRULE:"), ";") {
		key, val, ok := strings.Cut(part, "=")
		if !ok || seen[key] {
			return Recurrence{}, fmt.Errorf("meeting: rule %q: part %q is not KEY=VALUE or is repeated", s, part)
		}
		seen[key] = true
		var err error
		switch key {
		case "FREQ":
			r.Freq = Freq(val)
			if r.Freq != Daily && r.Freq != Weekly && r.Freq != Monthly {
				err = fmt.Errorf("FREQ must be DAILY, WEEKLY or MONTHLY")
			}
		case "INTERVAL":
			r.Interval, err = boundedInt(val, 1, 1000)
		case "BYDAY":
			for d := range strings.SplitSeq(val, ",") {
				i := slices.Index(rfcDays[:], d)
				if i < 0 {
					err = fmt.Errorf("BYDAY %q is not a day (MO…SU)", d)
					break
				}
				r.Weekdays = append(r.Weekdays, time.Weekday(i))
			}
		case "BYMONTHDAY":
			r.MonthDay, err = boundedInt(val, 1, 31)
		case "X-WORKDAYS":
			r.Workdays = val == "1"
			if !r.Workdays {
				err = fmt.Errorf("X-WORKDAYS must be 1")
			}
		case "X-WORKDAY":
			r.Workday, err = boundedInt(val, -maxWorkdayOfMonth, maxWorkdayOfMonth)
			if err == nil && r.Workday == 0 {
				err = fmt.Errorf("X-WORKDAY must not be 0")
			}
		default:
			err = fmt.Errorf("unknown part %s", key)
		}
		if err != nil {
			return Recurrence{}, fmt.Errorf("meeting: rule %q: %w", s, err)
		}
	}
	if err := r.check(); err != nil {
		return Recurrence{}, fmt.Errorf("meeting: rule %q: %w", s, err)
	}
	return r, nil
}

// check says whether the parts make sense together.
func (r Recurrence) check() error {
	switch {
	case r.Freq == "":
		return fmt.Errorf("FREQ is missing")
	case len(r.Weekdays) > 0 && r.Freq != Weekly:
		return fmt.Errorf("BYDAY needs FREQ=WEEKLY")
	case r.MonthDay != 0 && r.Freq != Monthly:
		return fmt.Errorf("BYMONTHDAY needs FREQ=MONTHLY")
	case r.Workdays && (r.Freq != Daily || r.Interval > 1):
		return fmt.Errorf("X-WORKDAYS needs FREQ=DAILY without INTERVAL")
	case r.Workday != 0 && (r.Freq != Monthly || r.MonthDay != 0 || r.Interval > 1):
		return fmt.Errorf("X-WORKDAY needs FREQ=MONTHLY without BYMONTHDAY or INTERVAL")
	}
	return nil
}

func boundedInt(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, lo, hi)
	}
	return n, nil
}

// Occurrence is one occurrence of a meeting.
type Occurrence struct {
	Start, End time.Time
	// Moved is set when the rule put the occurrence on a day off and the
	// meeting's Holiday rule moved it to the next working day; MovedFrom is
	// the start it would have had.
	Moved     bool
	MovedFrom time.Time
}

// Occurrences lists the occurrences of m that overlap [from, to) (start
// before to, end after from), in order of start. A cancelled meeting has
// none; a one-off (Rule "") has its Start, whatever the calendar says (it
// was scheduled for that day on purpose).
//
// A series follows the work calendar cal (nil: Monday to Friday work):
//
//   - Days are civil dates: an occurrence's date is read in the meeting's
//     zone (Meeting.TZ) and looked up as the same date of cal, and its wall
//     clock is Start's, so a 10:00 meeting stays at 10:00 across daylight
//     saving changes.
//   - A calendar rule (every monday, the 15th) that lands on a day off is
//     moved to the next working day at the same time (Holiday
//     MoveToNextWorkday, the default) or dropped (Skip). A moved occurrence
//     that lands on the start of another occurrence of the series merges
//     into it: a daily meeting over the National Day week happens once on
//     the first working day after it, not seven times.
//   - A make-up working day (调休, e.g. Saturday 2026-10-10) counts as a
//     working day for work-calendar rules ("weekdays", 每个工作日, the first
//     working day of the month) but does not make a weekly rule happen:
//     "every monday" stays on Mondays, and a make-up Saturday is not one.
//   - A weekly Monday-to-Friday rule is the parser's "weekdays"; it is stored
//     as X-WORKDAYS, not as BYDAY=MO,TU,WE,TH,FR, so that it follows make-up
//     days (see commands/timeparse).
//
// A rule that cannot be read yields no occurrences and its error.
func Occurrences(m *Meeting, cal *workcal.Calendar, from, to time.Time) ([]Occurrence, error) {
	if m.Status == Cancelled || !from.Before(to) {
		return nil, nil
	}
	loc := m.Location(time.UTC)
	start := m.Start.In(loc)
	if m.Rule == "" {
		occ := Occurrence{Start: start, End: start.Add(m.Duration)}
		if occ.Start.Before(to) && overlapsFrom(occ, from) {
			return []Occurrence{occ}, nil
		}
		return nil, nil
	}
	r, err := ParseRule(m.Rule)
	if err != nil {
		return nil, err
	}
	days := workdays{cal}
	// An occurrence that starts before from can still end inside the
	// window, and one on a day off before from can be moved into it: begin
	// the nominal expansion at the first day of the run of days off that
	// ends just before from-Duration.
	lo := days.startOfOffRun(from.Add(-m.Duration).In(loc))
	nominal, err := r.expand(start, days, lo, to)
	if err != nil {
		return nil, err
	}
	var out []Occurrence
	for _, s := range nominal {
		occ := Occurrence{Start: s, End: s.Add(m.Duration)}
		if !r.workdayRule() && !days.isWorkday(s) {
			if m.Holiday == Skip {
				continue
			}
			next, ok := days.next(s)
			if !ok {
				continue
			}
			occ = Occurrence{Start: next, End: next.Add(m.Duration), Moved: true, MovedFrom: s}
		}
		if !occ.Start.Before(to) || !overlapsFrom(occ, from) {
			continue
		}
		// A move goes to the first working day after the nominal day, so
		// every nominal start between the two is on a day off and moves to
		// the same day: out stays in order, and a merge only ever meets the
		// last occurrence. The one that was not moved wins a merge.
		if n := len(out); n > 0 && out[n-1].Start.Equal(occ.Start) {
			if out[n-1].Moved && !occ.Moved {
				out[n-1] = occ
			}
			continue
		}
		out = append(out, occ)
	}
	return out, nil
}

func overlapsFrom(o Occurrence, from time.Time) bool {
	return o.End.After(from) || (o.End.Equal(o.Start) && !o.Start.Before(from))
}

// Next returns the first occurrence of m that starts after after, looking
// at most a year ahead (ok false when there is none).
func Next(m *Meeting, cal *workcal.Calendar, after time.Time) (Occurrence, bool, error) {
	occs, err := Occurrences(m, cal, after, after.AddDate(1, 0, 1))
	if err != nil {
		return Occurrence{}, false, err
	}
	for _, o := range occs {
		if o.Start.After(after) {
			return o, true, nil
		}
	}
	return Occurrence{}, false, nil
}

// expand lists the rule's nominal starts in [lo, to), none before start.
func (r Recurrence) expand(start time.Time, days workdays, lo, to time.Time) ([]time.Time, error) {
	if lo.Before(start) {
		lo = start
	}
	if !lo.Before(to) {
		return nil, nil
	}
	switch {
	case r.Workdays:
		// By hand: which days count is the work calendar's answer, not a
		// pattern rrule-go could express.
		var out []time.Time
		for d := civilDay(lo); ; d = d.AddDate(0, 0, 1) {
			t := atClock(d, start)
			if !t.Before(to) {
				return out, nil
			}
			if !t.Before(lo) && days.isWorkday(t) {
				out = append(out, t)
			}
		}
	case r.Workday != 0:
		var out []time.Time
		for mo := monthOf(lo); ; mo = mo.AddDate(0, 1, 0) {
			if !atClock(mo, start).Before(to) {
				return out, nil
			}
			d, ok := days.nthOfMonth(mo, r.Workday)
			if !ok {
				continue
			}
			if t := atClock(d, start); !t.Before(lo) && t.Before(to) {
				out = append(out, t)
			}
		}
	}
	rr, err := rrule.NewRRule(r.roption(start))
	if err != nil {
		return nil, fmt.Errorf("meeting: rule %s: %w", r, err)
	}
	var out []time.Time
	for _, t := range rr.Between(lo, to, true) {
		if t.Before(to) {
			out = append(out, t)
		}
	}
	return out, nil
}

// roption is the rrule-go form of a calendar rule, or of the RFC 5545 rule
// that approximates a work-calendar rule (Monday to Friday; ICal says where
// the calendar differs).
func (r Recurrence) roption(start time.Time) rrule.ROption {
	o := rrule.ROption{Freq: rrule.DAILY, Dtstart: start, Interval: max(r.Interval, 1)}
	monToFri := []rrule.Weekday{rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR}
	switch {
	case r.Workdays:
		o.Freq, o.Byweekday = rrule.WEEKLY, monToFri
	case r.Workday != 0:
		o.Freq, o.Byweekday, o.Bysetpos = rrule.MONTHLY, monToFri, []int{r.Workday}
	case r.Freq == Weekly:
		o.Freq = rrule.WEEKLY
		days := r.Weekdays
		if len(days) == 0 {
			days = []time.Weekday{start.Weekday()}
		}
		for _, d := range sortedWeekdays(days) {
			o.Byweekday = append(o.Byweekday, rruleDay(d))
		}
	case r.Freq == Monthly:
		o.Freq = rrule.MONTHLY
		o.Bymonthday = []int{r.MonthDay}
		if r.MonthDay == 0 {
			o.Bymonthday = []int{start.Day()}
		}
	}
	if o.Interval == 1 {
		o.Interval = 0 // so that RRuleString leaves INTERVAL=1 out
	}
	return o
}

func rruleDay(d time.Weekday) rrule.Weekday {
	return [...]rrule.Weekday{rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA}[d]
}

// civilDay is midnight of t's date in t's zone (noon-safe: see atClock).
func civilDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func monthOf(t time.Time) time.Time {
	y, m, _ := t.Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, t.Location())
}

// atClock is the date of day at the wall clock of clock, in clock's zone.
func atClock(day, clock time.Time) time.Time {
	y, m, d := day.Date()
	h, mi, s := clock.Clock()
	return time.Date(y, m, d, h, mi, s, 0, clock.Location())
}

// workdays answers the calendar's questions about civil dates read in the
// meeting's zone (see Occurrences); a nil calendar works Monday to Friday.
type workdays struct{ cal *workcal.Calendar }

func (w workdays) isWorkday(t time.Time) bool {
	y, m, d := t.Date()
	if w.cal == nil {
		wd := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()
		return wd != time.Saturday && wd != time.Sunday
	}
	return w.cal.IsWorkday(w.cal.Date(y, m, d))
}

// next is t's wall clock on the first working day after t's date.
func (w workdays) next(t time.Time) (time.Time, bool) {
	for i := 1; i <= workcal.MaxScanDays; i++ {
		if d := t.AddDate(0, 0, i); w.isWorkday(d) {
			return atClock(d, t), true
		}
	}
	return time.Time{}, false
}

// startOfOffRun is midnight of the first day of the run of days off that
// ends on the day before t's (t's own day when that day is a working day).
func (w workdays) startOfOffRun(t time.Time) time.Time {
	d := civilDay(t)
	for i := 0; i < workcal.MaxScanDays; i++ {
		prev := d.AddDate(0, 0, -1)
		if w.isWorkday(prev) {
			break
		}
		d = prev
	}
	return d
}

// nthOfMonth is the n-th working day (from the end when n < 0) of the month
// starting at first.
func (w workdays) nthOfMonth(first time.Time, n int) (time.Time, bool) {
	step, d := 1, first
	if n < 0 {
		step, d, n = -1, first.AddDate(0, 1, -1), -n
	}
	for ; d.Month() == first.Month(); d = d.AddDate(0, 0, step) {
		if w.isWorkday(d) {
			if n--; n == 0 {
				return d, true
			}
		}
	}
	return time.Time{}, false
}

// ICalRule is what an iCalendar VEVENT (DTSTART;TZID= Meeting.Start in
// Meeting.TZ) needs to reproduce a series' occurrences in a window: the
// RRULE property's value, the starts it yields that do not happen (EXDATE:
// skipped or moved off a day off, or not a working day) and the starts that
// happen that it does not yield (RDATE: where occurrences were moved to,
// make-up working days). Times are in the meeting's zone.
type ICalRule struct {
	RRule   string // e.g. "FREQ=WEEKLY;BYDAY=MO"; "" for a one-off
	ExDates []time.Time
	RDates  []time.Time
}

// ICal returns the RRULE of m and the EXDATE and RDATE adjustments that make
// it match Occurrences in [from, to). A calendar rule's RRULE is itself; a
// work-calendar rule's is its Monday-to-Friday approximation
// ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", or for the first working day of the
// month "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1"), corrected by the
// dates. Outside the window nothing is corrected, so a feed should ask for
// the years the calendar covers (workcal.Calendar.CoveredYears). A
// nominal start before from that is moved into the window is corrected too.
func ICal(m *Meeting, cal *workcal.Calendar, from, to time.Time) (ICalRule, error) {
	if m.Rule == "" {
		return ICalRule{}, nil
	}
	r, err := ParseRule(m.Rule)
	if err != nil {
		return ICalRule{}, err
	}
	loc := m.Location(time.UTC)
	start := m.Start.In(loc)
	opt := r.roption(start)
	out := ICalRule{RRule: opt.RRuleString()}
	// Compare both over a window no move crosses into (see startOfOffRun).
	lo := workdays{cal}.startOfOffRun(from.In(loc))
	if lo.Before(start) {
		lo = start
	}
	rr, err := rrule.NewRRule(opt)
	if err != nil {
		return ICalRule{}, fmt.Errorf("meeting: rule %s: %w", r, err)
	}
	var approx []time.Time
	if !start.Before(lo) && start.Before(to) {
		approx = append(approx, start) // RFC 5545 counts DTSTART as the first instance
	}
	for _, t := range rr.Between(lo, to, true) {
		if t.Before(to) && !t.Equal(start) {
			approx = append(approx, t)
		}
	}
	occs, err := Occurrences(m, cal, lo, to)
	if err != nil {
		return ICalRule{}, err
	}
	var actual []time.Time
	for _, o := range occs {
		if !o.Start.Before(lo) {
			actual = append(actual, o.Start)
		}
	}
	has := func(ts []time.Time, t time.Time) bool {
		return slices.ContainsFunc(ts, t.Equal)
	}
	for _, t := range approx {
		if !has(actual, t) {
			out.ExDates = append(out.ExDates, t)
		}
	}
	for _, t := range actual {
		if !has(approx, t) {
			out.RDates = append(out.RDates, t)
		}
	}
	return out, nil
}

// ReminderTimes returns when to remind attendees of occ: each reminder's
// duration before its start, on working time for dept. A reminder that
// would fall outside working time (a night, a lunch break, a weekend, a
// holiday) comes at the previous working moment instead: the close of the
// last business interval before it, e.g. "24h before" a Monday 10:00
// meeting is Friday 18:00 rather than Sunday 10:00, and "15m before" a 09:00
// meeting is the previous working day's 18:00. A reminder never moves
// later, so it never comes after the meeting starts. Reminders that land on
// the same moment are sent once; the result is sorted, earliest first.
// With a nil calendar the durations are plain clock time. A reminder with
// no working time before it within workcal.MaxScanDays is dropped.
func ReminderTimes(occ Occurrence, reminders []time.Duration, cal *workcal.Calendar, dept string) []time.Time {
	var out []time.Time
	for _, d := range reminders {
		t := occ.Start.Add(-d)
		if cal != nil && !cal.IsWorkingTime(t, dept) {
			// Back one minute of working time lands a minute before the
			// close of the previous interval; forward one minute is that
			// close (AddBusiness ends on a close, not on the next opening).
			back := cal.AddBusiness(t, -time.Minute, dept)
			if back.IsZero() {
				continue
			}
			t = cal.AddBusiness(back, time.Minute, dept)
		}
		out = append(out, t)
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.CompactFunc(out, time.Time.Equal)
}
