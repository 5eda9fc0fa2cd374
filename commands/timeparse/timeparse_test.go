package timeparse_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/commands/timeparse"
)

var shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The test binary may run without tzdata; Shanghai has had no DST
		// since 1991, so a fixed zone is equivalent for these dates.
		return time.FixedZone(name, 8*3600)
	}
	return loc
}

var (
	morningNow = time.Date(2026, 11, 20, 10, 0, 0, 0, shanghai)  // Friday 10:00
	lateNow    = time.Date(2026, 11, 20, 22, 30, 0, 0, shanghai) // Friday 22:30
	sundayNow  = time.Date(2026, 11, 22, 10, 0, 0, 0, shanghai)  // Sunday 10:00
)

// longestCase: in is split on spaces into words. want is "2006-01-02" for a
// date without clock or "2006-01-02 15:04" with a clock; "" means ok=false.
type longestCase struct {
	in    string
	want  string
	words int
}

var morningCases = []longestCase{
	// Absolute dates.
	{"2026-12-01", "2026-12-01", 1},
	{"2026-12-01 09:30", "2026-12-01 09:30", 2},
	{"2026/12/01", "2026-12-01", 1},
	{"2026.12.01", "2026-12-01", 1},
	{"2026/12/01 17:00", "2026-12-01 17:00", 2},
	{"2025-01-01", "2025-01-01", 1}, // a past absolute date is taken as given
	{"12-01", "2026-12-01", 1},
	{"12/01", "2026-12-01", 1},
	{"12/01 5pm", "2026-12-01 17:00", 2},
	{"11/20", "2026-11-20", 1},                 // today is not in the past
	{"11/19", "2027-11-19", 1},                 // yesterday: next year
	{"11/20 9:00", "2027-11-20 09:00", 2},      // today, but the clock passed
	{"11/20 11:00", "2026-11-20 11:00", 2},     //
	{"02-29", "2028-02-29", 1},                 // the next leap year
	{"2026年12月1日", "2026-12-01", 1},            //
	{"2026年12月1日 上午9点", "2026-12-01 09:00", 2}, //
	{"12月1日", "2026-12-01", 1},
	{"12月1号", "2026-12-01", 1},
	{"十二月一日", "2026-12-01", 1},
	{"12月1日下午2点", "2026-12-01 14:00", 1},
	{"12月1日 14:00", "2026-12-01 14:00", 2},
	{"1号", "2026-12-01", 1},  // already past this month
	{"20号", "2026-11-20", 1}, // today
	{"25号", "2026-11-25", 1},
	{"31号", "2026-12-31", 1}, // November has no 31st
	{"25日", "2026-11-25", 1},
	{"1号9点", "2026-12-01 09:00", 1},
	{"20号 9点", "2026-12-20 09:00", 2},
	{"dec 1", "2026-12-01", 2},
	{"December 1st, 2027", "2027-12-01", 3},
	{"1 dec 10:00", "2026-12-01 10:00", 3},

	// Clocks: the next such moment.
	{"17:00", "2026-11-20 17:00", 1},
	{"9:30", "2026-11-21 09:30", 1},
	{"10:00", "2026-11-21 10:00", 1}, // exactly now is not ahead
	{"5pm", "2026-11-20 17:00", 1},
	{"5PM", "2026-11-20 17:00", 1},
	{"5:30pm", "2026-11-20 17:30", 1},
	{"5 pm", "2026-11-20 17:00", 2},
	{"5 p.m.", "2026-11-20 17:00", 2},
	{"9am", "2026-11-21 09:00", 1},
	{"11am", "2026-11-20 11:00", 1},
	{"12am", "2026-11-21 00:00", 1},
	{"12pm", "2026-11-20 12:00", 1},
	{"noon", "2026-11-20 12:00", 1},
	{"midnight", "2026-11-21 00:00", 1},
	{"24:00", "2026-11-21 00:00", 1},
	{"at 5pm", "2026-11-20 17:00", 2},
	{"17点", "2026-11-20 17:00", 1},
	{"17点30", "2026-11-20 17:30", 1},
	{"17点30分", "2026-11-20 17:30", 1},
	{"17点整", "2026-11-20 17:00", 1},
	{"3点半", "2026-11-21 03:30", 1}, // no period: 24-hour clock
	{"下午3点", "2026-11-20 15:00", 1},
	{"下午3点半", "2026-11-20 15:30", 1},
	{"下午 3点", "2026-11-20 15:00", 2},
	{"下午3:30", "2026-11-20 15:30", 1},
	{"上午10点", "2026-11-21 10:00", 1},
	{"上午11点", "2026-11-20 11:00", 1},
	{"早上8点", "2026-11-21 08:00", 1},
	{"中午12点", "2026-11-20 12:00", 1},
	{"中午1点", "2026-11-20 13:00", 1},
	{"晚上8点", "2026-11-20 20:00", 1},
	{"今晚8点", "2026-11-20 20:00", 1},
	{"今晚12点", "2026-11-21 00:00", 1},
	{"凌晨2点", "2026-11-21 02:00", 1},
	{"18时", "2026-11-20 18:00", 1},
	{"18时30分", "2026-11-20 18:30", 1},
	{"三点", "2026-11-21 03:00", 1},
	{"十点半", "2026-11-20 10:30", 1},
	{"两点", "2026-11-21 02:00", 1},
	{"十二点", "2026-11-20 12:00", 1},
	{"十点一刻", "2026-11-20 10:15", 1},
	{"下午两点", "2026-11-20 14:00", 1},
	{"下午三点零五", "2026-11-20 15:05", 1},
	{"晚上十一点", "2026-11-20 23:00", 1},
	{"１０：３０", "2026-11-20 10:30", 1}, // full-width
	{"3点钟", "2026-11-21 03:00", 1},

	// Relative days.
	{"today", "2026-11-20", 1},
	{"Today", "2026-11-20", 1},
	{"tonight", "2026-11-20 20:00", 1},
	{"tomorrow", "2026-11-21", 1},
	{"TOMORROW", "2026-11-21", 1},
	{"tmr", "2026-11-21", 1},
	{"day after tomorrow", "2026-11-22", 3},
	{"the day after tomorrow", "2026-11-22", 4},
	{"今天", "2026-11-20", 1},
	{"明天", "2026-11-21", 1},
	{"后天", "2026-11-22", 1},
	{"大后天", "2026-11-23", 1},
	{"今晚", "2026-11-20 20:00", 1},
	{"明晚", "2026-11-21 20:00", 1},

	// Weekdays (now is Friday 2026-11-20).
	{"fri", "2026-11-20", 1}, // today included
	{"friday", "2026-11-20", 1},
	{"Friday", "2026-11-20", 1},
	{"sat", "2026-11-21", 1},
	{"sun", "2026-11-22", 1},
	{"mon", "2026-11-23", 1},
	{"monday", "2026-11-23", 1},
	{"tue", "2026-11-24", 1},
	{"wednesday", "2026-11-25", 1},
	{"thu", "2026-11-26", 1},
	{"this friday", "2026-11-20", 2},
	{"this monday", "2026-11-16", 2}, // Monday of the current week
	{"this sunday", "2026-11-22", 2},
	{"next monday", "2026-11-23", 2},
	{"next friday", "2026-11-27", 2},
	{"next sunday", "2026-11-29", 2},
	{"on friday", "2026-11-20", 2},
	{"周一", "2026-11-23", 1},
	{"周五", "2026-11-20", 1},
	{"周日", "2026-11-22", 1},
	{"周天", "2026-11-22", 1},
	{"星期一", "2026-11-23", 1},
	{"星期五", "2026-11-20", 1},
	{"星期日", "2026-11-22", 1},
	{"星期天", "2026-11-22", 1},
	{"礼拜一", "2026-11-23", 1},
	{"礼拜天", "2026-11-22", 1},
	{"本周五", "2026-11-20", 1},
	{"这周五", "2026-11-20", 1},
	{"本周一", "2026-11-16", 1},
	{"下周一", "2026-11-23", 1},
	{"下周五", "2026-11-27", 1},
	{"下周日", "2026-11-29", 1},
	{"下个星期三", "2026-11-25", 1},
	{"下下周一", "2026-11-30", 1},
	{"fri 18:00", "2026-11-20 18:00", 2},
	{"fri 9:00", "2026-11-27 09:00", 2}, // passed today: next week
	{"周五18点", "2026-11-20 18:00", 1},
	{"周五 9点", "2026-11-27 09:00", 2},
	{"周一10点", "2026-11-23 10:00", 1},
	{"周二十点", "2026-11-24 10:00", 1},

	// Durations from now.
	{"in 20 minutes", "2026-11-20 10:20", 3},
	{"in 2 hours", "2026-11-20 12:00", 3},
	{"in 3 days", "2026-11-23 10:00", 3},
	{"in 1 week", "2026-11-27 10:00", 3},
	{"in 2 weeks", "2026-12-04 10:00", 3},
	{"in 2 months", "2027-01-20 10:00", 3},
	{"in an hour", "2026-11-20 11:00", 3},
	{"in a day", "2026-11-21 10:00", 3},
	{"in half an hour", "2026-11-20 10:30", 4},
	{"in two hours", "2026-11-20 12:00", 3},
	{"in 1 hour 30 minutes", "2026-11-20 11:30", 5},
	{"20 min", "2026-11-20 10:20", 2},
	{"20 minutes from now", "2026-11-20 10:20", 4},
	{"2h", "2026-11-20 12:00", 1},
	{"30m", "2026-11-20 10:30", 1},
	{"1h30m", "2026-11-20 11:30", 1},
	{"3d", "2026-11-23 10:00", 1},
	{"20分钟后", "2026-11-20 10:20", 1},
	{"20分钟以后", "2026-11-20 10:20", 1},
	{"2小时后", "2026-11-20 12:00", 1},
	{"半小时后", "2026-11-20 10:30", 1},
	{"半个小时后", "2026-11-20 10:30", 1},
	{"一个半小时后", "2026-11-20 11:30", 1},
	{"一刻钟后", "2026-11-20 10:15", 1},
	{"三天后", "2026-11-23 10:00", 1},
	{"一周后", "2026-11-27 10:00", 1},
	{"两个星期后", "2026-12-04 10:00", 1},
	{"1个小时后", "2026-11-20 11:00", 1},
	{"两个小时以后", "2026-11-20 12:00", 1},
	{"3个月之后", "2027-02-20 10:00", 1},
	{"in 3 days at 5pm", "2026-11-23 17:00", 5},
	{"三天后下午3点", "2026-11-23 15:00", 1},
	{"三天后 下午3点", "2026-11-23 15:00", 2},

	// Combinations.
	{"tomorrow 5pm", "2026-11-21 17:00", 2},
	{"tomorrow at 5pm", "2026-11-21 17:00", 3},
	{"tomorrow 9:00", "2026-11-21 09:00", 2},
	{"tomorrow noon", "2026-11-21 12:00", 2},
	{"tomorrow midnight", "2026-11-22 00:00", 2},
	{"today 9am", "2026-11-20 09:00", 2}, // explicit: not moved
	{"tomorrow morning", "2026-11-21 09:00", 2},
	{"tomorrow evening", "2026-11-21 20:00", 2},
	{"tomorrow morning at 8am", "2026-11-21 08:00", 4},
	{"tonight 9pm", "2026-11-20 21:00", 2},
	{"tonight at 9:30pm", "2026-11-20 21:30", 3},
	{"this afternoon", "2026-11-20 15:00", 2},
	{"next monday 10am", "2026-11-23 10:00", 3},
	{"next monday at 10:30 am", "2026-11-23 10:30", 5},
	{"5pm tomorrow", "2026-11-21 17:00", 2},
	{"at 5pm on friday", "2026-11-20 17:00", 4},
	{"10am next monday", "2026-11-23 10:00", 3},
	{"day after tomorrow at 5:30 pm", "2026-11-22 17:30", 6},
	{"明天下午3点", "2026-11-21 15:00", 1},
	{"明天 下午3点", "2026-11-21 15:00", 2},
	{"明天 下午 3点", "2026-11-21 15:00", 3},
	{"明天下午3点半", "2026-11-21 15:30", 1},
	{"明天下午", "2026-11-21 15:00", 1},
	{"明天早上", "2026-11-21 09:00", 1},
	{"明天晚上8点", "2026-11-21 20:00", 1},
	{"明天上午十点", "2026-11-21 10:00", 1},
	{"明天17:00", "2026-11-21 17:00", 1},
	{"明天 17:00", "2026-11-21 17:00", 2},
	{"后天9点", "2026-11-22 09:00", 1},
	{"下周一上午10点", "2026-11-23 10:00", 1},
	{"下周一 上午10点", "2026-11-23 10:00", 2},
	{"今天晚上8点", "2026-11-20 20:00", 1},
	{"星期五下午两点", "2026-11-20 14:00", 1},
	{"明早8点", "2026-11-21 08:00", 1},
	{"明早", "2026-11-21 09:00", 1},
	{"明天中午", "2026-11-21 12:00", 1},
	{"下周三下午", "2026-11-25 15:00", 1},
	{"周五 下午 6点半", "2026-11-20 18:30", 3},
	{"12月1日 下午 2点", "2026-12-01 14:00", 3},
	{"tomorrow 下午3点", "2026-11-21 15:00", 2},
	{"noon tomorrow", "2026-11-21 12:00", 2},
	{"tomorrow 12:00 pm", "2026-11-21 12:00", 3},
	{"this fri 5pm", "2026-11-20 17:00", 3},
	{"next mon at noon", "2026-11-23 12:00", 4},
	{"Dec 25 9am", "2026-12-25 09:00", 3},
	{"25 December 2026 9am", "2026-12-25 09:00", 4},

	// Word-prefix semantics.
	{"fri 18:00 call bob", "2026-11-20 18:00", 2},
	{"明天下午3点 开会", "2026-11-21 15:00", 1},
	{"周五18点 交 海报", "2026-11-20 18:00", 1},
	{"tomorrow 9am call Bob", "2026-11-21 09:00", 2},
	{"tomorrow 5", "2026-11-21", 1}, // a bare number is not a clock
	{"tomorrow at", "2026-11-21", 1},
	{"in 20 minutes call bob", "2026-11-20 10:20", 3},
	{"2h review", "2026-11-20 12:00", 1},

	// Not time expressions.
	{"明天开会", "", 0}, // a time followed by text in one word is not split
	{"明天下午3点开会", "", 0},
	{"bob", "", 0},
	{"开会", "", 0},
	{"call bob tomorrow", "", 0},
	{"remind me", "", 0},
	{"at", "", 0},
	{"in", "", 0},
	{"in 5", "", 0},
	{"next", "", 0},
	{"next week", "", 0},
	{"this", "", 0},
	{"12", "", 0},
	{"3", "", 0},
	{"三", "", 0},
	{"下午", "", 0}, // a period alone, without a day, is not a time
	{"周", "", 0},
	{"周八", "", 0},
	{"2026-02-30", "", 0},
	{"2026-13-01", "", 0},
	{"02-30", "", 0},
	{"2月30日", "", 0},
	{"2026年2月29日", "", 0},
	{"下午0点", "", 0},
	{"24点30", "", 0},
	{"十一点六十", "", 0},
	{"9:30:00", "", 0},
	{"明天明天", "", 0},
	{"this 明天", "", 0},
	{"the 明天", "", 0},
	{"13月1日", "", 0},
	{"32号", "", 0},
	{"0号", "", 0},
	{"25:00", "", 0},
	{"17:60", "", 0},
	{"24:30", "", 0},
	{"9:5", "", 0},
	{"13pm", "", 0},
	{"0am", "", 0},
	{"下午25点", "", 0},
	{"25点", "", 0},
	{"3点60", "", 0},
	{"3月后", "", 0},
	{"20分钟", "", 0}, // Chinese durations need 后
	{"in 1000000 minutes", "", 0},
	{"99999999999999999999h", "", 0},
	{"tomorrow,", "", 0},
}

