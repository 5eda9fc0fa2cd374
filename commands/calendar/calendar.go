package calendar

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/timeparse"
)

// The forms of the calendar command. They are not registered as Subs (the
// command's first word may be a date, which the router would take for an
// unknown sub-command); they give c.Usage the form that was meant.
var (
	calendarDayForm = &commands.Sub{
		Name:    "day",
		Usage:   bot.T("calendar [date]", "日历 [日期]"),
		Example: bot.T("calendar 2026-02-14, calendar tomorrow, calendar next monday", "日历 2026-02-14、日历 明天、日历 下周一"),
	}
	calendarMonthForm = &commands.Sub{
		Name:    "month",
		Usage:   bot.T("calendar month [YYYY-MM]", "日历 月 [YYYY-MM]"),
		Example: bot.T("calendar month 2026-10", "日历 月 2026-10"),
	}
	calendarNextForm = &commands.Sub{
		Name:    "next",
		Usage:   bot.T("calendar next workday", "日历 下个工作日"),
		Example: bot.T("calendar next workday", "日历 下个工作日"),
	}
)

// Module is the calendar feature: the calendar command, answered from cal
// (nil when no work calendar is configured).
func Module(cal *workcal.Calendar) commands.Module {
	f := &feature{cal}
	return commands.Module{Name: "calendar", Commands: []*commands.Command{f.command()}}
}

type feature struct{ cal *workcal.Calendar }

func (f *feature) command() *commands.Command {
	return &commands.Command{
		Name:    "calendar",
		Aliases: []string{"日历", "cal", "holiday", "holidays", "假期", "节假日"},
		Summary: bot.T("Working days, holidays and make-up working days", "查看工作日、节假日和调休补班"),
		Usage: bot.T("calendar [date] | calendar month [YYYY-MM] | calendar next workday",
			"日历 [日期] | 日历 月 [YYYY-MM] | 日历 下个工作日"),
		Run: f.run,
	}
}

func (f *feature) run(c *commands.Ctx) error {
	cal := f.cal
	if cal == nil {
		c.ReplyText(bot.T("No work calendar is configured, so I can't tell working days from days off.",
			"没有配置工作日历，无法查询工作日和休息日。"))
		return nil
	}
	ws := commands.Words(c.Args)
	today := civilDate(cal, c.Clock())
	if len(ws) == 0 {
		c.ReplyText(dayAnswer(cal, today))
		return nil
	}
	if isNextWorkday(ws) {
		return calendarNext(c, cal, today)
	}
	switch strings.ToLower(ws[0]) {
	case "month", "月", "月份", "月历":
		rest := strings.Join(ws[1:], " ")
		y, m, ok := parseMonth(rest, today, false)
		if !ok {
			return c.UsageOf(calendarMonthForm, bot.Tf("I couldn't read the month %q. Write it as YYYY-MM, e.g. 2026-10.",
				"我没看懂月份「%s」。请写成 YYYY-MM，例如 2026-10。", rest))
		}
		c.Reply(bot.Message{Text: monthAnswer(cal, y, m).In(c.Lang), Private: true})
		return nil
	}
	joined := strings.Join(ws, " ")
	if y, m, ok := parseMonth(joined, today, true); ok {
		c.Reply(bot.Message{Text: monthAnswer(cal, y, m).In(c.Lang), Private: true})
		return nil
	}
	res, err := timeparse.Parse(joined, c.Now, c.Loc)
	if err != nil {
		if looksLikeNext(ws) {
			return c.UsageOf(calendarNextForm, bot.Tf("I don't understand %q.", "我没看懂「%s」。", joined))
		}
		return c.UsageOf(calendarDayForm, bot.Tf("I couldn't read the date %q. Try: 2026-02-14, tomorrow, next monday, 明天, 2月14日.",
			"我没看懂日期「%s」。可以这样写：2026-02-14、明天、下周一、2月14日、tomorrow。", joined))
	}
	if res.HasClock {
		return c.UsageOf(calendarDayForm, bot.Tf("Give a date without a time of day, not %q.", "请只写日期，不要写具体时间（「%s」）。", joined))
	}
	c.ReplyText(dayAnswer(cal, civilDate(cal, res.Time)))
	return nil
}

// civilDate is the calendar's midnight of t's date as read in t's own zone:
// "tomorrow" for someone in Berlin is tomorrow's date there, whatever the
// calendar's zone.
func civilDate(cal *workcal.Calendar, t time.Time) time.Time {
	y, m, d := t.Date()
	return cal.Date(y, m, d)
}

