package workcal_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/workcal"
)

func china(t testing.TB) *workcal.Calendar {
	t.Helper()
	c, err := workcal.ChinaMainland(nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at parses "2006-01-02 15:04" (seconds optional) in the calendar's zone.
func at(t testing.TB, c *workcal.Calendar, s string) time.Time {
	t.Helper()
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if v, err := time.ParseInLocation(layout, s, c.Location()); err == nil {
			return v
		}
	}
	t.Fatalf("bad time %q", s)
	return time.Time{}
}

func day(t testing.TB, c *workcal.Calendar, s string) time.Time {
	t.Helper()
	d, err := c.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got.Format(time.DateTime+" Mon"), want.Format(time.DateTime+" Mon"))
	}
}

func TestLocationAndRegions(t *testing.T) {
	c := china(t)
	if _, off := time.Date(2026, 1, 1, 0, 0, 0, 0, c.Location()).Zone(); off != 8*3600 {
		t.Errorf("China calendar zone offset = %d, want +8h", off)
	}
	if got := strings.Join(workcal.Regions(), ","); got != "CN" {
		t.Errorf("Regions() = %q", got)
	}
	if _, err := workcal.New(workcal.Options{Region: "XX"}); err == nil {
		t.Error("unknown region accepted")
	}
}

func TestDatesAreReadInCalendarZone(t *testing.T) {
	c := china(t)
	// 2026-02-13 20:00 UTC is 2026-02-14 04:00 in Shanghai: the make-up Saturday.
	u := time.Date(2026, 2, 13, 20, 0, 0, 0, time.UTC)
	if got := c.Describe(u); got != "2026-02-14 workday make-up day for 春节" {
		t.Errorf("Describe(UTC instant) = %q", got)
	}
	if !c.IsWorkingTime(time.Date(2026, 2, 14, 1, 0, 0, 0, time.UTC), "") { // 09:00 CST
		t.Error("2026-02-14 09:00 CST given as UTC is not working time")
	}
}

func TestMakeUpSaturdayIsWorkday(t *testing.T) {
	c := china(t)
	for _, d := range []string{"2026-02-14", "2026-02-28", "2025-02-08", "2026-10-10", "2026-05-09"} {
		if !c.IsWorkday(day(t, c, d)) {
			t.Errorf("%s (make-up Saturday) is not a workday", d)
		}
		if !c.IsWorkingTime(at(t, c, d+" 10:00"), "") {
			t.Errorf("%s 10:00 is not working time", d)
		}
	}
	if !c.IsWorkday(day(t, c, "2026-09-20")) || !c.IsWorkday(day(t, c, "2025-01-26")) {
		t.Error("make-up Sunday is not a workday")
	}
	if c.IsWorkday(day(t, c, "2026-02-21")) || c.IsWorkday(day(t, c, "2026-03-07")) {
		t.Error("ordinary Saturday is a workday")
	}
}

func TestLongHolidayEdges(t *testing.T) {
	c := china(t)
	for _, tc := range []struct{ lastOff, firstBack string }{
		{"2026-02-23", "2026-02-24"}, // 春节 ends on a Monday
		{"2025-02-04", "2025-02-05"},
		{"2025-10-08", "2025-10-09"}, // 国庆+中秋, 8 days
		{"2026-10-07", "2026-10-08"},
		{"2026-05-05", "2026-05-06"},
	} {
		if c.IsWorkday(day(t, c, tc.lastOff)) || c.IsWorkingTime(at(t, c, tc.lastOff+" 10:00"), "") {
			t.Errorf("last day of holiday %s is a workday", tc.lastOff)
		}
		if c.IsWorkingTime(at(t, c, tc.lastOff+" 23:59:59"), "") {
			t.Errorf("%s 23:59:59 is working time", tc.lastOff)
		}
		if !c.IsWorkday(day(t, c, tc.firstBack)) {
			t.Errorf("day after the holiday %s is not a workday", tc.firstBack)
		}
		wantTime(t, "NextWorkingMoment("+tc.lastOff+" 10:00)",
			c.NextWorkingMoment(at(t, c, tc.lastOff+" 10:00"), ""), at(t, c, tc.firstBack+" 09:00"))
	}
	// First day of the holiday, right at midnight.
	if c.IsWorkday(at(t, c, "2026-02-15 00:00")) || !c.IsWorkday(at(t, c, "2026-02-14 23:59:59")) {
		t.Error("holiday start edge wrong")
	}
}

