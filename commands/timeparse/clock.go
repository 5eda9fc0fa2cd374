package timeparse

// period is a part of the day said in words, which turns a 12-hour style
// hour into a 24-hour one and supplies a default clock.
type period uint8

const (
	noPeriod     period = iota
	earlyMorning        // 凌晨
	morning             // 早上, 上午, morning
	noon                // 中午
	afternoon           // 下午, afternoon
	dusk                // 傍晚
	evening             // 晚上, 今晚, evening, night, tonight
)

// clockSpec is a time of day. h may be 24 or more (晚上12点 = 24:00 = 00:00 of
// the next day); time.Date normalises that.
type clockSpec struct{ h, m int }

// defaultClock is used when a period is given without a clock ("明天下午",
// "tomorrow morning", "今晚").
func (pd period) defaultClock() (clockSpec, bool) {
	switch pd {
	case morning:
		return clockSpec{9, 0}, true
	case noon:
		return clockSpec{12, 0}, true
	case afternoon:
		return clockSpec{15, 0}, true
	case dusk:
		return clockSpec{18, 0}, true
	case evening:
		return clockSpec{20, 0}, true
	}
	return clockSpec{}, false
}

// adjust maps an hour said within period pd to a 24-hour hour, or reports
// that the combination makes no sense (下午25点).
func (pd period) adjust(h int) (int, bool) {
	switch pd {
	case noPeriod:
		return h, h >= 0 && h <= 24
	case earlyMorning:
		return h, h >= 0 && h <= 6
	case morning:
		return h, h >= 0 && h <= 12
	case noon: // 中午12点 = 12:00, 中午1点 = 13:00
		switch {
		case h == 11 || h == 12:
			return h, true
		case h >= 1 && h <= 2:
			return h + 12, true
		}
	case afternoon:
		switch {
		case h >= 1 && h <= 11:
			return h + 12, true
		case h >= 12 && h <= 18:
			return h, true
		}
	case dusk:
		switch {
		case h >= 4 && h <= 7:
			return h + 12, true
		case h >= 16 && h <= 19:
			return h, true
		}
	case evening:
		switch {
		case h >= 5 && h <= 11:
			return h + 12, true
		case h >= 17 && h <= 24:
			return h, true
		case h == 0 || h == 12: // 晚上12点: midnight at the end of the day
			return 24, true
		case h >= 1 && h <= 3: // 今晚1点: after midnight
			return h + 24, true
		}
	}
	return 0, false
}

// zhPeriods are the Chinese period words, longer words before their prefixes.
var zhPeriods = []struct {
	s  string
	pd period
}{
	{"凌晨", earlyMorning},
	{"早上", morning}, {"早晨", morning}, {"清晨", morning}, {"上午", morning}, {"早", morning},
	{"中午", noon},
	{"下午", afternoon}, {"午后", afternoon},
	{"傍晚", dusk},
	{"晚上", evening}, {"夜里", evening}, {"夜间", evening}, {"晚", evening},
}

var enPeriods = map[string]period{
	"morning": morning, "afternoon": afternoon, "evening": evening, "night": evening,
}

// period consumes a word for a part of the day, Chinese or English.
func (p *parser) period() (period, bool) {
	for _, c := range zhPeriods {
		if p.han(c.s) {
			return c.pd, true
		}
	}
	if t, ok := p.peek(); ok && t.kind == tWord {
		if pd, ok := enPeriods[t.text]; ok {
			p.pos++
			return pd, true
		}
	}
	return noPeriod, false
}

// clock parses a time of day, optionally preceded by a period word
// ("下午3点"); pd is a period already implied by a day word (今晚).
func (p *parser) clock(pd period) (clockSpec, bool) {
	save := p.pos
	if q, ok := p.period(); ok {
		pd = q
	}
	if c, ok := p.clockCore(pd); ok {
		return c, true
	}
	p.pos = save
	return clockSpec{}, false
}

// clockOrPeriod is clock, but a period word alone is enough and yields its
// default clock ("明天下午" = 15:00, "tomorrow morning" = 09:00). When nothing
// follows a day word that implies a period (今晚), the caller applies that
// period's default.
func (p *parser) clockOrPeriod(pd period) (clockSpec, bool) {
	save := p.pos
	q, hasPeriod := p.period()
	if hasPeriod {
		pd = q
	}
	afterPeriod := p.pos
	if hasPeriod {
		p.word("at") // "tomorrow morning at 9am"
	}
	if c, ok := p.clockCore(pd); ok {
		return c, true
	}
	p.pos = afterPeriod
	if hasPeriod {
		if c, ok := pd.defaultClock(); ok {
			return c, true
		}
	}
	p.pos = save
	return clockSpec{}, false
}

// clockCore parses the clock itself: noon, midnight, 17:00, 5:30pm, 5pm,
// 17点30分, 3点半, 十点一刻, 18时. pd converts 12-hour style hours.
func (p *parser) clockCore(pd period) (clockSpec, bool) {
	for _, f := range []func(period) (clockSpec, bool){p.namedClock, p.colonClock, p.ampmClock, p.zhClock} {
		save := p.pos
		if c, ok := f(pd); ok {
			return c, true
		}
		p.pos = save
	}
	return clockSpec{}, false
}

