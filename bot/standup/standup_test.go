package standup_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/standup"
	"github.com/tandemhq/tandem/bot/workcal"
)

func date(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }

// Ensure a standup happens on the calendar's working days: not in the
// 2026 National Day week (1–7 October), on its make-up Saturday (10
// October); a weekly check-in on its weekday only when that is a working
// day.
func TestOccursFollowsTheWorkCalendar(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	cal, err := workcal.ChinaMainland(sh)
	if err != nil {
		t.Fatal(err)
	}
	daily := &standup.Standup{Weekday: standup.Workdays}
	friday := &standup.Standup{Weekday: int(time.Friday)}
	for _, c := range []struct {
		day           time.Time
		daily, friday bool
	}{
		{date(9, 30), true, false},
		{date(10, 1), false, false},
		{date(10, 2), false, false}, // a Friday off
		{date(10, 7), false, false},
		{date(10, 9), true, true},
		{date(10, 10), true, false}, // make-up Saturday
		{date(10, 11), false, false},
	} {
		if got := standup.Occurs(daily, cal, c.day); got != c.daily {
			t.Errorf("daily on %s: %v, want %v", c.day.Format("Mon 2 Jan"), got, c.daily)
		}
		if got := standup.Occurs(friday, cal, c.day); got != c.friday {
			t.Errorf("Fridays on %s: %v, want %v", c.day.Format("Mon 2 Jan"), got, c.friday)
		}
	}
	// Without a calendar, Monday to Friday.
	if standup.Occurs(daily, nil, date(10, 10)) || !standup.Occurs(daily, nil, date(10, 1)) {
		t.Error("without a calendar, weekends are off and weekdays on")
	}
}

// Ensure each member is asked at the clock in their own zone on the day's
// date, and the day is planned a day ahead of the standup's zone.
func TestAskAtIsTheMembersOwnClock(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	sh, _ := time.LoadLocation("Asia/Shanghai")
	s := &standup.Standup{Clock: "09:30"}
	if got, want := standup.AskAt(s, date(10, 8), ny), time.Date(2026, 10, 8, 21, 30, 0, 0, sh); !got.Equal(want) {
		t.Errorf("New York: %v, want %v", got, want)
	}
	if got, want := standup.AskAt(s, date(10, 8), sh), time.Date(2026, 10, 8, 9, 30, 0, 0, sh); !got.Equal(want) {
		t.Errorf("Shanghai: %v, want %v", got, want)
	}
	if got, want := standup.PlanAt(date(10, 8), sh), time.Date(2026, 10, 7, 0, 0, 0, 0, sh); !got.Equal(want) {
		t.Errorf("plan: %v, want %v", got, want)
	}
}

func TestParseClockAndDays(t *testing.T) {
	for _, c := range []struct {
		in   string
		h, m int
		ok   bool
	}{{"09:30", 9, 30, true}, {"9:05", 9, 5, true}, {"16：00", 16, 0, true}, {"24:00", 0, 0, false}, {"930", 0, 0, false}, {"9:30pm", 0, 0, false}} {
		h, m, err := standup.ParseClock(c.in)
		if (err == nil) != c.ok || c.ok && (h != c.h || m != c.m) {
			t.Errorf("ParseClock(%q) = %d, %d, %v", c.in, h, m, err)
		}
	}
	for in, want := range map[string]int{"workdays": standup.Workdays, "工作日": standup.Workdays, "fri": int(time.Friday),
		"Friday": int(time.Friday), "周五": int(time.Friday), "星期一": int(time.Monday)} {
		if got, ok := standup.ParseDays(in); !ok || got != want {
			t.Errorf("ParseDays(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	if _, ok := standup.ParseDays("someday"); ok {
		t.Error("ParseDays took someday")
	}
}
