// Package draw paints bot/picture's pictures (kanban board, Gantt chart,
// line chart) as PNGs with github.com/fogleman/gg, in an embedded subset of
// Noto Sans CJK SC renamed "Tandem Sans CJK SC" (fonts/, made by
// tools/fonts/make_font.py; SIL Open Font License, fonts/OFL.txt), so
// Chinese and English labels render the same on every host without system
// fonts.
package draw

import (
	"bytes"
	_ "embed"
	"fmt"
	"image/color"
	"image/png"
	"strings"
	"unicode"

	"github.com/fogleman/gg"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
)

//go:embed fonts/TandemSansCJKSC-Regular.ttf
var fontTTF []byte

// Fallback stands in for any rune the font has no glyph for (emoji, rare
// characters outside GB2312): a missing glyph would otherwise be drawn as
// nothing, and the reader would not know a character was there.
const Fallback = '□'

// Options tune a Painter.
type Options struct {
	// Width is the width of boards and line charts in pixels, 1000 to
	// 1600; 0 means 1400, readable on a phone when zoomed and on a desktop
	// at once. Wider boards of dense text would near bot.MaxImageBytes.
	Width int
}

// Painter implements picture.Painter. It is safe for concurrent use: the
// font is parsed once and read-only; each picture makes its own faces
// (an opentype face keeps caches and is not safe to share).
type Painter struct {
	width  int
	font   *opentype.Font
	glyphs []uint64 // bit per BMP rune: the font has a glyph for it
	// onText, when set (tests), sees every string handed to the font.
	onText func(string)
}

var _ picture.Painter = (*Painter)(nil)

// New parses the embedded font and returns a Painter.
func New(opts Options) (*Painter, error) {
	f, err := opentype.Parse(fontTTF)
	if err != nil {
		return nil, fmt.Errorf("draw: parse font: %w", err)
	}
	if opts.Width <= 0 {
		opts.Width = 1400
	}
	opts.Width = min(max(opts.Width, 1000), 1600)
	p := &Painter{width: opts.Width, font: f, glyphs: make([]uint64, 0x10000/64)}
	var buf sfnt.Buffer
	for r := rune(0); r < 0x10000; r++ {
		if i, err := f.GlyphIndex(&buf, r); err == nil && i != 0 {
			p.glyphs[r/64] |= 1 << (r % 64)
		}
	}
	if !p.HasGlyph(Fallback) || !p.HasGlyph('…') {
		return nil, fmt.Errorf("draw: the font lacks %q or the ellipsis", Fallback)
	}
	return p, nil
}

// HasGlyph says whether the font draws r.
func (p *Painter) HasGlyph(r rune) bool {
	return r >= 0 && r < 0x10000 && p.glyphs[r/64]&(1<<(r%64)) != 0
}

// Printable returns s with what the font cannot draw replaced: control
// characters and line breaks become spaces, runes without a glyph become
// Fallback, and variation selectors and zero-width joiners (which follow an
// emoji that is already replaced) are dropped.
func (p *Painter) Printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || p.HasGlyph(r) && !unicode.IsControl(r):
			b.WriteRune(r)
		case unicode.IsControl(r) || unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.Is(unicode.Variation_Selector, r) || r == '\u200d' || r == '\u200b' || unicode.Is(unicode.Mn, r):
		default:
			b.WriteRune(Fallback)
		}
	}
	return b.String()
}

// canvas is one picture being drawn: the gg context and its faces.
type canvas struct {
	*gg.Context
	p                  *Painter
	title, text, small font.Face
}

func (p *Painter) canvas(w, h int) (*canvas, error) {
	faces := make([]font.Face, 3)
	for i, size := range []float64{30, 18, 15} {
		f, err := opentype.NewFace(p.font, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, fmt.Errorf("draw: face: %w", err)
		}
		faces[i] = f
	}
	c := &canvas{Context: gg.NewContext(w, h), p: p, title: faces[0], text: faces[1], small: faces[2]}
	c.SetColor(color.White)
	c.Clear()
	// Butt caps: gg's default round caps cost a curve at both ends of
	// every dash, the most of a crowded chart's stroking time.
	c.SetLineCapButt()
	return c, nil
}

