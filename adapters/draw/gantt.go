package draw

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
)

// Gantt layout, in pixels.
const (
	ganttWidth       = 1500
	ganttMargin      = 28
	ganttLabelW      = 300
	ganttRowH        = 30
	ganttMaxRows     = 40  // rows past this are counted in a "+N more" row
	ganttMaxDays     = 400 // a longer span is cut at From+400 days
	ganttMarkLineH   = 26
	ganttMaxMarkRows = 3
)

// Gantt draws a Gantt chart: days across, one bar per row, milestones as
// diamonds above the rows, non-working days shaded, today a red line.
func (p *Painter) Gantt(g picture.Gantt) (*bot.Image, error) {
	from, to, err := ganttSpan(g)
	if err != nil {
		return nil, err
	}
	days := int(to.Sub(from).Hours()/24+0.5) + 1
	rows := g.Rows
	more := 0
	if len(rows) > ganttMaxRows {
		more = len(rows) - (ganttMaxRows - 1)
		rows = rows[:ganttMaxRows-1]
	}
	x0 := float64(ganttMargin + ganttLabelW)
	dayW := (float64(ganttWidth-ganttMargin) - x0) / float64(days)
	dayX := func(t time.Time) float64 { return x0 + float64(dayIndex(from, t))*dayW }

	scratch, err := p.canvas(1, 1)
	if err != nil {
		return nil, err
	}
	markRows := layoutMarks(scratch, g.Marks, from, to, dayX, ganttWidth-ganttMargin)
	nMarkRows := 0
	for _, m := range markRows {
		nMarkRows = max(nMarkRows, m.row+1)
	}

	titleH := 56.0
	headerH := 48.0
	marksTop := ganttMargin + titleH + headerH
	rowsTop := marksTop + float64(nMarkRows)*ganttMarkLineH + 6
	nRows := len(rows) + boolInt(more > 0)
	rowsBottom := rowsTop + float64(max(nRows, 1))*ganttRowH
	legendY := rowsBottom + 30
	height := int(legendY + 40 + ganttMargin)

	c, err := p.canvas(ganttWidth, height)
	if err != nil {
		return nil, err
	}
	c.write(c.title, ink, firstLine(c, c.title, g.Title, ganttWidth-2*ganttMargin), ganttMargin, ganttMargin, 0, 0.85)

	// Non-working days, shaded behind everything.
	off := map[int]bool{}
	for _, d := range g.Off {
		if i := dayIndex(from, d); i >= 0 && i < days {
			off[i] = true
		}
	}
	c.SetColor(offShade)
	for i := range days {
		if off[i] {
			c.DrawRectangle(x0+float64(i)*dayW, marksTop-headerH/2, dayW, rowsBottom-marksTop+headerH/2)
		}
	}
	c.Fill()

	// Header: months above, days below (every day when there is room, else
	// Mondays and the first of the month).
	headerY := ganttMargin + titleH
	everyDay := dayW >= 22
	lastMonth := -1
	// dayLabelsEnd is where the last day number written ends: a Monday
	// next to the 1st ("1 2") is left out rather than crowded against it.
	dayLabelsEnd := math.Inf(-1)
	for i := range days {
		d := from.AddDate(0, 0, i)
		x := x0 + float64(i)*dayW
		if int(d.Month()) != lastMonth {
			lastMonth = int(d.Month())
			c.SetColor(rule)
			c.DrawLine(x, headerY-4, x, rowsBottom)
			c.Stroke()
			c.write(c.small, ink, d.Format("2006-01"), x+4, headerY+6, 0, 0.35)
		}
		if everyDay || d.Weekday() == time.Monday || d.Day() == 1 {
			label := strconv.Itoa(d.Day())
			w := c.measure(c.small, label)
			if mid := x + dayW/2; everyDay || mid-w/2 >= dayLabelsEnd+8 {
				c.write(c.small, inkSoft, label, mid, headerY+30, 0.5, 0.35)
				dayLabelsEnd = mid + w/2
			}
		}
	}
	c.SetColor(rule)
	c.DrawLine(ganttMargin, marksTop-2, ganttWidth-ganttMargin, marksTop-2)
	c.Stroke()

	// Rows: label at left, bar across its days.
	for i, bar := range rows {
		y := rowsTop + float64(i)*ganttRowH
		if i%2 == 1 {
			c.SetRGBA(0, 0, 0, 0.025)
			c.DrawRectangle(ganttMargin, y, ganttWidth-2*ganttMargin, ganttRowH)
			c.Fill()
		}
		c.write(c.text, ink, firstLine(c, c.text, bar.Label, ganttLabelW-12), ganttMargin, y+ganttRowH/2, 0, 0.35)
		start, end := bar.Start, bar.End
		if start.IsZero() {
			start = end
		}
		if end.IsZero() || dayIndex(start, end) < 0 {
			end = start
		}
		if start.IsZero() {
			continue
		}
		a := min(max(dayIndex(from, start), 0), days)
		b := min(max(dayIndex(from, end)+1, 0), days)
		if b <= a {
			continue
		}
		bx, bw := x0+float64(a)*dayW+1, float64(b-a)*dayW-2
		c.SetColor(toneColour(bar.Tone))
		c.DrawRoundedRectangle(bx, y+6, max(bw, 3), ganttRowH-12, 4)
		c.Fill()
		if bar.Critical {
			c.SetColor(ink)
			c.SetLineWidth(2.5)
			c.DrawRoundedRectangle(bx-1, y+5, max(bw, 3)+2, ganttRowH-10, 5)
			c.Stroke()
			c.SetLineWidth(1)
		}
	}
	if more > 0 {
		y := rowsTop + float64(len(rows))*ganttRowH
		c.write(c.text, inkSoft, moreText(g.MoreLabel, more), ganttMargin, y+ganttRowH/2, 0, 0.35)
	}

	// Today.
	if !g.Today.IsZero() {
		if i := dayIndex(from, g.Today); i >= 0 && i < days {
			x := x0 + (float64(i)+0.5)*dayW
			c.SetColor(todayRed)
			c.SetLineWidth(2)
			c.DrawLine(x, marksTop-headerH/2+14, x, rowsBottom)
			c.Stroke()
			c.SetLineWidth(1)
			c.MoveTo(x-6, marksTop-headerH/2+6)
			c.LineTo(x+6, marksTop-headerH/2+6)
			c.LineTo(x, marksTop-headerH/2+14)
			c.ClosePath()
			c.Fill()
		}
	}

	// Milestones: a dashed line down their day, a diamond and the label.
	for _, m := range markRows {
		x := m.x
		c.SetColor(toneColour(m.mark.Tone))
		c.SetDash(4, 4)
		c.DrawLine(x, marksTop+float64(m.row)*ganttMarkLineH+ganttMarkLineH/2, x, rowsBottom)
		c.Stroke()
		c.SetDash()
		diamond(c, x, marksTop+float64(m.row)*ganttMarkLineH+ganttMarkLineH/2, 8)
		if m.left {
			c.write(c.small, ink, m.label, x-12, marksTop+float64(m.row)*ganttMarkLineH+ganttMarkLineH/2, 1, 0.35)
		} else {
			c.write(c.small, ink, m.label, x+12, marksTop+float64(m.row)*ganttMarkLineH+ganttMarkLineH/2, 0, 0.35)
		}
	}

	// Legend: one swatch per tone named, the shading, today.
	x := float64(ganttMargin)
	swatch := func(draw func(x float64), label string) {
		draw(x)
		c.write(c.small, ink, label, x+24, legendY, 0, 0.35)
		x += 24 + c.measure(c.small, label) + 24
	}
	for _, t := range tones {
		if label, ok := g.Legend[t]; ok && label != "" {
			swatch(func(x float64) {
				c.SetColor(toneColour(t))
				c.DrawRoundedRectangle(x, legendY-7, 18, 14, 3)
				c.Fill()
			}, label)
		}
	}
	if g.TodayLabel != "" && !g.Today.IsZero() {
		swatch(func(x float64) {
			c.SetColor(todayRed)
			c.DrawRectangle(x+8, legendY-9, 2, 18)
			c.Fill()
		}, g.TodayLabel)
	}
	if g.OffLabel != "" {
		swatch(func(x float64) {
			c.SetColor(offShade)
			c.DrawRectangle(x, legendY-9, 18, 18)
			c.Fill()
			c.SetColor(rule)
			c.DrawRectangle(x, legendY-9, 18, 18)
			c.Stroke()
		}, g.OffLabel)
	}
	return c.encode(nameOr(g.Name, "gantt.png"), g.Alt)
}

