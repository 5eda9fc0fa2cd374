package timeparse

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Result is a parsed time expression.
type Result struct {
	Time     time.Time // in loc
	HasClock bool      // false when only a date was given (Time is then 00:00 of that date)
	// EndOfDay says the expression named the end of the working day of
	// Time's date ("eod", "今天下班前"), whose clock only the caller knows
	// (bot.due_time); HasClock is then false.
	EndOfDay bool
	Words    int // how many of the input words were consumed
}

// maxWords bounds the prefixes Longest tries; the longest supported
// expression ("the day after tomorrow at 5:30 pm") has fewer words.
const maxWords = 10

// Longest returns the longest prefix of words that is a time expression,
// relative to now in loc. ok=false when words[0] does not start one.
//
// Words are consumed whole: a word that starts with a time expression but
// continues with other text ("明天开会") is not split, and ok is false for it.
// A nil loc means now.Location().
func Longest(words []string, now time.Time, loc *time.Location) (Result, bool) {
	for k := prefixLimit(words, maxWords); k >= 1; k-- {
		if r, err := parseWords(words[:k], now, loc); err == nil {
			return r, true
		}
	}
	return Result{}, false
}

// Parse parses a whole string (it is split on whitespace); all of it must be
// consumed, else an error that says what was not understood.
func Parse(s string, now time.Time, loc *time.Location) (Result, error) {
	words := strings.Fields(s)
	if len(words) == 0 {
		return Result{}, errors.New("timeparse: empty time expression")
	}
	r, err := parseWords(words, now, loc)
	if err == nil {
		return r, nil
	}
	if r, ok := Longest(words, now, loc); ok {
		return Result{}, fmt.Errorf("timeparse: %q is not understood after the time %q",
			strings.Join(words[r.Words:], " "), strings.Join(words[:r.Words], " "))
	}
	if errors.Is(err, errNotTime) {
		return Result{}, fmt.Errorf("timeparse: %q is not a time expression", s)
	}
	return Result{}, fmt.Errorf("timeparse: %q: %w", s, err)
}

var errNotTime = errors.New("not a time expression")

// prefixLimit is the number of leading words worth trying: at most max, and
// never past a blank word (which would otherwise be consumed for free).
func prefixLimit(words []string, max int) int {
	n := min(len(words), max)
	for i := range n {
		if strings.TrimSpace(words[i]) == "" {
			return i
		}
	}
	return n
}

// parseWords parses words as exactly one time expression.
func parseWords(words []string, now time.Time, loc *time.Location) (Result, error) {
	if loc == nil {
		loc = now.Location()
	}
	e, err := parseExpr(lex(strings.Join(words, " ")))
	if err != nil {
		return Result{}, err
	}
	t, hasClock, err := e.resolve(now.In(loc), loc)
	if err != nil {
		return Result{}, err
	}
	return Result{Time: t, HasClock: hasClock, EndOfDay: e.eod, Words: len(words)}, nil
}

// expr is a parsed, not yet resolved, time expression: either a duration
// from now, or a day with an optional clock.
type expr struct {
	isDur    bool
	dur      durSpec
	day      daySpec
	clock    clockSpec
	hasClock bool
	eod      bool // the end of the working day: a date for the caller to complete
}

// parseExpr parses toks as one expression; every token must be consumed.
func parseExpr(toks []token) (expr, error) {
	alts := []func(*parser) (expr, bool){
		(*parser).durationExpr,
		(*parser).dayClockExpr,
		(*parser).clockDayExpr,
		(*parser).endOfDayExpr,
	}
	var firstErr error
	for _, alt := range alts {
		p := &parser{toks: toks}
		if e, ok := alt(p); ok && p.eof() {
			return e, nil
		}
		if firstErr == nil {
			firstErr = p.err
		}
	}
	if firstErr == nil {
		firstErr = errNotTime
	}
	return expr{}, firstErr
}

// durationExpr: a duration, or a whole number of days followed by a clock
// ("in 3 days at 5pm", "三天后下午3点").
func (p *parser) durationExpr() (expr, bool) {
	d, ok := p.duration()
	if !ok {
		return expr{}, false
	}
	if p.eof() || !d.dateOnly() {
		return expr{isDur: true, dur: d}, true
	}
	p.word("at")
	c, ok := p.clockOrPeriod(noPeriod)
	if !ok {
		return expr{}, false
	}
	day := daySpec{kind: dayOffset, months: d.months, days: d.days}
	return expr{day: day, clock: c, hasClock: true}, true
}

// dayClockExpr: ["on"] day [["at"] clock | end of day]: "fri 18:00",
// "tomorrow at 5pm", "明天下午3点", "今晚", "tomorrow morning", "fri eod",
// "今天下班前".
func (p *parser) dayClockExpr() (expr, bool) {
	p.word("on")
	d, ok := p.day()
	if !ok {
		return expr{}, false
	}
	e := expr{day: d}
	if p.endOfDay() {
		e.eod = true
		return e, true
	}
	save := p.pos
	p.word("at")
	if c, ok := p.clockOrPeriod(d.period); ok {
		e.clock, e.hasClock = c, true
	} else {
		p.pos = save
	}
	return e, true
}

