package timeparse

import "time"

type dayKind uint8

const (
	dayNone     dayKind = iota // no day given: a bare clock, the next such moment
	dayOffset                  // today + months + days: today, tomorrow, 后天, in 3 days
	dayAbs                     // y-m-d
	dayMonthDay                // m-d without a year: the next occurrence
	dayOfMonth                 // 1号: this month or the next
	dayWeekday                 // fri, 周五: the next such day, today included
	dayWeekOf                  // this/next friday, 本周五, 下周一: weekday of the current week + n weeks
	dayMonthEnd                // end of month, 月底: the last day of this month + months
)

// daySpec is a day expression; it is resolved against now in resolve.
type daySpec struct {
	kind         dayKind
	months, days int // dayOffset; months also for dayMonthEnd
	weeks        int // dayWeekOf: 0 = this week, 1 = next week, 2 = the week after
	y, m, d      int // dayAbs, dayMonthDay, dayOfMonth
	wd           time.Weekday
	period       period // a part of the day implied by the word: 今晚, tonight
}

// day parses a day expression without a clock.
func (p *parser) day() (daySpec, bool) {
	for _, f := range []func() (daySpec, bool){p.relDay, p.weekday, p.numericDate, p.zhDate, p.monthNameDate, p.monthEnd} {
		if d, ok := try(p, f); ok {
			return d, true
		}
	}
	return daySpec{}, false
}

// zhRelDays are the Chinese relative day words, longer words before their
// prefixes; some imply a part of the day (今晚 = tonight).
var zhRelDays = []struct {
	s  string
	n  int
	pd period
}{
	{"大后天", 3, noPeriod}, {"后天", 2, noPeriod},
	{"今天", 0, noPeriod}, {"今日", 0, noPeriod}, {"今儿", 0, noPeriod},
	{"明天", 1, noPeriod}, {"明日", 1, noPeriod}, {"明儿", 1, noPeriod},
	{"今晚", 0, evening}, {"明晚", 1, evening},
	{"今早", 0, morning}, {"明早", 1, morning},
}

// relDay parses today, tonight, tomorrow, the day after tomorrow, this
// morning/afternoon/evening, 今天, 明天, 后天, 大后天, 今晚, 明晚, 今早, 明早.
func (p *parser) relDay() (daySpec, bool) {
	off := func(n int, pd period) (daySpec, bool) {
		return daySpec{kind: dayOffset, days: n, period: pd}, true
	}
	save := p.pos
	switch w, _ := p.word("today", "tonight", "tomorrow", "tmr", "tmrw", "the", "day", "this"); w {
	case "today":
		return off(0, noPeriod)
	case "tonight":
		return off(0, evening)
	case "tomorrow", "tmr", "tmrw":
		return off(1, noPeriod)
	case "the":
		if p.phrase("day", "after", "tomorrow") {
			return off(2, noPeriod)
		}
	case "day":
		if p.phrase("after", "tomorrow") {
			return off(2, noPeriod)
		}
	case "this":
		// "this morning"; "this friday" is handled by weekday.
		if pd, ok := p.period(); ok {
			return off(0, pd)
		}
	}
	p.pos = save // a failed English phrase may have consumed words
	for _, c := range zhRelDays {
		if p.han(c.s) {
			return off(c.n, c.pd)
		}
	}
	return daySpec{}, false
}

var enWeekdays = map[string]time.Weekday{
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "weds": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
	"sun": time.Sunday, "sunday": time.Sunday,
}

// enWeekday consumes an English weekday name.
func (p *parser) enWeekday() (time.Weekday, bool) {
	t, ok := p.peek()
	if !ok || t.kind != tWord {
		return 0, false
	}
	wd, ok := enWeekdays[t.text]
	if ok {
		p.pos++
	}
	return wd, ok
}

var zhWeekdayChars = map[rune]time.Weekday{
	'一': time.Monday, '二': time.Tuesday, '三': time.Wednesday, '四': time.Thursday,
	'五': time.Friday, '六': time.Saturday, '日': time.Sunday, '天': time.Sunday,
}

