package draw

import (
	"image"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
)

// TestChineseLabelsHaveInk draws the same board with a Chinese card title
// and with the title blank: the pixels where the title goes must differ
// by a good number of dark pixels, so Chinese text is really drawn (a font
// without the glyphs would leave the two pictures alike).
func TestChineseLabelsHaveInk(t *testing.T) {
	p := testPainter(t)
	board := func(title string) image.Image {
		img, err := p.Board(picture.Board{Title: "看板", Columns: []picture.Column{{Title: "进行中", Cards: []picture.Card{{Title: title, Tone: picture.Active}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return decode(t, img.PNG)
	}
	with, without := board("设计首页进行中"), board("　　　　　　　")
	if with.Bounds() != without.Bounds() {
		t.Fatalf("sizes differ: %v, %v", with.Bounds(), without.Bounds())
	}
	dark := 0
	r := with.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if colourDistance(with.At(x, y), without.At(x, y)) > 100 {
				dark++
			}
		}
	}
	if dark < 150 {
		t.Errorf("the Chinese title changed only %d pixels: is it drawn?", dark)
	}
}

// TestHugeAndOddInputsStayBounded feeds inputs far past what fits: every
// picture comes back bounded (≤ bot.MaxImageBytes, ≤ 4000 px high) or as a
// clear *bot.Error, and nothing panics.
func TestHugeAndOddInputsStayBounded(t *testing.T) {
	p := testPainter(t)
	long := strings.Repeat("非常长的任务标题 with words ", 200)
	var bars []picture.Bar
	for i := range 1000 {
		bars = append(bars, picture.Bar{Label: long, Start: day(12, 1).AddDate(0, 0, i%50), End: day(12, 1).AddDate(0, 0, i%50+i%7), Tone: picture.Tone(i % 6), Critical: i%3 == 0})
	}
	var cards []picture.Card
	for i := range 500 {
		cards = append(cards, picture.Card{Title: long, Note: long, Tone: picture.Tone(i % 6)})
	}
	// The worst board for PNG size: the widest painter, eight full columns
	// of cards of varied hanzi (text compresses worst).
	wide, err := New(Options{Width: 5000})
	if err != nil {
		t.Fatal(err)
	}
	var hanzi []rune
	for r := rune(0x4e00); r < 0x9fa5; r += 7 {
		if p.HasGlyph(r) {
			hanzi = append(hanzi, r)
		}
	}
	k := 0
	varied := func(n int) string {
		s := make([]rune, n)
		for i := range s {
			s[i] = hanzi[k%len(hanzi)]
			k += 13
		}
		return string(s)
	}
	dense := make([]picture.Column, 8)
	for i := range dense {
		dense[i].Title = varied(10)
		for range 63 {
			dense[i].Cards = append(dense[i].Cards, picture.Card{Title: varied(60), Note: varied(30), Tone: picture.Tone(k % 6)})
		}
	}
	var marks []picture.Mark
	for i := range 200 {
		marks = append(marks, picture.Mark{Label: long, At: day(12, 1).AddDate(0, 0, i%40)})
	}
	values := make([]float64, 5000)
	for i := range values {
		values[i] = float64(i % 97)
	}
	cases := map[string]func() (*bot.Image, error){
		"gantt 1000 bars": func() (*bot.Image, error) {
			return p.Gantt(picture.Gantt{Title: long, From: day(12, 1), To: day(12, 1).AddDate(0, 0, 60), Rows: bars, Marks: marks, Today: day(12, 5)})
		},
		"gantt ten years": func() (*bot.Image, error) {
			return p.Gantt(picture.Gantt{From: day(1, 1), To: day(1, 1).AddDate(10, 0, 0), Rows: bars[:3]})
		},
		"gantt To before From": func() (*bot.Image, error) {
			return p.Gantt(picture.Gantt{From: day(12, 31), To: day(12, 1), Rows: bars[:3]})
		},
		"gantt zero span from bars": func() (*bot.Image, error) { return p.Gantt(picture.Gantt{Rows: bars[:3]}) },
		"gantt zero dates in bars": func() (*bot.Image, error) {
			return p.Gantt(picture.Gantt{From: day(12, 1), To: day(12, 9), Rows: []picture.Bar{{Label: "x"}, {Label: "y", End: day(12, 3)}, {Label: "z", Start: day(12, 5), End: day(12, 2)}}, Marks: []picture.Mark{{Label: "m"}}})
		},
		"board 500 cards": func() (*bot.Image, error) {
			return p.Board(picture.Board{Title: long, Columns: []picture.Column{{Title: long, Cards: cards, More: 3, MoreLabel: "还有 %d 项"}, {Title: "b", Cards: cards}}})
		},
		"board of 504 cards of dense hanzi, widest": func() (*bot.Image, error) {
			return wide.Board(picture.Board{Title: varied(80), Columns: dense})
		},
		"board 50 columns": func() (*bot.Image, error) {
			cols := make([]picture.Column, 50)
			return p.Board(picture.Board{Columns: cols})
		},
		"board empty":   func() (*bot.Image, error) { return p.Board(picture.Board{}) },
		"lines empty":   func() (*bot.Image, error) { return p.Lines(picture.Lines{}) },
		"heatmap empty": func() (*bot.Image, error) { return p.HeatMap(picture.HeatMap{}) },
		"heatmap 300 departments of long names, ragged values": func() (*bot.Image, error) {
			names := make([]string, 300)
			vals := make([][]float64, 300)
			for i := range names {
				names[i] = long
				vals[i] = []float64{float64(i), math.Inf(1), -3, 1e15}[:i%5%4]
			}
			return p.HeatMap(picture.HeatMap{Title: long, Rows: names, Columns: names[:7], Values: vals, Legend: long, RowName: long, ColumnName: long})
		},
		"lines 5000 points, NaN and Inf": func() (*bot.Image, error) {
			odd := []float64{math.NaN(), math.Inf(1), -5, 1e12}
			return p.Lines(picture.Lines{XNames: make([]string, 3), Series: []picture.Series{{Values: values}, {Values: odd, Dashed: true}}, Shade: []int{-1, 2, 99999}})
		},
	}
	for name, draw := range cases {
		t.Run(name, func(t *testing.T) {
			img, err := draw()
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if len(img.PNG) > bot.MaxImageBytes {
				t.Errorf("%d bytes, over bot.MaxImageBytes", len(img.PNG))
			}
			if b := decode(t, img.PNG).Bounds(); b.Dy() > 4000 || b.Dx() > 1600 {
				t.Errorf("picture %v is unbounded", b)
			}
		})
	}
	if _, err := p.Gantt(picture.Gantt{Title: "nothing"}); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("a Gantt chart with no dates at all: %v, want an EINVALID error", err)
	}
}

// TestGanttCapsRowsAndSaysHowManyMore checks the "+N more" row.
func TestGanttCapsRowsAndSaysHowManyMore(t *testing.T) {
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var drawn []string
	p.onText = func(s string) { drawn = append(drawn, s) }
	var bars []picture.Bar
	for range 100 {
		bars = append(bars, picture.Bar{Label: "任务", Start: day(12, 1), End: day(12, 2)})
	}
	if _, err := p.Gantt(picture.Gantt{From: day(12, 1), To: day(12, 9), Rows: bars, MoreLabel: "+%d more"}); err != nil {
		t.Fatal(err)
	}
	labels := 0
	more := ""
	for _, s := range drawn {
		if s == "任务" {
			labels++
		}
		if strings.HasPrefix(s, "+") {
			more = s
		}
	}
	if labels != ganttMaxRows-1 || more != "+61 more" {
		t.Errorf("%d rows drawn and %q, want %d rows and +61", labels, more, ganttMaxRows-1)
	}
}

func TestWrapBreaksChinesePerCharacterAndLatinPerWord(t *testing.T) {
	width := func(s string) float64 { return float64(len([]rune(s))) } // one unit per rune
	cases := []struct {
		in   string
		w    float64
		max  int
		want []string
	}{
		{"设计首页进行中", 3, 5, []string{"设计首", "页进行", "中"}},
		{"write the docs", 9, 5, []string{"write the", "docs"}},
		{"完成设计，然后发布", 5, 5, []string{"完成设计，", "然后发布"}}, // ， may not start a line
		{"supercalifragilistic", 8, 5, []string{"supercal", "ifragili", "stic"}},
		{"设计首页进行中", 3, 2, []string{"设计首", "页进…"}},
		{"  ", 3, 2, nil},
		{"ab 设计首页进行中", 3, 2, []string{"ab", "设计…"}},
		{"Q3 发布 plan", 5, 5, []string{"Q3 发布", "plan"}},
	}
	for _, c := range cases {
		got := wrap(c.in, c.w, c.max, width)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrap(%q, %v, %d) = %q, want %q", c.in, c.w, c.max, got, c.want)
		}
	}
}

// TestConcurrentPainting draws from many goroutines with one Painter (run
// with -race): the same input gives the same picture.
func TestConcurrentPainting(t *testing.T) {
	p := testPainter(t)
	want, err := p.Board(sampleBoard())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			img, err := p.Board(sampleBoard())
			if err != nil || img.SHA256 != want.SHA256 {
				t.Errorf("concurrent board differs: %v", err)
			}
			if _, err := p.Gantt(sampleGantt()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func BenchmarkGantt(b *testing.B) {
	benchmark(b, func(p *Painter) (*bot.Image, error) { return p.Gantt(sampleGantt()) })
}
func BenchmarkBoard(b *testing.B) {
	benchmark(b, func(p *Painter) (*bot.Image, error) { return p.Board(sampleBoard()) })
}
func BenchmarkLines(b *testing.B) {
	benchmark(b, func(p *Painter) (*bot.Image, error) { return p.Lines(sampleLines()) })
}

func BenchmarkHeatMap(b *testing.B) {
	benchmark(b, func(p *Painter) (*bot.Image, error) { return p.HeatMap(sampleHeatMap()) })
}

func benchmark(b *testing.B, draw func(*Painter) (*bot.Image, error)) {
	p := testPainter(b)
	start := time.Now()
	size := 0
	for b.Loop() {
		img, err := draw(p)
		if err != nil {
			b.Fatal(err)
		}
		size = len(img.PNG)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
	b.ReportMetric(float64(size)/1024, "KB/png")
}

// TestMilestoneLabelsNeverOverlap crowds ten milestones into ten days:
// labels on one line must not overlap, and a mark with no room left goes
// without its label.
func TestMilestoneLabelsNeverOverlap(t *testing.T) {
	p := testPainter(t)
	c, err := p.canvas(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	var marks []picture.Mark
	for i := range 10 {
		marks = append(marks, picture.Mark{Label: "里程碑：公测准备就绪", At: day(12, 1+i)})
	}
	dayX := func(d time.Time) float64 { return float64(dayIndex(day(12, 1), d)) * 20 }
	placed := layoutMarks(c, marks, day(12, 1), day(12, 31), dayX, 1e9)
	if len(placed) != 10 {
		t.Fatalf("%d marks placed, want all 10", len(placed))
	}
	unlabelled := 0
	lastEnd := map[int]float64{}
	for _, m := range placed {
		if m.label == "" {
			unlabelled++
			continue
		}
		if end, ok := lastEnd[m.row]; ok && m.x < end {
			t.Errorf("label at x=%v on line %d overlaps the one ending at %v", m.x, m.row, end)
		}
		lastEnd[m.row] = m.x + 12 + c.measure(c.small, m.label)
	}
	if unlabelled == 0 || unlabelled == 10 {
		t.Errorf("%d of 10 crowded marks unlabelled; want some labelled, the rest without", unlabelled)
	}
}

// TestMilestoneLabelAtTheRightEdgeGoesLeft puts a milestone on the chart's
// last day (a project's end): its label is drawn to the left of the
// diamond, inside the picture, not cut off by the edge; one with room
// keeps its label on the right.
func TestMilestoneLabelAtTheRightEdgeGoesLeft(t *testing.T) {
	p := testPainter(t)
	c, err := p.canvas(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	dayX := func(d time.Time) float64 { return 300 + float64(dayIndex(day(12, 1), d))*30 }
	right := dayX(day(12, 31)) + 30
	placed := layoutMarks(c, []picture.Mark{{Label: "Beta", At: day(12, 10)}, {Label: "Launch 发布", At: day(12, 31)}},
		day(12, 1), day(12, 31), dayX, right)
	if len(placed) != 2 || placed[0].left || placed[0].label != "Beta" {
		t.Fatalf("placed %+v; want Beta labelled on the right", placed)
	}
	last := placed[1]
	if !last.left || last.label != "Launch 发布" {
		t.Fatalf("the last day's mark is %+v; want its label on the left", last)
	}
	if w := c.measure(c.small, last.label); last.x-12-w < 300 || last.x+10 > right {
		t.Errorf("the left label spans %v–%v, outside the chart (300–%v)", last.x-12-w, last.x, right)
	}
}

// TestGanttDayNumbersDoNotCrowd draws three months, too many days to
// number each: Mondays and the 1st are numbered, except a Monday on the
// 2nd (2 February 2026), which would touch the 1st's number.
func TestGanttDayNumbersDoNotCrowd(t *testing.T) {
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var drawn []string
	p.onText = func(s string) { drawn = append(drawn, s) }
	from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 4, 7, 0, 0, 0, 0, time.UTC)
	if _, err := p.Gantt(picture.Gantt{From: from, To: to, Rows: []picture.Bar{{Label: "x", Start: from, End: to}}}); err != nil {
		t.Fatal(err)
	}
	numbers := map[string]int{}
	for _, s := range drawn {
		numbers[s]++
	}
	// 1 Feb, 1 Mar, 1 Apr; Mondays 5, 12, 19, 26 Jan, 9, 16, 23 Feb, 9, 16,
	// 23, 30 Mar, 6 Apr; not Monday 2 Feb or 2 Mar.
	if numbers["1"] != 3 || numbers["2"] != 0 || numbers["9"] != 2 || numbers["30"] != 1 {
		t.Errorf("day numbers drawn %v; want the 1st three times, the 9th twice, no 2nd", numbers)
	}
}
