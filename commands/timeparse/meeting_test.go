package timeparse_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands/timeparse"
)

func TestLongestMeetingRule(t *testing.T) {
	tests := []struct {
		in    string
		rule  string // Recurrence.String(); "" when not a rule
		clock string
		words int
	}{
		{"every monday 10:00", "FREQ=WEEKLY;BYDAY=MO", "10:00", 3},
		{"每周一 10:00", "FREQ=WEEKLY;BYDAY=MO", "10:00", 2},
		{"每周一10点", "FREQ=WEEKLY;BYDAY=MO", "10:00", 1},
		{"每个星期一、四 下午3点", "FREQ=WEEKLY;BYDAY=MO,TH", "15:00", 2},
		{"every mon and thu at 3pm", "FREQ=WEEKLY;BYDAY=MO,TH", "15:00", 6},
		{"每月第一个工作日 15:00", "FREQ=MONTHLY;X-WORKDAY=1", "15:00", 2},
		{"每月第1个工作日 15:00", "FREQ=MONTHLY;X-WORKDAY=1", "15:00", 2},
		{"每月首个工作日", "FREQ=MONTHLY;X-WORKDAY=1", "09:00", 1},
		{"每月第二个工作日 10:00", "FREQ=MONTHLY;X-WORKDAY=2", "10:00", 2},
		{"每月最后1个工作日 17:00", "FREQ=MONTHLY;X-WORKDAY=-1", "17:00", 2},
		{"first workday of the month 15:00", "FREQ=MONTHLY;X-WORKDAY=1", "15:00", 6},
		{"every first working day of the month 3pm", "FREQ=MONTHLY;X-WORKDAY=1", "15:00", 8},
		{"monthly on the first workday 15:00", "FREQ=MONTHLY;X-WORKDAY=1", "15:00", 6},
		{"last workday of each month 17:00", "FREQ=MONTHLY;X-WORKDAY=-1", "17:00", 6},
		{"每月最后一个工作日 17:00", "FREQ=MONTHLY;X-WORKDAY=-1", "17:00", 2},
		{"every 2 weeks on tue 14:00", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "14:00", 6},
		{"every other week on monday 10:00", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "10:00", 6},
		{"every 3 weeks", "FREQ=WEEKLY;INTERVAL=3", "09:00", 3},
		{"weekly on friday 16:30", "FREQ=WEEKLY;BYDAY=FR", "16:30", 4},
		{"every week on mon,wed 10am", "FREQ=WEEKLY;BYDAY=MO,WE", "10:00", 5},
		{"每两周周二 14:00", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "14:00", 2},
		{"每2周的周二 14:00", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "14:00", 2},
		{"每隔一周的周二 14:00", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "14:00", 2},
		{"隔周周二 下午2点", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "14:00", 2},
		{"每两个星期 10:00", "FREQ=WEEKLY;INTERVAL=2", "10:00", 2},
		// Monday to Friday is every working day of the calendar.
		{"weekdays 9:30", "FREQ=DAILY;X-WORKDAYS=1", "09:30", 2},
		{"every weekday 9:30", "FREQ=DAILY;X-WORKDAYS=1", "09:30", 3},
		{"every mon-fri 9:30", "FREQ=DAILY;X-WORKDAYS=1", "09:30", 3},
		{"每周一到周五 9:30", "FREQ=DAILY;X-WORKDAYS=1", "09:30", 2},
		{"每个工作日 9:30", "FREQ=DAILY;X-WORKDAYS=1", "09:30", 2},
		{"every workday 9:30", "FREQ=DAILY;X-WORKDAYS=1", "09:30", 3},
		{"every 2 weeks on mon-fri", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR", "09:00", 5},
		{"every month on the 15th", "FREQ=MONTHLY;BYMONTHDAY=15", "09:00", 5},
		{"每月15号 10:00", "FREQ=MONTHLY;BYMONTHDAY=15", "10:00", 2},
		{"every day 8:45", "FREQ=DAILY", "08:45", 3},
		{"每天 8:45", "FREQ=DAILY", "08:45", 2},
		// The rule ends where the other words begin.
		{"every monday 10:00 90m @alice", "FREQ=WEEKLY;BYDAY=MO", "10:00", 3},
		{"每周一 10:00 周会", "FREQ=WEEKLY;BYDAY=MO", "10:00", 2},
		// Not rules.
		{"every 0 weeks on tue", "", "", 0},
		{"every 2 weeks on", "FREQ=WEEKLY;INTERVAL=2", "09:00", 3}, // "on" is left over
		{"first friday of the month", "", "", 0},
		{"cron 0 9 * * 1", "", "", 0},
		{"every monday 25:00", "FREQ=WEEKLY;BYDAY=MO", "09:00", 2},
		{"每两周周八", "", "", 0},
		{"每月第二十四个工作日", "", "", 0},
		{"每月最后两个工作日", "", "", 0},
		{"tomorrow 10:00", "", "", 0},
	}
	for _, tc := range tests {
		r, n, ok := timeparse.LongestMeetingRule(splitWords(tc.in))
		if tc.words == 0 {
			if ok {
				t.Errorf("%q: got %q %02d:%02d (%d words), want no rule", tc.in, r.Recurrence, r.Hour, r.Minute, n)
			}
			continue
		}
		if !ok {
			t.Errorf("%q: no rule, want %q", tc.in, tc.rule)
			continue
		}
		clock := time.Date(0, 1, 1, r.Hour, r.Minute, 0, 0, time.UTC).Format("15:04")
		if r.Recurrence.String() != tc.rule || clock != tc.clock || n != tc.words {
			t.Errorf("%q: got %q at %s (%d words), want %q at %s (%d words)", tc.in, r.Recurrence, clock, n, tc.rule, tc.clock, tc.words)
		}
		if _, err := meeting.ParseRule(r.Recurrence.String()); err != nil {
			t.Errorf("%q: the rule does not read back: %v", tc.in, err)
		}
	}
}

func TestParseMeetingRuleTakesTheWholeText(t *testing.T) {
	for _, in := range []string{"every 2 weeks on", "every monday 25:00", "每周一 10:00 周会", ""} {
		if r, ok := timeparse.ParseMeetingRule(in); ok {
			t.Errorf("ParseMeetingRule(%q) = %q, want it refused", in, r.Recurrence)
		}
	}
	if r, ok := timeparse.ParseMeetingRule("每两周周二 14:00"); !ok || r.Recurrence.String() != "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" {
		t.Errorf("每两周周二 14:00 = %q, %v", r.Recurrence, ok)
	}
}

// A reminder's schedule is a cron spec or a workday rule: what only a
// meeting can repeat on must not be taken for a weekly reminder.
func TestLongestRuleRefusesMeetingOnlyRules(t *testing.T) {
	for _, in := range []string{
		"every 2 weeks on tue 14:00", "every other week on monday", "weekly on friday",
		"first workday of the month 15:00", "每月第一个工作日 15:00", "每两周周二 14:00", "隔周周二",
	} {
		words := splitWords(in)
		if r, n, ok := timeparse.LongestRule(words, time.UTC); ok && n == len(words) {
			t.Errorf("LongestRule(%q) = %+v, want it refused", in, r)
		}
	}
	if r, n, ok := timeparse.LongestRule(splitWords("last workday of the month 17:00"), time.UTC); !ok || n != 6 || !r.LastWorkdayOfMonth || r.Hour != 17 {
		t.Errorf("last workday of the month 17:00 = %+v %d %v, want the last-workday reminder rule", r, n, ok)
	}
}

// The example, end to end: a meeting typed in Chinese on the first
// working day of each month, across the National Day week of 2026.
func TestMeetingRuleOnTheCalendar(t *testing.T) {
	cal, err := workcal.ChinaMainland(nil)
	if err != nil {
		t.Fatal(err)
	}
	sh := cal.Location()
	for _, tc := range []struct{ in, want string }{
		{"每月第一个工作日 15:00", "09-01 15:00 10-08 15:00 11-02 15:00"},
		{"每周一 10:00", "09-07 10:00 09-14 10:00 09-21 10:00 09-28 10:00 10-08 10:00 10-12 10:00 10-19 10:00 10-26 10:00 11-02 10:00"},
		{"每个工作日 9:30", ""}, // checked by count below
	} {
		r, ok := timeparse.ParseMeetingRule(tc.in)
		if !ok {
			t.Fatalf("%q did not parse", tc.in)
		}
		m := &meeting.Meeting{
			Start:    time.Date(2026, 9, 1, r.Hour, r.Minute, 0, 0, sh),
			Duration: time.Hour, TZ: "Asia/Shanghai", Rule: r.Recurrence.String(), Status: meeting.Scheduled,
		}
		if tc.in == "每周一 10:00" {
			m.Start = time.Date(2026, 9, 7, r.Hour, r.Minute, 0, 0, sh)
		}
		occs, err := meeting.Occurrences(m, cal, time.Date(2026, 9, 1, 0, 0, 0, 0, sh), time.Date(2026, 11, 3, 0, 0, 0, 0, sh))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range occs {
			got = append(got, o.Start.Format("01-02 15:04"))
		}
		if tc.want == "" {
			// Sep 1–Nov 2: the calendar's working days, make-up days included.
			want := 0
			for d := time.Date(2026, 9, 1, 12, 0, 0, 0, sh); d.Before(time.Date(2026, 11, 3, 0, 0, 0, 0, sh)); d = d.AddDate(0, 0, 1) {
				if cal.IsWorkday(d) {
					want++
				}
			}
			if len(got) != want || !strings.Contains(strings.Join(got, " "), "09-20 09:30") || !strings.Contains(strings.Join(got, " "), "10-10 09:30") {
				t.Errorf("%q: %d occurrences %v, want the %d working days with Sep 20 and Oct 10", tc.in, len(got), got, want)
			}
			continue
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("%q:\ngot  %s\nwant %s", tc.in, s, tc.want)
		}
	}
}