// zhWeekday consumes 周五, 星期五, 礼拜五, 周日, 星期天, 周5 (7 = Sunday).
func (p *parser) zhWeekday() (time.Weekday, bool) {
	save := p.pos
	if _, ok := p.hanOneOf("星期", "礼拜", "周"); !ok {
		return 0, false
	}
	if wd, ok := p.zhWeekdayDay(); ok {
		return wd, true
	}
	p.pos = save
	return 0, false
}

// zhWeekdayDay consumes the day part of a Chinese weekday: one of
// 一二三四五六日天 or a single digit 1..7.
func (p *parser) zhWeekdayDay() (time.Weekday, bool) {
	t, ok := p.peek()
	if !ok {
		return 0, false
	}
	switch t.kind {
	case tHan:
		if wd, ok := zhWeekdayChars[t.r]; ok {
			p.pos++
			return wd, true
		}
	case tNum:
		if len(t.text) == 1 && t.val >= 1 && t.val <= 7 {
			p.pos++
			return time.Weekday(t.val % 7), true
		}
	}
	return 0, false
}

// weekday parses fri, this friday, next monday, coming friday, 周五, 本周五,
// 这周五, 下周一, 下个星期一, 下下周一.
func (p *parser) weekday() (daySpec, bool) {
	if w, ok := p.word("this", "next", "coming"); ok {
		wd, ok := p.enWeekday()
		if !ok {
			return daySpec{}, false
		}
		switch w {
		case "this":
			return daySpec{kind: dayWeekOf, weeks: 0, wd: wd}, true
		case "next":
			return daySpec{kind: dayWeekOf, weeks: 1, wd: wd}, true
		}
		return daySpec{kind: dayWeekday, wd: wd}, true
	}
	if wd, ok := p.enWeekday(); ok {
		return daySpec{kind: dayWeekday, wd: wd}, true
	}
	weeks := -1 // no prefix: a bare weekday
	switch pre, _ := p.hanOneOf("下下个", "下下", "下个", "下", "这个", "这", "本"); pre {
	case "下下个", "下下":
		weeks = 2
	case "下个", "下":
		weeks = 1
	case "这个", "这", "本":
		weeks = 0
	}
	wd, ok := p.zhWeekday()
	if !ok {
		return daySpec{}, false
	}
	if weeks < 0 {
		return daySpec{kind: dayWeekday, wd: wd}, true
	}
	return daySpec{kind: dayWeekOf, weeks: weeks, wd: wd}, true
}

// numericDate parses 2026-12-01, 2026/12/01, 2026.12.01 and, without a year,
// 12-01 and 12/01 (month/day).
func (p *parser) numericDate() (daySpec, bool) {
	a, digits, ok := p.num(4)
	if !ok {
		return daySpec{}, false
	}
	if digits == 4 {
		sep, ok := p.punct("-/.")
		if !ok {
			return daySpec{}, false
		}
		m, _, ok := p.num(2)
		if !ok {
			return daySpec{}, false
		}
		if _, ok := p.punct(string(sep)); !ok {
			return daySpec{}, false
		}
		d, _, ok := p.num(2)
		if !ok {
			return daySpec{}, false
		}
		return p.absDate(a, m, d)
	}
	if _, ok := p.punct("-/"); !ok {
		return daySpec{}, false
	}
	d, _, ok := p.num(2)
	if !ok {
		return daySpec{}, false
	}
	return p.monthDay(a, d)
}

