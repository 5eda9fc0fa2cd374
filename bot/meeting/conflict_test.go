package meeting_test

import (
	"testing"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/workcal"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func china(t *testing.T) *workcal.Calendar {
	t.Helper()
	cal, err := workcal.New(workcal.Options{Region: "CN", Departments: map[string][]workcal.Interval{
		"Support": {{Start: 13 * time.Hour, End: 20 * time.Hour}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// weekly expands "every Monday 10:00 for 30 minutes" from its first
// occurrence with rrule-go, as the iCalendar source does with an RRULE.
func weekly(t *testing.T, first time.Time, d time.Duration, count int) []bot.Interval {
	t.Helper()
	r, err := rrule.NewRRule(rrule.ROption{Freq: rrule.WEEKLY, Dtstart: first, Count: count})
	if err != nil {
		t.Fatal(err)
	}
	var out []bot.Interval
	for _, s := range r.All() {
		out = append(out, bot.Interval{Start: s, End: s.Add(d), What: "weekly 1:1"})
	}
	return out
}

func TestConflicts(t *testing.T) {
	sh, ny, london := zone(t, "Asia/Shanghai"), zone(t, "America/New_York"), zone(t, "Europe/London")
	d := func(day, h, m int, loc *time.Location) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, loc) }
	// The proposal: Monday 2 March 2026, 10:00-11:00 in Shanghai.
	start, end := d(2, 10, 0, sh), d(2, 11, 0, sh)
	iv := func(a, b time.Time) bot.Interval { return bot.Interval{Start: a, End: b} }
	allDay := func(day int, loc *time.Location) bot.Interval {
		return bot.Interval{Start: d(day, 0, 0, loc), End: d(day+1, 0, 0, loc), AllDay: true}
	}
	mondays := weekly(t, time.Date(2026, 2, 2, 10, 15, 0, 0, sh), 30*time.Minute, 10)
	tuesdays := weekly(t, time.Date(2026, 2, 3, 10, 0, 0, 0, sh), time.Hour, 10)
	for _, c := range []struct {
		name string
		busy []bot.Interval
		want int // how many intervals clash; 0: no conflict
	}{
		{"free", nil, 0},
		{"back to back before and after", []bot.Interval{iv(d(2, 9, 0, sh), d(2, 10, 0, sh)), iv(d(2, 11, 0, sh), d(2, 12, 0, sh))}, 0},
		{"one minute into it", []bot.Interval{iv(d(2, 9, 0, sh), d(2, 10, 1, sh))}, 1},
		{"inside it", []bot.Interval{iv(d(2, 10, 15, sh), d(2, 10, 45, sh))}, 1},
		{"around it", []bot.Interval{iv(d(2, 8, 0, sh), d(2, 18, 0, sh))}, 1},
		// 21:30 in New York on Sunday is 10:30 on Monday in Shanghai.
		{"another zone, same instant", []bot.Interval{iv(d(1, 21, 30, ny), d(1, 22, 30, ny))}, 1},
		// 03:00 in London (UTC in March) is 11:00 in Shanghai: back to back.
		{"another zone, back to back", []bot.Interval{iv(d(2, 3, 0, london), d(2, 4, 0, london))}, 0},
		{"all-day event that day", []bot.Interval{allDay(2, sh)}, 1},
		{"all-day event the day before", []bot.Interval{allDay(1, sh)}, 0},
		// An all-day event in New York's Monday starts 13:00 in Shanghai.
		{"all-day event in the reader's zone elsewhere", []bot.Interval{allDay(2, ny)}, 0},
		{"weekly event on Mondays 10:15", mondays, 1},
		{"weekly event on Tuesdays", tuesdays, 0},
		{"two clashes", []bot.Interval{iv(d(2, 10, 30, sh), d(2, 12, 0, sh)), iv(d(2, 9, 0, sh), d(2, 10, 30, sh))}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := meeting.Conflicts(start, end, []meeting.Availability{{PersonID: 1}, {PersonID: 7, Busy: c.busy}})
			if c.want == 0 {
				if len(got) != 0 {
					t.Fatalf("conflicts %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].PersonID != 7 || len(got[0].With) != c.want {
				t.Fatalf("conflicts %+v", got)
			}
			for i := 1; i < len(got[0].With); i++ {
				if got[0].With[i].Start.Before(got[0].With[i-1].Start) {
					t.Fatalf("not sorted: %+v", got[0].With)
				}
			}
		})
	}
}

func TestNextSlots(t *testing.T) {
	cal := china(t)
	sh := cal.Location()
	d := func(m time.Month, day, h, min int) time.Time { return time.Date(2026, m, day, h, min, 0, 0, sh) }
	iv := func(a, b time.Time) bot.Interval { return bot.Interval{Start: a, End: b} }
	for _, c := range []struct {
		name string
		d    time.Duration
		who  []meeting.Availability
		from time.Time
		n    int
		want []time.Time // slot starts
	}{
		{"free now", time.Hour, []meeting.Availability{{PersonID: 1}}, d(3, 2, 9, 0), 2,
			[]time.Time{d(3, 2, 9, 0), d(3, 2, 10, 0)}},
		{"rounded to the grid", 30 * time.Minute, []meeting.Availability{{PersonID: 1}}, d(3, 2, 9, 7), 1,
			[]time.Time{d(3, 2, 9, 15)}},
		{"after both attendees' busy time, back to back", time.Hour, []meeting.Availability{
			{PersonID: 1, Busy: []bot.Interval{iv(d(3, 2, 9, 0), d(3, 2, 10, 0))}},
			{PersonID: 2, Busy: []bot.Interval{iv(d(3, 2, 10, 0), d(3, 2, 11, 0))}},
		}, d(3, 2, 9, 0), 2, []time.Time{d(3, 2, 11, 0), d(3, 2, 13, 30)}},
		{"not across lunch", 90 * time.Minute, []meeting.Availability{{PersonID: 1}}, d(3, 2, 11, 0), 1,
			[]time.Time{d(3, 2, 13, 30)}},
		{"after work goes to the next working day, past the weekend", time.Hour, []meeting.Availability{{PersonID: 1}},
			d(3, 6, 17, 30), 1, []time.Time{d(3, 9, 9, 0)}},
		{"everyone's hours: support works 13:00-20:00", time.Hour, []meeting.Availability{
			{PersonID: 1}, {PersonID: 2, Dept: "Support"},
		}, d(3, 2, 9, 0), 2, []time.Time{d(3, 2, 13, 30), d(3, 2, 14, 30)}},
		// Labour Day 2026 is 1-5 May (Friday to Tuesday); Saturday 9 May is
		// a make-up working day.
		{"over a holiday", time.Hour, []meeting.Availability{
			{PersonID: 1, Busy: []bot.Interval{iv(d(4, 30, 17, 0), d(4, 30, 18, 0))}},
		}, d(4, 30, 16, 0), 2, []time.Time{d(4, 30, 16, 0), d(5, 6, 9, 0)}},
		{"a make-up Saturday counts", time.Hour, []meeting.Availability{{PersonID: 1}}, d(5, 8, 17, 30), 1,
			[]time.Time{d(5, 9, 9, 0)}},
		{"an all-day event takes the day", time.Hour, []meeting.Availability{
			{PersonID: 1, Busy: []bot.Interval{{Start: d(3, 3, 0, 0), End: d(3, 4, 0, 0), AllDay: true}}},
		}, d(3, 3, 9, 0), 1, []time.Time{d(3, 4, 9, 0)}},
		{"a recurring event every morning", time.Hour, []meeting.Availability{
			{PersonID: 1, Busy: weeklyEveryDay(t, d(3, 2, 9, 0))},
		}, d(3, 2, 9, 0), 2, []time.Time{d(3, 2, 10, 0), d(3, 2, 11, 0)}},
		{"busy in another zone", time.Hour, []meeting.Availability{
			// 21:00-23:00 in New York on Sunday is 10:00-12:00 on Monday here.
			{PersonID: 1, Busy: []bot.Interval{iv(time.Date(2026, 3, 1, 21, 0, 0, 0, zone(t, "America/New_York")),
				time.Date(2026, 3, 1, 23, 0, 0, 0, zone(t, "America/New_York")))}},
		}, d(3, 2, 9, 30), 2, []time.Time{d(3, 2, 13, 30), d(3, 2, 14, 30)}},
		{"none asked", time.Hour, []meeting.Availability{{PersonID: 1}}, d(3, 2, 9, 0), 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := meeting.NextSlots(c.d, c.who, cal, c.from, c.n)
			if len(got) != len(c.want) {
				t.Fatalf("slots %v, want starts %v", got, c.want)
			}
			for i, s := range got {
				if !s.Start.Equal(c.want[i]) || s.End.Sub(s.Start) != c.d {
					t.Fatalf("slot %d is %v-%v, want start %v", i, s.Start, s.End, c.want[i])
				}
				if cs := meeting.Conflicts(s.Start, s.End, c.who); len(cs) != 0 {
					t.Fatalf("slot %v clashes: %+v", s, cs)
				}
			}
		})
	}
}

// weeklyEveryDay is a daily 09:00-10:00 stand-up from first, for a week.
func weeklyEveryDay(t *testing.T, first time.Time) []bot.Interval {
	t.Helper()
	r, err := rrule.NewRRule(rrule.ROption{Freq: rrule.DAILY, Dtstart: first, Count: 7})
	if err != nil {
		t.Fatal(err)
	}
	var out []bot.Interval
	for _, s := range r.All() {
		out = append(out, bot.Interval{Start: s, End: s.Add(time.Hour)})
	}
	return out
}

// Ensure a search with no working time in reach ends rather than loops.
func TestNextSlots_NoWorkingTime(t *testing.T) {
	cal, err := workcal.New(workcal.Options{Weekend: []time.Weekday{0, 1, 2, 3, 4, 5, 6}})
	if err != nil {
		t.Fatal(err)
	}
	if got := meeting.NextSlots(time.Hour, []meeting.Availability{{PersonID: 1}}, cal, time.Now(), 3); len(got) != 0 {
		t.Fatalf("slots %v", got)
	}
}

// Ensure Tandem's own meetings become busy time: one-offs as they are,
// series through the occurrences given, the meeting being rescheduled and
// cancelled ones left out, and an occurrence that began before the window
// but runs into it kept.
func TestOwnBusy(t *testing.T) {
	sh := zone(t, "Asia/Shanghai")
	d := func(day, h int) time.Time { return time.Date(2026, 3, day, h, 0, 0, 0, sh) }
	ms := []*meeting.Meeting{
		{ID: 1, Title: "One-off", Start: d(2, 10), Duration: time.Hour, Status: meeting.Scheduled},
		{ID: 2, Title: "Weekly", Start: d(2, 8), Duration: 2 * time.Hour, Rule: "weekly", Status: meeting.Scheduled},
		{ID: 3, Title: "Being moved", Start: d(2, 14), Duration: time.Hour, Status: meeting.Scheduled},
		{ID: 4, Title: "Cancelled", Start: d(2, 15), Duration: time.Hour, Status: meeting.Cancelled},
		{ID: 5, Title: "Last week", Start: d(1, 10), Duration: time.Hour, Status: meeting.Scheduled},
	}
	var asked time.Time
	occ := func(m *meeting.Meeting, from, to time.Time) []time.Time {
		asked = from
		return []time.Time{d(2, 8), d(9, 8)}
	}
	got := meeting.OwnBusy(ms, 3, d(2, 9), d(3, 0), occ)
	if len(got) != 2 || got[0].What != "M-2 Weekly" || !got[0].Start.Equal(d(2, 8)) || got[1].What != "M-1 One-off" {
		t.Fatalf("busy %+v", got)
	}
	if !asked.Equal(d(2, 7)) {
		t.Fatalf("occurrences asked from %v, want the window less the meeting's length", asked)
	}
}
