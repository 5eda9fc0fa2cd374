package scheduler_test

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the DST cases must not depend on the host's zone database

	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/scheduler"
)

func mustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func mustChina(tb testing.TB) *workcal.Calendar {
	tb.Helper()
	cal, err := workcal.ChinaMainland(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return cal
}

func TestNext(t *testing.T) {
	sh, ny, lh := mustLoad(t, "Asia/Shanghai"), mustLoad(t, "America/New_York"), mustLoad(t, "Australia/Lord_Howe")
	cn := mustChina(t)
	everyDay, err := workcal.New(workcal.Options{Weekend: []time.Weekday{}, Location: ny})
	if err != nil {
		t.Fatal(err)
	}
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	utc := func(y int, m time.Month, d, h, min int) time.Time { return at(time.UTC, y, m, d, h, min) }
	for _, tc := range []struct {
		name     string
		schedule string
		after    time.Time
		loc      *time.Location
		cal      *workcal.Calendar
		want     time.Time
	}{
		{"OneOff", "", utc(2026, 3, 6, 10, 0), sh, cn, time.Time{}},

		// 2026-03-06 is a Friday: the next weekday 09:30 is Monday's.
		{"CronWeekdaysOverWeekend", "cron:30 9 * * 1-5", at(sh, 2026, 3, 6, 10, 0), sh, nil, at(sh, 2026, 3, 9, 9, 30)},
		{"CronSameDay", "cron:30 9 * * 1-5", at(sh, 2026, 3, 6, 9, 29), sh, nil, at(sh, 2026, 3, 6, 9, 30)},
		{"CronStrictlyAfter", "cron:30 9 * * 1-5", at(sh, 2026, 3, 6, 9, 30), sh, nil, at(sh, 2026, 3, 9, 9, 30)},
		// cron knows no holidays: Monday 2026-02-16 is 春节 but cron runs.
		{"CronIgnoresHolidays", "cron:30 9 * * 1-5", at(sh, 2026, 2, 13, 10, 0), sh, cn, at(sh, 2026, 2, 16, 9, 30)},
		{"CronReadInLoc", "cron:0 9 * * *", utc(2026, 3, 6, 2, 0), sh, nil, utc(2026, 3, 7, 1, 0)},
		{"CronTZPrefixWins", "cron:CRON_TZ=America/New_York 0 9 * * *", utc(2026, 3, 6, 0, 0), sh, nil, utc(2026, 3, 6, 14, 0)},
		{"Daily", "cron:@daily", at(sh, 2026, 3, 6, 10, 0), sh, nil, at(sh, 2026, 3, 7, 0, 0)},
		{"Every", "cron:@every 1h", utc(2026, 3, 6, 10, 0), sh, nil, utc(2026, 3, 6, 11, 0)},
		{"NilLocIsCalendarZone", "cron:0 9 * * *", utc(2026, 3, 6, 2, 0), nil, cn, utc(2026, 3, 7, 1, 0)},
		{"NilLocNilCalIsUTC", "cron:0 9 * * *", utc(2026, 3, 6, 2, 0), nil, nil, utc(2026, 3, 6, 9, 0)},

		// 2026-02-14 (Sat) is a make-up day for 春节, 02-15..23 are off.
		{"WorkdaysMakeUpSaturday", "workdays:09:30", at(sh, 2026, 2, 13, 10, 0), sh, cn, at(sh, 2026, 2, 14, 9, 30)},
		{"WorkdaysSkipSpringFestival", "workdays:09:30", at(sh, 2026, 2, 14, 10, 0), sh, cn, at(sh, 2026, 2, 24, 9, 30)},
		{"WorkdaysSameDay", "workdays:09:30", at(sh, 2026, 2, 24, 0, 0), sh, cn, at(sh, 2026, 2, 24, 9, 30)},
		{"WorkdaysNilCalendar", "workdays:09:30", at(sh, 2026, 2, 13, 10, 0), sh, nil, at(sh, 2026, 2, 16, 9, 30)},
		// The date is read in loc (New York, still Friday the 13th in the
		// evening) and looked up as that civil date in the calendar.
		{"WorkdaysCivilDate", "workdays:20:00", at(ny, 2026, 2, 13, 19, 0), ny, cn, at(ny, 2026, 2, 13, 20, 0)},
		{"WorkdaysSingleDigitHour", "workdays:9:05", at(sh, 2026, 2, 24, 0, 0), sh, cn, at(sh, 2026, 2, 24, 9, 5)},

		// Jan 31 is a Saturday; Feb 28 (Sat) is a make-up day for 春节;
		// Sep 30 is a Wednesday (the 国庆 make-up days are Sun 09-20 and
		// Sat 10-10); Oct 31 is a Saturday, so October's is Friday the 30th.
		{"LastWorkdayJan", "lastworkday:17:00", at(sh, 2026, 1, 1, 0, 0), sh, cn, at(sh, 2026, 1, 30, 17, 0)},
		{"LastWorkdayFebMakeUp", "lastworkday:17:00", at(sh, 2026, 1, 30, 17, 0), sh, cn, at(sh, 2026, 2, 28, 17, 0)},
		{"LastWorkdayMar", "lastworkday:17:00", at(sh, 2026, 2, 28, 17, 0), sh, cn, at(sh, 2026, 3, 31, 17, 0)},
		{"LastWorkdaySep", "lastworkday:17:00", at(sh, 2026, 9, 1, 0, 0), sh, cn, at(sh, 2026, 9, 30, 17, 0)},
		// The first working day: October 2026 opens with National Day
		// (10-01 to 10-07), so work, and the report, resumes on 10-08; once
		// it ran, the next is November's (11-01 is a Sunday: 11-02).
		{"FirstWorkdayOctHoliday", "firstworkday:09:30", at(sh, 2026, 9, 30, 12, 0), sh, cn, at(sh, 2026, 10, 8, 9, 30)},
		{"FirstWorkdayAfterRun", "firstworkday:09:30", at(sh, 2026, 10, 8, 9, 30), sh, cn, at(sh, 2026, 11, 2, 9, 30)},
		{"FirstWorkdaySameDayEarlier", "firstworkday:09:30", at(sh, 2026, 12, 1, 8, 0), sh, cn, at(sh, 2026, 12, 1, 9, 30)},
		{"FirstWorkdayNoCalendar", "firstworkday:09:30", at(sh, 2026, 9, 30, 12, 0), sh, nil, at(sh, 2026, 10, 1, 9, 30)},
		{"LastWorkdayOct", "lastworkday:17:00", at(sh, 2026, 9, 30, 17, 0), sh, cn, at(sh, 2026, 10, 30, 17, 0)},
		{"LastWorkdayLaterSameDay", "lastworkday:17:00", at(sh, 2026, 10, 30, 16, 59), sh, cn, at(sh, 2026, 10, 30, 17, 0)},
		{"LastWorkdayNilCalendar", "lastworkday:17:00", at(sh, 2026, 2, 1, 0, 0), sh, nil, at(sh, 2026, 2, 27, 17, 0)},
		{"LastWorkdayYearEnd", "lastworkday:17:00", at(sh, 2026, 12, 31, 18, 0), sh, nil, at(sh, 2027, 1, 29, 17, 0)},

		// 2026-03-08 02:00 EST the clocks in New York jump to 03:00 EDT:
		// 02:30 does not exist that day and the run happens at 03:30 EDT,
		// the instant time.Date gives for 02:30 (robfig/cron alone would
		// skip the day). The next day runs at 02:30 EDT as usual.
		{"DSTSpringForward", "cron:30 2 * * *", at(ny, 2026, 3, 8, 0, 0), ny, nil, utc(2026, 3, 8, 7, 30)},
		{"DSTSpringForwardNextDay", "cron:30 2 * * *", utc(2026, 3, 8, 7, 30), ny, nil, at(ny, 2026, 3, 9, 2, 30)},
		{"DSTSpringForwardHourly", "cron:15 * * * *", at(ny, 2026, 3, 8, 1, 15), ny, nil, at(ny, 2026, 3, 8, 3, 15)},
		{"DSTSpringForwardWorkdays", "workdays:02:30", at(ny, 2026, 3, 7, 3, 0), ny, everyDay, utc(2026, 3, 8, 7, 30)},
		// Lord Howe Island moves its clocks by half an hour.
		{"DSTHalfHourCron", "cron:15 2 * * *", at(lh, 2026, 10, 4, 0, 0), lh, nil, utc(2026, 10, 3, 15, 45)},
		{"DSTHalfHourWorkdays", "workdays:02:15", at(lh, 2026, 10, 4, 0, 0), lh, everyDay, utc(2026, 10, 3, 15, 45)},
		// 2026-11-01 02:00 EDT the clocks go back to 01:00 EST: 01:30 runs
		// once, at 01:30 EDT; a spec running every hour keeps its rhythm.
		{"DSTFallBackOnce", "cron:30 1 * * *", at(ny, 2026, 11, 1, 0, 0), ny, nil, utc(2026, 11, 1, 5, 30)},
		{"DSTFallBackNoRepeat", "cron:30 1 * * *", utc(2026, 11, 1, 5, 30), ny, nil, at(ny, 2026, 11, 2, 1, 30)},
		{"DSTFallBackNoRepeatFromInside", "cron:30 1 * * *", utc(2026, 11, 1, 6, 10), ny, nil, at(ny, 2026, 11, 2, 1, 30)},
		{"DSTFallBackEveryHalfHour", "cron:*/30 * * * *", utc(2026, 11, 1, 5, 30), ny, nil, utc(2026, 11, 1, 6, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scheduler.Next(tc.schedule, tc.after, tc.loc, tc.cal)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) {
				t.Fatalf("Next(%q, %s) = %s, want %s", tc.schedule, tc.after, got, tc.want.In(got.Location()))
			}
		})
	}
}

