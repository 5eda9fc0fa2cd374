package project_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
)

func ids(tos []project.TaskOf) []int64 {
	var out []int64
	for _, to := range tos {
		out = append(out, to.Task.ID)
	}
	return out
}

func names(ms []project.MilestoneRisk) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Milestone.Name)
	}
	return out
}

func TestReview(t *testing.T) {
	// The review of Friday 13 Feb 2026, the last working day before the
	// festival week (14 Feb is a make-up Saturday).
	w := newWorld(t, "2026-01-05", "2026-03-13")
	alpha := w.milestone(10, "Alpha", "2026-02-12") // passed, work open
	beta := w.milestone(11, "Beta", "2026-02-24")   // right after the festival
	gamma := w.milestone(12, "Gamma", "2026-03-13")
	met := w.milestone(13, "Met", "2026-02-06")
	alpha.WarnedSlip = 5 // warned of more than it slips now

	w.task(task.Done, "2026-02-05", in(met)) // before the week
	thisWeek2 := w.task(task.Done, "2026-02-12")
	thisWeek1 := w.task(task.Done, "2026-02-09", in(alpha))
	w.task(task.Done, "2026-02-13", func(_ *project.Item, tk *task.Task) { tk.ClosedAt = w.day("2026-02-13").Add(11 * time.Hour) }) // after now
	lateTask := w.task(task.Todo, "", in(alpha), due(w.day("2026-02-11").Add(18*time.Hour)))
	laterDue := w.task(task.InProgress, "", in(beta), days(4), due(w.day("2026-02-24").Add(18*time.Hour)))
	w.task(task.Todo, "", in(gamma), due(w.day("2026-03-13")))
	w.task(task.Cancelled, "2026-02-10")

	now := w.at("2026-02-13")
	a := project.Assess(w.s, w.cal, now)
	rv := project.Review(w.s, a, w.cal, w.at("2026-02-09").Add(-10*time.Hour), now)

	if got, want := ids(rv.Done), []int64{thisWeek1, thisWeek2}; !slices.Equal(got, want) {
		t.Errorf("Done = %v, want %v", got, want)
	}
	if got, want := ids(rv.Overdue), []int64{lateTask}; !slices.Equal(got, want) {
		t.Errorf("Overdue = %v, want %v", got, want)
	}
	// The fifth working day after 13 Feb is 27 Feb (14, 24, 25, 26, 27):
	// later than seven days, so the look-ahead spans the festival.
	sameDay(t, "Until", rv.Until, "2026-02-28")
	if got, want := ids(rv.NextTasks), []int64{laterDue}; !slices.Equal(got, want) {
		t.Errorf("NextTasks = %v, want %v", got, want)
	}
	if got, want := names(rv.NextMilestones), []string{"Beta"}; !slices.Equal(got, want) {
		t.Errorf("NextMilestones = %v, want %v", got, want)
	}
	// Beta: 2 open (Alpha first): 4 days of the in-progress task from 13 Feb
	// → 13, 14, 24, 25: one working day late, at risk, never warned.
	if got, want := names(rv.Risks), []string{"Alpha", "Beta"}; !slices.Equal(got, want) {
		t.Errorf("Risks = %v, want %v", got, want)
	}
	if got, want := names(rv.Slipped), []string{"Beta"}; !slices.Equal(got, want) {
		t.Errorf("Slipped = %v, want %v (Alpha was warned of more)", got, want)
	}
	for _, r := range rv.Risks {
		if len(r.Critical) == 0 {
			t.Errorf("%s has no critical path", r.Milestone.Name)
		}
	}
}

func TestReview_Empty(t *testing.T) {
	w := newWorld(t, "2026-01-05", "")
	now := w.at("2026-03-02")
	rv := project.Review(w.s, project.Assess(w.s, w.cal, now), w.cal, now.AddDate(0, 0, -7), now)
	if rv.Done != nil || rv.Overdue != nil || rv.Risks != nil || rv.NextTasks != nil {
		t.Errorf("got %+v", rv)
	}
	// Seven days end before 9 March; the fifth working day after Monday 2
	// March is Monday 9 March, which the look-ahead includes.
	sameDay(t, "Until", rv.Until, "2026-03-10")
}

func TestCompareTarget(t *testing.T) {
	tests := []struct {
		target, result   string
		comparable, met  bool
		atMost           bool
		targetV, resultV float64
	}{
		{"5000", "4800 signups", true, false, false, 5000, 4800},
		{"5000", "5,200 signups", true, true, false, 5000, 5200},
		{"≥ 20", "23", true, true, false, 20, 23},
		{"99.9%", "99.95%", true, true, false, 99.9, 99.95},
		{"≤ 200ms", "180 ms", true, true, true, 200, 180},
		{"不超过 200 毫秒", "250 毫秒", true, false, true, 200, 250},
		{"5k", "4800", true, false, false, 5000, 4800},
		{"1.2万", "13000 户", true, true, false, 12000, 13000},
		{"５０００", "签约 5000 家", true, true, false, 5000, 5000},
		{"20-30", "25", false, false, false, 0, 0},             // a range: two numbers
		{"5000", "4800 by 3 March", false, false, false, 0, 0}, // two numbers in the result
		{"20%", "25", false, false, false, 0, 0},               // a percent against a count
		{"5000", "", false, false, false, 0, 0},
		{"lots", "many", false, false, false, 0, 0},
		{"5 km", "5200", true, true, false, 5, 5200}, // km is not a multiplier (units are the reader's to check)
	}
	for _, tc := range tests {
		c := project.CompareTarget(tc.target, tc.result)
		if c.Comparable != tc.comparable || c.Met != tc.met || c.AtMost != tc.atMost ||
			(tc.comparable && (c.Target != tc.targetV || c.Achieved != tc.resultV)) {
			t.Errorf("CompareTarget(%q, %q) = %+v", tc.target, tc.result, c)
		}
	}
}

