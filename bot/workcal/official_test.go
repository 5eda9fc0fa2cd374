package workcal_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/workcal"
)

// The official schedules, written out independently of data/*.ics so that
// this test compares the shipped data with the notices themselves:
//
//	2025: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号 (2024-11-12)
//	2026: 国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号 (2025-11-04)
type period struct{ from, to, name string }

var officialOff = []period{
	{"2025-01-01", "2025-01-01", "元旦"},
	{"2025-01-28", "2025-02-04", "春节"},
	{"2025-04-04", "2025-04-06", "清明节"},
	{"2025-05-01", "2025-05-05", "劳动节"},
	{"2025-05-31", "2025-06-02", "端午节"},
	{"2025-10-01", "2025-10-08", "国庆节、中秋节"},

	{"2026-01-01", "2026-01-03", "元旦"},
	{"2026-02-15", "2026-02-23", "春节"},
	{"2026-04-04", "2026-04-06", "清明节"},
	{"2026-05-01", "2026-05-05", "劳动节"},
	{"2026-06-19", "2026-06-21", "端午节"},
	{"2026-09-25", "2026-09-27", "中秋节"},
	{"2026-10-01", "2026-10-07", "国庆节"},
}

// officialMakeUp maps each make-up working day (调休上班) to its holiday.
var officialMakeUp = map[string]string{
	"2025-01-26": "春节",      // Sun
	"2025-02-08": "春节",      // Sat
	"2025-04-27": "劳动节",     // Sun
	"2025-09-28": "国庆节、中秋节", // Sun
	"2025-10-11": "国庆节、中秋节", // Sat

	"2026-01-04": "元旦",  // Sun
	"2026-02-14": "春节",  // Sat
	"2026-02-28": "春节",  // Sat
	"2026-05-09": "劳动节", // Sat
	"2026-09-20": "国庆节", // Sun
	"2026-10-10": "国庆节", // Sat
}

func TestOfficialSchedule2025And2026EveryDay(t *testing.T) {
	c := china(t)
	loc := c.Location()
	offName := map[string]string{}
	for _, p := range officialOff {
		from, _ := time.ParseInLocation("2006-01-02", p.from, loc)
		to, _ := time.ParseInLocation("2006-01-02", p.to, loc)
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			offName[d.Format("2006-01-02")] = p.name
		}
	}
	for d := range officialMakeUp {
		day, _ := time.ParseInLocation("2006-01-02", d, loc)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			t.Fatalf("test data: make-up day %s is a %s", d, wd)
		}
	}

	days := 0
	workdays := map[int]int{}
	for d := c.Date(2025, 1, 1); d.Year() <= 2026; d = d.AddDate(0, 0, 1) {
		days++
		key := d.Format("2006-01-02")
		want := workcal.DayInfo{Workday: true}
		switch {
		case officialMakeUp[key] != "":
			want = workcal.DayInfo{Workday: true, Reason: "make-up day for " + officialMakeUp[key]}
		case offName[key] != "":
			want = workcal.DayInfo{Workday: false, Reason: offName[key]}
		case d.Weekday() == time.Saturday || d.Weekday() == time.Sunday:
			want = workcal.DayInfo{Workday: false, Reason: "weekend"}
		}
		if got := c.Day(d); got != want {
			t.Errorf("%s (%s): Day = %+v, want %+v", key, d.Weekday(), got, want)
		}
		if got := c.IsWorkday(d.Add(23*time.Hour + 59*time.Minute)); got != want.Workday {
			t.Errorf("%s 23:59: IsWorkday = %v, want %v", key, got, want.Workday)
		}
		wantDesc := key + " off"
		if want.Workday {
			wantDesc = key + " workday"
		}
		if want.Reason != "" {
			wantDesc += " " + want.Reason
		}
		if got := c.Describe(d); got != wantDesc {
			t.Errorf("Describe = %q, want %q", got, wantDesc)
		}
		if want.Workday {
			workdays[d.Year()]++
		}
	}
	if days != 730 {
		t.Fatalf("checked %d days, want 730", days)
	}
	// Cross-check WorkdaysInMonth against the per-day expectation; both
	// years have 248 working days.
	for _, y := range []int{2025, 2026} {
		sum := 0
		for m := time.January; m <= time.December; m++ {
			sum += c.WorkdaysInMonth(y, m)
		}
		if sum != workdays[y] || sum != 248 {
			t.Errorf("%d: WorkdaysInMonth sums to %d, per-day count %d, want 248", y, sum, workdays[y])
		}
	}
}

func TestDescribeExamples(t *testing.T) {
	c := china(t)
	for date, want := range map[string]string{
		"2026-02-14": "2026-02-14 workday make-up day for 春节",
		"2026-02-16": "2026-02-16 off 春节",
		"2026-03-07": "2026-03-07 off weekend",
		"2026-03-09": "2026-03-09 workday",
		"2025-10-06": "2025-10-06 off 国庆节、中秋节",
		"2027-03-01": "2027-03-01 workday",
	} {
		if got := c.Describe(day(t, c, date)); got != want {
			t.Errorf("Describe(%s) = %q, want %q", date, got, want)
		}
	}
}