// clockDayExpr: ["at"] clock [["on"] day]: "17:00", "at 5pm", "下午3点",
// "5pm tomorrow", "10am on friday".
func (p *parser) clockDayExpr() (expr, bool) {
	p.word("at")
	c, ok := p.clock(noPeriod)
	if !ok {
		return expr{}, false
	}
	e := expr{clock: c, hasClock: true}
	e.day = p.optionalDay(e.day)
	return e, true
}

// optionalDay parses an optional ["on"] day after a clock ("5pm tomorrow",
// "eod on friday"), or returns otherwise.
func (p *parser) optionalDay(otherwise daySpec) daySpec {
	save := p.pos
	p.word("on")
	if d, ok := p.day(); ok {
		return d
	}
	p.pos = save
	return otherwise
}

// endOfDayExpr: end of day [["on"] day]: "eod", "end of day", "eod
// tomorrow", "下班前" (today unless a day follows).
func (p *parser) endOfDayExpr() (expr, bool) {
	if !p.endOfDay() {
		return expr{}, false
	}
	return expr{day: p.optionalDay(daySpec{kind: dayOffset}), eod: true}, true
}

// resolve computes the time of e relative to now (already in loc).
func (e expr) resolve(now time.Time, loc *time.Location) (time.Time, bool, error) {
	if e.isDur {
		return e.dur.addTo(now), true, nil
	}
	c, hasClock := e.clock, e.hasClock
	if !hasClock && !e.eod {
		// 今晚, tonight: the day word's own period supplies the clock.
		c, hasClock = e.day.period.defaultClock()
	}
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // a calendar date, free of DST
	at := func(date time.Time) time.Time {
		if !hasClock {
			return time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc)
		}
		return time.Date(date.Year(), date.Month(), date.Day(), c.h, c.m, 0, 0, loc)
	}
	// passed reports whether date (with the clock, if any) is already over:
	// a clock must be strictly ahead of now, a bare date must not be before
	// today.
	passed := func(date time.Time) bool {
		if hasClock {
			return !at(date).After(now)
		}
		return date.Before(today)
	}
	date, err := e.day.date(today, passed)
	if err != nil {
		return time.Time{}, false, err
	}
	return at(date), hasClock, nil
}

// date returns the calendar date (at 00:00 UTC) that the day expression
// denotes, given today's date and whether a candidate date is already over.
func (d daySpec) date(today time.Time, passed func(time.Time) bool) (time.Time, error) {
	switch d.kind {
	case dayNone: // a bare clock: today if still ahead, else tomorrow
		if passed(today) {
			return today.AddDate(0, 0, 1), nil
		}
		return today, nil
	case dayOffset:
		return today.AddDate(0, d.months, d.days), nil
	case dayMonthEnd: // the last day of this month, or of a later one
		first := time.Date(today.Year(), today.Month()+time.Month(d.months), 1, 0, 0, 0, 0, time.UTC)
		return first.AddDate(0, 1, -1), nil
	case dayAbs:
		return time.Date(d.y, time.Month(d.m), d.d, 0, 0, 0, 0, time.UTC), nil
	case dayMonthDay: // this year or the next year that has the date (02-29)
		for y := today.Year(); y <= today.Year()+8; y++ {
			if validDate(y, d.m, d.d) {
				if c := time.Date(y, time.Month(d.m), d.d, 0, 0, 0, 0, time.UTC); !passed(c) {
					return c, nil
				}
			}
		}
	case dayOfMonth: // this month or the next month that has the day (31号)
		for i := 0; i <= 12; i++ {
			first := time.Date(today.Year(), today.Month()+time.Month(i), 1, 0, 0, 0, 0, time.UTC)
			if validDate(first.Year(), int(first.Month()), d.d) {
				if c := first.AddDate(0, 0, d.d-1); !passed(c) {
					return c, nil
				}
			}
		}
	case dayWeekday: // the next such day, today included unless its clock passed
		c := today.AddDate(0, 0, (int(d.wd)-int(today.Weekday())+7)%7)
		if passed(c) {
			c = c.AddDate(0, 0, 7)
		}
		return c, nil
	case dayWeekOf: // weeks start on Monday
		monday := today.AddDate(0, 0, -mondayIndex(today.Weekday()))
		return monday.AddDate(0, 0, 7*d.weeks+mondayIndex(d.wd)), nil
	}
	return time.Time{}, errors.New("no such date ahead")
}

// mondayIndex numbers weekdays from Monday = 0 to Sunday = 6.
func mondayIndex(wd time.Weekday) int { return (int(wd) + 6) % 7 }