var lateCases = []longestCase{
	{"17:00", "2026-11-21 17:00", 1},
	{"23:00", "2026-11-20 23:00", 1},
	{"5pm", "2026-11-21 17:00", 1},
	{"下午3点", "2026-11-21 15:00", 1},
	{"晚上11点", "2026-11-20 23:00", 1},
	{"midnight", "2026-11-21 00:00", 1},
	{"tonight", "2026-11-20 20:00", 1}, // explicit, even though it passed
	{"fri", "2026-11-20", 1},
	{"fri 18:00", "2026-11-27 18:00", 2},
	{"周五", "2026-11-20", 1},
	{"周五23点", "2026-11-20 23:00", 1},
	{"周五18点", "2026-11-27 18:00", 1},
	{"sat 9am", "2026-11-21 09:00", 2},
	{"1号", "2026-12-01", 1},
	{"20号", "2026-11-20", 1},
	{"20号 9点", "2026-12-20 09:00", 2},
	{"11/20", "2026-11-20", 1},
	{"11/20 23:00", "2026-11-20 23:00", 2},
	{"11/20 18:00", "2027-11-20 18:00", 2},
	{"in 2 hours", "2026-11-21 00:30", 3},
	{"半小时后", "2026-11-20 23:00", 1},
	{"tomorrow", "2026-11-21", 1},
	{"今晚1点", "2026-11-21 01:00", 1},
}

