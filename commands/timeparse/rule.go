package timeparse

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Rule is a recurring schedule parsed from words such as "every weekday 9:30"
// or "每周一10点".
type Rule struct {
	Cron               string // a 5-field cron spec (minute hour dom month dow) for calendar-independent rules, e.g. "30 9 * * 1-5"; "" otherwise
	Workdays           bool   // every working day of the work calendar (weekends, holidays and make-up days are decided elsewhere) at Hour:Minute
	LastWorkdayOfMonth bool   // the last working day of each month at Hour:Minute
	Hour, Minute       int    // the clock of the rule; for a raw cron spec only when its hour and minute fields are plain numbers, else 0
}

// maxRuleWords bounds the prefixes LongestRule tries.
const maxRuleWords = 12

// defaultRuleClock is used by rules that give no clock.
var defaultRuleClock = clockSpec{9, 0}

// LongestRule returns the longest prefix of words that is a recurring schedule.
//
// Rules are wall-clock schedules; they are evaluated in loc by the scheduler,
// so loc does not change the result (it is accepted for symmetry with
// Longest). Words are consumed whole, as in Longest.
func LongestRule(words []string, loc *time.Location) (Rule, int, bool) {
	_ = loc
	best, bestN := cronWords(words)
	for k := prefixLimit(words, maxRuleWords); k > bestN; k-- {
		p := &parser{toks: lex(strings.Join(words[:k], " "))}
		for _, kind := range []func() (ruleKind, bool){p.enRuleKind, p.zhRuleKind} {
			p.pos = 0
			if r, ok := p.kindRule(kind); ok && p.eof() {
				return r, k, true
			}
		}
	}
	return best, bestN, bestN > 0
}

// ruleKind is what a natural-language rule repeats on.
type ruleKind struct {
	daily, workdays, lastWorkday bool
	dows                         []time.Weekday // weekly on these days
	dom                          int            // monthly on this day
	// Meetings only (see LongestMeetingRule; build refuses them, since a
	// reminder's cron spec cannot say them):
	nthWorkday int  // the n-th working day of each month (1: the first)
	weekly     bool // weekly, on the day the series starts when dows is empty
	interval   int  // every interval weeks (2: every other week); 0 and 1: every week
}

// meetingOnly reports whether the kind needs a meeting's recurrence.
func (k ruleKind) meetingOnly() bool {
	return k.nthWorkday > 0 || k.weekly || k.interval > 1
}

// build turns a kind and a clock into a Rule.
func (k ruleKind) build(c clockSpec) (Rule, bool) {
	c, ok := ruleClockOf(c)
	if !ok || k.meetingOnly() {
		return Rule{}, false
	}
	r := Rule{Hour: c.h, Minute: c.m}
	switch {
	case k.workdays:
		r.Workdays = true
	case k.lastWorkday:
		r.LastWorkdayOfMonth = true
	case k.daily:
		r.Cron = fmt.Sprintf("%d %d * * *", c.m, c.h)
	case len(k.dows) > 0:
		r.Cron = fmt.Sprintf("%d %d * * %s", c.m, c.h, cronDows(k.dows))
	case k.dom >= 1 && k.dom <= 31:
		r.Cron = fmt.Sprintf("%d %d %d * *", c.m, c.h, k.dom)
	default:
		return Rule{}, false
	}
	if r.Cron != "" {
		if _, err := cron.ParseStandard(r.Cron); err != nil {
			return Rule{}, false
		}
	}
	return r, true
}

// ruleClockOf validates a rule's clock; midnight ("24:00") is 00:00.
func ruleClockOf(c clockSpec) (clockSpec, bool) {
	if c.h == 24 && c.m == 0 {
		c.h = 0
	}
	return c, c.h >= 0 && c.h <= 23 && c.m >= 0 && c.m <= 59
}

