package stats

import (
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// MaxDays bounds a period, so that a figure costs at most this many days
// of counters and a chart stays readable.
const MaxDays = 92

// Period is a span of whole calendar days in one zone: From is the
// midnight of its first day, To the midnight after its last.
type Period struct {
	From, To time.Time
	// Month is set when the period is one calendar month.
	Month bool
}

// Days lists the midnights of the period's days.
func (p Period) Days() []time.Time {
	var out []time.Time
	for d := p.From; d.Before(p.To); d = addDays(d, 1) {
		out = append(out, d)
	}
	return out
}

// First and Last are the period's first and last days as YYYY-MM-DD.
func (p Period) First() string { return p.From.Format(time.DateOnly) }
func (p Period) Last() string  { return addDays(p.To, -1).Format(time.DateOnly) }

// Label names the period: "2026-11" for a month, else "2026-11-01 – 2026-11-07".
func (p Period) Label() string {
	if p.Month {
		return p.From.Format("2006-01")
	}
	return p.First() + " – " + p.Last()
}

func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func addDays(d time.Time, n int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day()+n, 0, 0, 0, 0, d.Location())
}

// Week is the seven days that end with today.
func Week(now time.Time, loc *time.Location) Period {
	to := addDays(midnight(now, loc), 1)
	return Period{From: addDays(to, -7), To: to}
}

// MonthOf is the calendar month y-m in loc.
func MonthOf(y int, m time.Month, loc *time.Location) Period {
	from := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	return Period{From: from, To: time.Date(y, m+1, 1, 0, 0, 0, 0, loc), Month: true}
}

// LastMonth is the calendar month before now's.
func LastMonth(now time.Time, loc *time.Location) Period {
	y, m, _ := now.In(loc).Date()
	return MonthOf(y, m-1, loc)
}

// usage is the answer to a period written wrongly.
var usage = bot.T("Say the period as `week`, `month:2026-11` or `from:2026-11-01 to:2026-11-30` (at most 92 days).",
	"时间段请写成「week」「month:2026-11」或「from:2026-11-01 to:2026-11-30」（最多 92 天）。")

// ParsePeriod reads a period: "week" (or "" — the seven days ending today),
// "month" (this month), "month:2026-11", or from/to dates (either may be
// missing: from alone runs to today, to alone is the week ending then).
// Dates are read in loc. Errors are EINVALID with the usage.
func ParsePeriod(word, month, from, to string, now time.Time, loc *time.Location) (Period, error) {
	bad := func() (Period, error) { return Period{}, &bot.Error{Code: bot.EINVALID, Text: usage} }
	word = strings.ToLower(strings.TrimSpace(word))
	switch {
	case from != "" || to != "":
		if word != "" || month != "" {
			return bad()
		}
		p := Week(now, loc)
		if to != "" {
			d, err := time.ParseInLocation(time.DateOnly, to, loc)
			if err != nil {
				return bad()
			}
			p.To = addDays(d, 1)
			p.From = addDays(p.To, -7)
		}
		if from != "" {
			d, err := time.ParseInLocation(time.DateOnly, from, loc)
			if err != nil {
				return bad()
			}
			p.From = d
		}
		if !p.From.Before(p.To) || len(p.Days()) > MaxDays {
			return bad()
		}
		return p, nil
	case month != "":
		if word != "" && word != "month" && word != "月" {
			return bad()
		}
		d, err := time.ParseInLocation("2006-01", month, loc)
		if err != nil {
			return bad()
		}
		return MonthOf(d.Year(), d.Month(), loc), nil
	case word == "" || word == "week" || word == "周" || word == "本周":
		return Week(now, loc), nil
	case word == "month" || word == "月" || word == "本月":
		y, m, _ := now.In(loc).Date()
		return MonthOf(y, m, loc), nil
	case word == "lastmonth" || word == "上月":
		return LastMonth(now, loc), nil
	}
	return bad()
}