// Ensure a daily spec runs exactly once on every day of a year with both
// DST transitions, at the wall time where it exists.
func TestNext_DailyAcrossDST(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	for _, tc := range []struct{ schedule, clock string }{
		{"cron:30 2 * * *", "02:30"}, // skipped hour in March
		{"cron:30 1 * * *", "01:30"}, // repeated hour in November
		{"workdays:02:30", "02:30"},
		{"workdays:01:30", "01:30"},
	} {
		t.Run(tc.schedule, func(t *testing.T) {
			cal, _ := workcal.New(workcal.Options{Weekend: []time.Weekday{}, Location: ny})
			after := time.Date(2026, 1, 1, 0, 0, 0, 0, ny)
			seen := map[string]bool{}
			for i := 0; i < 365; i++ {
				next, err := scheduler.Next(tc.schedule, after, ny, cal)
				if err != nil {
					t.Fatal(err)
				}
				if !next.After(after) {
					t.Fatalf("Next(%s) = %s, not after", after, next)
				}
				day := next.In(ny).Format(time.DateOnly)
				if seen[day] {
					t.Fatalf("ran twice on %s (%s)", day, next.In(ny))
				}
				seen[day] = true
				want := tc.clock
				if day == "2026-03-08" && want == "02:30" {
					want = "03:30" // the skipped hour
				}
				if clock := next.In(ny).Format("15:04"); clock != want {
					t.Fatalf("ran at %s on %s, want %s", clock, day, want)
				}
				after = next
			}
			if after.In(ny).Format(time.DateOnly) != "2026-12-31" {
				t.Fatalf("365 runs ended on %s", after.In(ny))
			}
		})
	}
}

