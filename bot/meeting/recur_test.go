package meeting

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/tandemhq/tandem/bot/workcal"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// cnCalendar is the shipped China calendar: 2026 has 国庆节 Oct 1–7 with
// make-up days Sun Sep 20 and Sat Oct 10, 中秋节 Sep 25–27, 春节 Feb 15–23
// with make-up days Sat Feb 14 and Sat Feb 28, 元旦 Jan 1–3 with make-up Sun
// Jan 4, 劳动节 May 1–5.
func cnCalendar(t *testing.T) *workcal.Calendar {
	t.Helper()
	cal, err := workcal.ChinaMainland(nil)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// at parses "2006-01-02 15:04" in loc.
func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// show renders occurrences compactly: "10-08 10:00<10-05" for one moved from
// Oct 5, with the UTC offset when it is not the zone's usual one.
func show(occs []Occurrence) string {
	var parts []string
	for _, o := range occs {
		s := o.Start.Format("01-02 15:04")
		if o.Moved {
			s += "<" + o.MovedFrom.Format("01-02")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestOccurrencesOnTheChineseCalendar(t *testing.T) {
	cal := cnCalendar(t)
	sh := mustLoad(t, "Asia/Shanghai")
	tests := []struct {
		name, rule, start string
		holiday           HolidayRule
		from, to          string
		want              string
	}{
		{
			name: "every monday moves off National Day to the next working day, and skips the make-up Sunday",
			rule: "FREQ=WEEKLY;BYDAY=MO", start: "2026-09-14 10:00",
			from: "2026-09-14 00:00", to: "2026-10-20 00:00",
			want: "09-14 10:00 09-21 10:00 09-28 10:00 10-08 10:00<10-05 10-12 10:00 10-19 10:00",
		},
		{
			name: "every monday skipped over National Day",
			rule: "FREQ=WEEKLY;BYDAY=MO", start: "2026-09-14 10:00", holiday: Skip,
			from: "2026-09-14 00:00", to: "2026-10-20 00:00",
			want: "09-14 10:00 09-21 10:00 09-28 10:00 10-12 10:00 10-19 10:00",
		},
		{
			name: "every friday: 中秋 and 国庆 both move; the make-up Saturday does not count as a Friday",
			rule: "FREQ=WEEKLY;BYDAY=FR", start: "2026-09-18 15:00",
			from: "2026-09-18 00:00", to: "2026-10-17 00:00",
			want: "09-18 15:00 09-28 15:00<09-25 10-08 15:00<10-02 10-09 15:00 10-16 15:00",
		},
		{
			name: "weekdays follow the calendar: make-up Sunday Sep 20 and Saturday Oct 10 count, holidays do not",
			rule: "FREQ=DAILY;X-WORKDAYS=1", start: "2026-09-18 09:30",
			from: "2026-09-18 00:00", to: "2026-10-13 00:00",
			want: "09-18 09:30 09-20 09:30 09-21 09:30 09-22 09:30 09-23 09:30 09-24 09:30 " +
				"09-28 09:30 09-29 09:30 09-30 09:30 10-08 09:30 10-09 09:30 10-10 09:30 10-12 09:30",
		},
		{
			name: "weekdays ignore the holiday rule (they never land on a day off)",
			rule: "FREQ=DAILY;X-WORKDAYS=1", start: "2026-09-30 09:30", holiday: Skip,
			from: "2026-09-30 00:00", to: "2026-10-10 00:00",
			want: "09-30 09:30 10-08 09:30 10-09 09:30",
		},
		{
			name: "a daily meeting over National Day happens once after it, as Oct 8's own",
			rule: "FREQ=DAILY", start: "2026-09-30 09:00",
			from: "2026-09-30 00:00", to: "2026-10-13 00:00",
			want: "09-30 09:00 10-08 09:00 10-09 09:00 10-10 09:00 10-12 09:00",
		},
		{
			name: "first working day of the month: Jan 4 is a make-up Sunday, May 6 after 劳动节, Oct 8 after 国庆",
			rule: "FREQ=MONTHLY;X-WORKDAY=1", start: "2026-01-01 15:00",
			from: "2026-01-01 00:00", to: "2026-11-01 00:00",
			want: "01-04 15:00 02-02 15:00 03-02 15:00 04-01 15:00 05-06 15:00 06-01 15:00 " +
				"07-01 15:00 08-03 15:00 09-01 15:00 10-08 15:00",
		},
		{
			name: "last working day of the month: Feb 28 is a make-up Saturday",
			rule: "FREQ=MONTHLY;X-WORKDAY=-1", start: "2026-01-01 17:00",
			from: "2026-02-01 00:00", to: "2026-05-01 00:00",
			want: "02-28 17:00 03-31 17:00 04-30 17:00",
		},
		{
			name: "every 2 weeks on tuesday, counted from Start: Oct 6 moves to Oct 8",
			rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", start: "2026-09-22 14:00",
			from: "2026-09-01 00:00", to: "2026-10-25 00:00",
			want: "09-22 14:00 10-08 14:00<10-06 10-20 14:00",
		},
		{
			name: "every 2 weeks on tuesday, skipping",
			rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", start: "2026-09-22 14:00", holiday: Skip,
			from: "2026-09-01 00:00", to: "2026-10-25 00:00",
			want: "09-22 14:00 10-20 14:00",
		},
		{
			name: "the 15th: 春节 Sunday Feb 15 moves past the whole festival, Sunday Mar 15 to Monday",
			rule: "FREQ=MONTHLY;BYMONTHDAY=15", start: "2026-01-15 10:00",
			from: "2026-01-01 00:00", to: "2026-04-30 00:00",
			want: "01-15 10:00 02-24 10:00<02-15 03-16 10:00<03-15 04-15 10:00",
		},
		{
			name: "two Mondays of 春节 merge into one occurrence on Tuesday Feb 24",
			rule: "FREQ=WEEKLY;BYDAY=MO", start: "2026-02-09 10:00",
			from: "2026-02-09 00:00", to: "2026-03-03 00:00",
			want: "02-09 10:00 02-24 10:00<02-16 03-02 10:00",
		},
		{
			name: "an occurrence moved from before the window into it is listed",
			rule: "FREQ=WEEKLY;BYDAY=MO", start: "2026-09-14 10:00",
			from: "2026-10-08 00:00", to: "2026-10-09 00:00",
			want: "10-08 10:00<10-05",
		},
		{
			name: "an occurrence that started before the window and is still on is listed",
			rule: "FREQ=WEEKLY;BYDAY=MO", start: "2026-09-14 10:00",
			from: "2026-09-21 10:30", to: "2026-09-22 00:00",
			want: "09-21 10:00",
		},
		{
			name: "an occurrence that ended when the window starts is not",
			rule: "FREQ=WEEKLY;BYDAY=MO", start: "2026-09-14 10:00",
			from: "2026-09-21 11:00", to: "2026-09-22 00:00",
			want: "",
		},
		{
			name: "nothing before Start",
			rule: "FREQ=WEEKLY;BYDAY=MO", start: "2026-09-28 10:00",
			from: "2026-09-01 00:00", to: "2026-09-29 00:00",
			want: "09-28 10:00",
		},
		{
			name: "a one-off on a holiday stays where it was put",
			rule: "", start: "2026-10-03 10:00",
			from: "2026-10-01 00:00", to: "2026-10-08 00:00",
			want: "10-03 10:00",
		},
		{
			name: "weekly without BYDAY is on Start's weekday",
			rule: "FREQ=WEEKLY", start: "2026-09-30 16:00",
			from: "2026-09-01 00:00", to: "2026-10-15 00:00",
			want: "09-30 16:00 10-08 16:00<10-07 10-14 16:00",
		},
		{
			name: "an early-morning Monday meeting in Shanghai is on Shanghai's Mondays (its UTC instant is Sunday)",
			rule: "FREQ=WEEKLY;BYDAY=MO", start: "2026-09-28 07:30",
			from: "2026-09-28 00:00", to: "2026-10-13 00:00",
			want: "09-28 07:30 10-08 07:30<10-05 10-12 07:30",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &Meeting{
				Start: at(t, sh, tc.start), Duration: time.Hour, TZ: "Asia/Shanghai",
				Rule: tc.rule, Holiday: tc.holiday, Status: Scheduled,
			}
			occs, err := Occurrences(m, cal, at(t, sh, tc.from), at(t, sh, tc.to))
			if err != nil {
				t.Fatal(err)
			}
			if got := show(occs); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			for _, o := range occs {
				if o.End.Sub(o.Start) != time.Hour {
					t.Errorf("%v: ends at %v, want an hour later", o.Start, o.End)
				}
				if o.Start.Location().String() != "Asia/Shanghai" {
					t.Errorf("%v: not in the meeting's zone", o.Start)
				}
				if tc.rule != "" && !cal.IsWorkday(o.Start) {
					t.Errorf("%v: a series occurrence on a day off", o.Start)
				}
			}
		})
	}
}

func TestOccurrencesInADaylightSavingZone(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	cal, err := workcal.New(workcal.Options{Location: ny, Days: []workcal.Override{
		{Date: "2026-11-26", Off: true, Name: "Thanksgiving"},
		{Date: "2026-11-07", Name: "Thanksgiving"}, // a made-up make-up Saturday
	}})
	if err != nil {
		t.Fatal(err)
	}
	m := &Meeting{
		Start: at(t, ny, "2026-10-22 10:00"), Duration: 30 * time.Minute, TZ: "America/New_York",
		Rule: "FREQ=WEEKLY;BYDAY=TH", Status: Scheduled,
	}
	occs, err := Occurrences(m, cal, at(t, ny, "2026-10-22 00:00"), at(t, ny, "2026-12-01 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range occs {
		got = append(got, o.Start.UTC().Format("01-02 15:04Z"))
	}
	// 10:00 EDT is 14:00Z until clocks go back on Nov 1, then 15:00Z;
	// Thanksgiving moves to Friday.
	want := []string{"10-22 14:00Z", "10-29 14:00Z", "11-05 15:00Z", "11-12 15:00Z", "11-19 15:00Z", "11-27 15:00Z"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}

	m.Rule = "FREQ=DAILY;X-WORKDAYS=1"
	m.Start = at(t, ny, "2026-10-30 09:30")
	occs, err = Occurrences(m, cal, at(t, ny, "2026-10-30 00:00"), at(t, ny, "2026-11-10 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := show(occs), "10-30 09:30 11-02 09:30 11-03 09:30 11-04 09:30 11-05 09:30 11-06 09:30 11-07 09:30 11-09 09:30"; got != want {
		t.Errorf("workdays across the DST change and a make-up Saturday:\ngot  %s\nwant %s", got, want)
	}
	if d := occs[1].Start.Sub(occs[0].Start); d != 73*time.Hour {
		t.Errorf("Oct 30 09:30 to Nov 2 09:30 is %v of real time, want 73h (clocks went back an hour)", d)
	}
}

func TestOccurrencesEdges(t *testing.T) {
	sh := mustLoad(t, "Asia/Shanghai")
	m := &Meeting{Start: at(t, sh, "2026-10-05 10:00"), Duration: time.Hour, TZ: "Asia/Shanghai", Rule: "FREQ=WEEKLY;BYDAY=MO", Status: Cancelled}
	if occs, err := Occurrences(m, cnCalendar(t), at(t, sh, "2026-10-01 00:00"), at(t, sh, "2026-11-01 00:00")); err != nil || occs != nil {
		t.Errorf("a cancelled meeting: %v, %v; want none", occs, err)
	}
	m.Status = Scheduled
	// Without a calendar Monday to Friday work: Oct 5 is a Monday and stays.
	occs, err := Occurrences(m, nil, at(t, sh, "2026-10-01 00:00"), at(t, sh, "2026-10-13 00:00"))
	if err != nil || show(occs) != "10-05 10:00 10-12 10:00" {
		t.Errorf("no calendar: %q, %v", show(occs), err)
	}
	m.Rule = "FREQ=HOURLY"
	if _, err := Occurrences(m, nil, at(t, sh, "2026-10-01 00:00"), at(t, sh, "2026-10-13 00:00")); err == nil {
		t.Error("an unreadable rule gave no error")
	}
	// A calendar with no working day at all cannot make a move loop.
	none, err := workcal.New(workcal.Options{Weekend: []time.Weekday{0, 1, 2, 3, 4, 5, 6}})
	if err != nil {
		t.Fatal(err)
	}
	m.Rule = "FREQ=WEEKLY;BYDAY=MO"
	if occs, err := Occurrences(m, none, at(t, sh, "2026-10-01 00:00"), at(t, sh, "2026-10-13 00:00")); err != nil || len(occs) != 0 {
		t.Errorf("no working days: %q, %v; want none", show(occs), err)
	}
}

func TestNext(t *testing.T) {
	sh := mustLoad(t, "Asia/Shanghai")
	m := &Meeting{Start: at(t, sh, "2026-09-14 10:00"), Duration: time.Hour, TZ: "Asia/Shanghai", Rule: "FREQ=WEEKLY;BYDAY=MO", Status: Scheduled}
	o, ok, err := Next(m, cnCalendar(t), at(t, sh, "2026-09-28 10:00"))
	if err != nil || !ok || !o.Start.Equal(at(t, sh, "2026-10-08 10:00")) || !o.Moved {
		t.Errorf("Next after Sep 28 10:00 = %v moved=%v ok=%v err=%v; want Oct 8 10:00, moved", o.Start, o.Moved, ok, err)
	}
}

func TestRuleRoundTrip(t *testing.T) {
	for _, s := range []string{
		"FREQ=DAILY",
		"FREQ=WEEKLY;BYDAY=MO",
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
		"FREQ=WEEKLY;BYDAY=MO,WE,SU",
		"FREQ=MONTHLY;BYMONTHDAY=15",
		"FREQ=DAILY;X-WORKDAYS=1",
		"FREQ=MONTHLY;X-WORKDAY=1",
		"FREQ=MONTHLY;X-WORKDAY=-1",
	} {
		r, err := ParseRule(s)
		if err != nil {
			t.Errorf("ParseRule(%q): %v", s, err)
			continue
		}
		if r.String() != s {
			t.Errorf("ParseRule(%q).String() = %q", s, r.String())
		}
	}
	if r, err := ParseRule("RRULE:FREQ=WEEKLY;BYDAY=SU,MO"); err != nil || r.String() != "FREQ=WEEKLY;BYDAY=MO,SU" {
		t.Errorf("an RRULE: prefix and Sunday-first days: %q, %v", r, err)
	}
	for _, bad := range []string{
		"", "FREQ=YEARLY", "FREQ=WEEKLY;BYDAY=XX", "FREQ=DAILY;BYDAY=MO", "FREQ=WEEKLY;BYMONTHDAY=3",
		"FREQ=MONTHLY;BYMONTHDAY=32", "FREQ=WEEKLY;INTERVAL=0", "FREQ=WEEKLY;FREQ=DAILY",
		"FREQ=WEEKLY;X-WORKDAYS=1", "FREQ=DAILY;INTERVAL=2;X-WORKDAYS=1", "FREQ=MONTHLY;X-WORKDAY=0",
		"FREQ=MONTHLY;BYMONTHDAY=1;X-WORKDAY=1", "FREQ=DAILY;COUNT=3", "FREQ=DAILY;X-WORKDAYS=yes", "INTERVAL=2",
	} {
		if r, err := ParseRule(bad); err == nil {
			t.Errorf("ParseRule(%q) = %q, want an error", bad, r)
		}
	}
}

func TestICalMatchesOccurrences(t *testing.T) {
	cal := cnCalendar(t)
	sh := mustLoad(t, "Asia/Shanghai")
	from, to := at(t, sh, "2026-01-01 00:00"), at(t, sh, "2027-01-01 00:00")
	for _, tc := range []struct {
		rule, start string
		holiday     HolidayRule
		rrule       string
	}{
		{"FREQ=WEEKLY;BYDAY=MO", "2026-01-05 10:00", "", "FREQ=WEEKLY;BYDAY=MO"},
		{"FREQ=WEEKLY;BYDAY=MO", "2026-01-05 10:00", Skip, "FREQ=WEEKLY;BYDAY=MO"},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "2026-01-06 14:00", "", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"},
		{"FREQ=DAILY", "2026-01-01 09:00", "", "FREQ=DAILY"},
		{"FREQ=MONTHLY;BYMONTHDAY=15", "2026-01-15 10:00", "", "FREQ=MONTHLY;BYMONTHDAY=15"},
		{"FREQ=DAILY;X-WORKDAYS=1", "2026-01-01 09:30", "", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"},
		{"FREQ=MONTHLY;X-WORKDAY=1", "2026-01-01 15:00", "", "FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO,TU,WE,TH,FR"},
		{"FREQ=MONTHLY;X-WORKDAY=-1", "2026-01-30 17:00", "", "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR"},
	} {
		t.Run(tc.rule+" "+string(tc.holiday), func(t *testing.T) {
			m := &Meeting{Start: at(t, sh, tc.start), Duration: time.Hour, TZ: "Asia/Shanghai", Rule: tc.rule, Holiday: tc.holiday, Status: Scheduled}
			ic, err := ICal(m, cal, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if ic.RRule != tc.rrule {
				t.Errorf("RRULE %q, want %q", ic.RRule, tc.rrule)
			}
			// What a calendar application computes from DTSTART, RRULE,
			// EXDATE and RDATE must be Occurrences.
			opt, err := rrule.StrToROptionInLocation(ic.RRule, sh)
			if err != nil {
				t.Fatal(err)
			}
			opt.Dtstart = m.Start
			rr, err := rrule.NewRRule(*opt)
			if err != nil {
				t.Fatal(err)
			}
			var set rrule.Set
			set.RRule(rr)
			set.RDate(m.Start)
			for _, d := range ic.ExDates {
				set.ExDate(d)
			}
			for _, d := range ic.RDates {
				set.RDate(d)
			}
			var got []string
			for _, d := range set.Between(from, to, true) {
				got = append(got, d.Format("01-02 15:04"))
			}
			occs, err := Occurrences(m, cal, from, to)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, o := range occs {
				want = append(want, o.Start.Format("01-02 15:04"))
			}
			if !slices.Equal(got, want) {
				t.Errorf("RRULE+EXDATE+RDATE give\n%v\nOccurrences give\n%v", got, want)
			}
		})
	}
}

func TestICalDates(t *testing.T) {
	cal := cnCalendar(t)
	sh := mustLoad(t, "Asia/Shanghai")
	dates := func(ts []time.Time) string {
		var s []string
		for _, t := range ts {
			s = append(s, t.Format("01-02 15:04"))
		}
		return strings.Join(s, " ")
	}
	m := &Meeting{Start: at(t, sh, "2026-09-14 10:00"), Duration: time.Hour, TZ: "Asia/Shanghai", Rule: "FREQ=WEEKLY;BYDAY=MO", Status: Scheduled}
	ic, err := ICal(m, cal, at(t, sh, "2026-09-14 00:00"), at(t, sh, "2026-10-20 00:00"))
	if err != nil || dates(ic.ExDates) != "10-05 10:00" || dates(ic.RDates) != "10-08 10:00" {
		t.Errorf("every monday over 国庆: EXDATE %q RDATE %q (%v); want 10-05 and 10-08", dates(ic.ExDates), dates(ic.RDates), err)
	}
	// A window starting inside the holiday still takes Oct 5 out.
	ic, err = ICal(m, cal, at(t, sh, "2026-10-08 00:00"), at(t, sh, "2026-10-09 00:00"))
	if err != nil || dates(ic.ExDates) != "10-05 10:00" || dates(ic.RDates) != "10-08 10:00" {
		t.Errorf("window from Oct 8: EXDATE %q RDATE %q (%v)", dates(ic.ExDates), dates(ic.RDates), err)
	}
	m.Rule, m.Start = "FREQ=DAILY;X-WORKDAYS=1", at(t, sh, "2026-09-14 09:30")
	ic, err = ICal(m, cal, at(t, sh, "2026-09-14 00:00"), at(t, sh, "2026-10-12 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dates(ic.ExDates), "09-25 09:30 10-01 09:30 10-02 09:30 10-05 09:30 10-06 09:30 10-07 09:30"; got != want {
		t.Errorf("workdays EXDATE %q, want %q", got, want)
	}
	if got, want := dates(ic.RDates), "09-20 09:30 10-10 09:30"; got != want {
		t.Errorf("workdays RDATE %q, want the make-up days %q", got, want)
	}
	m.Rule = ""
	if ic, err := ICal(m, cal, at(t, sh, "2026-09-14 00:00"), at(t, sh, "2026-10-12 00:00")); err != nil || ic.RRule != "" || ic.ExDates != nil || ic.RDates != nil {
		t.Errorf("a one-off: %+v, %v; want nothing", ic, err)
	}
}

func TestReminderTimes(t *testing.T) {
	cal := cnCalendar(t)
	sh := mustLoad(t, "Asia/Shanghai")
	day, quarter := 24*time.Hour, 15*time.Minute
	tests := []struct {
		name, start string
		reminders   []time.Duration
		want        string
	}{
		{"both on working time", "2026-09-23 10:00", []time.Duration{day, quarter}, "09-22 10:00 09-23 09:45"},
		{"the day before is 中秋: Thursday's close", "2026-09-28 10:00", []time.Duration{day, quarter}, "09-24 18:00 09-28 09:45"},
		{"after 国庆: the day before the holiday, at its close", "2026-10-08 10:00", []time.Duration{day, quarter}, "09-30 18:00 10-08 09:45"},
		{"a 09:00 meeting after a make-up Saturday: both fall back to Saturday's close and come once", "2026-10-12 09:00", []time.Duration{day, quarter}, "10-10 18:00"},
		{"a reminder in the lunch break comes at noon", "2026-09-23 14:00", []time.Duration{45 * time.Minute}, "09-23 12:00"},
		{"a reminder at an opening is working time", "2026-09-23 09:15", []time.Duration{quarter}, "09-23 09:00"},
		{"a reminder at a close is not: it is the close itself, from the other side", "2026-09-23 18:15", []time.Duration{quarter}, "09-23 18:00"},
		{"no reminders", "2026-09-23 10:00", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := at(t, sh, tc.start)
			var got []string
			for _, r := range ReminderTimes(Occurrence{Start: start, End: start.Add(time.Hour)}, tc.reminders, cal, "") {
				got = append(got, r.In(sh).Format("01-02 15:04"))
				if r.After(start) {
					t.Errorf("reminder %v after the start %v", r, start)
				}
			}
			if s := strings.Join(got, " "); s != tc.want {
				t.Errorf("got %q, want %q", s, tc.want)
			}
		})
	}
	// A department's own hours: Ops works 08:00–20:00.
	ops, err := workcal.New(workcal.Options{Region: "CN", Departments: map[string][]workcal.Interval{"Ops": {{Start: 8 * time.Hour, End: 20 * time.Hour}}}})
	if err != nil {
		t.Fatal(err)
	}
	start := at(t, sh, "2026-09-23 08:30")
	if got := ReminderTimes(Occurrence{Start: start}, []time.Duration{quarter}, ops, "Ops"); len(got) != 1 || !got[0].Equal(at(t, sh, "2026-09-23 08:15")) {
		t.Errorf("Ops at 08:15 is working time: %v", got)
	}
	if got := ReminderTimes(Occurrence{Start: start}, []time.Duration{quarter}, ops, ""); len(got) != 1 || !got[0].Equal(at(t, sh, "2026-09-22 18:00")) {
		t.Errorf("default hours: 08:15 falls back to the previous close: %v", got)
	}
	// Without a calendar the durations are clock time.
	if got := ReminderTimes(Occurrence{Start: start}, []time.Duration{day}, nil, ""); len(got) != 1 || !got[0].Equal(start.Add(-day)) {
		t.Errorf("no calendar: %v", got)
	}
	// No working time at all: the reminder is dropped, not sent at year 1.
	none, err := workcal.New(workcal.Options{Weekend: []time.Weekday{0, 1, 2, 3, 4, 5, 6}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ReminderTimes(Occurrence{Start: start}, []time.Duration{day}, none, ""); len(got) != 0 {
		t.Errorf("no working time: %v, want none", got)
	}
}
