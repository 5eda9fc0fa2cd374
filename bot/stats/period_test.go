package stats_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/stats"
)

var sh, _ = time.LoadLocation("Asia/Shanghai")

// Ensure each way of writing a period gives whole days in the zone, To
// exclusive, and a bad one EINVALID.
func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC) // 12-01 07:30 in Shanghai
	for _, c := range []struct {
		word, month, from, to string
		first, last           string
		isMonth               bool
	}{
		{"", "", "", "", "2026-11-25", "2026-12-01", false},
		{"week", "", "", "", "2026-11-25", "2026-12-01", false},
		{"本周", "", "", "", "2026-11-25", "2026-12-01", false},
		{"month", "", "", "", "2026-12-01", "2026-12-31", true},
		{"lastmonth", "", "", "", "2026-11-01", "2026-11-30", true},
		{"", "2026-02", "", "", "2026-02-01", "2026-02-28", true},
		{"month", "2024-02", "", "", "2024-02-01", "2024-02-29", true},
		{"", "", "2026-11-01", "2026-11-30", "2026-11-01", "2026-11-30", false},
		{"", "", "2026-11-20", "", "2026-11-20", "2026-12-01", false},
		{"", "", "", "2026-11-10", "2026-11-04", "2026-11-10", false},
	} {
		p, err := stats.ParsePeriod(c.word, c.month, c.from, c.to, now, sh)
		if err != nil {
			t.Errorf("%+v: %v", c, err)
			continue
		}
		if p.First() != c.first || p.Last() != c.last || p.Month != c.isMonth || p.From.Location() != sh {
			t.Errorf("%+v: %s … %s (month %v), want %s … %s", c, p.First(), p.Last(), p.Month, c.first, c.last)
		}
	}
	for _, c := range [][4]string{
		{"fortnight", "", "", ""},
		{"", "2026-13", "", ""},
		{"week", "2026-11", "", ""},
		{"", "", "2026-11-31", ""},
		{"", "", "2026-11-30", "2026-11-01"},
		{"", "", "2026-01-01", "2026-12-31"}, // over 92 days
		{"week", "", "2026-11-01", ""},
	} {
		if _, err := stats.ParsePeriod(c[0], c[1], c[2], c[3], now, sh); bot.ErrorCode(err) != bot.EINVALID {
			t.Errorf("%q: %v, want EINVALID", c, err)
		}
	}
}

// Ensure the counters are added up by day, platform and department, a
// command counting as a message too, and clicks apart.
func TestFiguresAdd(t *testing.T) {
	f := &stats.Figures{Days: []stats.Day{{Day: "2026-11-01"}, {Day: "2026-11-02"}}}
	f.Add([]stats.UsageRow{
		{Day: "2026-11-01", DeptID: 1, Platform: "slack", Kind: bot.UsageCommand, N: 3},
		{Day: "2026-11-01", DeptID: 2, Platform: "feishu", Kind: bot.UsageMessage, N: 2},
		{Day: "2026-11-02", DeptID: 2, Platform: "feishu", Kind: bot.UsageClick, N: 5},
	})
	if want := (stats.Day{Messages: 5, Commands: 3, Clicks: 5}); f.Total != want {
		t.Errorf("total %+v, want %+v", f.Total, want)
	}
	if d := f.Days[0]; d.Messages != 5 || d.Commands != 3 || d.Clicks != 0 {
		t.Errorf("11-01 = %+v", d)
	}
	if len(f.Platforms) != 2 || f.Platforms[0].Key != "feishu" || f.Platforms[0].Clicks != 5 || f.Platforms[1].Messages != 3 {
		t.Errorf("platforms = %+v, want feishu (7) before slack (3)", f.Platforms)
	}
	if len(f.Depts) != 2 || f.Depts[0].DeptID != 2 {
		t.Errorf("departments = %+v, want dept 2 first", f.Depts)
	}
	if _, ok := (stats.TaskCounts{}).LateRate(); ok {
		t.Error("a late rate with nothing done")
	}
	if r, ok := (stats.TaskCounts{DoneWithDue: 4, DoneLate: 1}).LateRate(); !ok || r != 0.25 {
		t.Errorf("late rate %v, %v; want 0.25", r, ok)
	}
}