// Ensure an hourly spec in a DST zone runs once per real hour, so a day has
// 23, 24 or 25 runs.
func TestNext_HourlyAcrossDST(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	for day, want := range map[int]int{7: 24, 8: 23, 9: 24} {
		after := time.Date(2026, 3, day, 0, 0, 0, 0, ny).Add(-time.Second)
		end := time.Date(2026, 3, day+1, 0, 0, 0, 0, ny)
		n := 0
		for {
			next, err := scheduler.Next("cron:0 * * * *", after, ny, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !next.Before(end) {
				break
			}
			if next.Sub(after) > time.Hour {
				t.Fatalf("gap from %s to %s", after, next)
			}
			n, after = n+1, next
		}
		if n != want {
			t.Fatalf("2026-03-%02d: %d hourly runs, want %d", day, n, want)
		}
	}
	after := time.Date(2026, 11, 1, 0, 0, 0, 0, ny).Add(-time.Second)
	n := 0
	for end := time.Date(2026, 11, 2, 0, 0, 0, 0, ny); ; n++ {
		next, _ := scheduler.Next("cron:0 * * * *", after, ny, nil)
		if !next.Before(end) {
			break
		}
		after = next
	}
	if n != 25 {
		t.Fatalf("2026-11-01: %d hourly runs, want 25", n)
	}
}

func TestNext_Errors(t *testing.T) {
	none, err := workcal.New(workcal.Options{Weekend: []time.Weekday{0, 1, 2, 3, 4, 5, 6}})
	if err != nil {
		t.Fatal(err)
	}
	after := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ schedule, want string }{
		{"cron:0 0 30 2 *", "never fires"},
		{"workdays:09:00", "no working day"},
		{"lastworkday:09:00", "no working day"},
		{"cron:61 * * * *", "61"},
	} {
		if _, err := scheduler.Next(tc.schedule, after, time.UTC, none); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Next(%q) error = %v, want one naming %q", tc.schedule, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, s := range []string{"", "cron:30 9 * * 1-5", "cron:@daily", "cron:@every 90m", "cron:CRON_TZ=Asia/Shanghai 0 9 * * *",
			"workdays:09:30", "workdays:9:30", "lastworkday:17:00", "lastworkday:23:59", "workdays:00:00"} {
			if err := scheduler.Validate(s); err != nil {
				t.Errorf("Validate(%q) = %v", s, err)
			}
		}
	})
	t.Run("ErrBad", func(t *testing.T) {
		for s, want := range map[string]string{
			"30 9 * * *":                     "no form",
			"weekly:09:00":                   "unknown form",
			"cron:30 9 * *":                  "expected exactly 5 fields",
			"cron:0 30 9 * * *":              "expected exactly 5 fields",
			"cron:61 9 * * *":                "61",
			"cron:@fortnightly":              "unrecognized descriptor",
			"cron:CRON_TZ=Nowhere 0 9 * * *": "Nowhere",
			"workdays:24:00":                 "out of range",
			"workdays:09:60":                 "out of range",
			"workdays:9":                     "want HH:MM",
			"workdays:+9:30":                 "want HH:MM",
			"lastworkday:09:3":               "want HH:MM",
			"lastworkday:":                   "want HH:MM",
		} {
			err := scheduler.Validate(s)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), s) {
				t.Errorf("Validate(%q) = %v, want an error naming the schedule and %q", s, err, want)
			}
		}
	})
}