// ganttSpan returns the first and last day shown: From and To, or when
// either is missing the span of the bars and marks; To before From are
// swapped; a span longer than ganttMaxDays is cut.
func ganttSpan(g picture.Gantt) (from, to time.Time, err error) {
	from, to = date(g.From), date(g.To)
	if from.IsZero() || to.IsZero() {
		var all []time.Time
		for _, b := range g.Rows {
			all = append(all, b.Start, b.End)
		}
		for _, m := range g.Marks {
			all = append(all, m.At)
		}
		all = slices.DeleteFunc(all, time.Time.IsZero)
		if len(all) == 0 {
			return from, to, bot.Errorf(bot.EINVALID, "The Gantt chart has no dates to show.", "甘特图没有可显示的日期。")
		}
		if from.IsZero() {
			from = date(slices.MinFunc(all, time.Time.Compare))
		}
		if to.IsZero() {
			to = date(slices.MaxFunc(all, time.Time.Compare))
		}
	}
	if to.Before(from) {
		from, to = to, from
	}
	if dayIndex(from, to) >= ganttMaxDays {
		to = from.AddDate(0, 0, ganttMaxDays-1)
	}
	return from, to, nil
}

// date is t's calendar day as a UTC midnight (only year, month and day are
// read), so day arithmetic ignores zones and daylight saving.
func date(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// dayIndex is the number of days from from to t (negative before).
func dayIndex(from, t time.Time) int {
	d := date(t).Sub(date(from)).Hours() / 24
	if d < 0 {
		return int(d - 0.5)
	}
	return int(d + 0.5)
}

type placedMark struct {
	mark  picture.Mark
	label string
	x     float64
	row   int
	left  bool // the label is drawn to the left of the diamond
}

// layoutMarks places each milestone in the first of ganttMaxMarkRows rows
// where its label does not overlap another's (when none has room, the mark
// goes without its label); marks outside the span are left out. A label
// that would run past right (a milestone on the chart's last days, such
// as the project's end) is put to the left of its diamond instead of being
// cut off by the picture's edge.
func layoutMarks(c *canvas, marks []picture.Mark, from, to time.Time, dayX func(time.Time) float64, right float64) []placedMark {
	marks = slices.Clone(marks)
	slices.SortStableFunc(marks, func(a, b picture.Mark) int { return a.At.Compare(b.At) })
	var out []placedMark
	ends := make([]float64, ganttMaxMarkRows)
	for i := range ends {
		ends[i] = -1
	}
	for _, m := range marks {
		if m.At.IsZero() || dayIndex(from, m.At) < 0 || dayIndex(to, m.At) > 0 {
			continue
		}
		x := dayX(m.At) + (dayX(m.At.AddDate(0, 0, 1))-dayX(m.At))/2
		label := firstLine(c, c.small, m.Label, 220)
		w := 12 + c.measure(c.small, label) + 12
		start, end, left := x-10, x+w, false
		if end > right {
			start, end, left = x-w, x+10, true
		}
		row := 0
		for row < len(ends) && ends[row] > start {
			row++
		}
		if row == len(ends) {
			// No line has room: the diamond is drawn on the last line
			// without its label rather than over another one's.
			row, label, left = len(ends)-1, "", false
		} else {
			ends[row] = end
		}
		out = append(out, placedMark{mark: m, label: label, x: x, row: row, left: left})
	}
	return out
}

func diamond(c *canvas, x, y, r float64) {
	c.MoveTo(x, y-r)
	c.LineTo(x+r, y)
	c.LineTo(x, y+r)
	c.LineTo(x-r, y)
	c.ClosePath()
	c.Fill()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