func TestCloseout(t *testing.T) {
	w := newWorld(t, "2026-01-05", "2026-02-13")
	w.s.Project.Goal = project.Goal{Text: "Grow signups", Metric: "signups", Target: "5000"}
	w.s.Project.Result = "5,200 signups"
	w.s.Project.ClosedAt = w.at("2026-02-27")
	m := w.milestone(1, "Beta", "2026-02-12")
	const design, sales = 7, 8
	w.task(task.Done, "2026-02-10", in(m), func(_ *project.Item, tk *task.Task) { tk.DeptID = design })
	w.task(task.Done, "2026-02-24", in(m), func(_ *project.Item, tk *task.Task) { tk.OwnerID = 100 }) // sales via owner
	w.task(task.Done, "2026-02-11", func(_ *project.Item, tk *task.Task) { tk.OwnerID = 101 })        // owner in no department
	w.task(task.Done, "2026-02-12", func(_ *project.Item, tk *task.Task) { tk.DeptID = design; tk.OwnerID = 100 })
	w.task(task.Done, "2026-02-12")                                                                  // no owner, no department
	w.task(task.Cancelled, "2026-02-12", func(_ *project.Item, tk *task.Task) { tk.DeptID = sales }) // not counted
	for i, tk := range []*ticket.Ticket{
		{ID: 1, Status: ticket.Closed, ResponseBreached: true},
		{ID: 2, Status: ticket.Resolved, ResolutionBreached: true, ResponseBreached: true},
		{ID: 3, Status: ticket.Closed},
	} {
		w.s.Tickets = append(w.s.Tickets, project.TicketOf{Item: &project.Item{Kind: project.TicketItem, RefID: int64(i + 1)}, Ticket: tk})
	}
	events := []*project.Event{
		{Kind: project.Created, At: w.at("2026-01-05")},
		{Kind: project.Warned, At: w.at("2026-02-09")},
		{Kind: project.Warned, At: w.at("2026-02-11")},
		{Kind: project.ClosedEvent, At: w.at("2026-02-25")},
		{Kind: project.Reopened, At: w.at("2026-02-26")},
		{Kind: project.ClosedEvent, At: w.at("2026-02-27")},
	}
	deptOf := func(person int64) int64 {
		if person == 100 {
			return sales
		}
		return 0
	}
	now := w.at("2026-03-02")
	c := project.Closeout(w.s, project.Assess(w.s, w.cal, now), events, deptOf, now)

	if !c.GoalCheck.Comparable || !c.GoalCheck.Met || c.Result != "5,200 signups" || c.Goal.Target != "5000" {
		t.Errorf("goal: %+v %q", c.GoalCheck, c.Result)
	}
	sameDay(t, "Closed", c.Closed, "2026-02-27")
	sameDay(t, "End", c.End, "2026-02-13")
	// The last task closed on 24 Feb: 14 and 24 Feb after the end.
	if c.Level != project.Met || c.Slip != 2 || c.Done != 5 || c.Total != 5 {
		t.Errorf("Level, Slip, Done, Total = %s, %d, %d, %d", c.Level, c.Slip, c.Done, c.Total)
	}
	if c.Warnings != 2 || c.Reopens != 1 {
		t.Errorf("Warnings, Reopens = %d, %d", c.Warnings, c.Reopens)
	}
	if len(c.Milestones) != 1 || !c.Milestones[0].Met || c.Milestones[0].Slip != 3 {
		t.Errorf("milestones: %+v", c.Milestones)
	} else {
		sameDay(t, "milestone met", c.Milestones[0].MetAt, "2026-02-24")
	}
	tk := c.Tickets
	if tk.Total != 3 || tk.ByStatus[ticket.Closed] != 2 || tk.ByStatus[ticket.Resolved] != 1 ||
		tk.ResponseBreached != 2 || tk.ResolutionBreached != 1 {
		t.Errorf("tickets: %+v", tk)
	}
	want := []project.DeptDone{{DeptID: design, Done: 2}, {DeptID: sales, Done: 1}, {DeptID: 0, Done: 2}}
	if !slices.Equal(c.Departments, want) {
		t.Errorf("Departments = %v, want %v", c.Departments, want)
	}
}

func TestCloseout_NotComparableAndOpen(t *testing.T) {
	w := newWorld(t, "2026-01-05", "2026-02-13")
	w.s.Project.Goal.Target = "20%"
	w.s.Project.Result = "25 customers"
	w.task(task.Todo, "")
	now := w.at("2026-02-25")
	c := project.Closeout(w.s, project.Assess(w.s, w.cal, now), nil, nil, now)
	if c.GoalCheck.Comparable || c.GoalCheck.Met {
		t.Errorf("goal check: %+v", c.GoalCheck)
	}
	if !c.Closed.Equal(now) || c.Level != project.Late || c.Departments != nil {
		t.Errorf("got %+v", c)
	}
}
