package calendar_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/features"
)

// exact sends text and fails unless the reply is exactly want.
func exact(h *commandstest.Harness, user, text, want string) {
	h.T.Helper()
	if got := h.Say(user, text); got != want {
		h.T.Errorf("%s: %q\ngot:\n%s\nwant:\n%s", user, text, got, want)
	}
}

// Ensure single days are answered in words, in English, for each kind of day.
func TestCalendarDay_English(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	for _, c := range []struct{ in, want string }{
		// make-up Saturday (调休)
		{"calendar 2026-02-14", "Saturday 14 Feb 2026 is a working day: a make-up day for the Spring Festival (春节)."},
		{"calendar 2026-02-16", "Monday 16 Feb 2026 is a day off: Spring Festival (春节). It is day 2 of a 9-day break. The next working day is Tuesday 24 Feb 2026."},
		// the last day of a long holiday
		{"calendar 2026-02-23", "Monday 23 Feb 2026 is a day off: Spring Festival (春节). It is the last day of a 9-day break. The next working day is Tuesday 24 Feb 2026."},
		{"calendar 2026-02-24", "Tuesday 24 Feb 2026 is a working day."},
		// a normal weekend
		{"calendar 2026-03-07", "Saturday 7 Mar 2026 is a day off: the weekend. The next working day is Monday 9 Mar 2026."},
		{"cal 2026-05-09", "Saturday 9 May 2026 is a working day: a make-up day for Labour Day (劳动节)."},
		{"holiday 2026-06-19", "Friday 19 Jun 2026 is a day off: Dragon Boat Festival (端午节). It is day 1 of a 3-day break. The next working day is Monday 22 Jun 2026."},
		{"calendar 2025-10-08", "Wednesday 8 Oct 2025 is a day off: National Day and Mid-Autumn Festival (国庆节、中秋节). It is the last day of an 8-day break. The next working day is Thursday 9 Oct 2025."},
		{"calendar 2026-01-01", "Thursday 1 Jan 2026 is a day off: New Year's Day (元旦). It is day 1 of a 3-day break. The next working day is Sunday 4 Jan 2026."},
		// words, relative to the fixed clock (Friday 20 Nov 2026 in Shanghai)
		{"calendar", "Friday 20 Nov 2026 is a working day."},
		{"calendar today", "Friday 20 Nov 2026 is a working day."},
		{"calendar tomorrow", "Saturday 21 Nov 2026 is a day off: the weekend. The next working day is Monday 23 Nov 2026."},
		{"calendar next tuesday", "Tuesday 24 Nov 2026 is a working day."},
		{"calendar next workday", "The next working day is Monday 23 Nov 2026."},
		{"calendar next working day", "The next working day is Monday 23 Nov 2026."},
	} {
		exact(h, "alice", c.in, c.want)
	}
}

// Ensure the same in Chinese, for Chinese messages and for people who chose it.
func TestCalendarDay_Chinese(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	for _, c := range []struct{ in, want string }{
		{"日历 2026-02-14", "2026年2月14日（周六）是工作日：春节调休补班。"},
		{"日历 2026年2月16日", "2026年2月16日（周一）是休息日：春节。这是9天假期的第2天。下一个工作日是2026年2月24日（周二）。"},
		{"日历 2026-10-07", "2026年10月7日（周三）是休息日：国庆节。这是7天假期的最后一天。下一个工作日是2026年10月8日（周四）。"},
		{"假期 2026-10-10", "2026年10月10日（周六）是工作日：国庆节调休补班。"},
		{"日历 2026-03-07", "2026年3月7日（周六）是休息日：周末。下一个工作日是2026年3月9日（周一）。"},
		{"日历", "2026年11月20日（周五）是工作日。"},
		{"日历 明天", "2026年11月21日（周六）是休息日：周末。下一个工作日是2026年11月23日（周一）。"},
		{"日历 下个工作日", "下一个工作日是2026年11月23日（周一）。"},
		{"日历 下一个 工作日", "下一个工作日是2026年11月23日（周一）。"},
	} {
		exact(h, "alice", c.in, c.want)
	}
	h.Say("carol", "lang zh")
	exact(h, "carol", "calendar 2026-02-14", "2026年2月14日（周六）是工作日：春节调休补班。")
	exact(h, "carol", "cal next workday", "下一个工作日是2026年11月23日（周一）。")
}

