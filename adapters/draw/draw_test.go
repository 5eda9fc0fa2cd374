package draw

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.png from the current drawing")

var (
	painterOnce sync.Once
	painter     *Painter
	painterErr  error
)

func testPainter(t testing.TB) *Painter {
	t.Helper()
	painterOnce.Do(func() { painter, painterErr = New(Options{}) })
	if painterErr != nil {
		t.Fatal(painterErr)
	}
	return painter
}

func day(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }

// weekends lists the Saturdays and Sundays in [from, to].
func weekends(from, to time.Time) []time.Time {
	var out []time.Time
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			out = append(out, d)
		}
	}
	return out
}

func sampleGantt() picture.Gantt {
	from, to := day(12, 7), day(12, 7).AddDate(0, 0, 53)
	return picture.Gantt{
		Name: "gantt.png", Title: "Q3 发布 · 甘特图", Alt: "甘特图",
		From: from, To: to, Off: weekends(from, to), OffLabel: "休息日",
		Today: day(12, 18), TodayLabel: "今天",
		Rows: []picture.Bar{
			{Label: "#12 设计首页", Start: day(12, 7), End: day(12, 11), Tone: picture.Good, Critical: true},
			{Label: "#13 Landing page copy and translations for every market", Start: day(12, 10), End: day(12, 22), Tone: picture.Active},
			{Label: "#14 销售培训材料准备（含演示视频与常见问题解答）", Start: day(12, 21), End: day(12, 31), Tone: picture.Warn, Critical: true},
			{Label: "#15 支付接入 🚀", Start: day(12, 14), End: day(12, 16), Tone: picture.Bad},
			{Label: "#16 发布会", Start: day(12, 28), End: day(12, 29), Tone: picture.Neutral},
			{Label: "#17 已取消的任务", Start: day(12, 8), End: day(12, 9), Tone: picture.Muted},
		},
		Marks: []picture.Mark{
			{Label: "Beta", At: day(12, 18), Tone: picture.Good},
			{Label: "里程碑：公测", At: day(12, 19), Tone: picture.Warn},
			{Label: "正式发布", At: day(12, 30), Tone: picture.Bad},
		},
		Legend: map[picture.Tone]string{picture.Neutral: "待办", picture.Active: "进行中", picture.Good: "已完成", picture.Warn: "风险", picture.Bad: "延期", picture.Muted: "已取消"},
	}
}

func sampleBoard() picture.Board {
	return picture.Board{
		Name: "board.png", Title: "Q3 launch — board", Alt: "board",
		Columns: []picture.Column{
			{Title: "待办", Cards: []picture.Card{
				{Title: "#21 准备发布会场地和物料，确认嘉宾名单", Note: "@alice · 12-20", Tone: picture.Neutral},
				{Title: "#22 Write the onboarding email sequence", Note: "@bob", Tone: picture.Warn},
			}, More: 12, MoreLabel: "还有 %d 项"},
			{Title: "进行中", Cards: []picture.Card{
				{Title: "#12 设计首页", Note: "@carol · 剩余 2 天", Tone: picture.Active},
				{Title: "#15 支付接入 ✅ 😀", Note: "已延期 3 天", Tone: picture.Bad},
			}},
			{Title: "待审核", Cards: []picture.Card{{Title: "Supercalifragilisticexpialidocious-long-identifier-without-spaces-at-all", Tone: picture.Active}}},
			{Title: "已完成", Cards: []picture.Card{{Title: "#10 需求评审", Note: "12-08", Tone: picture.Good}}},
			{Title: "Cancelled", Cards: []picture.Card{{Title: "#9 old idea", Tone: picture.Muted}}},
		},
	}
}

func sampleLines() picture.Lines {
	l := picture.Lines{Name: "burndown.png", Title: "Q3 发布 · 燃尽图", Alt: "燃尽图", YName: "剩余任务"}
	total := 40.0
	var ideal, left []float64
	for i := range 28 {
		d := day(12, 7).AddDate(0, 0, i)
		l.XNames = append(l.XNames, d.Format("01-02"))
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			l.Shade = append(l.Shade, i)
		}
		ideal = append(ideal, total-total*float64(i)/27)
		if i < 12 {
			left = append(left, total-float64(i*i)/6-float64(i))
		} else {
			left = append(left, math.NaN())
		}
	}
	l.Series = []picture.Series{
		{Name: "理想", Values: ideal, Tone: picture.Neutral, Dashed: true},
		{Name: "剩余", Values: left, Tone: picture.Active},
	}
	return l
}

func sampleHeatMap() picture.HeatMap {
	nan := math.NaN()
	return picture.HeatMap{
		Name: "matrix.png", Title: "部门协作矩阵 · 2026年11月", Alt: "协作矩阵",
		Rows: []string{"销售部", "客户支持", "研发中心", "Finance"}, Columns: []string{"销售部", "客户支持", "研发中心", "Finance"},
		RowName: "发起", ColumnName: "接收", Legend: "互动次数（任务＋工单＋会议）",
		Values: [][]float64{
			{nan, 42, 17, 3},
			{12, nan, 28, 0},
			{5, 31, nan, 1},
			{2, 0, 4, nan},
		},
	}
}

// TestGolden compares the decoded pictures with testdata/golden, pixel by
// pixel within a tolerance (font rasterising may differ in the last bit
// between versions; a moved bar or a missing label does not pass).
func TestGolden(t *testing.T) {
	p := testPainter(t)
	cases := map[string]func() (*bot.Image, error){
		"gantt":   func() (*bot.Image, error) { return p.Gantt(sampleGantt()) },
		"board":   func() (*bot.Image, error) { return p.Board(sampleBoard()) },
		"lines":   func() (*bot.Image, error) { return p.Lines(sampleLines()) },
		"heatmap": func() (*bot.Image, error) { return p.HeatMap(sampleHeatMap()) },
	}
	for name, draw := range cases {
		t.Run(name, func(t *testing.T) {
			img, err := draw()
			if err != nil {
				t.Fatal(err)
			}
			if len(img.PNG) > bot.MaxImageBytes || img.SHA256 != bot.Digest(img.PNG) {
				t.Fatalf("image %d bytes, digest %q", len(img.PNG), img.SHA256)
			}
			path := filepath.Join("testdata", "golden", name+".png")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, img.PNG, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./adapters/draw -run TestGolden -update)", err)
			}
			if diff := imageDiff(t, decode(t, want), decode(t, img.PNG)); diff > 0.002 {
				t.Errorf("%s differs from %s in %.2f%% of pixels (run with -update if the change is meant)", name, path, diff*100)
			}
		})
	}
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// imageDiff is the share of pixels whose colour differs by more than a
// little in any channel; a different size counts as all different.
func imageDiff(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Logf("sizes differ: %v and %v", a.Bounds(), b.Bounds())
		return 1
	}
	r := a.Bounds()
	differ := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if colourDistance(a.At(x, y), b.At(x, y)) > 48 {
				differ++
			}
		}
	}
	return float64(differ) / float64(r.Dx()*r.Dy())
}

func colourDistance(a, b interface{ RGBA() (r, g, b, a uint32) }) uint32 {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) uint32 {
		if x > y {
			return (x - y) >> 8
		}
		return (y - x) >> 8
	}
	return max(d(ar, br), d(ag, bg), d(ab, bb))
}
