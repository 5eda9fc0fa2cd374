package scheduler

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tandemhq/tandem/bot/workcal"
)

// maxMonths bounds the search for a month with a working day, so that a
// calendar without any cannot make lastworkday: loop forever; it matches the
// span workcal itself searches (MaxScanDays).
const maxMonths = workcal.MaxScanDays/30 + 1

// Next returns the first run of schedule strictly after after, reading the
// schedule's clock times in loc. The forms are those documented on
// bot.Job.Schedule:
//
//   - "cron:<spec>": a standard 5-field spec or a descriptor (@daily,
//     @every 1h), as robfig/cron parses it. A "CRON_TZ=" prefix in the spec
//     wins over loc.
//   - "workdays:HH:MM": every working day of cal (make-up days included,
//     holidays skipped) at HH:MM.
//   - "lastworkday:HH:MM": the last working day of each month of cal at HH:MM.
//   - "firstworkday:HH:MM": the first working day of each month of cal at
//     HH:MM (after a holiday that opens the month, the day work resumes).
//
// A nil loc means cal's zone, or UTC without a calendar; a nil cal means
// Monday to Friday are the working days. Working days are civil dates: a date
// read in loc is looked up as the same date of cal.
//
// Daylight saving time follows what a person expects of a wall clock: a
// daily run happens once on both transition days. When clocks go forward, a run whose wall time does not
// exist that day runs as long after the jump as its wall time is after the
// start of the skipped hour: 02:30 in America/New_York on the spring-forward
// day runs at 03:30 EDT (robfig/cron alone would skip the day, and time.Date
// would give 01:30 EST, before the hour it stands for). When clocks go back,
// a wall time that occurs twice runs only the first time, unless a cron spec
// runs every hour (then each real hour runs, so "*/15 * * * *" keeps its
// rhythm).
//
// An empty schedule is a one-off job: Next returns the zero time and nil.
func Next(schedule string, after time.Time, loc *time.Location, cal *workcal.Calendar) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
		if cal != nil {
			loc = cal.Location()
		}
	}
	p, err := parse(schedule)
	if err != nil || p.kind == kindNone {
		return time.Time{}, err
	}
	after = after.In(loc)
	var next time.Time
	switch p.kind {
	case kindCron:
		next = cronNext(p.cron, after)
		if next.IsZero() {
			return time.Time{}, fmt.Errorf("scheduler: schedule %q never fires after %s", schedule, after.Format(time.RFC3339))
		}
	case kindWorkdays:
		y, m, dd := after.Date()
		k := 0
		// Step at noon: midnight is inside the DST gap in some zones.
		for d := time.Date(y, m, dd, 12, 0, 0, 0, loc); ; d = d.AddDate(0, 0, 1) {
			if k++; k > workcal.MaxScanDays+1 {
				return time.Time{}, fmt.Errorf("scheduler: schedule %q: no working day within %d days of %s", schedule, workcal.MaxScanDays, after.Format(time.DateOnly))
			}
			y, m, dd := d.Date()
			t := wallTime(y, m, dd, p.hour, p.minute, loc)
			if t.After(after) && isWorkday(cal, y, m, dd) {
				next = t
				break
			}
		}
	case kindLastWorkday, kindFirstWorkday:
		pick := lastWorkday
		if p.kind == kindFirstWorkday {
			pick = firstWorkday
		}
		y, m, _ := after.Date()
		for i := 0; ; i++ {
			if i > maxMonths {
				return time.Time{}, fmt.Errorf("scheduler: schedule %q: no working day within %d months of %s", schedule, maxMonths, after.Format(time.DateOnly))
			}
			if d, ok := pick(cal, y, m+time.Month(i)); ok {
				if t := wallTime(d.Year(), d.Month(), d.Day(), p.hour, p.minute, loc); t.After(after) {
					next = t
					break
				}
			}
		}
	}
	return next, nil
}

// Validate reports whether schedule is one Next understands, so that a bad
// schedule is refused when a job is set rather than when it first runs.
func Validate(schedule string) error {
	_, err := parse(schedule)
	return err
}

type kind int

const (
	kindNone kind = iota
	kindCron
	kindWorkdays
	kindLastWorkday
	kindFirstWorkday
)

type parsed struct {
	kind         kind
	cron         cron.Schedule
	hour, minute int
}

// parse runs on every Next: parsing costs microseconds, and a cache of
// parsed schedules would be one more thing to bound.
func parse(schedule string) (parsed, error) {
	s := strings.TrimSpace(schedule)
	if s == "" {
		return parsed{}, nil
	}
	form, arg, ok := strings.Cut(s, ":")
	arg = strings.TrimSpace(arg)
	if !ok {
		return parsed{}, fmt.Errorf("scheduler: schedule %q has no form; want cron:<spec>, workdays:HH:MM, lastworkday:HH:MM or firstworkday:HH:MM", schedule)
	}
	switch strings.ToLower(strings.TrimSpace(form)) {
	case "cron":
		sched, err := cron.ParseStandard(arg)
		if err != nil {
			return parsed{}, fmt.Errorf("scheduler: schedule %q: %w", schedule, err)
		}
		return parsed{kind: kindCron, cron: sched}, nil
	case "workdays", "lastworkday", "firstworkday":
		h, m, err := parseClock(arg)
		if err != nil {
			return parsed{}, fmt.Errorf("scheduler: schedule %q: %w", schedule, err)
		}
		k := map[string]kind{"workdays": kindWorkdays, "lastworkday": kindLastWorkday, "firstworkday": kindFirstWorkday}[strings.ToLower(strings.TrimSpace(form))]
		return parsed{kind: k, hour: h, minute: m}, nil
	}
	return parsed{}, fmt.Errorf("scheduler: schedule %q has unknown form %q; want cron:, workdays:, lastworkday: or firstworkday:", schedule, form)
}