// Ensure "next workday" names a make-up Saturday, and "today" is the
// sender's date.
func TestCalendarNextWorkday(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(time.Date(2026, 2, 13, 19, 0, 0, 0, commandstest.Shanghai)) // Friday evening before the Spring Festival
	exact(h, "alice", "calendar next workday", "The next working day is Saturday 14 Feb 2026, a make-up day for the Spring Festival (春节).")
	exact(h, "alice", "日历 下个工作日", "下一个工作日是2026年2月14日（周六），春节调休补班。")
	h.SetNow(time.Date(2026, 2, 20, 10, 0, 0, 0, commandstest.Shanghai))
	exact(h, "alice", "calendar next workday", "The next working day is Tuesday 24 Feb 2026.")
	// 23:30 on Sunday 22 Feb in Berlin is Monday morning in Shanghai; for
	// someone in Berlin, "today" is still the Sunday.
	h.SetNow(time.Date(2026, 2, 22, 23, 30, 0, 0, commandstest.MustLoad("Europe/Berlin")))
	h.Say("dora", "tz Europe/Berlin")
	h.Expect("dora", "calendar", "Sunday 22 Feb 2026 is a day off: Spring Festival (春节). It is day 8 of a 9-day break.")
	h.Expect("dora", "calendar tomorrow", "Monday 23 Feb 2026 is a day off: Spring Festival (春节). It is the last day")
}

// Ensure the month view counts working days and lists holidays, weekends
// off and make-up days.
func TestCalendarMonth(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	exact(h, "alice", "calendar month 2026-02", strings.Join([]string{
		"February 2026: 16 working days, 12 days off.",
		"Holidays:",
		"• Sun 15 – Mon 23 Feb: Spring Festival (春节), 9 days",
		"Weekends off: 1, 7–8 Feb",
		"Make-up working days:",
		"• Sat 14 Feb: a make-up day for the Spring Festival (春节)",
		"• Sat 28 Feb: a make-up day for the Spring Festival (春节)",
	}, "\n"))
	exact(h, "alice", "日历 月 2026-02", strings.Join([]string{
		"2026年2月：16个工作日，休息12天。",
		"节假日：",
		"• 2月15日（周日）至2月23日（周一）：春节，共9天",
		"周末休息：1日、7–8日",
		"调休补班：",
		"• 2月14日（周六）：春节调休补班",
		"• 2月28日（周六）：春节调休补班",
	}, "\n"))
	oct := strings.Join([]string{
		"October 2026: 18 working days, 13 days off.",
		"Holidays:",
		"• Thu 1 – Wed 7 Oct: National Day (国庆节), 7 days",
		"Weekends off: 11, 17–18, 24–25, 31 Oct",
		"Make-up working days:",
		"• Sat 10 Oct: a make-up day for National Day (国庆节)",
	}, "\n")
	exact(h, "alice", "calendar month 2026-10", oct)
	exact(h, "alice", "calendar 2026-10", oct)
	exact(h, "alice", "calendar month oct 2026", oct)
	exact(h, "alice", "日历 月 2026-10", strings.Join([]string{
		"2026年10月：18个工作日，休息13天。",
		"节假日：",
		"• 10月1日（周四）至10月7日（周三）：国庆节，共7天",
		"周末休息：11日、17–18日、24–25日、31日",
		"调休补班：",
		"• 10月10日（周六）：国庆节调休补班",
	}, "\n"))
	h.Expect("alice", "日历 2026年10月", "2026年10月：18个工作日")
	// no month: the current one (November 2026 has no holidays)
	exact(h, "alice", "calendar month", "November 2026: 21 working days, 9 days off.\nWeekends off: 1, 7–8, 14–15, 21–22, 28–29 Nov")
	h.Expect("alice", "日历 下个月", "2026年12月：23个工作日")
}

// Ensure malformed input is answered with the right form, in both languages.
func TestCalendarMalformed(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.Expect("alice", "calendar 2026-02-30", `I couldn't read the date "2026-02-30".`, "Usage: calendar [date]", "Example: calendar 2026-02-14")
	h.Expect("alice", "日历 2026-02-30", "我没看懂日期「2026-02-30」。", "用法：日历 [日期]")
	h.Expect("alice", "calendar someday", `I couldn't read the date "someday".`, "Usage: calendar [date]")
	h.Expect("alice", "calendar tomorrow 5pm", `Give a date without a time of day, not "tomorrow 5pm".`, "Usage: calendar [date]")
	h.Expect("alice", "calendar month 2026-13", `I couldn't read the month "2026-13".`, "Usage: calendar month [YYYY-MM]")
	h.Expect("alice", "日历 月 明年", "我没看懂月份「明年」。", "用法：日历 月 [YYYY-MM]")
	h.Expect("alice", "calendar next wrkday", `I don't understand "next wrkday".`, "Usage: calendar next workday")
	h.Expect("alice", "日历 下个工做日", "我没看懂「下个工做日」。", "用法：日历 下个工作日")
}