var nextWorkdayForms = map[string]bool{
	"next workday": true, "next working day": true, "next work day": true, "next business day": true,
	"下个工作日": true, "下一个工作日": true, "下一工作日": true, "下个上班日": true, "下一个上班日": true,
}

func isNextWorkday(ws []string) bool {
	s := strings.ToLower(strings.Join(ws, " "))
	return nextWorkdayForms[s] || nextWorkdayForms[strings.ReplaceAll(s, " ", "")]
}

// looksLikeNext reports whether a sentence that is not a date was probably
// meant as "next workday".
func looksLikeNext(ws []string) bool {
	first := strings.ToLower(ws[0])
	return first == "next" || strings.HasPrefix(first, "下个") || strings.HasPrefix(first, "下一")
}

func calendarNext(c *commands.Ctx, cal *workcal.Calendar, today time.Time) error {
	next := cal.NextWorkday(today)
	if next.IsZero() {
		c.ReplyText(withCoverage(cal, bot.T("There is no working day in the next two years.", "未来两年内没有工作日。"),
			today, today.AddDate(0, 0, workcal.MaxScanDays)))
		return nil
	}
	info := cal.Day(next)
	en, zh := reasonText(info)
	text := bot.T("The next working day is "+dateEN(next)+".", "下一个工作日是"+dateZH(next)+"。")
	if en != "" {
		text = bot.T(fmt.Sprintf("The next working day is %s, %s.", dateEN(next), en),
			fmt.Sprintf("下一个工作日是%s，%s。", dateZH(next), zh))
	}
	c.ReplyText(withCoverage(cal, text, today, next))
	return nil
}

// withCoverage adds to an answer about the days from..to a note for each
// year among them whose holidays the calendar does not know, rather than
// let it call 春节 a working day with confidence.
func withCoverage(cal *workcal.Calendar, answer bot.Text, from, to time.Time) bot.Text {
	for _, y := range cal.Uncovered(from, to) {
		answer.EN += fmt.Sprintf("\n%d: no holiday data yet — weekends only; add it with calendar.days or an .ics feed.", y)
		answer.ZH += fmt.Sprintf("\n%d年：还没有节假日数据，只按周末计算；可用 calendar.days 或 .ics 日历添加。", y)
	}
	return answer
}

// dayAnswer says in words what kind of day date is; for a day off it adds
// where it falls in a longer break and when work resumes.
func dayAnswer(cal *workcal.Calendar, date time.Time) bot.Text {
	info := cal.Day(date)
	en, zh := reasonText(info)
	if info.Workday {
		if en == "" {
			return withCoverage(cal, bot.T(dateEN(date)+" is a working day.", dateZH(date)+"是工作日。"), date, date)
		}
		return withCoverage(cal, bot.T(dateEN(date)+" is a working day: "+en+".", dateZH(date)+"是工作日："+zh+"。"), date, date)
	}
	var b bot.Text
	b.EN = dateEN(date) + " is a day off: " + en + "."
	b.ZH = dateZH(date) + "是休息日：" + zh + "。"
	if nth, total := breakPosition(cal, date); total >= 3 {
		if nth == total {
			b.EN += fmt.Sprintf(" It is the last day of %s %d-day break.", indefinite(total), total)
			b.ZH += fmt.Sprintf("这是%d天假期的最后一天。", total)
		} else {
			b.EN += fmt.Sprintf(" It is day %d of %s %d-day break.", nth, indefinite(total), total)
			b.ZH += fmt.Sprintf("这是%d天假期的第%d天。", total, nth)
		}
	}
	last := date
	if next := cal.NextWorkday(date); !next.IsZero() {
		b.EN += " The next working day is " + dateEN(next) + "."
		b.ZH += "下一个工作日是" + dateZH(next) + "。"
		last = next
	}
	return withCoverage(cal, b, date, last)
}

// maxBreak bounds how far breakPosition looks for the ends of a break.
const maxBreak = 62

// breakPosition returns the place of date in its run of consecutive days
// off, and the run's length (0, 0 if a run is longer than maxBreak days
// either way, e.g. a calendar without working days).
func breakPosition(cal *workcal.Calendar, date time.Time) (nth, total int) {
	before, after := 0, 0
	for ; before <= maxBreak && !cal.IsWorkday(date.AddDate(0, 0, -before-1)); before++ {
	}
	for ; after <= maxBreak && !cal.IsWorkday(date.AddDate(0, 0, after+1)); after++ {
	}
	if before > maxBreak || after > maxBreak {
		return 0, 0
	}
	return before + 1, before + after + 1
}