// write draws s with face at (x, y) anchored by (ax, ay) as gg's
// DrawStringAnchored. Every string drawn goes through here (and so through
// Printable), which is what the coverage test checks.
func (c *canvas) write(face font.Face, col color.Color, s string, x, y, ax, ay float64) {
	s = c.p.Printable(s)
	if c.p.onText != nil {
		c.p.onText(s)
	}
	c.SetFontFace(face)
	c.SetColor(col)
	c.DrawStringAnchored(s, x, y, ax, ay)
}

// measure returns the width of s in face, as drawn by write.
func (c *canvas) measure(face font.Face, s string) float64 {
	c.SetFontFace(face)
	w, _ := c.MeasureString(c.p.Printable(s))
	return w
}

// lines wraps s to width in face, at most max lines, the last ending in an
// ellipsis when s does not fit.
func (c *canvas) lines(face font.Face, s string, width float64, max int) []string {
	return wrap(clip(c.p.Printable(s), max*(int(width/minAdvance)+2)), width, max, func(t string) float64 { return c.measure(face, t) })
}

// minAdvance is less than the narrowest advance of any glyph at the sizes
// drawn (a space at 15 px is 3.3 px wide).
const minAdvance = 3

// clip cuts s to n runes: no more can fit the line(s) being laid out, and
// measuring a label thousands of runes long would cost time for nothing.
// What is cut does not fit, so the layout ends it with an ellipsis anyway.
func clip(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// encode returns the canvas as a PNG image, refusing one over
// bot.MaxImageBytes (the layouts cap rows and cards so it never is).
func (c *canvas) encode(name, alt string) (*bot.Image, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil, fmt.Errorf("draw: encode %s: %w", name, err)
	}
	if buf.Len() > bot.MaxImageBytes {
		return nil, bot.Errorf(bot.ETOOLARGE, "The picture %s came out too large (%d bytes).", "图片 %s 太大（%d 字节）。", name, buf.Len())
	}
	return bot.NewImage(name, alt, buf.Bytes()), nil
}

// Colours.
var (
	ink      = color.RGBA{0x1f, 0x29, 0x37, 0xff}
	inkSoft  = color.RGBA{0x5b, 0x67, 0x75, 0xff}
	rule     = color.RGBA{0xd9, 0xde, 0xe4, 0xff}
	panel    = color.RGBA{0xf3, 0xf5, 0xf7, 0xff}
	offShade = color.RGBA{0xec, 0xee, 0xf1, 0xff}
	todayRed = color.RGBA{0xd9, 0x2d, 0x20, 0xff}
)

// toneColour is the colour of each picture.Tone.
func toneColour(t picture.Tone) color.RGBA {
	switch t {
	case picture.Active:
		return color.RGBA{0x3b, 0x82, 0xf6, 0xff}
	case picture.Good:
		return color.RGBA{0x22, 0xa0, 0x6b, 0xff}
	case picture.Warn:
		return color.RGBA{0xf5, 0x9e, 0x0b, 0xff}
	case picture.Bad:
		return color.RGBA{0xe5, 0x48, 0x4d, 0xff}
	case picture.Muted:
		return color.RGBA{0xc4, 0xc9, 0xd0, 0xff}
	}
	return color.RGBA{0x8a, 0x96, 0xa6, 0xff}
}

// tones lists the tones in the order legends show them.
var tones = []picture.Tone{picture.Neutral, picture.Active, picture.Good, picture.Warn, picture.Bad, picture.Muted}

// nameOr returns name, or def when name is empty.
func nameOr(name, def string) string {
	if strings.TrimSpace(name) == "" {
		return def
	}
	return name
}
