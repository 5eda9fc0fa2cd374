package project

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/commands"
)

// Ensure a delay warning says what its projection rests on — the pace with
// the tasks and working days it was measured over, or the estimates — in
// both languages, with English plurals right for one.
func TestWarningWordsNameTheBasis(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, shanghai) }
	beta := &project.Milestone{ID: 1, Name: "Beta", Due: day(6)}
	st := &project.State{Project: &project.Project{Key: "launch", Name: "Launch", End: day(13)}}
	now := day(2).Add(9*time.Hour + 30*time.Minute)
	for _, tc := range []struct {
		name           string
		byPace         bool
		done, days     int
		lang           bot.Lang
		want, wantNote string
	}{
		{"pace", true, 3, 13, bot.LangEN, "At the recent pace: 3 tasks done in the last 13 working days.", "pace 3 done in 13 working days"},
		{"pace, one", true, 1, 1, bot.LangEN, "At the recent pace: 1 task done in the last 1 working day.", "pace 1 done in 1 working day"},
		{"pace in Chinese", true, 3, 13, bot.LangZH, "按近期进度推算：最近 13 个工作日完成 3 项任务。", ""},
		{"estimates", false, 3, 13, bot.LangEN, "By the estimates along the critical path.", "by the estimates"},
		{"estimates in Chinese", false, 0, 0, bot.LangZH, "按关键路径上的工期估算推算。", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := project.Assessment{PaceDone: tc.done, PaceDays: tc.days, ByPace: tc.byPace, Projected: day(10)}
			mr := project.MilestoneRisk{Milestone: beta, Projected: day(10), ByPace: tc.byPace, Level: project.AtRisk, Slip: 2}
			rd := commands.Reader{Lang: tc.lang, Loc: shanghai, Now: now}
			for _, w := range []warning{{milestone: &mr, slip: 2}, {slip: 2}} {
				if got := warningWords(st, a, w, rd); !strings.Contains(got, "\n"+tc.want+"\n") {
					t.Errorf("missing %q in\n%s", tc.want, got)
				}
			}
			if tc.wantNote != "" {
				if got := basisNote(a, tc.byPace); got != tc.wantNote {
					t.Errorf("timeline note %q, want %q", got, tc.wantNote)
				}
			}
		})
	}
}