var sundayCases = []longestCase{
	{"this monday", "2026-11-16", 2},
	{"this sunday", "2026-11-22", 2},
	{"next monday", "2026-11-23", 2},
	{"下周一", "2026-11-23", 1},
	{"本周日", "2026-11-22", 1},
	{"mon", "2026-11-23", 1},
	{"sun", "2026-11-22", 1},
	{"sun 9am", "2026-11-29 09:00", 2},
	{"sun 11am", "2026-11-22 11:00", 2},
	{"下下周日", "2026-12-06", 1},
}

func runLongest(t *testing.T, now time.Time, cases []longestCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			words := strings.Split(c.in, " ")
			r, ok := timeparse.Longest(words, now, shanghai)
			if c.want == "" {
				if ok {
					t.Fatalf("Longest(%q) = %v, %d words; want ok=false", words, r.Time, r.Words)
				}
				if r.Words != 0 {
					t.Fatalf("Words = %d with ok=false", r.Words)
				}
				return
			}
			if !ok {
				t.Fatalf("Longest(%q): ok=false; want %s", words, c.want)
			}
			layout, hasClock := "2006-01-02 15:04", true
			if len(c.want) == len("2006-01-02") {
				layout, hasClock = "2006-01-02", false
			}
			if got := r.Time.Format(layout); got != c.want || r.HasClock != hasClock || r.Words != c.words {
				t.Fatalf("Longest(%q) = %s (HasClock=%v, Words=%d); want %s (HasClock=%v, Words=%d)",
					words, r.Time.Format("2006-01-02 15:04"), r.HasClock, r.Words, c.want, hasClock, c.words)
			}
			if r.Time.Location() != shanghai {
				t.Fatalf("location %v; want %v", r.Time.Location(), shanghai)
			}
			if !hasClock && (r.Time.Hour() != 0 || r.Time.Minute() != 0) {
				t.Fatalf("date-only result %v is not at 00:00", r.Time)
			}
		})
	}
}

