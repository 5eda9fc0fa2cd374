package icsfeed

import (
	"slices"
	"time"

	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/workcal"
)

// SeriesOf is m's recurrence in iCalendar terms over [from, to) on the work
// calendar cal, from bot/meeting's ICal (the RRULE with its EXDATE and RDATE
// corrections) and Occurrences (which of them are moves):
//
//   - an occurrence moved off a day off (Holiday "move") becomes a Move, an
//     override VEVENT with the RECURRENCE-ID of the start it was moved from,
//     rather than that start's EXDATE plus an RDATE. An override is what
//     Google Calendar and Outlook write themselves for one instance moved,
//     they keep it tied to the series (editing or deleting the series takes
//     it along, and it shows as an exception), and Outlook's import
//     (MS-OXCICAL) maps no RDATE into its recurrence pattern, so a moved
//     occurrence written as an RDATE would simply vanish there;
//   - a start the rule yields that is not held (a skipped holiday, a day
//     off under a working-day rule, a move merged into another occurrence)
//     is an EXDATE (Skipped);
//   - an occurrence the rule cannot yield (a make-up working day, 调休, under
//     "every working day") is Extra: a VEVENT of its own, for the same
//     reason as moves.
//
// Outside the window the RRULE stands uncorrected: the feed asks again.
func SeriesOf(m *meeting.Meeting, cal *workcal.Calendar, from, to time.Time) (Recurrence, error) {
	rule, err := meeting.ICal(m, cal, from, to)
	if err != nil || rule.RRule == "" {
		return Recurrence{}, err
	}
	// Occurrences from a month earlier: a start ICal corrects may be the
	// end of a move that began before from.
	occs, err := meeting.Occurrences(m, cal, from.AddDate(0, -1, 0), to)
	if err != nil {
		return Recurrence{}, err
	}
	out := Recurrence{RRule: rule.RRule}
	skipped := slices.Clone(rule.ExDates)
	for _, t := range rule.RDates {
		i := slices.IndexFunc(occs, func(o meeting.Occurrence) bool { return o.Start.Equal(t) })
		if i >= 0 && occs[i].Moved {
			if j := slices.IndexFunc(skipped, occs[i].MovedFrom.Equal); j >= 0 {
				skipped = slices.Delete(skipped, j, j+1)
				out.Moved = append(out.Moved, Move{From: occs[i].MovedFrom, To: t})
				continue
			}
		}
		out.Extra = append(out.Extra, t)
	}
	out.Skipped = skipped
	return out, nil
}