// Ensure the command says so when no calendar is configured.
func TestCalendarNotConfigured(t *testing.T) {
	h := commandstest.New(t)
	exact(h, "alice", "calendar 2026-02-14", "No work calendar is configured, so I can't tell working days from days off.")
	exact(h, "alice", "日历", "没有配置工作日历，无法查询工作日和休息日。")
}

// Ensure days from the configuration (a newly announced year) and calendars
// without holiday data are answered too.
func TestCalendarConfiguredDays(t *testing.T) {
	cal, err := workcal.New(workcal.Options{Location: commandstest.Shanghai, Days: []workcal.Override{
		{Date: "2027-02-06", Off: true, Name: "春节"},
		{Date: "2027-02-20", Off: false, Name: "春节"},
		{Date: "2027-03-05", Off: true, Name: "Company day"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	h := commandstest.New(t, func(d *features.Deps) { d.Calendar = cal })
	exact(h, "alice", "calendar 2027-02-20", "Saturday 20 Feb 2027 is a working day: a make-up day for the Spring Festival (春节).")
	exact(h, "alice", "calendar 2027-03-05", "Friday 5 Mar 2027 is a day off: Company day. It is day 1 of a 3-day break. The next working day is Monday 8 Mar 2027.")
	exact(h, "alice", "日历 2027-03-05", "2027年3月5日（周五）是休息日：Company day。这是3天假期的第1天。下一个工作日是2027年3月8日（周一）。")
	// No region: 2026's Spring Festival is an ordinary week, and it says so.
	exact(h, "alice", "calendar 2026-02-16", "Monday 16 Feb 2026 is a working day.\n"+
		"2026: no holiday data yet — weekends only; add it with calendar.days or an .ics feed.")
}

// Ensure every answer about a year without holiday data says so, in both
// languages, instead of calling 春节 a working day with confidence; and a
// calendar with no holiday data at all (weekends only, by choice) does not.
func TestCalendarCoverage(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t)) // 2025 and 2026
	note := "2027: no holiday data yet — weekends only; add it with calendar.days or an .ics feed."
	noteZH := "2027年：还没有节假日数据，只按周末计算；可用 calendar.days 或 .ics 日历添加。"
	exact(h, "alice", "calendar 2027-02-08", "Monday 8 Feb 2027 is a working day.\n"+note)
	exact(h, "alice", "日历 2027-02-08", "2027年2月8日（周一）是工作日。\n"+noteZH)
	exact(h, "alice", "calendar 2027-02-06", "Saturday 6 Feb 2027 is a day off: the weekend. The next working day is Monday 8 Feb 2027.\n"+note)
	h.Expect("alice", "calendar month 2027-02", "February 2027: 20 working days, 8 days off.", note)
	h.Expect("alice", "日历 月 2027-02", "2027年2月：20个工作日，休息8天。", noteZH)
	// An answer that reaches into 2027 from 2026.
	exact(h, "alice", "calendar 2026-12-31", "Thursday 31 Dec 2026 is a working day.")
	exact(h, "alice", "calendar 2026-12-26", "Saturday 26 Dec 2026 is a day off: the weekend. The next working day is Monday 28 Dec 2026.")
	h.SetNow(time.Date(2026, 12, 31, 10, 0, 0, 0, commandstest.Shanghai))
	exact(h, "alice", "calendar next workday", "The next working day is Friday 1 Jan 2027.\n"+note)
	exact(h, "alice", "日历 下个工作日", "下一个工作日是2027年1月1日（周五）。\n"+noteZH)
	exact(h, "alice", "calendar 2026-02-16", "Monday 16 Feb 2026 is a day off: Spring Festival (春节). It is day 2 of a 9-day break. The next working day is Tuesday 24 Feb 2026.")

	weekendsOnly, err := workcal.New(workcal.Options{Location: commandstest.Shanghai})
	if err != nil {
		t.Fatal(err)
	}
	h = commandstest.New(t, func(d *features.Deps) { d.Calendar = weekendsOnly })
	exact(h, "alice", "calendar 2027-02-08", "Monday 8 Feb 2027 is a working day.")
}
