package meeting

import (
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/workcal"
)

// Conflict checks are pure: the command's prepare step reads the attendees'
// busy time (their other Tandem meetings, and the free/busy sources of
// bot.FreeBusyRegistry) and these functions decide, given now-free inputs.

// Availability is one attendee as a conflict check sees them.
type Availability struct {
	PersonID int64
	// Dept names the department whose business hours are the attendee's
	// working hours (workcal.Calendar.Hours); "" is the default hours.
	Dept string
	// Busy is every busy interval known for the attendee, from any source,
	// in any zone and order.
	Busy []bot.Interval
}

// Conflict is an attendee who is busy during a proposed occurrence, and
// with what.
type Conflict struct {
	PersonID int64
	With     []bot.Interval // sorted by start
}

// Conflicts returns the attendees busy at some moment of [start, end), in
// the order given, each with the intervals that overlap it. Intervals are
// half-open: an occurrence that starts when another ends does not clash.
// Instants are compared, so zones do not matter.
func Conflicts(start, end time.Time, who []Availability) []Conflict {
	var out []Conflict
	for _, a := range who {
		var with []bot.Interval
		for _, iv := range a.Busy {
			if iv.Overlaps(start, end) {
				with = append(with, iv)
			}
		}
		if len(with) > 0 {
			bot.SortIntervals(with)
			out = append(out, Conflict{PersonID: a.PersonID, With: with})
		}
	}
	return out
}

// SlotStep is the grid slots start on (on the calendar's wall clock): :00,
// :15, :30, :45.
const SlotStep = 15 * time.Minute

// SlotHorizon bounds how far NextSlots looks ahead of from.
const SlotHorizon = 60 * 24 * time.Hour

// NextSlots returns up to n slots of length d, at or after from, in which
// every attendee is working (on a working day of cal, within their
// department's business hours, not across a lunch break; holidays are
// skipped and make-up days count) and busy with nothing. Slots start on the
// SlotStep grid, do not overlap, and come in time order; the search stops
// SlotHorizon after from. A nil cal counts every minute as working time.
func NextSlots(d time.Duration, who []Availability, cal *workcal.Calendar, from time.Time, n int) []bot.Interval {
	if d <= 0 || n <= 0 {
		return nil
	}
	loc := time.UTC
	if cal != nil {
		loc = cal.Location()
	}
	limit := from.Add(SlotHorizon)
	var out []bot.Interval
	t := roundUp(from, loc)
	for len(out) < n && t.Before(limit) {
		if cal != nil {
			next, ok := everyoneWorking(t, who, cal, loc, limit)
			if !ok {
				break
			}
			if !next.Equal(t) {
				t = next
				continue
			}
		}
		end := t.Add(d)
		if cal != nil && !workingThroughout(t, end, who, cal) {
			t = roundUp(t.Add(SlotStep), loc)
			continue
		}
		var free time.Time // the end of the latest busy interval in the way
		for _, a := range who {
			for _, iv := range a.Busy {
				if iv.Overlaps(t, end) && iv.End.After(free) {
					free = iv.End
				}
			}
		}
		if !free.IsZero() {
			t = roundUp(free, loc)
			continue
		}
		out = append(out, bot.Interval{Start: t, End: end})
		t = roundUp(end, loc)
	}
	return out
}

// everyoneWorking returns t when every attendee is working at t, else a
// later grid moment at which at least one more of them starts working
// (false when someone has no working moment before limit).
func everyoneWorking(t time.Time, who []Availability, cal *workcal.Calendar, loc *time.Location, limit time.Time) (time.Time, bool) {
	depts := depts(who)
	for _, dept := range depts {
		w := cal.NextWorkingMoment(t, dept)
		if w.IsZero() || !w.Before(limit) {
			return time.Time{}, false
		}
		if w.After(t) {
			return roundUp(w, loc), true
		}
	}
	return t, true
}

// workingThroughout reports whether [start, end) is all working time for
// every attendee.
func workingThroughout(start, end time.Time, who []Availability, cal *workcal.Calendar) bool {
	for _, dept := range depts(who) {
		if cal.BusinessBetween(start, end, dept) != end.Sub(start) {
			return false
		}
	}
	return true
}

// depts lists the attendees' departments once each (at least the default).
func depts(who []Availability) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, a := range who {
		if !seen[a.Dept] {
			seen[a.Dept] = true
			out = append(out, a.Dept)
		}
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}

// roundUp returns the first SlotStep grid moment at or after t, the grid
// counted from midnight on loc's wall clock (so a zone whose offset is not
// a whole hour still gets :00 and :30).
func roundUp(t time.Time, loc *time.Location) time.Time {
	w := t.In(loc)
	midnight := time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, loc)
	off := w.Sub(midnight)
	if rem := off % SlotStep; rem != 0 {
		off += SlotStep - rem
	}
	return midnight.Add(off)
}

// OwnBusy turns Tandem's own meetings into busy intervals within [from,
// to): each occurrence of each scheduled meeting but the one being
// (re)scheduled (skip, 0 for none). occurrences gives a meeting's
// occurrence starts that overlap the window (the recurrence on the work
// calendar: Occurrences); a one-off is its Start.
func OwnBusy(ms []*Meeting, skip int64, from, to time.Time, occurrences func(m *Meeting, from, to time.Time) []time.Time) []bot.Interval {
	var out []bot.Interval
	for _, m := range ms {
		if m.ID == skip || m.Status == Cancelled {
			continue
		}
		starts := []time.Time{m.Start}
		if m.Rule != "" && occurrences != nil {
			// An occurrence that began before from may still run into it.
			starts = occurrences(m, from.Add(-m.Duration), to)
		}
		for _, s := range starts {
			iv := bot.Interval{Start: s, End: s.Add(m.Duration), What: m.Ref() + " " + m.Title}
			if iv.Overlaps(from, to) {
				out = append(out, iv)
			}
		}
	}
	bot.SortIntervals(out)
	return out
}
