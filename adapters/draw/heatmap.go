package draw

import (
	"image/color"
	"math"
	"strconv"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
)

// Heat map layout, in pixels.
const (
	heatMargin  = 32
	heatMaxSide = 16  // rows or columns past this are left out (the alt text names them)
	heatMaxCell = 110 // a cell's side when few departments leave room
	heatMinCell = 48
	heatLabelW  = 240 // the widest row label
	heatHeadH   = 44  // the column labels' band
)

// Heat map colours: from a pale grey for nothing to a deep blue for the
// most, with white numbers on the darker half.
var (
	heatLow  = color.RGBA{0xf3, 0xf5, 0xf7, 0xff}
	heatHigh = color.RGBA{0x1d, 0x4e, 0xd8, 0xff}
)

// heatColour is the colour of a value at share t (0 to 1) of the highest.
func heatColour(t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + (float64(b)-float64(a))*t)) }
	return color.RGBA{mix(heatLow.R, heatHigh.R), mix(heatLow.G, heatHigh.G), mix(heatLow.B, heatHigh.B), 0xff}
}

// HeatMap draws a grid of numbers coloured by value: row labels on the
// left, column labels above, each cell's number in it, and the colour
// scale under the title.
func (p *Painter) HeatMap(h picture.HeatMap) (*bot.Image, error) {
	rows, cols := min(len(h.Rows), heatMaxSide), min(len(h.Columns), heatMaxSide)
	value := func(r, c int) float64 {
		if r < len(h.Values) && c < len(h.Values[r]) {
			return h.Values[r][c]
		}
		return math.NaN()
	}
	high := 0.0
	for r := range rows {
		for c := range cols {
			if v := value(r, c); !math.IsNaN(v) && !math.IsInf(v, 0) {
				high = max(high, v)
			}
		}
	}
	// The row labels' width is measured on a scratch canvas of the final
	// width; the height follows from the cells.
	probe, err := p.canvas(1, 1)
	if err != nil {
		return nil, err
	}
	labelW := 80.0
	for _, name := range h.Rows[:rows] {
		labelW = max(labelW, probe.measure(probe.text, name)+20)
	}
	labelW = min(labelW, heatLabelW)
	cell := math.Floor((float64(p.width) - 2*heatMargin - labelW) / float64(max(cols, 1)))
	cell = max(heatMinCell, min(heatMaxCell, cell))
	top := float64(heatMargin + 76 + 48)
	height := int(top+heatHeadH+cell*float64(rows)) + heatMargin
	// As wide as the grid (and the scale) need, so that a few departments
	// are not lost in white space.
	width := min(p.width, max(720, int(heatMargin+labelW+cell*float64(cols))+heatMargin))
	c, err := p.canvas(width, max(height, 320))
	if err != nil {
		return nil, err
	}
	c.write(c.title, ink, firstLine(c, c.title, h.Title, float64(width-2*heatMargin)), heatMargin, heatMargin, 0, 0.85)

	// The scale: a bar from nothing to the highest value.
	ly := float64(heatMargin + 76)
	lx := float64(heatMargin)
	const scaleW, steps = 240.0, 24
	for i := range steps {
		c.SetColor(heatColour(float64(i) / (steps - 1)))
		c.DrawRectangle(lx+scaleW*float64(i)/steps, ly-9, scaleW/steps+0.5, 18)
		c.Fill()
	}
	c.write(c.small, inkSoft, "0", lx, ly+24, 0, 0.35)
	c.write(c.small, inkSoft, strconv.FormatFloat(high, 'f', -1, 64), lx+scaleW, ly+24, 1, 0.35)
	c.write(c.small, ink, firstLine(c, c.small, h.Legend, float64(width)-lx-scaleW-20-heatMargin), lx+scaleW+20, ly, 0, 0.35)

	left := heatMargin + labelW
	gridTop := top + heatHeadH
	// The corner says what columns are (above) and what rows are (below).
	if h.ColumnName != "" {
		c.write(c.small, inkSoft, firstLine(c, c.small, h.ColumnName+" →", labelW-12), left-8, top+10, 1, 0.35)
	}
	if h.RowName != "" {
		c.write(c.small, inkSoft, firstLine(c, c.small, h.RowName+" ↓", labelW-12), heatMargin, top+heatHeadH-10, 0, 0.35)
	}
	for i, name := range h.Columns[:cols] {
		c.write(c.small, ink, firstLine(c, c.small, name, cell-6), left+(float64(i)+0.5)*cell, top+heatHeadH/2, 0.5, 0.35)
	}
	for r, name := range h.Rows[:rows] {
		y := gridTop + float64(r)*cell
		c.write(c.text, ink, firstLine(c, c.text, name, labelW-16), heatMargin, y+cell/2, 0, 0.35)
		for col := range cols {
			x := left + float64(col)*cell
			v := value(r, col)
			blank := math.IsNaN(v) || math.IsInf(v, 0)
			share := 0.0
			if !blank && high > 0 {
				share = v / high
			}
			fill := heatColour(share)
			if blank {
				fill = offShade
			}
			c.SetColor(fill)
			c.DrawRectangle(x, y, cell, cell)
			c.Fill()
			c.SetColor(color.White)
			c.SetLineWidth(2)
			c.DrawRectangle(x, y, cell, cell)
			c.Stroke()
			label, numInk := "—", inkSoft
			if !blank {
				label = strconv.FormatFloat(v, 'f', -1, 64)
				numInk = ink
				if share > 0.55 {
					numInk = color.RGBA{0xff, 0xff, 0xff, 0xff}
				}
			}
			c.write(c.text, numInk, firstLine(c, c.text, label, cell-8), x+cell/2, y+cell/2, 0.5, 0.35)
		}
	}
	c.SetLineWidth(1)
	return c.encode(nameOr(h.Name, "heatmap.png"), h.Alt)
}
