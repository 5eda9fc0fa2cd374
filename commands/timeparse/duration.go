package timeparse

import "time"

// durSpec is an amount of time from now. Months and days are calendar
// arithmetic (AddDate), minutes are exact.
type durSpec struct{ months, days, minutes int }

// maxAmount bounds a single number in a duration ("in 100000 minutes" is the
// limit), which keeps all arithmetic far from overflow.
const maxAmount = 100000

// dateOnly reports whether the duration is a whole number of days, weeks or
// months, which may be followed by a clock ("in 3 days at 5pm", "三天后下午3点").
func (d durSpec) dateOnly() bool { return d.minutes == 0 }

func (d durSpec) addTo(t time.Time) time.Time {
	return t.AddDate(0, d.months, d.days).Add(time.Duration(d.minutes) * time.Minute)
}

// add adds n units; it fails when the amount is out of range.
func (d *durSpec) add(n int, unit string) bool {
	if n < 0 || n > maxAmount {
		return false
	}
	switch unit {
	case "minute":
		d.minutes += n
	case "hour":
		d.minutes += 60 * n
	case "day":
		d.days += n
	case "week":
		d.days += 7 * n
	case "month":
		d.months += n
	default:
		return false
	}
	return true
}

// duration parses an English or Chinese duration from now.
func (p *parser) duration() (durSpec, bool) {
	if d, ok := try(p, p.enDuration); ok {
		return d, true
	}
	return try(p, p.zhDuration)
}

var enUnits = map[string]string{
	"m": "minute", "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
	"h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
	"d": "day", "day": "day", "days": "day",
	"w": "week", "wk": "week", "wks": "week", "week": "week", "weeks": "week",
	"month": "month", "months": "month",
}

var enCounts = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30,
}

// enDuration parses "in 20 minutes", "in an hour", "in half an hour", "20 min",
// "2h", "1h30m", "2 hours and 30 minutes", "20 minutes from now", "2h later".
func (p *parser) enDuration() (durSpec, bool) {
	_, in := p.word("in")
	var d durSpec
	parts := 0
	for {
		save := p.pos
		if parts > 0 {
			p.word("and")
			p.punct(",")
		}
		if !p.enDurationPart(&d) {
			p.pos = save
			break
		}
		parts++
	}
	if parts == 0 {
		return durSpec{}, false
	}
	if !in && !p.phrase("from", "now") {
		p.word("later")
	}
	return d, true
}

// enDurationPart parses one amount with its unit: "20 min", "2h", "an hour",
// "half an hour".
func (p *parser) enDurationPart(d *durSpec) bool {
	if p.phrase("half", "an", "hour") || p.phrase("half", "a", "hour") {
		return d.add(30, "minute")
	}
	n, _, ok := p.num(maxDigits)
	if !ok {
		if n, ok = p.enCount(); !ok {
			return false
		}
	}
	t, ok := p.peek()
	if !ok || t.kind != tWord {
		return false
	}
	unit, ok := enUnits[t.text]
	if !ok {
		return false
	}
	p.pos++
	return d.add(n, unit)
}

// enCount consumes a number word: a, an, one .. ten, fifteen, twenty, thirty.
func (p *parser) enCount() (int, bool) {
	t, ok := p.peek()
	if !ok || t.kind != tWord {
		return 0, false
	}
	n, ok := enCounts[t.text]
	if ok {
		p.pos++
	}
	return n, ok
}

// zhDuration parses 20分钟后, 2小时后, 半小时后, 一个半小时后, 三天后, 一周后,
// 1个小时后, 两个小时以后, 一刻钟后, 3个月之后. The suffix 后/以后/之后 is
// required. 月 needs 个 ("3月后" would read as a month name).
func (p *parser) zhDuration() (durSpec, bool) {
	var d durSpec
	if !p.zhAmount(&d) {
		return durSpec{}, false
	}
	if _, ok := p.hanOneOf("以后", "之后", "后"); !ok {
		return durSpec{}, false
	}
	return d, true
}

// zhAmount parses the amount and unit of a Chinese duration into d.
func (p *parser) zhAmount(d *durSpec) bool {
	if p.han("一刻钟") {
		return d.add(15, "minute")
	}
	n, _, hasN := p.num(maxDigits)
	if !hasN {
		n, hasN = p.cnNumber()
	}
	ge := p.han("个")
	half := p.han("半") // 半小时, 一个半小时
	if !hasN && !half {
		return false
	}
	if !hasN && half {
		ge = p.han("个") || ge // 半个小时
	}
	unit, ok := p.hanOneOf("分钟", "小时", "钟头", "天", "日", "周", "星期", "礼拜", "月", "分")
	if !ok {
		return false
	}
	switch unit {
	case "分钟", "分":
		return !half && !ge && d.add(n, "minute")
	case "小时", "钟头":
		return d.add(n, "hour") && (!half || d.add(30, "minute"))
	case "天", "日":
		return !half && d.add(n, "day")
	case "周", "星期", "礼拜":
		return !half && d.add(n, "week")
	default: // 月
		return ge && !half && d.add(n, "month")
	}
}