func (p *parser) namedClock(period) (clockSpec, bool) {
	switch w, _ := p.word("noon", "midday", "midnight"); w {
	case "noon", "midday":
		return clockSpec{12, 0}, true
	case "midnight":
		return clockSpec{24, 0}, true
	}
	return clockSpec{}, false
}

// colonClock parses H:MM with an optional am/pm ("17:00", "9:30", "5:30 pm").
// Without am/pm the hour is 0..23, or 24:00 for the end of the day.
func (p *parser) colonClock(pd period) (clockSpec, bool) {
	h, _, ok := p.num(2)
	if !ok {
		return clockSpec{}, false
	}
	if _, ok := p.punct(":"); !ok {
		return clockSpec{}, false
	}
	m, md, ok := p.num(2)
	if !ok || md != 2 {
		return clockSpec{}, false
	}
	if m > 59 {
		p.fail("minute %d is out of range", m)
		return clockSpec{}, false
	}
	if pm, ok := p.ampm(); ok {
		h, ok = ampmHour(h, pm)
		if !ok {
			p.fail("hour %d does not go with am/pm", h)
			return clockSpec{}, false
		}
		return clockSpec{h, m}, true
	}
	if h > 24 || h == 24 && m != 0 {
		p.fail("%d:%02d is not a time of day", h, m)
		return clockSpec{}, false
	}
	if pd != noPeriod {
		// "下午3:30" = 15:30; hours already past noon pass through unchanged.
		adj, ok := pd.adjust(h)
		if !ok {
			p.fail("%d:%02d does not fit the part of the day", h, m)
			return clockSpec{}, false
		}
		h = adj
	}
	return clockSpec{h, m}, true
}

// ampmClock parses an hour with am/pm: "5pm", "9 am", "12a.m.".
func (p *parser) ampmClock(period) (clockSpec, bool) {
	h, _, ok := p.num(2)
	if !ok {
		return clockSpec{}, false
	}
	pm, ok := p.ampm()
	if !ok {
		return clockSpec{}, false
	}
	h24, ok := ampmHour(h, pm)
	if !ok {
		suffix := "am"
		if pm {
			suffix = "pm"
		}
		p.fail("%d%s is not a time of day", h, suffix)
		return clockSpec{}, false
	}
	return clockSpec{h24, 0}, true
}

// ampm consumes "am", "pm", "a.m.", "p.m." and reports whether it was pm.
func (p *parser) ampm() (pm bool, ok bool) {
	save := p.pos
	switch w, _ := p.word("am", "pm", "a", "p"); w {
	case "am":
		return false, true
	case "pm":
		return true, true
	case "a", "p": // a.m. / p.m.; the final dot is optional
		if _, ok := p.punct("."); ok {
			if _, ok := p.word("m"); ok {
				p.punct(".")
				return w == "p", true
			}
		}
	}
	p.pos = save
	return false, false
}

// ampmHour converts a 12-hour clock hour: 12am = 0, 12pm = 12, 5pm = 17.
func ampmHour(h int, pm bool) (int, bool) {
	if h < 1 || h > 12 {
		return h, false
	}
	if h == 12 {
		h = 0
	}
	if pm {
		h += 12
	}
	return h, true
}

// zhClock parses a Chinese clock: an hour (digits or numerals) followed by 点
// or 时, optionally 钟, then minutes: 半 (30), 一刻 (15), 三刻 (45), 整 (0), or a
// number optionally followed by 分 ("17点30", "17点30分", "三点零五").
func (p *parser) zhClock(pd period) (clockSpec, bool) {
	h, ok := p.smallNum()
	if !ok {
		return clockSpec{}, false
	}
	if _, ok := p.hanOneOf("点", "时"); !ok {
		return clockSpec{}, false
	}
	p.han("钟")
	m := p.zhMinutes()
	if m > 59 {
		p.fail("minute %d is out of range", m)
		return clockSpec{}, false
	}
	adj, ok := pd.adjust(h)
	if !ok || h == 24 && m != 0 {
		p.fail("%d点 is not a time of day", h)
		return clockSpec{}, false
	}
	return clockSpec{adj, m}, true
}

// zhMinutes parses what may follow 点; nothing means 0.
func (p *parser) zhMinutes() int {
	switch s, _ := p.hanOneOf("半", "一刻", "三刻", "整"); s {
	case "半":
		return 30
	case "一刻":
		return 15
	case "三刻":
		return 45
	case "整":
		return 0
	}
	save := p.pos
	if m, ok := p.smallNum(); ok {
		if p.han("分钟") {
			// "3点10分钟" is not a clock; leave it for the caller to reject.
			p.pos = save
			return 0
		}
		p.han("分")
		return m
	}
	return 0
}

// endOfDay consumes a name for the end of the working day: "eod", "cob",
// "end of day", "end of the day", "end of business", "close of business",
// 下班前, 下班之前, 下班时, 下班, 收工前.
func (p *parser) endOfDay() bool {
	if _, ok := p.word("eod", "cob"); ok {
		return true
	}
	save := p.pos
	if _, ok := p.word("end", "close"); ok && p.phrase("of") {
		p.word("the")
		if _, ok := p.word("day", "business"); ok {
			return true
		}
	}
	p.pos = save
	if p.han("下班") {
		p.hanOneOf("之前", "前", "时")
		return true
	}
	return p.han("收工前")
}