// monthAnswer is the compact view of a month: how many working days it has,
// its holidays, its weekends off and its make-up working days.
func monthAnswer(cal *workcal.Calendar, y int, m time.Month) bot.Text {
	first := cal.Date(y, m, 1)
	n := first.AddDate(0, 1, -1).Day()
	work := cal.WorkdaysInMonth(y, m)
	var out bot.Text
	out.EN = fmt.Sprintf("%s %d: %d working %s, %d %s off.", m, y, work, plural(work, "day", "days"), n-work, plural(n-work, "day", "days"))
	out.ZH = fmt.Sprintf("%d年%d月：%d个工作日，休息%d天。", y, m, work, n-work)

	type run struct {
		from, to time.Time
		reason   string
	}
	var holidays []run
	var weekends []run
	var makeup []time.Time
	for d := 1; d <= n; d++ {
		date := cal.Date(y, m, d)
		info := cal.Day(date)
		switch {
		case info.Workday && info.Reason != "":
			makeup = append(makeup, date)
		case info.Workday:
		case info.Reason == "weekend":
			if k := len(weekends) - 1; k >= 0 && weekends[k].to.Day() == d-1 {
				weekends[k].to = date
			} else {
				weekends = append(weekends, run{date, date, ""})
			}
		default:
			if k := len(holidays) - 1; k >= 0 && holidays[k].to.Day() == d-1 && holidays[k].reason == info.Reason {
				holidays[k].to = date
			} else {
				holidays = append(holidays, run{date, date, info.Reason})
			}
		}
	}
	if len(holidays) > 0 {
		out.EN += "\nHolidays:"
		out.ZH += "\n节假日："
		for _, h := range holidays {
			en, zh := reasonText(workcal.DayInfo{Reason: h.reason})
			days := h.to.Day() - h.from.Day() + 1
			if days == 1 {
				out.EN += "\n• " + h.from.Format("Mon 2 Jan") + ": " + en
				out.ZH += "\n• " + shortZH(h.from) + "：" + zh
				continue
			}
			out.EN += fmt.Sprintf("\n• %s – %s: %s, %d days", h.from.Format("Mon 2"), h.to.Format("Mon 2 Jan"), en, days)
			out.ZH += fmt.Sprintf("\n• %s至%s：%s，共%d天", shortZH(h.from), shortZH(h.to), zh, days)
		}
	}
	if len(weekends) > 0 {
		var en, zh []string
		for _, w := range weekends {
			s := strconv.Itoa(w.from.Day())
			if w.to.Day() != w.from.Day() {
				s += "–" + strconv.Itoa(w.to.Day())
			}
			en = append(en, s)
			zh = append(zh, s+"日")
		}
		out.EN += "\nWeekends off: " + strings.Join(en, ", ") + " " + first.Format("Jan")
		out.ZH += "\n周末休息：" + strings.Join(zh, "、")
	}
	if len(makeup) > 0 {
		out.EN += "\nMake-up working days:"
		out.ZH += "\n调休补班："
		for _, d := range makeup {
			en, zh := reasonText(cal.Day(d))
			out.EN += "\n• " + d.Format("Mon 2 Jan") + ": " + en
			out.ZH += "\n• " + shortZH(d) + "：" + zh
		}
	}
	return withCoverage(cal, out, first, first)
}

