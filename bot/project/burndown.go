package project

import (
	"time"

	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/workcal"
)

// MaxBurndownDays bounds a burndown's length (about two years of days), so
// a far-off end date costs a bounded loop and a readable picture.
const MaxBurndownDays = 366 * 2

// BurndownDay is one day of a burndown chart.
type BurndownDay struct {
	Day     time.Time // midnight in the calendar's zone
	Workday bool
	// Remaining is the open tasks at the end of the day, reconstructed from
	// when each was attached and closed; meaningless when Future.
	Remaining int
	Future    bool // the day is after today: no actual figure yet
	// Ideal is the straight burn of the first day's scope to zero at the
	// end of the last day, falling only on working days (flat across
	// weekends and holidays).
	Ideal float64
}

// Burndown reconstructs the open tasks per day from from to to (dates,
// inclusive; at most MaxBurndownDays) at now. A task joins on the day it
// was attached (Item.AddedAt, else its CreatedAt) and leaves on the day it
// closed (ClosedAt) when it is done or cancelled now; a task reopened since
// counts as open throughout, since its history is not in the State. Work
// attached later raises Remaining above the ideal, which keeps to the
// first day's scope so that added scope shows.
func Burndown(s State, cal *workcal.Calendar, from, to, now time.Time) []BurndownDay {
	cal = calendarOr(cal)
	r := &rules{cal: cal}
	from, to = r.day(from), r.day(to)
	today := r.day(now)
	if to.Before(from) {
		return nil
	}
	type span struct{ in, out time.Time } // out zero: still open
	var spans []span
	for _, to := range s.Tasks {
		t := to.Task
		if t == nil {
			continue
		}
		sp := span{in: t.CreatedAt}
		if to.Item != nil && !to.Item.AddedAt.IsZero() {
			sp.in = to.Item.AddedAt
		}
		if (t.Status == task.Done || t.Status == task.Cancelled) && !t.ClosedAt.IsZero() {
			sp.out = t.ClosedAt
		}
		spans = append(spans, sp)
	}
	openAt := func(end time.Time) int { // open at the instant end
		n := 0
		for _, sp := range spans {
			if sp.in.Before(end) && (sp.out.IsZero() || !sp.out.Before(end)) {
				n++
			}
		}
		return n
	}
	// The first day's scope: what was open at its start or joined during it.
	scope := 0
	for _, sp := range spans {
		if sp.in.Before(r.next(from)) && (sp.out.IsZero() || !sp.out.Before(from)) {
			scope++
		}
	}
	workdays := r.workdaysBetween(from, r.next(to))

	var out []BurndownDay
	burnt := 0
	for d, i := from, 0; !d.After(to) && i < MaxBurndownDays; d, i = r.next(d), i+1 {
		day := BurndownDay{Day: d, Workday: cal.IsWorkday(d), Future: d.After(today), Ideal: float64(scope)}
		if day.Workday {
			burnt++
		}
		if workdays > 0 {
			day.Ideal = float64(scope) * float64(workdays-burnt) / float64(workdays)
		}
		if !day.Future {
			day.Remaining = openAt(r.next(d))
		}
		out = append(out, day)
	}
	return out
}