// zhDate parses 2026年12月1日, 12月1日, 12月1号, 十二月一日, and 1号 / 1日 (a
// day of this month or the next).
func (p *parser) zhDate() (daySpec, bool) {
	year := 0
	start := p.pos
	if y, digits, ok := p.num(4); ok && digits == 4 && p.han("年") {
		year = y
	} else {
		p.pos = start
	}
	save := p.pos
	m, hasMonth := p.smallNum()
	if hasMonth && !p.han("月") {
		hasMonth = false
		p.pos = save
	}
	if year != 0 && !hasMonth {
		return daySpec{}, false
	}
	d, ok := p.smallNum()
	if !ok {
		return daySpec{}, false
	}
	if _, ok := p.hanOneOf("日", "号"); !ok {
		return daySpec{}, false
	}
	switch {
	case year != 0:
		return p.absDate(year, m, d)
	case hasMonth:
		return p.monthDay(m, d)
	}
	if d < 1 || d > 31 {
		p.fail("day %d does not exist", d)
		return daySpec{}, false
	}
	return daySpec{kind: dayOfMonth, d: d}, true
}

var enMonths = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
	"apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
	"aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
	"oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

func (p *parser) enMonth() (time.Month, bool) {
	t, ok := p.peek()
	if !ok || t.kind != tWord {
		return 0, false
	}
	m, ok := enMonths[t.text]
	if ok {
		p.pos++
	}
	return m, ok
}

// ordinalDay consumes a day number with an optional suffix: 1, 1st, 22nd.
func (p *parser) ordinalDay() (int, bool) {
	d, _, ok := p.num(2)
	if ok {
		p.word("st", "nd", "rd", "th")
	}
	return d, ok
}

// monthNameDate parses "dec 1", "December 1st, 2026", "1 dec", "1st of
// december 2026".
func (p *parser) monthNameDate() (daySpec, bool) {
	var m time.Month
	var d int
	if mm, ok := p.enMonth(); ok {
		dd, ok := p.ordinalDay()
		if !ok {
			return daySpec{}, false
		}
		m, d = mm, dd
	} else {
		dd, ok := p.ordinalDay()
		if !ok {
			return daySpec{}, false
		}
		p.word("of")
		mm, ok := p.enMonth()
		if !ok {
			return daySpec{}, false
		}
		m, d = mm, dd
	}
	save := p.pos
	p.punct(",")
	if y, digits, ok := p.num(4); ok && digits == 4 {
		return p.absDate(y, int(m), d)
	}
	p.pos = save
	return p.monthDay(int(m), d)
}

// validDate reports whether y-m-d exists.
func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Year() == y && int(t.Month()) == m && t.Day() == d
}

func (p *parser) absDate(y, m, d int) (daySpec, bool) {
	if y < 1000 || !validDate(y, m, d) {
		p.fail("%04d-%02d-%02d is not a valid date", y, m, d)
		return daySpec{}, false
	}
	return daySpec{kind: dayAbs, y: y, m: m, d: d}, true
}

// monthDay accepts a month/day that exists in some year (02-29 included).
func (p *parser) monthDay(m, d int) (daySpec, bool) {
	if !validDate(2000, m, d) {
		p.fail("%02d-%02d is not a valid date", m, d)
		return daySpec{}, false
	}
	return daySpec{kind: dayMonthDay, m: m, d: d}, true
}

// monthEnd parses the last day of a month: "end of month", "end of the
// month", "end of this month", "end of next month", "eom", 月底, 月末, 本月底,
// 这个月底, 下月底, 下个月末, and 月底前 ("by the end of the month").
func (p *parser) monthEnd() (daySpec, bool) {
	end := func(months int) (daySpec, bool) { return daySpec{kind: dayMonthEnd, months: months}, true }
	if _, ok := p.word("eom"); ok {
		return end(0)
	}
	if p.phrase("end", "of") {
		w, _ := p.word("the", "this", "next")
		if !p.phrase("month") {
			return daySpec{}, false
		}
		if w == "next" {
			return end(1)
		}
		return end(0)
	}
	months := 0
	switch pre, _ := p.hanOneOf("下个月", "下月", "这个月", "这月", "本月", "当月", "月"); pre {
	case "":
		return daySpec{}, false
	case "下个月", "下月":
		months = 1
	}
	if _, ok := p.hanOneOf("底", "末"); !ok {
		return daySpec{}, false
	}
	p.hanOneOf("之前", "前")
	return end(months)
}