// cronDows renders weekdays as a cron day-of-week field: sorted, without
// duplicates, runs of three or more as ranges ("1-5", "1,3", "0,6").
func cronDows(dows []time.Weekday) string {
	ds := make([]int, 0, len(dows))
	for _, d := range dows {
		ds = append(ds, int(d))
	}
	slices.Sort(ds)
	ds = slices.Compact(ds)
	var parts []string
	for i := 0; i < len(ds); {
		j := i
		for j+1 < len(ds) && ds[j+1] == ds[j]+1 {
			j++
		}
		if j-i >= 2 {
			parts = append(parts, fmt.Sprintf("%d-%d", ds[i], ds[j]))
		} else {
			for _, d := range ds[i : j+1] {
				parts = append(parts, strconv.Itoa(d))
			}
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// ruleClock parses the optional clock of a rule ("9:30", "at 9am", "下午3点",
// "早上"); none means 09:00.
func (p *parser) ruleClock() (clockSpec, bool) {
	c := defaultRuleClock
	if !p.eof() {
		p.word("at")
		var ok bool
		if c, ok = p.clockOrPeriod(noPeriod); !ok {
			return clockSpec{}, false
		}
	}
	return c, true
}

// kindRule parses a rule's kind with kind, then its clock, into a Rule.
func (p *parser) kindRule(kind func() (ruleKind, bool)) (Rule, bool) {
	k, ok := kind()
	if !ok {
		return Rule{}, false
	}
	c, ok := p.ruleClock()
	if !ok {
		return Rule{}, false
	}
	return k.build(c)
}

// enRuleKind parses the kind of "every day 9:00", "daily 9am", "every weekday 9:30",
// "weekdays 9:30", "every workday 9:30", "every working day", "every business
// day", "every monday 10:00", "every mon,wed 10am", "every mon-fri",
// "every month on the 15th 10:00", "monthly on the 1st", "every last workday of
// the month 17:00", "every month last workday 17:00", "monthly on the last
// working day"; and for meetings "first workday of the month 15:00", "every
// 2 weeks on tue 14:00", "every other week on monday", "weekly on friday".
func (p *parser) enRuleKind() (ruleKind, bool) {
	var k ruleKind
	switch w, _ := p.word("daily", "weekdays", "monthly", "weekly", "every", "each", "first", "last"); w {
	case "first", "last":
		p.pos--
		return p.enNthWorkdayOfMonth()
	case "weekly":
		return p.enWeeklyOn(1)
	case "daily":
		k.daily = true
	case "weekdays":
		k.dows = weekdaysMonFri
	case "monthly":
		return p.enMonthly()
	case "every", "each":
		return p.enEvery()
	default:
		return ruleKind{}, false
	}
	return k, true
}

// enNthWorkdayOfMonth parses "first workday of the month", "last working
// day of each month".
func (p *parser) enNthWorkdayOfMonth() (ruleKind, bool) {
	save := p.pos
	w, ok := p.word("first", "last")
	if !ok || !p.workdayWords() || !p.phrase("of") {
		p.pos = save
		return ruleKind{}, false
	}
	p.word("the", "each", "every")
	if !p.phrase("month") {
		p.pos = save
		return ruleKind{}, false
	}
	return nthOrLast(w), true
}

// nthOrLast is the kind of "first" or "last" working day of the month.
func nthOrLast(w string) ruleKind {
	if w == "last" {
		return ruleKind{lastWorkday: true}
	}
	return ruleKind{nthWorkday: 1}
}

// enWeeklyOn parses what follows "weekly" or "every 2 weeks": nothing (the
// series' own day), or "on tue", "on mon and thu".
func (p *parser) enWeeklyOn(interval int) (ruleKind, bool) {
	k := ruleKind{weekly: true, interval: interval}
	if p.phrase("on") {
		dows, ok := p.enWeekdayList()
		if !ok {
			return ruleKind{}, false
		}
		k.dows = dows
	}
	return k, true
}

var weekdaysMonFri = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// enEvery parses what follows "every".
func (p *parser) enEvery() (ruleKind, bool) {
	switch {
	case p.phrase("day"):
		return ruleKind{daily: true}, true
	case p.phrase("weekday") || p.phrase("weekdays"):
		return ruleKind{dows: weekdaysMonFri}, true
	case p.workdayWords():
		return ruleKind{workdays: true}, true
	case p.phrase("first") || p.phrase("last"):
		p.pos--
		return p.enNthWorkdayOfMonth()
	case p.phrase("month"):
		return p.enMonthly()
	case p.phrase("week"):
		return p.enWeeklyOn(1)
	case p.phrase("other", "week"):
		return p.enWeeklyOn(2)
	}
	if n, _, ok := p.num(2); ok {
		if _, ok := p.word("weeks"); !ok || n < 1 {
			return ruleKind{}, false
		}
		return p.enWeeklyOn(n)
	}
	dows, ok := p.enWeekdayList()
	return ruleKind{dows: dows}, ok
}

// enMonthly parses what follows "monthly" or "every month": "on the 15th",
// "1st", "last workday", "on the last working day".
func (p *parser) enMonthly() (ruleKind, bool) {
	save := p.pos
	p.word("on")
	p.word("the")
	if w, ok := p.word("first", "last"); ok && p.workdayWords() {
		return nthOrLast(w), true
	}
	p.pos = save
	d, ok := p.enMonthDay()
	return ruleKind{dom: d}, ok
}

// workdayWords consumes workday(s), working day(s), work day(s), business day(s).
func (p *parser) workdayWords() bool {
	if _, ok := p.word("workday", "workdays", "businessday", "businessdays"); ok {
		return true
	}
	save := p.pos
	if _, ok := p.word("working", "work", "business"); ok {
		if _, ok := p.word("day", "days"); ok {
			return true
		}
	}
	p.pos = save
	return false
}

// enMonthDay parses "[on] [the] 15[th]".
func (p *parser) enMonthDay() (int, bool) {
	p.word("on")
	p.word("the")
	d, ok := p.ordinalDay()
	return d, ok && d >= 1 && d <= 31
}

// enWeekdayList parses "monday", "mon,wed", "mon and wed", "mon-fri".
func (p *parser) enWeekdayList() ([]time.Weekday, bool) {
	var dows []time.Weekday
	for {
		save := p.pos
		if len(dows) > 0 {
			if _, ok := p.punct(",&"); !ok {
				p.word("and")
			}
		}
		from, ok := p.enWeekday()
		if !ok {
			p.pos = save
			break
		}
		to := from
		if _, ok := p.punct("-"); ok {
			if to, ok = p.enWeekday(); !ok {
				return nil, false
			}
		}
		days, ok := weekdayRange(from, to)
		if !ok {
			return nil, false
		}
		dows = append(dows, days...)
	}
	return dows, len(dows) > 0
}

// weekdayRange lists from..to in Monday-first order ("周一到周五"); from
// must not come after to.
func weekdayRange(from, to time.Weekday) ([]time.Weekday, bool) {
	a, b := mondayIndex(from), mondayIndex(to)
	if a > b {
		return nil, false
	}
	var days []time.Weekday
	for i := a; i <= b; i++ {
		days = append(days, time.Weekday((i+1)%7))
	}
	return days, true
}

// zhRuleKind parses the kind of 每天9点, 每日, 天天, 每个工作日 9:30, 工作日每天9点半, 每周一10点,
// 每个星期一, 每周一、三 10点, 每周一到周五, 每月1号9点, 每月15日 10:00,
// 每月最后一个工作日 17:00; and for meetings 每月第一个工作日 15:00, 每两周周二
// 14:00, 每隔一周的周二, 隔周周二, 双周周二.
func (p *parser) zhRuleKind() (ruleKind, bool) {
	var k ruleKind
	switch {
	case p.han("天天"):
		k.daily = true
	case p.han("工作日"):
		// 工作日每天9点半: "每天" restates the repetition
		p.hanOneOf("每天", "每日")
		k.workdays = true
	case p.han("隔周") || p.han("双周"):
		return p.zhWeeksOn(2)
	default:
		if _, ok := p.hanOneOf("每个", "每"); !ok {
			return ruleKind{}, false
		}
		return p.zhEvery()
	}
	return k, true
}

// zhNthWorkday parses the working day of the month after 每月: 最后一个工作日,
// 最后1个工作日, 第一个工作日, 第2个工作日, 首个工作日. Digits are their own
// tokens, hence the numbers are read apart from the characters.
func (p *parser) zhNthWorkday() (ruleKind, bool) {
	var k ruleKind
	switch {
	case p.han("首"):
		k.nthWorkday = 1
	case p.han("最后"):
		if n, ok := p.smallNum(); !ok || n != 1 {
			return ruleKind{}, false
		}
		k.lastWorkday = true
	case p.han("第"):
		n, ok := p.smallNum()
		if !ok || n < 1 || n > maxNthWorkday {
			return ruleKind{}, false
		}
		k.nthWorkday = n
	default:
		return ruleKind{}, false
	}
	return k, p.han("个工作日")
}

// maxNthWorkday bounds 第N个工作日: no month has more working days.
const maxNthWorkday = 23

// zhWeeksOn parses what follows 每两周 or 隔周: an optional 的, then the days
// (周二, 星期一、四), or nothing (the series' own day).
func (p *parser) zhWeeksOn(interval int) (ruleKind, bool) {
	k := ruleKind{weekly: true, interval: interval}
	save := p.pos
	p.han("的")
	if _, ok := p.hanOneOf("星期", "礼拜", "周"); !ok {
		p.pos = save
		return k, true
	}
	dows, ok := p.zhWeekdayList()
	if !ok {
		return ruleKind{}, false
	}
	k.dows = dows
	return k, true
}

// zhEvery parses what follows 每 / 每个.
func (p *parser) zhEvery() (ruleKind, bool) {
	switch {
	case p.han("天") || p.han("日"):
		return ruleKind{daily: true}, true
	case p.han("工作日"):
		return ruleKind{workdays: true}, true
	case p.han("月"):
		if p.han("最后一天工作日") {
			return ruleKind{lastWorkday: true}, true
		}
		if k, ok := try(p, p.zhNthWorkday); ok {
			return k, true
		}
		d, ok := p.smallNum()
		if !ok || d < 1 || d > 31 {
			return ruleKind{}, false
		}
		if _, ok := p.hanOneOf("号", "日"); !ok {
			return ruleKind{}, false
		}
		return ruleKind{dom: d}, true
	}
	if p.han("隔一周") || p.han("隔1周") {
		return p.zhWeeksOn(2) // 每隔一周: every other week
	}
	if n, ok := try(p, p.smallNum); ok {
		// 每两周, 每2周, 每两个星期
		p.han("个")
		if _, ok := p.hanOneOf("星期", "礼拜", "周"); !ok || n < 1 {
			return ruleKind{}, false
		}
		return p.zhWeeksOn(n)
	}
	if _, ok := p.hanOneOf("星期", "礼拜", "周"); !ok {
		return ruleKind{}, false
	}
	dows, ok := p.zhWeekdayList()
	return ruleKind{dows: dows}, ok
}

// zhWeekdayList parses the days after 每周: "一", "一、三", "一,三", "一和三",
// "一到五", "一至周五", "周一、周三".
func (p *parser) zhWeekdayList() ([]time.Weekday, bool) {
	var dows []time.Weekday
	for {
		save := p.pos
		if len(dows) > 0 {
			if _, ok := p.hanOneOf("、", "和", "及", "与"); !ok {
				if _, ok := p.punct(",;"); !ok {
					break
				}
			}
		}
		from, ok := p.zhListDay()
		if !ok {
			p.pos = save
			break
		}
		to := from
		rangeStart := p.pos
		_, isRange := p.hanOneOf("到", "至")
		if !isRange {
			_, isRange = p.punct("-~")
		}
		if isRange {
			if to, ok = p.zhListDay(); !ok {
				p.pos = rangeStart
				to = from
			}
		}
		days, ok := weekdayRange(from, to)
		if !ok {
			return nil, false
		}
		dows = append(dows, days...)
	}
	return dows, len(dows) > 0
}

// zhListDay is a weekday inside a list, with an optional 周/星期/礼拜.
func (p *parser) zhListDay() (time.Weekday, bool) {
	if wd, ok := try(p, p.zhWeekday); ok {
		return wd, true
	}
	return try(p, p.zhWeekdayDay)
}

// cronQuotes are the quotes that may surround a cron spec.
const cronQuotes = "\"'`“”"

// cronWords recognises a raw cron spec: `cron "30 9 * * 1-5"` (the quoted
// spec as one word, quotes optional), `cron 30 9 * * 1-5`, the quoted spec
// alone `"30 9 * * 1-5"`, or the five words `30 9 * * 1-5`. It returns the
// words consumed, 0 if none.
func cronWords(words []string) (Rule, int) {
	if len(words) > 0 && strings.EqualFold(words[0], "cron") {
		for k := 2; k <= min(len(words), 6); k++ {
			spec := strings.Trim(strings.Join(words[1:k], " "), cronQuotes)
			if r, ok := cronRule(strings.Fields(spec)); ok {
				return r, k
			}
		}
		return Rule{}, 0
	}
	if len(words) >= 1 && strings.IndexAny(words[0], cronQuotes) == 0 {
		if r, ok := cronRule(strings.Fields(strings.Trim(words[0], cronQuotes))); ok {
			return r, 1
		}
	}
	if len(words) >= 5 {
		if r, ok := cronRule(words[:5]); ok {
			return r, 5
		}
	}
	return Rule{}, 0
}

// cronRule validates five cron fields with cron.ParseStandard. Only plain
// field syntax is allowed (no descriptors such as @daily, no TZ= prefix).
func cronRule(fields []string) (Rule, bool) {
	if len(fields) != 5 {
		return Rule{}, false
	}
	for _, f := range fields {
		if f == "" || strings.Trim(f, "0123456789*/,-?abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return Rule{}, false
		}
	}
	if c := fields[0][0]; !isDigit(rune(c)) && c != '*' {
		return Rule{}, false
	}
	spec := strings.Join(fields, " ")
	if _, err := cron.ParseStandard(spec); err != nil {
		return Rule{}, false
	}
	r := Rule{Cron: spec}
	if m, err := strconv.Atoi(fields[0]); err == nil {
		if h, err := strconv.Atoi(fields[1]); err == nil {
			r.Hour, r.Minute = h, m
		}
	}
	return r, true
}