// indefinite is the article for a number said aloud: "an 8-day break",
// "an 11-day break", "a 9-day break".
func indefinite(n int) string {
	if n == 8 || n == 11 || n == 18 || n >= 80 && n < 90 {
		return "an"
	}
	return "a"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func dateEN(t time.Time) string { return t.Format("Monday 2 Jan 2006") }

func dateZH(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日（%s）", t.Year(), t.Month(), t.Day(), commands.WeekdayZH(t.Weekday()))
}

func shortZH(t time.Time) string {
	return fmt.Sprintf("%d月%d日（%s）", t.Month(), t.Day(), commands.WeekdayZH(t.Weekday()))
}

// reasonText puts a workcal.DayInfo reason ("weekend", "春节", "make-up day
// for 春节", …) into words, in English and Chinese. It is empty for an
// ordinary working day.
func reasonText(info workcal.DayInfo) (en, zh string) {
	r := info.Reason
	if info.Workday {
		switch {
		case r == "":
			return "", ""
		case r == "make-up day":
			return "a make-up day", "调休补班"
		}
		if name, ok := strings.CutPrefix(r, "make-up day for "); ok {
			return "a make-up day for " + holidayEN(name, true), name + "调休补班"
		}
		return r, r
	}
	switch r {
	case "weekend":
		return "the weekend", "周末"
	case "holiday", "":
		return "a holiday", "节假日"
	}
	return holidayEN(r, false), r
}

// holidaysEN names the statutory holidays of the embedded data (and their
// short forms) in English; article says whether the name takes "the".
var holidaysEN = map[string]struct {
	name    string
	article bool
}{
	"元旦": {"New Year's Day", false}, "元旦节": {"New Year's Day", false},
	"除夕":  {"Chinese New Year's Eve", false},
	"春节":  {"Spring Festival", true},
	"清明节": {"Qingming Festival", true}, "清明": {"Qingming Festival", true},
	"劳动节": {"Labour Day", false}, "五一": {"Labour Day", false}, "五一劳动节": {"Labour Day", false},
	"端午节": {"Dragon Boat Festival", true}, "端午": {"Dragon Boat Festival", true},
	"中秋节": {"Mid-Autumn Festival", true}, "中秋": {"Mid-Autumn Festival", true},
	"国庆节": {"National Day", false}, "国庆": {"National Day", false},
}

var holidaySep = regexp.MustCompile(`\s*[、,，/&＆]\s*|\s+and\s+|\s*和\s*`)

// holidayEN gives a holiday's English name followed by the name as written
// in the data: "Spring Festival (春节)", "National Day and Mid-Autumn
// Festival (国庆节、中秋节)". With the article, festivals take "the" ("a
// make-up day for the Spring Festival (春节)"). Names it does not know, such
// as a company day from the configuration, are given as they are.
func holidayEN(name string, article bool) string {
	parts := holidaySep.Split(name, -1)
	known := false
	for i, p := range parts {
		if h, ok := holidaysEN[p]; ok {
			known = true
			parts[i] = h.name
			if article && h.article {
				parts[i] = "the " + h.name
			}
		}
	}
	if !known {
		return name
	}
	return strings.Join(parts, " and ") + " (" + name + ")"
}

var (
	monthNumRE = regexp.MustCompile(`^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?份?$`)
	monthZHRE  = regexp.MustCompile(`^(\d{1,2})\s*月份?$`)
	monthENRE  = regexp.MustCompile(`^([a-z]+)\.?(?:\s*,?\s*(\d{4}))?$`)
)

// parseMonth reads a month: "this month" (today's), "next month", "last
// month", 2026-10, 2026/10, 2026年10月, 10月 (this year), "oct 2026",
// "october" (this year). After the word "month" (bare false) it also takes
// nothing (this month) and a bare "this", "next" or "last".
func parseMonth(s string, today time.Time, bare bool) (int, time.Month, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	shift := func(n int) (int, time.Month, bool) {
		t := time.Date(today.Year(), today.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
		return t.Year(), t.Month(), true
	}
	switch s {
	case "this month", "本月", "这个月", "这月", "当月":
		return shift(0)
	case "next month", "下个月", "下月":
		return shift(1)
	case "last month", "previous month", "上个月", "上月":
		return shift(-1)
	}
	if !bare {
		switch s {
		case "", "this", "current":
			return shift(0)
		case "next":
			return shift(1)
		case "last", "previous", "prev":
			return shift(-1)
		}
	}
	valid := func(y, m int) (int, time.Month, bool) {
		if y < 1000 || m < 1 || m > 12 {
			return 0, 0, false
		}
		return y, time.Month(m), true
	}
	if g := monthNumRE.FindStringSubmatch(s); g != nil {
		y, _ := strconv.Atoi(g[1])
		m, _ := strconv.Atoi(g[2])
		return valid(y, m)
	}
	if g := monthZHRE.FindStringSubmatch(s); g != nil {
		m, _ := strconv.Atoi(g[1])
		return valid(today.Year(), m)
	}
	if g := monthENRE.FindStringSubmatch(s); g != nil && len(g[1]) >= 3 {
		for m := time.January; m <= time.December; m++ {
			if strings.HasPrefix(strings.ToLower(m.String()), g[1]) {
				y := today.Year()
				if g[2] != "" {
					y, _ = strconv.Atoi(g[2])
				}
				return valid(y, int(m))
			}
		}
	}
	return 0, 0, false
}