func TestLongestMorning(t *testing.T) { runLongest(t, morningNow, morningCases) }
func TestLongestLate(t *testing.T)    { runLongest(t, lateNow, lateCases) }
func TestLongestSunday(t *testing.T)  { runLongest(t, sundayNow, sundayCases) }

func TestLongestEdgeInputs(t *testing.T) {
	for _, words := range [][]string{nil, {}, {""}, {"", "tomorrow"}, {" ", "5pm"}} {
		if r, ok := timeparse.Longest(words, morningNow, shanghai); ok || r.Words != 0 {
			t.Errorf("Longest(%q) = %+v, %v; want ok=false", words, r, ok)
		}
	}
	// A blank word ends the expression.
	if r, ok := timeparse.Longest([]string{"tomorrow", "", "5pm"}, morningNow, shanghai); !ok || r.Words != 1 {
		t.Errorf("Longest(tomorrow, \"\", 5pm) = %+v, %v; want 1 word", r, ok)
	}
}

func TestDurationKeepsSeconds(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 42, 0, shanghai)
	r, ok := timeparse.Longest([]string{"in", "20", "minutes"}, now, shanghai)
	if !ok || !r.Time.Equal(now.Add(20*time.Minute)) || !r.HasClock {
		t.Fatalf("got %+v, %v", r, ok)
	}
}

