package draw

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/image/font"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
)

// Board layout, in pixels.
const (
	boardMargin     = 32
	boardGap        = 16
	boardHeaderH    = 56
	boardMaxColumns = 8
	boardMaxHeight  = 2400 // cards past this are counted in "+N more"
	cardPad         = 12
	cardStrip       = 6
	cardGap         = 10
	cardTitleLines  = 3
)

// Board draws a kanban board: one column per status, cards top to bottom.
// Columns past boardMaxColumns and cards past boardMaxHeight are left out
// and counted, so a board of any size stays a readable, bounded picture.
func (p *Painter) Board(b picture.Board) (*bot.Image, error) {
	cols := b.Columns
	droppedCols := 0
	if len(cols) > boardMaxColumns {
		droppedCols = len(cols) - boardMaxColumns
		cols = cols[:boardMaxColumns]
	}
	n := max(len(cols), 1)
	colW := (float64(p.width) - 2*boardMargin - float64(n-1)*boardGap) / float64(n)
	top := float64(boardMargin + 64)

	// Measure first (on a scratch canvas) to size the picture.
	scratch, err := p.canvas(1, 1)
	if err != nil {
		return nil, err
	}
	layouts := make([]columnLayout, len(cols))
	height := top + boardHeaderH
	for i, col := range cols {
		layouts[i] = layoutColumn(scratch, col, colW, boardMaxHeight-top-boardHeaderH)
		height = max(height, top+boardHeaderH+layouts[i].height)
	}
	height += boardMargin
	if droppedCols > 0 {
		height += 28
	}

	c, err := p.canvas(p.width, int(height))
	if err != nil {
		return nil, err
	}
	c.write(c.title, ink, firstLine(c, c.title, b.Title, float64(p.width-2*boardMargin)), boardMargin, boardMargin, 0, 0.85)
	for i, col := range cols {
		x := boardMargin + float64(i)*(colW+boardGap)
		c.SetColor(panel)
		c.DrawRoundedRectangle(x, top, colW, height-top-boardMargin-boolf(droppedCols > 0, 28), 10)
		c.Fill()
		count := strconv.Itoa(len(col.Cards) + col.More)
		countW := c.measure(c.text, count) + 16
		c.write(c.text, ink, firstLine(c, c.text, col.Title, colW-2*cardPad-countW-8), x+cardPad, top+boardHeaderH/2, 0, 0.35)
		c.SetColor(rule)
		c.DrawRoundedRectangle(x+colW-cardPad-countW, top+boardHeaderH/2-13, countW, 26, 13)
		c.Fill()
		c.write(c.small, ink, count, x+colW-cardPad-countW/2, top+boardHeaderH/2, 0.5, 0.35)
		y := top + boardHeaderH
		for _, card := range layouts[i].cards {
			drawCard(c, card, x+cardPad, y, colW-2*cardPad)
			y += card.height + cardGap
		}
		if more := layouts[i].more; more > 0 {
			c.write(c.small, inkSoft, moreText(col.MoreLabel, more), x+cardPad, y+14, 0, 0.35)
		}
	}
	if droppedCols > 0 {
		c.write(c.small, inkSoft, fmt.Sprintf("+%d …", droppedCols), boardMargin, height-boardMargin, 0, 0)
	}
	return c.encode(nameOr(b.Name, "board.png"), b.Alt)
}

type cardLayout struct {
	title  []string
	note   string
	tone   picture.Tone
	height float64
}

type columnLayout struct {
	cards  []cardLayout
	more   int // cards not shown: the column's More and those past the height
	height float64
}

func layoutColumn(c *canvas, col picture.Column, colW, maxH float64) columnLayout {
	inner := colW - 2*cardPad - 2*cardPad - cardStrip
	l := columnLayout{more: max(col.More, 0)}
	y := 0.0
	moreLine := 34.0
	for i, card := range col.Cards {
		cl := cardLayout{tone: card.Tone, title: c.lines(c.text, nameOr(card.Title, "—"), inner, cardTitleLines)}
		if strings.TrimSpace(card.Note) != "" {
			cl.note = firstLine(c, c.small, card.Note, inner)
		}
		cl.height = 2*cardPad + float64(len(cl.title))*24 + boolf(cl.note != "", 22)
		if y+cl.height+cardGap > maxH-moreLine {
			l.more += len(col.Cards) - i
			break
		}
		l.cards = append(l.cards, cl)
		y += cl.height + cardGap
	}
	if l.more > 0 {
		y += moreLine
	}
	l.height = y + cardPad
	return l
}

func drawCard(c *canvas, card cardLayout, x, y, w float64) {
	c.SetColor(rule)
	c.DrawRoundedRectangle(x-1, y-1, w+2, card.height+2, 7)
	c.Fill()
	c.SetRGB(1, 1, 1)
	c.DrawRoundedRectangle(x, y, w, card.height, 6)
	c.Fill()
	c.SetColor(toneColour(card.tone))
	c.DrawRoundedRectangle(x, y, cardStrip, card.height, 3)
	c.Fill()
	tx := x + cardStrip + cardPad
	ty := y + cardPad
	for _, line := range card.title {
		c.write(c.text, ink, line, tx, ty+12, 0, 0.35)
		ty += 24
	}
	if card.note != "" {
		c.write(c.small, inkSoft, card.note, tx, ty+10, 0, 0.35)
	}
}

// moreText is the "+N more" line in the reader's words (label has a %d),
// or "+N" when the feature gave none.
func moreText(label string, n int) string {
	if strings.Contains(label, "%d") {
		return fmt.Sprintf(label, n)
	}
	return "+" + strconv.Itoa(n) + " …"
}

// firstLine is s on one line, ellipsised to width.
func firstLine(c *canvas, face font.Face, s string, width float64) string {
	s = strings.Join(strings.Fields(c.p.Printable(clip(s, 4*int(width/minAdvance)+8))), " ")
	return ellipsis(clip(s, int(width/minAdvance)+2), width, func(t string) float64 { return c.measure(face, t) }, false)
}

func boolf(b bool, v float64) float64 {
	if b {
		return v
	}
	return 0
}
