package icsfeed_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/tandemhq/tandem/adapters/icsfeed"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/workcal"
)

func china(t *testing.T) *workcal.Calendar {
	t.Helper()
	cal, err := workcal.ChinaMainland(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, shanghai)
}

func stamps(ts []time.Time) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.In(shanghai).Format("01-02 15:04"))
	}
	return strings.Join(out, " ")
}

// Ensure a weekly Monday meeting across the 2026 National Day holiday
// (1-7 October) becomes an override moved to Thursday 8 October when it
// moves, an EXDATE when it is skipped, and that a working-day rule skips
// the holiday's weekdays and gains the make-up Saturday (10 October) as an
// occurrence of its own.
func TestSeriesOf_NationalDay(t *testing.T) {
	cal := china(t)
	from, to := at(9, 1, 0, 0), at(11, 1, 0, 0)
	m := weekly().Meeting
	m.Holiday = meeting.MoveToNextWorkday
	r, err := icsfeed.SeriesOf(m, cal, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if r.RRule != "FREQ=WEEKLY;BYDAY=MO" || len(r.Skipped) != 0 || len(r.Extra) != 0 || len(r.Moved) != 1 ||
		!r.Moved[0].From.Equal(at(10, 5, 7, 30)) || !r.Moved[0].To.Equal(at(10, 8, 7, 30)) {
		t.Errorf("moved: %+v, want Monday 10-05 07:30 held on Thursday 10-08", r)
	}

	m.Holiday = meeting.Skip
	if r, err = icsfeed.SeriesOf(m, cal, from, to); err != nil {
		t.Fatal(err)
	}
	if stamps(r.Skipped) != "10-05 07:30" || len(r.Moved) != 0 || len(r.Extra) != 0 {
		t.Errorf("skipped: %+v, want 10-05 07:30 excluded", r)
	}

	daily := &meeting.Meeting{ID: 11, Title: "Stand-up", TZ: "Asia/Shanghai", Start: at(9, 28, 9, 30),
		Duration: 15 * time.Minute, Rule: "FREQ=DAILY;X-WORKDAYS=1", Status: meeting.Scheduled}
	if r, err = icsfeed.SeriesOf(daily, cal, from, at(10, 17, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.RRule, "FREQ=WEEKLY;") || !strings.Contains(r.RRule, "BYDAY=MO,TU,WE,TH,FR") {
		t.Errorf("RRULE %q, want the Monday-to-Friday approximation", r.RRule)
	}
	if got := stamps(r.Skipped); got != "10-01 09:30 10-02 09:30 10-05 09:30 10-06 09:30 10-07 09:30" {
		t.Errorf("skipped %s, want the holiday's weekdays", got)
	}
	if got := stamps(r.Extra); got != "10-10 09:30" {
		t.Errorf("extra %s, want the make-up Saturday", got)
	}
}

// Ensure what a calendar client makes of the feed, expanding the series
// and applying its overrides as Google and Outlook do, is the work
// calendar's own list of occurrences.
func TestSeriesOf_ClientSeesTheWorkCalendarsOccurrences(t *testing.T) {
	cal := china(t)
	from, to := at(9, 1, 0, 0), at(11, 1, 0, 0)
	for _, rule := range []string{"FREQ=WEEKLY;BYDAY=MO", "FREQ=DAILY;X-WORKDAYS=1", "FREQ=MONTHLY;X-WORKDAY=1"} {
		for _, holiday := range []meeting.HolidayRule{meeting.MoveToNextWorkday, meeting.Skip} {
			m := &meeting.Meeting{ID: 12, Title: "Review", TZ: "Asia/Shanghai", Start: at(9, 21, 7, 30),
				Duration: 30 * time.Minute, Rule: rule, Holiday: holiday, Status: meeting.Scheduled}
			r, err := icsfeed.SeriesOf(m, cal, from, to)
			if err != nil {
				t.Fatal(err)
			}
			out := encode(t, []icsfeed.Event{{Meeting: m, Recurrence: r}}, opts())
			got := expand(t, out, from, to)
			occs, err := meeting.Occurrences(m, cal, from, to)
			if err != nil {
				t.Fatal(err)
			}
			var want []time.Time
			for _, o := range occs {
				want = append(want, o.Start)
			}
			if stamps(got) != stamps(want) {
				t.Errorf("%s (%s): the client sees\n%s\nthe work calendar says\n%s", rule, holiday, stamps(got), stamps(want))
			}
		}
	}
}

// expand reads a calendar as a client does: each series' rule with its
// EXDATEs, an override replacing the instance its RECURRENCE-ID names, and
// events of their own as they are.
func expand(t *testing.T, out string, from, to time.Time) []time.Time {
	t.Helper()
	cal, err := goical.NewDecoder(strings.NewReader(out)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	var starts []time.Time
	replaced := map[time.Time]bool{}
	for _, e := range cal.Events() {
		if rid := e.Props.Get(goical.PropRecurrenceID); rid != nil {
			was, err := rid.DateTime(time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			replaced[was.UTC()] = true
		}
	}
	for _, e := range cal.Events() {
		set, err := e.RecurrenceSet(time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if set == nil {
			s, err := e.DateTimeStart(time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Before(from) && s.Before(to) {
				starts = append(starts, s)
			}
			continue
		}
		for _, s := range set.Between(from, to, true) {
			if !replaced[s.UTC()] {
				starts = append(starts, s)
			}
		}
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	return starts
}