func TestOtherLocation(t *testing.T) {
	// now given in UTC is interpreted in loc.
	now := morningNow.UTC()
	r, ok := timeparse.Longest([]string{"明天下午3点"}, now, shanghai)
	if !ok || r.Time.Location() != shanghai || r.Time.Format("2006-01-02 15:04") != "2026-11-21 15:00" {
		t.Fatalf("got %v, %v", r.Time, ok)
	}
	ny := mustLoad("America/New_York")
	if ny.String() == "America/New_York" {
		// 2026-11-01 is the end of DST in New York; "in 1 day" keeps the wall clock.
		now := time.Date(2026, 10, 31, 10, 0, 0, 0, ny)
		r, ok := timeparse.Longest([]string{"in", "1", "day"}, now, ny)
		if !ok || r.Time.Format("2006-01-02 15:04") != "2026-11-01 10:00" {
			t.Fatalf("in 1 day across DST: got %v", r.Time)
		}
	}
}

func TestParse(t *testing.T) {
	r, err := timeparse.Parse("明天 下午3点", morningNow, shanghai)
	if err != nil || r.Words != 2 || r.Time.Format("2006-01-02 15:04") != "2026-11-21 15:00" {
		t.Fatalf("Parse: %+v, %v", r, err)
	}
	r, err = timeparse.Parse("  next   monday  10am ", morningNow, shanghai)
	if err != nil || r.Words != 3 || r.Time.Format("2006-01-02 15:04") != "2026-11-23 10:00" {
		t.Fatalf("Parse: %+v, %v", r, err)
	}

	for _, c := range []struct{ in, wantErr string }{
		{"", "empty"},
		{"   ", "empty"},
		{"明天 开会", `"开会" is not understood after the time "明天"`},
		{"fri 18:00 call bob", `"call bob" is not understood`},
		{"明天开会", `"明天开会" is not a time expression`},
		{"bob", "not a time expression"},
		{"2026-02-30", "2026-02-30 is not a valid date"},
		{"25:00", "25:00 is not a time of day"},
		{"17:60", "minute 60 is out of range"},
		{"13pm", "13pm is not a time of day"},
	} {
		_, err := timeparse.Parse(c.in, morningNow, shanghai)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("Parse(%q) error = %v; want it to contain %q", c.in, err, c.wantErr)
		}
	}
}

