package draw

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/golang/freetype/truetype"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// uiWords are words the project pictures are drawn with.
const uiWords = "待办 进行中 待审核 已完成 已取消 里程碑 今天 休息日 理想 剩余 风险 延期 " +
	"甘特图 燃尽图 看板 项目 任务 负责人 截止 逾期 阻塞 按计划 关键路径 周报 目标 指标 部门 设计 销售 " +
	"还有 %d 项 剩余任务 公测 正式发布 第 1 周 ，。：；（）！？、《》「」…—–·“”‘’①②③④⑤⑥⑦⑧⑨⑩←→↑↓✓◆◇□■●○▲▼℃%‰"

// TestFontCoversGB2312AndChartSymbols checks the embedded subset: every
// character of GB2312, the chart punctuation, and the UI words have glyphs.
func TestFontCoversGB2312AndChartSymbols(t *testing.T) {
	p := testPainter(t)
	missing := 0
	for hi := 0xA1; hi <= 0xFE; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			r, ok := gb2312Rune(byte(hi), byte(lo))
			// Noto Sans CJK SC itself has no ǹ (GBK's A8BF): it is drawn as
			// Fallback like any missing rune.
			if ok && !p.HasGlyph(r) && r != 'ǹ' {
				missing++
				if missing < 10 {
					t.Errorf("GB2312 %02X%02X %q has no glyph", hi, lo, r)
				}
			}
		}
	}
	for r := rune(0x20); r < 0x7f; r++ {
		if !p.HasGlyph(r) {
			t.Errorf("ASCII %q has no glyph", r)
		}
	}
	for _, r := range uiWords {
		if !p.HasGlyph(r) {
			t.Errorf("%q (%U) has no glyph", r, r)
		}
	}
	// A rune known to be outside the subset, so the check can fail.
	if p.HasGlyph('😀') || p.HasGlyph('✗') || p.HasGlyph('龘') {
		t.Error("HasGlyph says yes to runes the subset lacks")
	}
}

// gb2312Rune decodes one code of the GB2312 area (EUC-CN bytes hi, lo)
// with x/text's GBK decoder, which also knows the few codes GBK added
// there; the font holds those too (tools/fonts/make_font.py).
func gb2312Rune(hi, lo byte) (rune, bool) {
	out, err := simplifiedchinese.GBK.NewDecoder().Bytes([]byte{hi, lo})
	if err != nil {
		return 0, false
	}
	s := string(out)
	r := []rune(s)
	if len(r) != 1 || r[0] == unicode.ReplacementChar {
		return 0, false
	}
	return r[0], true
}

// TestFontCoversCatalogues checks every Chinese character and full-width
// mark in the Go sources of bot/ and commands/ (their reply catalogues and
// labels, not their tests' fixtures), since feature text ends up in pictures.
func TestFontCoversCatalogues(t *testing.T) {
	p := testPainter(t)
	seen := map[rune]string{}
	for _, dir := range []string{"../../bot", "../../commands"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, r := range string(b) {
				if isWide(r) && !unicode.Is(unicode.Hangul, r) {
					if _, ok := seen[r]; !ok {
						seen[r] = path
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) < 500 {
		t.Fatalf("found only %d distinct characters in the catalogues; is the walk broken?", len(seen))
	}
	for r, path := range seen {
		if !p.HasGlyph(r) {
			t.Errorf("%q (%U, in %s) has no glyph", r, r, path)
		}
	}
}

// TestEveryDrawnRuneHasAGlyph draws pictures full of runes the font lacks
// and checks that every string handed to the font (all text goes through
// canvas.write) has only runes with glyphs: emoji and rare characters are
// replaced by the visible Fallback, never drawn blank.
func TestEveryDrawnRuneHasAGlyph(t *testing.T) {
	p, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var drawn []string
	p.onText = func(s string) { drawn = append(drawn, s) }
	odd := "发布 🚀✗龘\u200d\ufe0f\t行\n" // emoji, a tick outside the font, a rare hanzi, joiners, controls
	g := sampleGantt()
	g.Title += odd
	g.Rows[0].Label += odd
	g.Marks[0].Label += odd
	g.OffLabel += odd
	b := sampleBoard()
	b.Columns[0].Title += odd
	b.Columns[0].Cards[0].Title += odd
	b.Columns[0].Cards[0].Note += odd
	l := sampleLines()
	l.Series[0].Name += odd
	l.XNames[0] += odd
	l.YName += odd
	if _, err := p.Gantt(g); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Board(b); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Lines(l); err != nil {
		t.Fatal(err)
	}
	hm := sampleHeatMap()
	hm.Title += odd
	hm.Rows[0] += odd
	hm.Columns[1] += odd
	hm.Legend += odd
	hm.RowName += odd
	if _, err := p.HeatMap(hm); err != nil {
		t.Fatal(err)
	}
	fallbacks := 0
	for _, s := range drawn {
		for _, r := range s {
			if !p.HasGlyph(r) {
				t.Errorf("drew %q (%U) in %q: the font has no glyph for it", r, r, s)
			}
			if r == Fallback {
				fallbacks++
			}
		}
	}
	if fallbacks < 3 {
		t.Errorf("only %d fallback marks drawn; missing runes were dropped rather than shown", fallbacks)
	}
	if got := p.Printable("a🚀\u200db✗\u3000c\n"); got != "a□b□\u3000c " {
		t.Errorf("Printable = %q", got)
	}
}

// TestFreetypeReadsTheFont checks the font's outlines are TrueType glyf,
// which github.com/golang/freetype (and so go-analyze/charts) requires:
// the reason the subset was converted from CFF.
func TestFreetypeReadsTheFont(t *testing.T) {
	f, err := truetype.Parse(fontTTF)
	if err != nil {
		t.Fatalf("golang/freetype cannot parse the font: %v", err)
	}
	if f.Name(truetype.NameIDFontFamily) != "Tandem Sans CJK SC" {
		t.Errorf("family %q, want the renamed Tandem Sans CJK SC", f.Name(truetype.NameIDFontFamily))
	}
	var g truetype.GlyphBuf
	i := f.Index('汉')
	if i == 0 {
		t.Fatal("no glyph for 汉")
	}
	if err := g.Load(f, 1000, i, 0); err != nil || len(g.Points) < 10 {
		t.Fatalf("glyph 汉: %d points, %v", len(g.Points), err)
	}
}