func parseClock(s string) (hour, minute int, err error) {
	hs, ms, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !digits(hs) || !digits(ms) {
		return 0, 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	hour, _ = strconv.Atoi(hs)
	minute, _ = strconv.Atoi(ms)
	if hour > 23 || minute > 59 {
		return 0, 0, fmt.Errorf("time %q: out of range 00:00-23:59", s)
	}
	return hour, minute, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// wallTime is the instant loc's clocks show y-m-d h:min, with the daylight
// saving rules of Next: the first of two such instants when clocks go back,
// and, for a wall time that clocks going forward skipped, the instant it
// would be had they not (02:30 EST, that is 03:30 EDT). time.Date leaves
// both choices open.
func wallTime(y int, m time.Month, d, h, min int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, h, min, 0, 0, loc)
	naive := time.Date(y, m, d, h, min, 0, 0, time.UTC)
	var first, last time.Time
	// Every offset in force near t: no transition has moved clocks by more
	// than three hours.
	for _, near := range []time.Time{t.Add(-3 * time.Hour), t, t.Add(3 * time.Hour)} {
		_, off := near.Zone()
		c := naive.Add(-time.Duration(off) * time.Second).In(loc)
		if c.Year() == y && c.Month() == m && c.Day() == d && c.Hour() == h && c.Minute() == min {
			if first.IsZero() || c.Before(first) {
				first = c
			}
		}
		if last.IsZero() || c.After(last) {
			last = c
		}
	}
	if !first.IsZero() {
		return first
	}
	return last
}

// isWorkday looks the civil date up in cal, whatever cal's zone: the date is
// what was read in the schedule's zone, and a holiday is a date.
func isWorkday(cal *workcal.Calendar, y int, m time.Month, d int) bool {
	if cal == nil {
		wd := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()
		return wd != time.Saturday && wd != time.Sunday
	}
	return cal.IsWorkday(cal.Date(y, m, d))
}

// lastWorkday returns the civil date (at midnight UTC) of the last working
// day of the month; m may be past December.
func lastWorkday(cal *workcal.Calendar, y int, m time.Month) (time.Time, bool) {
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	if cal != nil {
		d := cal.LastWorkdayOfMonth(first.Year(), first.Month())
		if d.IsZero() {
			return time.Time{}, false
		}
		dy, dm, dd := d.Date() // midnight in cal's zone: its date is the day
		return time.Date(dy, dm, dd, 0, 0, 0, 0, time.UTC), true
	}
	for d := first.AddDate(0, 1, -1); d.Month() == first.Month(); d = d.AddDate(0, 0, -1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return d, true
		}
	}
	return time.Time{}, false
}

// firstWorkday returns the civil date (at midnight UTC) of the first
// working day of the month; m may be past December.
func firstWorkday(cal *workcal.Calendar, y int, m time.Month) (time.Time, bool) {
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
		if isWorkday(cal, d.Year(), d.Month(), d.Day()) {
			return d, true
		}
	}
	return time.Time{}, false
}

// allHours is the hour field of a spec that fires in every hour.
const allHours = 1<<24 - 1

// cronNext is robfig/cron's Next with the daylight-saving rules of Next: it
// walks the zone transitions between after and robfig's answer, runs wall
// times that a spring-forward skipped, and drops repeats of wall times that a
// fall-back replayed.
func cronNext(sched cron.Schedule, after time.Time) time.Time {
	next := sched.Next(after)
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok || next.IsZero() {
		return next // @every is a fixed interval of real time
	}
	loc := spec.Location
	if loc == time.Local {
		loc = after.Location() // robfig's rule: no zone in the spec means after's
	}
	// Start a little before after, so that a fall-back just behind it still
	// counts: its replayed wall times ran already.
	for t := after.Add(-3 * time.Hour).In(loc); ; {
		_, end := t.ZoneBounds()
		if end.IsZero() || end.After(next) {
			return next
		}
		_, before := end.Add(-time.Nanosecond).Zone()
		_, later := end.Zone()
		shift := time.Duration(later-before) * time.Second
		switch {
		case shift > 0:
			// Evaluated in the zone before the jump, the skipped wall times
			// are the instants [end, end+shift).
			old := *spec
			old.Location = time.FixedZone("", before)
			if c := old.Next(latest(after, end.Add(-time.Second))); !c.IsZero() && c.Before(end.Add(shift)) && c.Before(next) {
				next = c.In(loc)
			}
		case shift < 0 && spec.Hour&allHours != allHours:
			// Wall times in [end, end-shift) happened already, before end.
			if !next.Before(end) && next.Before(end.Add(-shift)) {
				next = sched.Next(end.Add(-shift - time.Nanosecond))
				if next.IsZero() {
					return next
				}
			}
		}
		t = end
	}
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