func TestBusinessHoursEdges(t *testing.T) {
	c := china(t)
	for s, want := range map[string]bool{
		"2026-03-09 08:59:59": false,
		"2026-03-09 09:00":    true,
		"2026-03-09 11:59:59": true,
		"2026-03-09 12:00":    false, // lunch
		"2026-03-09 13:00":    false,
		"2026-03-09 13:29:59": false,
		"2026-03-09 13:30":    true,
		"2026-03-09 17:59:59": true,
		"2026-03-09 18:00":    false,
		"2026-03-07 10:00":    false, // Saturday
	} {
		if got := c.IsWorkingTime(at(t, c, s), ""); got != want {
			t.Errorf("IsWorkingTime(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestNextWorkingMoment(t *testing.T) {
	c := china(t)
	in := at(t, c, "2026-03-09 10:15")
	if got := c.NextWorkingMoment(in, ""); got != in {
		t.Errorf("NextWorkingMoment(working time) = %v, want t itself", got)
	}
	for from, want := range map[string]string{
		"2026-03-09 07:00": "2026-03-09 09:00",
		"2026-03-09 12:00": "2026-03-09 13:30",
		"2026-03-09 12:45": "2026-03-09 13:30",
		"2026-03-09 18:00": "2026-03-10 09:00",
		"2026-03-06 19:00": "2026-03-09 09:00", // Friday evening → Monday
		"2026-02-13 19:00": "2026-02-14 09:00", // → make-up Saturday
		"2026-02-14 18:30": "2026-02-24 09:00", // across 春节
	} {
		wantTime(t, "NextWorkingMoment("+from+")", c.NextWorkingMoment(at(t, c, from), ""), at(t, c, want))
	}
}

func TestAddBusiness(t *testing.T) {
	c := china(t)
	for _, tc := range []struct {
		from string
		d    time.Duration
		want string
	}{
		{"2026-02-13 17:00", 2 * time.Hour, "2026-02-14 10:00"},                                   // make-up Saturday counts
		{"2026-02-14 17:00", 2 * time.Hour, "2026-02-24 10:00"},                                   // across 春节
		{"2026-03-06 17:00", 2 * time.Hour, "2026-03-09 10:00"},                                   // across a weekend
		{"2026-03-09 11:30", time.Hour, "2026-03-09 14:00"},                                       // across lunch
		{"2026-03-09 11:00", time.Hour, "2026-03-09 12:00"},                                       // ends at the start of lunch
		{"2026-03-09 17:00", time.Hour, "2026-03-09 18:00"},                                       // ends at close, not next morning
		{"2026-03-09 12:15", 30 * time.Minute, "2026-03-09 14:00"},                                // starts in lunch
		{"2026-03-09 20:00", 30 * time.Minute, "2026-03-10 09:30"},                                // starts at night
		{"2026-03-07 10:00", 7*time.Hour + 30*time.Minute, "2026-03-09 18:00"},                    // one full day
		{"2026-03-09 09:00", 3*(7*time.Hour+30*time.Minute) + 30*time.Minute, "2026-03-12 09:30"}, // 3 days + 30m
		// Backwards.
		{"2026-02-14 10:00", -2 * time.Hour, "2026-02-13 17:00"},
		{"2026-02-24 10:00", -2 * time.Hour, "2026-02-14 17:00"},
		{"2026-03-09 14:00", -time.Hour, "2026-03-09 11:30"},
		{"2026-03-09 13:30", -time.Hour, "2026-03-09 11:00"},
		{"2026-03-09 09:00", -time.Hour, "2026-03-06 17:00"},
	} {
		got := c.AddBusiness(at(t, c, tc.from), tc.d, "")
		wantTime(t, fmt.Sprintf("AddBusiness(%s, %v)", tc.from, tc.d), got, at(t, c, tc.want))
	}
	night := at(t, c, "2026-03-07 23:00")
	if got := c.AddBusiness(night, 0, ""); got != night {
		t.Errorf("AddBusiness(t, 0) = %v, want t", got)
	}
}

func TestAddBusinessAndBusinessBetweenAgree(t *testing.T) {
	c := china(t)
	r := rand.New(rand.NewPCG(1, 2))
	start := at(t, c, "2025-01-01 00:00")
	for i := 0; i < 2000; i++ {
		from := start.Add(time.Duration(r.Int64N(int64(730 * 24 * time.Hour))))
		from = from.Truncate(time.Minute)
		d := time.Duration(1+r.Int64N(60*60)) * time.Minute
		to := c.AddBusiness(from, d, "")
		if got := c.BusinessBetween(from, to, ""); got != d {
			t.Fatalf("BusinessBetween(%v, AddBusiness(+%v)=%v) = %v", from, d, to, got)
		}
		if !c.IsWorkingTime(to.Add(-time.Nanosecond), "") {
			t.Fatalf("AddBusiness(%v, %v) = %v does not end working time", from, d, to)
		}
		back := c.AddBusiness(from, -d, "")
		if got := c.BusinessBetween(back, from, ""); got != d {
			t.Fatalf("BusinessBetween(AddBusiness(%v, -%v)=%v, t) = %v", from, d, back, got)
		}
		if !c.IsWorkingTime(back, "") {
			t.Fatalf("AddBusiness(%v, -%v) = %v is not working time", from, d, back)
		}
	}
}

func TestBusinessBetween(t *testing.T) {
	c := china(t)
	for _, tc := range []struct {
		a, b string
		want time.Duration
	}{
		{"2026-02-13 17:00", "2026-02-14 10:00", 2 * time.Hour},
		{"2026-03-06 17:00", "2026-03-09 10:00", 2 * time.Hour},
		{"2026-03-09 11:00", "2026-03-09 14:00", 90 * time.Minute}, // lunch excluded
		{"2026-03-09 12:10", "2026-03-09 13:20", 0},
		{"2026-03-07 00:00", "2026-03-08 23:59", 0},                            // weekend
		{"2026-02-14 09:00", "2026-02-24 09:00", 7*time.Hour + 30*time.Minute}, // only the make-up day
		{"2026-03-09 09:00", "2026-03-16 09:00", 5 * (7*time.Hour + 30*time.Minute)},
		{"2026-03-09 10:00", "2026-03-09 10:00", 0},
	} {
		a, b := at(t, c, tc.a), at(t, c, tc.b)
		if got := c.BusinessBetween(a, b, ""); got != tc.want {
			t.Errorf("BusinessBetween(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := c.BusinessBetween(b, a, ""); got != -tc.want {
			t.Errorf("BusinessBetween(%s, %s) = %v, want %v", tc.b, tc.a, got, -tc.want)
		}
	}
	// February 2026 has 16 working days.
	if got, want := c.BusinessBetween(day(t, c, "2026-02-01"), day(t, c, "2026-03-01"), ""), 16*(7*time.Hour+30*time.Minute); got != want {
		t.Errorf("February 2026 = %v, want %v", got, want)
	}
}

func TestBusinessBetweenLongSpans(t *testing.T) {
	c := china(t)
	// Spans longer than three years are counted arithmetically; they must
	// agree with the sum of exactly measured pieces.
	a, b := at(t, c, "2023-06-03 10:17"), at(t, c, "2031-03-05 15:45")
	var sum time.Duration
	for p := a; p.Before(b); {
		q := p.AddDate(1, 0, 0)
		if q.After(b) {
			q = b
		}
		sum += c.BusinessBetween(p, q, "")
		p = q
	}
	if got := c.BusinessBetween(a, b, ""); got != sum {
		t.Errorf("long span = %v, sum of yearly pieces = %v", got, sum)
	}
	if got := c.BusinessBetween(b, a, ""); got != -sum {
		t.Errorf("reversed long span = %v, want %v", got, -sum)
	}
	// A zero time (a common bug) must neither hang nor overflow.
	done := make(chan time.Duration, 1)
	go func() { done <- c.BusinessBetween(time.Time{}, at(t, c, "2026-03-09 10:00"), "") }()
	select {
	case got := <-done:
		if got <= 0 {
			t.Errorf("BusinessBetween(zero, 2026) = %v", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("BusinessBetween(zero time, now) is too slow")
	}
}

func TestAddWorkdays(t *testing.T) {
	c := china(t)
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-02-13 10:00", 1, "2026-02-14 10:00"}, // make-up Saturday
		{"2026-02-13 10:00", 2, "2026-02-24 10:00"}, // across 春节
		{"2026-02-13 20:00", 1, "2026-02-14 18:00"}, // after hours → close of business
		{"2026-02-13 07:00", 1, "2026-02-14 09:00"}, // before hours → opening
		{"2026-02-13 12:30", 1, "2026-02-14 13:30"}, // lunch → afternoon opening
		{"2026-03-06 15:00", 1, "2026-03-09 15:00"}, // Friday → Monday
		{"2026-03-08 10:00", 0, "2026-03-09 10:00"}, // Sunday, n = 0 → next workday
		{"2026-03-09 10:00", 0, "2026-03-09 10:00"},
		{"2026-02-24 10:00", -1, "2026-02-14 10:00"},
		{"2026-03-09 10:00", -1, "2026-03-06 10:00"},
		{"2026-03-09 10:00", 5, "2026-03-16 10:00"},
	} {
		wantTime(t, fmt.Sprintf("AddWorkdays(%s, %d)", tc.from, tc.n), c.AddWorkdays(at(t, c, tc.from), tc.n, ""), at(t, c, tc.want))
	}
}

func TestWorkdayHelpers(t *testing.T) {
	c := china(t)
	wantTime(t, "NextWorkday(2026-02-13)", c.NextWorkday(at(t, c, "2026-02-13 15:00")), day(t, c, "2026-02-14"))
	wantTime(t, "NextWorkday(2026-02-14)", c.NextWorkday(day(t, c, "2026-02-14")), day(t, c, "2026-02-24"))
	wantTime(t, "NextWorkday(2025-12-31)", c.NextWorkday(day(t, c, "2025-12-31")), day(t, c, "2026-01-04"))
	wantTime(t, "PrevWorkday(2026-02-24)", c.PrevWorkday(day(t, c, "2026-02-24")), day(t, c, "2026-02-14"))
	wantTime(t, "LastWorkdayOfMonth(2026-02)", c.LastWorkdayOfMonth(2026, time.February), day(t, c, "2026-02-28"))
	wantTime(t, "LastWorkdayOfMonth(2025-09)", c.LastWorkdayOfMonth(2025, time.September), day(t, c, "2025-09-30"))
	wantTime(t, "LastWorkdayOfMonth(2026-05)", c.LastWorkdayOfMonth(2026, time.May), day(t, c, "2026-05-29"))
	wantTime(t, "LastWorkdayOfMonth(2026-12)", c.LastWorkdayOfMonth(2026, time.December), day(t, c, "2026-12-31"))
	for _, tc := range []struct {
		y    int
		m    time.Month
		want int
	}{
		{2026, time.February, 16}, {2025, time.October, 18}, {2026, time.October, 18}, {2026, time.March, 22},
	} {
		if got := c.WorkdaysInMonth(tc.y, tc.m); got != tc.want {
			t.Errorf("WorkdaysInMonth(%d, %s) = %d, want %d", tc.y, tc.m, got, tc.want)
		}
	}
}

func TestDepartmentHours(t *testing.T) {
	support, err := workcal.ParseHours("08:00-20:00")
	if err != nil {
		t.Fatal(err)
	}
	night, err := workcal.ParseHours("18:00–24:00, 00:00-02:00")
	if err != nil {
		t.Fatal(err)
	}
	c, err := workcal.New(workcal.Options{Region: "CN", Departments: map[string][]workcal.Interval{"support": support, "ops": night}})
	if err != nil {
		t.Fatal(err)
	}
	evening := at(t, c, "2026-03-09 19:00")
	if !c.IsWorkingTime(evening, "support") || !c.IsWorkingTime(evening, "Support") {
		t.Error("support is not working at 19:00")
	}
	if c.IsWorkingTime(evening, "") || c.IsWorkingTime(evening, "sales") {
		t.Error("default hours include 19:00")
	}
	if !c.IsWorkingTime(at(t, c, "2026-03-09 12:30"), "support") {
		t.Error("support has no lunch break but 12:30 is not working time")
	}
	wantTime(t, "AddBusiness support", c.AddBusiness(at(t, c, "2026-02-13 19:00"), 2*time.Hour, "support"), at(t, c, "2026-02-14 09:00"))
	wantTime(t, "AddBusiness default", c.AddBusiness(at(t, c, "2026-02-13 19:00"), 2*time.Hour, ""), at(t, c, "2026-02-14 11:00"))
	if got := c.BusinessBetween(day(t, c, "2026-03-09"), day(t, c, "2026-03-10"), "ops"); got != 8*time.Hour {
		t.Errorf("ops day = %v, want 8h", got)
	}
	if got := c.Hours("SUPPORT"); len(got) != 1 || got[0].String() != "08:00-20:00" {
		t.Errorf("Hours(SUPPORT) = %v", got)
	}
	if got := fmt.Sprint(c.Hours("nobody")); got != "[09:00-12:00 13:30-18:00]" {
		t.Errorf("Hours(nobody) = %s", got)
	}
}

func TestParseHoursErrors(t *testing.T) {
	for _, s := range []string{"", "9-12", "09:00", "12:00-09:00", "09:00-12:00,11:00-13:00", "25:00-26:00", "09:60-10:00", "24:30-24:45"} {
		if _, err := workcal.ParseHours(s); err == nil {
			t.Errorf("ParseHours(%q) accepted", s)
		}
	}
	if _, err := workcal.New(workcal.Options{Hours: []workcal.Interval{}}); err == nil {
		t.Error("empty hours accepted")
	}
}

func TestConfigOverrides(t *testing.T) {
	c, err := workcal.New(workcal.Options{
		Region: "CN",
		Days: []workcal.Override{
			{Date: "2026-03-07", Off: false, Name: "年会"},
			{Date: "2026-12-24", Off: true, Name: "公司假日"},
			{Date: "2026-02-28", Off: true, Name: "春节"}, // the company drops a make-up Saturday
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for date, want := range map[string]string{
		"2026-03-07": "2026-03-07 workday make-up day for 年会",
		"2026-12-24": "2026-12-24 off 公司假日",
		"2026-02-28": "2026-02-28 off 春节",
	} {
		if got := c.Describe(day(t, c, date)); got != want {
			t.Errorf("Describe(%s) = %q, want %q", date, got, want)
		}
	}
	c.AddDay(day(t, c, "2026-03-09"), true, "")
	c.AddDay(day(t, c, "2026-03-14"), false, "")
	if got := c.Describe(day(t, c, "2026-03-09")); got != "2026-03-09 off holiday" {
		t.Errorf("AddDay off = %q", got)
	}
	if got := c.Describe(day(t, c, "2026-03-14")); got != "2026-03-14 workday make-up day" {
		t.Errorf("AddDay workday = %q", got)
	}
	if _, err := workcal.New(workcal.Options{Days: []workcal.Override{{Date: "2026/03/07"}}}); err == nil {
		t.Error("bad override date accepted")
	}
}

func TestCalendarWithoutWorkdaysDoesNotHang(t *testing.T) {
	all := []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	c, err := workcal.New(workcal.Options{Location: time.UTC, Weekend: all})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if !c.NextWorkingMoment(now, "").IsZero() || !c.AddBusiness(now, time.Hour, "").IsZero() ||
			!c.AddBusiness(now, -time.Hour, "").IsZero() || !c.AddWorkdays(now, 3, "").IsZero() ||
			!c.AddWorkdays(now, 0, "").IsZero() || !c.AddWorkdays(now, -1<<40, "").IsZero() ||
			!c.NextWorkday(now).IsZero() || !c.PrevWorkday(now).IsZero() ||
			!c.LastWorkdayOfMonth(2026, 3).IsZero() || c.WorkdaysInMonth(2026, 3) != 0 ||
			c.BusinessBetween(now, now.AddDate(50, 0, 0), "") != 0 || c.IsWorkingTime(now, "") {
			t.Error("a calendar without workdays reported working time")
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("operations on a calendar without workdays did not return")
	}

	// A very long holiday: the searches give up after MaxScanDays.
	c2, _ := workcal.New(workcal.Options{Location: time.UTC})
	for d := now; d.Before(now.AddDate(3, 0, 0)); d = d.AddDate(0, 0, 1) {
		c2.AddDay(d, true, "sabbatical")
	}
	if !c2.NextWorkingMoment(now, "").IsZero() {
		t.Error("NextWorkingMoment found working time inside a 3-year holiday")
	}
	if got := c2.AddWorkdays(now, 1<<40, ""); !got.IsZero() {
		t.Errorf("AddWorkdays(huge n) = %v", got)
	}
	c3, _ := workcal.New(workcal.Options{Location: time.UTC})
	if got := c3.AddWorkdays(now, 1<<40, ""); !got.IsZero() {
		t.Errorf("AddWorkdays beyond the horizon = %v, want zero", got)
	}
}

func TestDaylightSavingZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	h, _ := workcal.ParseHours("01:00-04:00")
	c, err := workcal.New(workcal.Options{Location: ny, Hours: h})
	if err != nil {
		t.Fatal(err)
	}
	// 2026-03-08 is a Sunday; make it a working day. Clocks jump from 02:00 to
	// 03:00, so the 01:00–04:00 interval lasts two real hours.
	c.AddDay(time.Date(2026, 3, 8, 12, 0, 0, 0, ny), false, "")
	if got := c.BusinessBetween(time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 0, 0, 0, 0, ny), ""); got != 2*time.Hour {
		t.Errorf("DST day = %v, want 2h", got)
	}
	got := c.AddBusiness(time.Date(2026, 3, 8, 0, 0, 0, 0, ny), 90*time.Minute, "")
	wantTime(t, "AddBusiness over DST", got, time.Date(2026, 3, 8, 3, 30, 0, 0, ny))
}

func ExampleCalendar_Describe() {
	c, err := workcal.ChinaMainland(nil)
	if err != nil {
		panic(err)
	}
	for _, s := range []string{"2026-02-14", "2026-02-16", "2026-03-07", "2026-03-09"} {
		d, _ := c.ParseDate(s)
		fmt.Println(c.Describe(d))
	}
	due := c.AddBusiness(time.Date(2026, 2, 13, 17, 0, 0, 0, c.Location()), 2*time.Hour, "")
	fmt.Println(due.Format("2006-01-02 15:04"))
	// Output:
	// 2026-02-14 workday make-up day for 春节
	// 2026-02-16 off 春节
	// 2026-03-07 off weekend
	// 2026-03-09 workday
	// 2026-02-14 10:00
}

func TestConcurrentUpdatesAndQueries(t *testing.T) {
	c := china(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			c.AddDay(day(t, c, "2027-01-01").AddDate(0, 0, i), i%2 == 0, "x")
		}
		if err := c.ImportICS(strings.NewReader(feed2027)); err != nil {
			t.Error(err)
		}
	}()
	from := at(t, c, "2026-12-20 10:00")
	for i := 0; i < 200; i++ {
		to := c.AddBusiness(from, 40*time.Hour, "")
		if c.BusinessBetween(from, to, "") != 40*time.Hour {
			t.Fatal("inconsistent result during concurrent update")
		}
		_ = c.Describe(to)
	}
	<-done
}
