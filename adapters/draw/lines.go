package draw

import (
	"math"
	"strconv"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
)

// Line chart layout, in pixels.
const (
	linesHeight   = 800
	linesMargin   = 32
	linesAxisW    = 70
	linesMaxPoint = 1000 // points past this are left out
)

// Lines draws a line chart (a burndown) with gg, like the other pictures,
// rather than with github.com/go-analyze/charts: charts v0.6.4 dashes only
// its computed trend lines, not a series (the ideal line must be dashed),
// and has no shaded x ranges and does not expose its plot box, so the
// non-working day columns could not be shaded under its lines without
// re-implementing its layout. A burndown needs only axes, columns and
// polylines, which are a few lines here.
func (p *Painter) Lines(l picture.Lines) (*bot.Image, error) {
	n := len(l.XNames)
	for _, s := range l.Series {
		n = max(n, len(s.Values))
	}
	n = min(n, linesMaxPoint)
	c, err := p.canvas(p.width, linesHeight)
	if err != nil {
		return nil, err
	}
	c.write(c.title, ink, firstLine(c, c.title, l.Title, float64(p.width-2*linesMargin)), linesMargin, linesMargin, 0, 0.85)

	// Legend under the title.
	lx := float64(linesMargin)
	ly := float64(linesMargin + 76)
	for _, s := range l.Series {
		c.SetColor(toneColour(s.Tone))
		c.SetLineWidth(3)
		if s.Dashed {
			c.SetDash(6, 4)
		}
		c.DrawLine(lx, ly, lx+28, ly)
		c.Stroke()
		c.SetDash()
		label := firstLine(c, c.small, nameOr(s.Name, "—"), 240)
		c.write(c.small, ink, label, lx+36, ly, 0, 0.35)
		lx += 36 + c.measure(c.small, label) + 28
	}

	left := float64(linesMargin + linesAxisW)
	right := float64(p.width - linesMargin)
	top := ly + 60
	bottom := float64(linesHeight - linesMargin - 40)
	c.write(c.small, inkSoft, firstLine(c, c.small, l.YName, 400), left-linesAxisW+8, top-24, 0, 0.35)

	// Y scale: 0 up to a round number at or above the highest value.
	high := 0.0
	for _, s := range l.Series {
		for _, v := range s.Values[:min(len(s.Values), n)] {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				high = max(high, v)
			}
		}
	}
	step := niceStep(high / 5)
	high = math.Max(step*math.Ceil(high/step), step)
	yOf := func(v float64) float64 { return bottom - (v/high)*(bottom-top) }
	colW := (right - left) / float64(max(n, 1))
	xOf := func(i int) float64 { return left + (float64(i)+0.5)*colW }

	c.SetColor(offShade)
	for _, i := range l.Shade {
		if i >= 0 && i < n {
			c.DrawRectangle(left+float64(i)*colW, top, colW, bottom-top)
		}
	}
	c.Fill()

	c.SetLineWidth(1)
	for v := 0.0; v <= high+step/2; v += step {
		c.SetColor(rule)
		c.DrawLine(left, yOf(v), right, yOf(v))
		c.Stroke()
		c.write(c.small, inkSoft, strconv.FormatFloat(v, 'f', -1, 64), left-10, yOf(v), 1, 0.35)
	}
	// X labels: as many as fit without touching.
	widest := 0.0
	for _, name := range l.XNames[:min(len(l.XNames), n)] {
		widest = max(widest, c.measure(c.small, name))
	}
	every := max(1, int(math.Ceil((widest+16)/colW)))
	for i := 0; i < min(len(l.XNames), n); i += every {
		c.write(c.small, inkSoft, l.XNames[i], xOf(i), bottom+20, 0.5, 0.35)
	}

	for _, s := range l.Series {
		c.SetColor(toneColour(s.Tone))
		c.SetLineWidth(3)
		if s.Dashed {
			c.SetDash(8, 6)
		}
		drawn := false
		for i, v := range s.Values[:min(len(s.Values), n)] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				drawn = false // a gap: the next point starts a new line
				continue
			}
			if drawn {
				c.LineTo(xOf(i), yOf(v))
			} else {
				c.NewSubPath()
				c.MoveTo(xOf(i), yOf(v))
			}
			drawn = true
		}
		c.Stroke()
		c.SetDash()
		if !s.Dashed && n <= 120 {
			for i, v := range s.Values[:min(len(s.Values), n)] {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					c.DrawCircle(xOf(i), yOf(v), 4)
				}
			}
			c.Fill()
		}
	}
	c.SetLineWidth(1)
	return c.encode(nameOr(l.Name, "lines.png"), l.Alt)
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*pow {
			return math.Max(m*pow, 1)
		}
	}
	return 10 * pow
}
