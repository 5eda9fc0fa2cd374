package project

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func cnCalendar(t *testing.T) *workcal.Calendar {
	t.Helper()
	cal, err := workcal.ChinaMainland(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func d26(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, shanghai) }

// springState is a project across Spring Festival 2026 (holidays 15–23
// Feb, make-up Saturdays 14 and 28 Feb): four tasks, one milestone.
func springState() *project.State {
	p := &project.Project{ID: 1, Key: "launch", Name: "Launch", Start: d26(2, 2), End: d26(3, 13), Status: project.Active,
		Goal: project.Goal{Text: "Open the shop", Metric: "signups", Target: "5000"}, LeadID: 7}
	beta := &project.Milestone{ID: 1, ProjectID: 1, Name: "Beta", Due: d26(2, 27)}
	mk := func(id int64, title string, st task.Status, start time.Time, days int, closed time.Time) project.TaskOf {
		return project.TaskOf{
			Item: &project.Item{ProjectID: 1, Kind: project.TaskItem, RefID: id, MilestoneID: 1, Days: days, Start: start, AddedAt: d26(2, 2)},
			Task: &task.Task{ID: id, Title: title, Status: st, OwnerID: 7, CreatedAt: d26(2, 2), ClosedAt: closed, Due: d26(2, 26).Add(18 * time.Hour)},
		}
	}
	return &project.State{
		Project:    p,
		Milestones: []*project.Milestone{beta},
		Tasks: []project.TaskOf{
			mk(11, "Design", task.Done, d26(2, 2), 3, d26(2, 5).Add(15*time.Hour)),
			mk(12, "Build", task.InProgress, d26(2, 13), 3, time.Time{}),
			mk(13, "Test", task.Todo, d26(2, 25), 2, time.Time{}),
			mk(14, "Dropped", task.Cancelled, d26(2, 2), 1, d26(2, 3)),
		},
		Tickets: []project.TicketOf{{Item: &project.Item{Kind: project.TicketItem, RefID: 5},
			Ticket: &ticket.Ticket{ID: 5, Title: "Payment sandbox", Status: ticket.Waiting}}},
	}
}

func springAssessment(st *project.State, now time.Time) project.Assessment {
	return project.Assessment{Now: now, Done: 1, Total: 3, Level: project.AtRisk, Slip: 2, Projected: d26(3, 17), Critical: []int64{12, 13},
		DaysLeft: 20,
		Milestones: []project.MilestoneRisk{{Milestone: st.Milestones[0], Done: 1, Total: 3, Level: project.AtRisk,
			Projected: d26(3, 3), Slip: 2, Critical: []int64{12, 13}}}}
}

func TestBoardPlacesWorkByStatusInTheReadersLanguage(t *testing.T) {
	st := springState()
	now := d26(2, 12).Add(10 * time.Hour)
	b := boardPicture(st, commands.Reader{Lang: bot.LangZH, Loc: shanghai, Now: now}, names{7: "alice"})
	var titles []string
	for _, c := range b.Columns {
		titles = append(titles, c.Title)
	}
	if want := []string{"待办", "进行中", "待审核", "已完成"}; !slices.Equal(titles, want) {
		t.Fatalf("columns %v, want %v", titles, want)
	}
	cards := func(i int) (out []string) {
		for _, c := range b.Columns[i].Cards {
			out = append(out, c.Title)
		}
		return out
	}
	if got := cards(0); !slices.Equal(got, []string{"#13 Test"}) {
		t.Errorf("to do: %v", got)
	}
	// A waiting ticket is work in progress; the cancelled task is nowhere.
	if got := cards(1); !slices.Equal(got, []string{"#12 Build", "T-5 Payment sandbox"}) {
		t.Errorf("in progress: %v", got)
	}
	if got := cards(3); !slices.Equal(got, []string{"#11 Design"}) || b.Columns[3].Cards[0].Tone != picture.Good {
		t.Errorf("done: %v", b.Columns[3].Cards)
	}
	if n := b.Columns[1].Cards[0].Note; !strings.Contains(n, "@alice") || !strings.Contains(n, "02-26") {
		t.Errorf("a card's note %q names its owner and due day", n)
	}
	if !strings.Contains(b.Title, "看板") || !strings.Contains(b.Alt, "待办 1") {
		t.Errorf("title %q alt %q", b.Title, b.Alt)
	}
}

func TestBoardCountsWhatDoesNotFit(t *testing.T) {
	st := springState()
	st.Tasks = nil
	for i := range maxCardsPerColumn + 5 {
		st.Tasks = append(st.Tasks, project.TaskOf{Item: &project.Item{}, Task: &task.Task{ID: int64(i + 1), Title: "t", Status: task.Todo}})
	}
	b := boardPicture(st, commands.Reader{Lang: bot.LangEN, Loc: shanghai, Now: d26(2, 12)}, nil)
	if c := b.Columns[0]; len(c.Cards) != maxCardsPerColumn || c.More != 5 || c.MoreLabel != "+%d more" {
		t.Fatalf("to do holds %d cards and %d more (%q)", len(c.Cards), c.More, c.MoreLabel)
	}
}

func TestGanttFollowsTheWorkCalendarAcrossSpringFestival(t *testing.T) {
	st := springState()
	cal := cnCalendar(t)
	now := d26(2, 12).Add(10 * time.Hour)
	g := ganttPicture(st, springAssessment(st, now), cal, commands.Reader{Lang: bot.LangEN, Loc: shanghai, Now: now})
	off := map[string]bool{}
	for _, d := range g.Off {
		off[d.Format(time.DateOnly)] = true
	}
	for d := 15; d <= 23; d++ {
		if !off[d26(2, d).Format(time.DateOnly)] {
			t.Errorf("Feb %d (Spring Festival) is not shaded", d)
		}
	}
	for _, d := range []int{14, 28} {
		if off[d26(2, d).Format(time.DateOnly)] {
			t.Errorf("Feb %d (a make-up working Saturday) is shaded", d)
		}
	}
	if !off["2026-02-08"] || off["2026-02-09"] {
		t.Errorf("an ordinary weekend must be shaded and a Monday not: %v", g.Off)
	}
	if !g.Today.Equal(d26(2, 12)) || g.TodayLabel != "today" || g.MoreLabel != "+%d more" {
		t.Errorf("today %v (%q), more %q", g.Today, g.TodayLabel, g.MoreLabel)
	}
	if !g.From.Equal(d26(2, 2)) || !g.To.Equal(d26(3, 17)) {
		t.Errorf("span %v – %v, want the start to the projected finish", g.From, g.To)
	}
	bars := map[string]picture.Bar{}
	for _, b := range g.Rows {
		bars[b.Label] = b
	}
	if _, ok := bars["#14 Dropped"]; ok {
		t.Error("a cancelled task is drawn")
	}
	// Build starts Fri 13 Feb for 3 working days: 13, Sat 14 (make-up),
	// then the holiday, so its third day is Tue 24 Feb.
	if b := bars["#12 Build"]; !b.Start.Equal(d26(2, 13)) || !b.End.Equal(d26(2, 24)) || !b.Critical || b.Tone != picture.Active {
		t.Errorf("Build: %+v", b)
	}
	// A finished task ends the day it closed, and is not outlined.
	if b := bars["#11 Design"]; !b.End.Equal(d26(2, 5)) || b.Critical || b.Tone != picture.Good {
		t.Errorf("Design: %+v", b)
	}
	if len(g.Marks) != 1 || g.Marks[0].Label != "Beta" || !g.Marks[0].At.Equal(d26(2, 27)) || g.Marks[0].Tone != picture.Warn {
		t.Errorf("marks %+v", g.Marks)
	}
	if !strings.Contains(g.Alt, "2 on the critical path") {
		t.Errorf("alt %q", g.Alt)
	}
}

// Ensure open work past its plan is drawn up to today: Build, planned for
// Fri 13, Sat 14 and Tue 24 Feb and still in progress on Thu 26 Feb, and
// Test, planned to start Wed 25 Feb and not started, reach today; work
// planned to start later keeps its planned span.
func TestGanttBarOfOverrunWorkReachesToday(t *testing.T) {
	st := springState()
	st.Tasks = append(st.Tasks, project.TaskOf{
		Item: &project.Item{ProjectID: 1, Kind: project.TaskItem, RefID: 15, Days: 2, Start: d26(3, 2)},
		Task: &task.Task{ID: 15, Title: "Ship", Status: task.Todo, CreatedAt: d26(2, 2)}})
	now := d26(2, 26).Add(10 * time.Hour)
	g := ganttPicture(st, springAssessment(st, now), cnCalendar(t), commands.Reader{Lang: bot.LangEN, Loc: shanghai, Now: now})
	bars := map[string]picture.Bar{}
	for _, b := range g.Rows {
		bars[b.Label] = b
	}
	if b := bars["#12 Build"]; !b.Start.Equal(d26(2, 13)) || !b.End.Equal(d26(2, 26)) {
		t.Errorf("Build, overrunning: %v – %v, want 13 Feb – today, 26 Feb", b.Start, b.End)
	}
	if b := bars["#13 Test"]; !b.Start.Equal(d26(2, 25)) || !b.End.Equal(d26(2, 26)) {
		t.Errorf("Test: %v – %v, want its plan, 25–26 Feb", b.Start, b.End)
	}
	if b := bars["#15 Ship"]; !b.Start.Equal(d26(3, 2)) || !b.End.Equal(d26(3, 3)) {
		t.Errorf("Ship, planned later: %v – %v, want 2–3 Mar", b.Start, b.End)
	}
	if b := bars["#11 Design"]; !b.End.Equal(d26(2, 5)) {
		t.Errorf("Design, done on 5 Feb, ends %v", b.End)
	}
}

func TestBurndownPictureShadesTheHolidayAndStopsToday(t *testing.T) {
	st := springState()
	cal := cnCalendar(t)
	now := d26(2, 12).Add(20 * time.Hour)
	l := burndownPicture(st, cal, commands.Reader{Lang: bot.LangZH, Loc: shanghai, Now: now})
	if l.XNames[0] != "02-02" || l.XNames[len(l.XNames)-1] != "03-13" || l.YName != "未完成任务" || !strings.Contains(l.Title, "燃尽图") {
		t.Fatalf("lines %q … %q, %q %q", l.XNames[0], l.XNames[len(l.XNames)-1], l.YName, l.Title)
	}
	ideal, open := l.Series[0], l.Series[1]
	if !ideal.Dashed || open.Dashed || ideal.Name != "理想" {
		t.Errorf("series %+v %+v", ideal.Name, open.Name)
	}
	idx := func(d time.Time) int { return int(d.Sub(d26(2, 2)).Hours()/24 + 0.5) }
	// Design closed on 5 Feb and Dropped was cancelled on 3 Feb: two open
	// on 12 Feb, and nothing drawn for the days not yet come.
	if got := open.Values[idx(d26(2, 12))]; got != 2 {
		t.Errorf("open on 12 Feb: %v", got)
	}
	if !math.IsNaN(open.Values[idx(d26(2, 13))]) {
		t.Error("a day not yet come has a value")
	}
	if ideal.Values[len(ideal.Values)-1] != 0 || ideal.Values[idx(d26(2, 15))] != ideal.Values[idx(d26(2, 23))] {
		t.Error("the ideal line must reach zero and stay flat over Spring Festival")
	}
	if !slices.Contains(l.Shade, idx(d26(2, 16))) || slices.Contains(l.Shade, idx(d26(2, 14))) {
		t.Errorf("shaded %v: the holiday is shaded, the make-up Saturday is not", l.Shade)
	}
}

func TestStatusWordsNameTheRiskAndTheCriticalPath(t *testing.T) {
	st := springState()
	now := d26(2, 27).Add(10 * time.Hour)
	a := springAssessment(st, now)
	en := statusWords(st, a, commands.Reader{Lang: bot.LangEN, Loc: shanghai, Now: now}, names{7: "alice"})
	for _, want := range []string{"Launch (launch) — at risk", "Done 1/3 tasks (33%)", "Beta — 1/3, due Fri 27 Feb — at risk",
		"projected Tue 3 Mar, 2 working days late", "critical path: #12 Build, #13 Test", "Overdue (2)", "@alice",
		"Goal: Open the shop — signups 5000"} {
		if !strings.Contains(en, want) {
			t.Errorf("missing %q in\n%s", want, en)
		}
	}
	zh := statusWords(st, a, commands.Reader{Lang: bot.LangZH, Loc: shanghai, Now: now}, nil)
	for _, want := range []string{"有延期风险", "已完成 1/3 个任务", "关键路径：#12 Build、#13 Test", "晚 2 个工作日", "目标："} {
		if !strings.Contains(zh, want) {
			t.Errorf("missing %q in\n%s", want, zh)
		}
	}
	st.Project.Goal.Metric = ""
	if got := statusWords(st, a, commands.Reader{Lang: bot.LangEN, Loc: shanghai, Now: now}, nil); !strings.Contains(got, "Goal incomplete: missing a metric and a numeric target") {
		t.Errorf("an incomplete goal is not said:\n%s", got)
	}
}

// Ensure a week ahead with a milestone due and no task due lists the
// milestone under "Next week", not under "Next week (0): none".
func TestReviewWordsWeekAheadWithOnlyAMilestone(t *testing.T) {
	st := springState()
	now := d26(2, 20).Add(16 * time.Hour)
	a := springAssessment(st, now)
	r := project.WeeklyReview{NextMilestones: a.Milestones}
	zh := reviewWords(st, a, r, commands.Reader{Lang: bot.LangZH, Loc: shanghai, Now: now})
	if strings.Contains(zh, "下周到期（0）：无") || !strings.Contains(zh, "下周到期：\n• 里程碑「Beta」2月27日周五 到期") {
		t.Errorf("the week ahead reads:\n%s", zh)
	}
	en := reviewWords(st, a, project.WeeklyReview{}, commands.Reader{Lang: bot.LangEN, Loc: shanghai, Now: now})
	if !strings.Contains(en, "Next week (0): none") {
		t.Errorf("an empty week ahead reads:\n%s", en)
	}
}

// Ensure work without a planned start is drawn as it will be done: from
// today (never before the project starts), a task that waits for another
// from the working day after its blocker ends — across Spring Festival, a
// make-up Saturday counting and the holiday not.
func TestGanttPlacesUnplannedWorkAfterItsBlockers(t *testing.T) {
	st := springState()
	unplanned := func(id int64, title string, days int) project.TaskOf {
		return project.TaskOf{
			Item: &project.Item{ProjectID: 1, Kind: project.TaskItem, RefID: id, Days: days, AddedAt: d26(1, 20)},
			Task: &task.Task{ID: id, Title: title, Status: task.Todo, CreatedAt: d26(1, 20)}}
	}
	st.Tasks = []project.TaskOf{unplanned(21, "Copy", 3), unplanned(22, "Layout", 4)}
	st.Blocks = []project.Block{{BlockerID: 21, DependantID: 22}}
	cal := cnCalendar(t)
	bars := func(now time.Time) map[string]picture.Bar {
		g := ganttPicture(st, project.Assessment{Now: now}, cal, commands.Reader{Lang: bot.LangEN, Loc: shanghai, Now: now})
		out := map[string]picture.Bar{}
		for _, b := range g.Rows {
			out[b.Label] = b
		}
		return out
	}
	// Wednesday 11 Feb: Copy takes 11–13 Feb; Layout starts on the make-up
	// Saturday 14 Feb and, the holiday skipped, ends Thursday 26 Feb.
	got := bars(d26(2, 11).Add(10 * time.Hour))
	if b := got["#21 Copy"]; !b.Start.Equal(d26(2, 11)) || !b.End.Equal(d26(2, 13)) {
		t.Errorf("Copy: %v – %v, want 11–13 Feb", b.Start, b.End)
	}
	if b := got["#22 Layout"]; !b.Start.Equal(d26(2, 14)) || !b.End.Equal(d26(2, 26)) {
		t.Errorf("Layout, waiting for Copy: %v – %v, want 14–26 Feb", b.Start, b.End)
	}
	// Before the project starts, work is drawn from its start.
	got = bars(d26(1, 28).Add(10 * time.Hour))
	if b := got["#21 Copy"]; !b.Start.Equal(d26(2, 2)) {
		t.Errorf("Copy before the project starts: from %v, want the project's start, 2 Feb", b.Start)
	}
}