// Ensure the end of the working day and the end of the month are read as
// dates, the former marked so the caller can put its own clock on it
// (bot.due_time).
func TestEndOfDayAndMonth(t *testing.T) {
	for _, c := range []struct {
		in       string
		now      time.Time
		want     string
		endOfDay bool
		words    int
	}{
		{"eod", morningNow, "2026-11-20", true, 1},
		{"EOD", lateNow, "2026-11-20", true, 1}, // today's, even when it is over: the caller says so
		{"end of day", morningNow, "2026-11-20", true, 3},
		{"end of the day", morningNow, "2026-11-20", true, 4},
		{"close of business", morningNow, "2026-11-20", true, 3},
		{"cob", morningNow, "2026-11-20", true, 1},
		{"eod tomorrow", morningNow, "2026-11-21", true, 2},
		{"tomorrow eod", morningNow, "2026-11-21", true, 2},
		{"end of day on monday", morningNow, "2026-11-23", true, 5},
		{"fri end of day", morningNow, "2026-11-20", true, 4},
		{"下班前", morningNow, "2026-11-20", true, 1},
		{"今天下班前", morningNow, "2026-11-20", true, 1},
		{"今天 下班前", morningNow, "2026-11-20", true, 2},
		{"明天下班前", morningNow, "2026-11-21", true, 1},
		{"周五下班之前", sundayNow, "2026-11-27", true, 1},
		{"end of month", morningNow, "2026-11-30", false, 3},
		{"end of the month", morningNow, "2026-11-30", false, 4},
		{"end of next month", morningNow, "2026-12-31", false, 4},
		{"eom", morningNow, "2026-11-30", false, 1},
		{"月底", morningNow, "2026-11-30", false, 1},
		{"月末", morningNow, "2026-11-30", false, 1},
		{"本月底", morningNow, "2026-11-30", false, 1},
		{"月底前", morningNow, "2026-11-30", false, 1},
		{"下个月底", morningNow, "2026-12-31", false, 1},
		{"月底下班前", morningNow, "2026-11-30", true, 1},
		{"月底 17:00", morningNow, "2026-11-30 17:00", false, 2},
		{"end of week", morningNow, "", false, 0},
		{"月中", morningNow, "", false, 0},
	} {
		r, ok := timeparse.Longest(strings.Split(c.in, " "), c.now, shanghai)
		if c.want == "" {
			if ok {
				t.Errorf("Longest(%q) = %+v; want ok=false", c.in, r)
			}
			continue
		}
		layout := "2006-01-02"
		if len(c.want) > len(layout) {
			layout = "2006-01-02 15:04"
		}
		if !ok || r.Time.Format(layout) != c.want || r.EndOfDay != c.endOfDay || r.Words != c.words ||
			r.HasClock != (layout != "2006-01-02") {
			t.Errorf("Longest(%q) = %+v, %v; want %s, EndOfDay=%v, %d words", c.in, r, ok, c.want, c.endOfDay, c.words)
		}
	}
}
