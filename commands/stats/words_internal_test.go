package stats

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/commands"
)

// Ensure the figures' English agrees with a count of one ("1 message",
// "1 of the 1 … was", "1 reader") and with more, and that the Chinese
// words, which need no agreement, still name every figure.
func TestWordsAgreeWithTheirCounts(t *testing.T) {
	oct := stats.Period{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Month: true}
	figures := func(n int) *stats.Figures {
		return &stats.Figures{Period: oct,
			Days:     []stats.Day{{Day: "2026-10-05", Messages: n, Commands: n}},
			Total:    stats.Day{Messages: n, Commands: n},
			Tasks:    stats.TaskCounts{Created: n, Done: n, DoneLate: n, DoneWithDue: n},
			Announce: stats.Acks{Sent: n, Total: n, Answered: n}}
	}
	en := commands.Reader{Lang: bot.LangEN, Loc: time.UTC}
	zh := commands.Reader{Lang: bot.LangZH, Loc: time.UTC}
	f := &feature{}
	for _, tc := range []struct {
		n          int
		rd         commands.Reader
		want, alts []string
	}{
		{1, en, []string{"Busiest day: 2026-10-05 (1 message).", "1 of the 1 done with a due date was closed late (overdue rate 100%)",
			"1 of 1 reader acknowledged (100%)"}, []string{": 1 message, 1 command."}},
		{2, en, []string{"Busiest day: 2026-10-05 (2 messages).", "2 of the 2 done with a due date were closed late (overdue rate 100%)",
			"2 of 2 readers acknowledged (100%)"}, []string{": 2 messages, 2 commands."}},
		{1, zh, []string{"最忙的一天：2026-10-05（1 条消息）。", "有截止时间的 1 个完成任务中 1 个逾期完成（逾期率 100%）。",
			"1 位读者中 1 位已确认（100%）。"}, []string{"2026-10-01 至 2026-10-31 每日消息与命令：消息 1 条，命令 1 条。"}},
	} {
		got := words(figures(tc.n), nil, nil, tc.rd) + "\n" + f.chart(figures(tc.n), tc.rd).Alt
		for _, want := range append(tc.want, tc.alts...) {
			if !strings.Contains(got, want) {
				t.Errorf("%d in %s: missing %q in\n%s", tc.n, tc.rd.Lang, want, got)
			}
		}
		if strings.Contains(got, "%!") {
			t.Errorf("a formatting error in\n%s", got)
		}
	}
}
