package project_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/workcal"
)

// The China 2026 calendar: 春节 is 15–23 February (off), with make-up working
// Saturdays 14 and 28 February; 元旦 is 1–3 January with Sunday 4 January a
// working day.

func china(t testing.TB) *workcal.Calendar {
	t.Helper()
	c, err := workcal.ChinaMainland(nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// world builds States in the China calendar's zone.
type world struct {
	t     testing.TB
	cal   *workcal.Calendar
	s     project.State
	next  int64
	items map[int64]*project.Item
}

func newWorld(t testing.TB, start, end string) *world {
	w := &world{t: t, cal: china(t), next: 1, items: map[int64]*project.Item{}}
	p := &project.Project{ID: 1, Key: "q1", Name: "Q1", Status: project.Active}
	if start != "" {
		p.Start = w.day(start)
		p.CreatedAt = p.Start
	}
	if end != "" {
		p.End = w.day(end)
	}
	w.s.Project = p
	return w
}

func (w *world) day(s string) time.Time {
	w.t.Helper()
	d, err := w.cal.ParseDate(s)
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

// at is 10:00 on day s.
func (w *world) at(s string) time.Time { return w.day(s).Add(10 * time.Hour) }

func (w *world) milestone(id int64, name, due string) *project.Milestone {
	m := &project.Milestone{ID: id, ProjectID: 1, Name: name, Due: w.day(due)}
	w.s.Milestones = append(w.s.Milestones, m)
	return m
}

// task adds a task in status st; closed is the day it was done/cancelled
// (for done and cancelled tasks).
func (w *world) task(st task.Status, closed string, opts ...func(*project.Item, *task.Task)) int64 {
	id := w.next
	w.next++
	tk := &task.Task{ID: id, Title: "t", Status: st, Priority: task.PriorityNormal, CreatedAt: w.s.Project.Start}
	if closed != "" {
		tk.ClosedAt = w.at(closed)
	}
	it := &project.Item{ProjectID: 1, Kind: project.TaskItem, RefID: id, Days: 1, AddedAt: w.s.Project.Start}
	for _, o := range opts {
		o(it, tk)
	}
	w.items[id] = it
	w.s.Tasks = append(w.s.Tasks, project.TaskOf{Item: it, Task: tk})
	return id
}

func (w *world) block(blocker, dependant int64) {
	w.s.Blocks = append(w.s.Blocks, project.Block{BlockerID: blocker, DependantID: dependant})
}

func in(m *project.Milestone) func(*project.Item, *task.Task) {
	return func(it *project.Item, _ *task.Task) { it.MilestoneID = m.ID }
}

func days(n int) func(*project.Item, *task.Task) {
	return func(it *project.Item, _ *task.Task) { it.Days = n }
}

func due(t time.Time) func(*project.Item, *task.Task) {
	return func(_ *project.Item, tk *task.Task) { tk.Due = t }
}

func (w *world) assess(now string) project.Assessment {
	return project.Assess(w.s, w.cal, w.at(now))
}

func sameDay(t *testing.T, what string, got time.Time, want string) {
	t.Helper()
	g := ""
	if !got.IsZero() {
		g = got.Format("2006-01-02")
	}
	if g != want {
		t.Errorf("%s = %q, want %q", what, g, want)
	}
}

func TestAssess_Pace(t *testing.T) {
	tests := []struct {
		name   string
		start  string
		closed []string
		now    string
		want   float64
	}{
		// Ten working days before 26 Feb: 25, 24, 14 (make-up Saturday),
		// 13, 12, 11, 10, 9, 6, 5 — the festival is skipped, not counted
		// as nine idle days.
		{"festival in the window is skipped", "2026-01-05",
			[]string{"2026-02-05", "2026-02-06", "2026-02-09", "2026-02-10", "2026-02-11",
				"2026-02-12", "2026-02-13", "2026-02-14", "2026-02-24", "2026-02-25"},
			"2026-02-26", 1.0},
		// Closed before the window (4 Feb) and today (26 Feb) do not count.
		{"window edges", "2026-01-05",
			[]string{"2026-02-04", "2026-02-05", "2026-02-06", "2026-02-25", "2026-02-26"}, "2026-02-26", 0.3},
		// No holiday in the window: the ten working days before 13 March
		// are 27 Feb and 2–12 March minus the weekend; a task finished on
		// that weekend (7 March) still counts as done in the window.
		{"without a holiday", "2026-01-05",
			[]string{"2026-02-26", "2026-03-02", "2026-03-06", "2026-03-07", "2026-03-12"}, "2026-03-13", 0.4},
		// Since a start of 10 Feb, 24 Feb has five working days before it:
		// 10, 11, 12, 13 and the make-up Saturday 14.
		{"make-up Saturday counts", "2026-02-10",
			[]string{"2026-02-10", "2026-02-11", "2026-02-12", "2026-02-13", "2026-02-14"}, "2026-02-24", 1.0},
		{"too early for a pace", "2026-02-10",
			[]string{"2026-02-10", "2026-02-11"}, "2026-02-12", 0},
		{"nothing done yet", "2026-01-05", nil, "2026-02-26", 0},
		{"now before the start", "2026-03-02", nil, "2026-02-12", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.start, "2026-03-13")
			for _, c := range tc.closed {
				w.task(task.Done, c)
			}
			w.task(task.Todo, "")
			w.task(task.Cancelled, "2026-02-10") // never counted
			a := w.assess(tc.now)
			if diff := a.Pace - tc.want; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("Pace = %v, want %v", a.Pace, tc.want)
			}
			if a.Total != len(tc.closed)+1 || a.Done != len(tc.closed) {
				t.Errorf("Total, Done = %d, %d; want %d, %d", a.Total, a.Done, len(tc.closed)+1, len(tc.closed))
			}
		})
	}
}

// The pace rests on at least three finished tasks: a window with fewer
// widens back to the day the third most recent one was done. The ten
// working days before Thu 26 Feb are 5, 6, 9–14 (Sat 14 a make-up day),
// 24 and 25 Feb; the festival (15–23 Feb) is skipped in every window.
func TestAssess_PaceRestsOnThreeTasks(t *testing.T) {
	tests := []struct {
		name       string
		closed     []string
		done, days int // the pace's tasks and working days; 0, 0: no pace
	}{
		// One task in the window (24 Feb): back to 28 Jan, the third most
		// recent — 28–30 Jan, 2–6, 9–14, 24, 25 Feb.
		{"a single task in the window", []string{"2026-01-20", "2026-01-28", "2026-02-03", "2026-02-24"}, 3, 16},
		// None in the window: back to 26 Jan.
		{"none in the window", []string{"2026-01-26", "2026-01-28", "2026-01-30"}, 3, 18},
		// Two in the window, the third closed on Sunday 1 Feb: counted
		// from the next working day, 2 Feb.
		{"the third done on a day off", []string{"2026-02-01", "2026-02-13", "2026-02-25"}, 3, 13},
		// Two done the same day as the third: all counted.
		{"ties on the widened edge", []string{"2026-02-02", "2026-02-02", "2026-02-03", "2026-02-24"}, 4, 13},
		// A burst in the window is a pace on its own: no widening.
		{"a burst after the festival", []string{"2026-01-06", "2026-02-24", "2026-02-24", "2026-02-24"}, 3, 10},
		{"a burst before it", []string{"2026-02-13", "2026-02-13", "2026-02-14", "2026-02-14", "2026-02-14"}, 5, 10},
		// Fewer than three done since the start: no pace, the estimates.
		{"two done in all", []string{"2026-01-20", "2026-02-24"}, 0, 0},
		{"nothing done", nil, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "2026-01-05", "2026-03-13")
			for _, c := range tc.closed {
				w.task(task.Done, c)
			}
			w.task(task.Todo, "")
			a := w.assess("2026-02-26")
			want := 0.0
			if tc.days > 0 {
				want = float64(tc.done) / float64(tc.days)
			}
			if a.PaceDone != tc.done || a.PaceDays != tc.days || math.Abs(a.Pace-want) > 1e-9 {
				t.Errorf("Pace = %v (%d in %d working days), want %v (%d in %d)", a.Pace, a.PaceDone, a.PaceDays, want, tc.done, tc.days)
			}
		})
	}
}

// The example: one task finished in the last ten working days and
// nine open. A pace of 0.1 a day projected 90 working days out — months
// late; resting on the last three tasks (3 in 16 working days) it is 48,
// and the projection says it came from the pace.
func TestAssess_OneTaskDoesNotThrowTheProjection(t *testing.T) {
	w := newWorld(t, "2026-01-05", "2026-03-13")
	launch := w.milestone(1, "Launch", "2026-03-13")
	for _, c := range []string{"2026-01-20", "2026-01-28", "2026-02-03", "2026-02-24"} {
		w.task(task.Done, c, in(launch))
	}
	for range 9 {
		w.task(task.Todo, "", in(launch))
	}
	a := w.assess("2026-02-26")
	// ⌈9 ÷ 3/16⌉ = 48 working days from 26 Feb, today counted.
	want := w.cal.AddWorkdays(w.day("2026-02-26"), 47, "")
	sameDay(t, "Projected", a.Projected, want.Format("2006-01-02"))
	if !a.ByPace || !a.Milestones[0].ByPace || a.Level != project.AtRisk {
		t.Errorf("ByPace %v, milestone ByPace %v, Level %s; want true, true, at_risk", a.ByPace, a.Milestones[0].ByPace, a.Level)
	}
	if a.Slip >= 68 || a.Slip <= 0 {
		t.Errorf("Slip = %d, want late but not months late", a.Slip)
	}

	// When the estimates reach further than the pace, they set the date.
	w = newWorld(t, "2026-01-05", "2026-03-13")
	for _, c := range []string{"2026-02-12", "2026-02-13", "2026-02-24", "2026-02-25"} {
		w.task(task.Done, c)
	}
	w.task(task.Todo, "", days(5))
	a = w.assess("2026-02-26")
	if a.ByPace || a.PaceDone != 4 {
		t.Errorf("ByPace %v with %d done; want the critical path to set the date", a.ByPace, a.PaceDone)
	}
	// 26, 27, 28 (make-up Saturday) Feb, 2, 3 Mar.
	sameDay(t, "Projected", a.Projected, "2026-03-03")
}

// A project 2026-01-05 … 2026-03-13 across Spring Festival whose tasks slip
// from week 3 on: five done in the ten working days before 12 Feb (a pace
// of 0.5), four open.
func slipping(t *testing.T, end string) (*world, *project.Milestone, *project.Milestone) {
	w := newWorld(t, "2026-01-05", end)
	alpha := w.milestone(10, "Alpha", "2026-02-13")
	beta := w.milestone(11, "Beta", "2026-02-24") // the first working day after the festival
	for _, c := range []string{"2026-01-29", "2026-02-02", "2026-02-05", "2026-02-09", "2026-02-11"} {
		w.task(task.Done, c, in(alpha))
	}
	w.task(task.Done, "2026-01-20") // before the window
	w.task(task.Todo, "", in(alpha))
	w.task(task.Todo, "", in(beta))
	w.task(task.InProgress, "", in(beta))
	w.task(task.Todo, "", due(w.day("2026-02-11").Add(18*time.Hour)))
	return w, alpha, beta
}

func TestAssess_ProjectionAcrossFestival(t *testing.T) {
	tests := []struct {
		name, end  string
		level      project.Level
		slip       int
		daysLeft   int
		alphaLevel project.Level
		betaLevel  project.Level
		betaSlip   int
	}{
		// 4 open at 0.5 a day: 8 working days from 12 Feb — 12, 13, 14,
		// 24, 25, 26, 27 and the make-up Saturday 28 Feb.
		{"end before the projection", "2026-02-27", project.AtRisk, 1, 7, project.OnTrack, project.AtRisk, 2},
		{"end on the projection", "2026-02-28", project.OnTrack, 0, 8, project.OnTrack, project.AtRisk, 2},
		{"end later", "2026-03-13", project.OnTrack, -10, 18, project.OnTrack, project.AtRisk, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, _, _ := slipping(t, tc.end)
			a := w.assess("2026-02-12")
			if a.Pace != 0.5 {
				t.Fatalf("Pace = %v, want 0.5", a.Pace)
			}
			sameDay(t, "Projected", a.Projected, "2026-02-28")
			if a.Level != tc.level || a.Slip != tc.slip || a.DaysLeft != tc.daysLeft {
				t.Errorf("Level, Slip, DaysLeft = %s, %d, %d; want %s, %d, %d",
					a.Level, a.Slip, a.DaysLeft, tc.level, tc.slip, tc.daysLeft)
			}
			if a.Total != 10 || a.Done != 6 || a.Overdue != 1 {
				t.Errorf("Total, Done, Overdue = %d, %d, %d; want 10, 6, 1", a.Total, a.Done, a.Overdue)
			}
			if len(a.Milestones) != 2 {
				t.Fatalf("milestones: %d", len(a.Milestones))
			}
			al, be := a.Milestones[0], a.Milestones[1]
			// Alpha: 1 open → 2 working days: 12, 13 Feb, its due day.
			sameDay(t, "Alpha projected", al.Projected, "2026-02-13")
			if al.Level != tc.alphaLevel || al.Slip != 0 || al.Done != 5 || al.Total != 6 {
				t.Errorf("Alpha = %+v", al)
			}
			// Beta (due the first day after the festival): Alpha's open work
			// comes first, so 3 open → 6 working days: 12, 13, 14, 24, 25, 26.
			sameDay(t, "Beta projected", be.Projected, "2026-02-26")
			if be.Level != tc.betaLevel || be.Slip != tc.betaSlip || be.Total != 2 {
				t.Errorf("Beta = %+v", be)
			}
		})
	}
}

func TestAssess_Levels(t *testing.T) {
	t.Run("late: the end passed with work open", func(t *testing.T) {
		w, _, _ := slipping(t, "2026-02-13")
		a := w.assess("2026-02-25") // after the festival
		if a.Level != project.Late {
			t.Fatalf("Level = %s, want late", a.Level)
		}
		// The pace at 25 Feb: 2 done in 24, 14, 13, … 11 Feb → still
		// projected; slip counts working days after 13 Feb to Projected.
		if a.Slip <= 0 || a.Projected.Before(w.day("2026-02-25")) {
			t.Errorf("Slip = %d, Projected = %v", a.Slip, a.Projected)
		}
		if a.Milestones[0].Level != project.Late || a.Milestones[1].Level != project.Late {
			t.Errorf("milestones: %s, %s; want late, late", a.Milestones[0].Level, a.Milestones[1].Level)
		}
	})
	t.Run("late on the day after the date, not on it", func(t *testing.T) {
		w := newWorld(t, "2026-01-05", "2026-02-24")
		w.task(task.Todo, "")
		if a := project.Assess(w.s, w.cal, w.day("2026-02-24").Add(23*time.Hour)); a.Level == project.Late {
			t.Errorf("on the end day: %s", a.Level)
		}
		if a := w.assess("2026-02-25"); a.Level != project.Late || a.Slip != 1 {
			t.Errorf("the day after: %s slip %d, want late slip 1", a.Level, a.Slip)
		}
	})
	t.Run("all done: met, with the slip of the last close", func(t *testing.T) {
		w := newWorld(t, "2026-01-05", "2026-02-13")
		m := w.milestone(1, "M", "2026-02-12")
		w.task(task.Done, "2026-02-10", in(m))
		w.task(task.Done, "2026-02-24", in(m)) // after the festival: 2 working days late (14, 24)
		w.task(task.Cancelled, "2026-02-25")
		a := w.assess("2026-03-02")
		if a.Level != project.Met || a.Slip != 2 || a.Total != 2 || a.Done != 2 {
			t.Errorf("Level, Slip, Total, Done = %s, %d, %d, %d; want met, 2, 2, 2", a.Level, a.Slip, a.Total, a.Done)
		}
		sameDay(t, "Projected", a.Projected, "2026-02-24")
		if mr := a.Milestones[0]; mr.Level != project.Met || mr.Slip != 3 {
			t.Errorf("milestone: %s slip %d; want met slip 3", mr.Level, mr.Slip)
		}
	})
	t.Run("zero tasks", func(t *testing.T) {
		w := newWorld(t, "2026-01-05", "2026-03-13")
		w.milestone(1, "Empty", "2026-02-01")
		a := w.assess("2026-02-12")
		if a.Level != project.OnTrack || a.Total != 0 || !a.Projected.IsZero() || a.Critical != nil {
			t.Errorf("got %+v", a)
		}
		if a.Milestones[0].Level != project.OnTrack {
			t.Errorf("empty milestone: %s", a.Milestones[0].Level)
		}
	})
	t.Run("no end date", func(t *testing.T) {
		w := newWorld(t, "2026-01-05", "")
		w.task(task.Todo, "", days(30))
		a := w.assess("2026-02-12")
		if a.Level != project.OnTrack || a.Slip != 0 || a.DaysLeft != 0 {
			t.Errorf("got %s slip %d left %d", a.Level, a.Slip, a.DaysLeft)
		}
		if a.Projected.IsZero() {
			t.Error("no projection")
		}
	})
	t.Run("now before the start", func(t *testing.T) {
		w := newWorld(t, "2026-03-02", "2026-03-13")
		w.task(task.Todo, "", days(3))
		w.task(task.Todo, "")
		a := w.assess("2026-02-12")
		// Work starts on 2 March: 3 days end on 4 March.
		sameDay(t, "Projected", a.Projected, "2026-03-04")
		if a.Level != project.OnTrack || a.Pace != 0 || a.Slip != -7 {
			t.Errorf("got %s pace %v slip %d", a.Level, a.Pace, a.Slip)
		}
	})
	t.Run("no pace: estimates make it at risk before the date", func(t *testing.T) {
		w := newWorld(t, "2026-02-11", "2026-02-24")
		w.task(task.Todo, "", days(5))
		a := w.assess("2026-02-12")
		// 12, 13, 14, 24, 25 Feb.
		sameDay(t, "Projected", a.Projected, "2026-02-25")
		if a.Level != project.AtRisk || a.Slip != 1 {
			t.Errorf("got %s slip %d; want at_risk 1", a.Level, a.Slip)
		}
	})
}

func TestAssess_CriticalPath(t *testing.T) {
	t.Run("a chain", func(t *testing.T) {
		w := newWorld(t, "2026-02-11", "2026-03-13")
		a1 := w.task(task.Todo, "", days(2))
		a2 := w.task(task.Todo, "", days(3))
		a3 := w.task(task.Todo, "")
		w.task(task.Todo, "", days(5)) // longer alone, shorter than the chain
		done := w.task(task.Done, "2026-02-11")
		w.block(a1, a2)
		w.block(a2, a3)
		w.block(done, a1) // a finished blocker adds nothing
		a := w.assess("2026-02-12")
		if !slices.Equal(a.Critical, []int64{a1, a2, a3}) {
			t.Errorf("Critical = %v, want %v", a.Critical, []int64{a1, a2, a3})
		}
		// 6 working days from 12 Feb: 12, 13, 14, 24, 25, 26.
		sameDay(t, "Projected", a.Projected, "2026-02-26")
	})
	t.Run("a cycle does not hang", func(t *testing.T) {
		w := newWorld(t, "2026-02-11", "2026-03-13")
		x := w.task(task.Todo, "", days(2))
		y := w.task(task.Todo, "", days(2))
		z := w.task(task.Todo, "", days(2))
		w.block(x, y)
		w.block(y, z)
		w.block(z, x)
		w.block(x, x)
		a := w.assess("2026-02-12")
		if len(a.Critical) != 3 {
			t.Errorf("Critical = %v, want the three tasks with one edge cut", a.Critical)
		}
		// 6 working days: 12, 13, 14, 24, 25, 26 Feb.
		sameDay(t, "Projected", a.Projected, "2026-02-26")
	})
	t.Run("in progress counts what is left of its plan", func(t *testing.T) {
		w := newWorld(t, "2026-02-02", "2026-03-13")
		w.task(task.InProgress, "", days(5), func(it *project.Item, _ *task.Task) { it.Start = w.day("2026-02-09") })
		// 9, 10, 11 Feb are behind it: 2 of 5 days left — 12 and 13 Feb.
		a := w.assess("2026-02-12")
		sameDay(t, "Projected", a.Projected, "2026-02-13")
	})
	t.Run("a planned start holds a task back", func(t *testing.T) {
		w := newWorld(t, "2026-02-11", "2026-03-13")
		w.task(task.Todo, "", days(2), func(it *project.Item, _ *task.Task) { it.Start = w.day("2026-02-24") })
		a := w.assess("2026-02-12")
		sameDay(t, "Projected", a.Projected, "2026-02-25")
	})
	t.Run("a milestone's path includes blockers elsewhere", func(t *testing.T) {
		w := newWorld(t, "2026-02-11", "2026-03-13")
		m := w.milestone(1, "M", "2026-02-13")
		other := w.task(task.Todo, "", days(2))
		mine := w.task(task.Todo, "", in(m))
		w.block(other, mine)
		a := w.assess("2026-02-12")
		mr := a.Milestones[0]
		if !slices.Equal(mr.Critical, []int64{other, mine}) || mr.Level != project.AtRisk || mr.Slip != 1 {
			t.Errorf("milestone = %+v", mr)
		}
	})
}

func TestAssess_FarOffDates(t *testing.T) {
	// A typo in an end date or a task's days costs bounded loops, and open
	// work beyond the calendar's horizon is at risk, not on track.
	w := newWorld(t, "2026-01-05", "2126-01-01")
	for range 50 {
		id := w.task(task.Todo, "", days(1<<40))
		if id > 1 {
			w.block(id-1, id)
		}
	}
	a := w.assess("2026-02-12")
	if a.Level != project.AtRisk || !a.Projected.IsZero() || len(a.Critical) != 50 {
		t.Errorf("Level %s, Projected %v, %d on the path", a.Level, a.Projected, len(a.Critical))
	}
	if a.DaysLeft <= 0 || a.DaysLeft > 366*10 {
		t.Errorf("DaysLeft = %d, want a bounded count", a.DaysLeft)
	}
}

func TestAssess_NilCalendar(t *testing.T) {
	w := newWorld(t, "2026-02-11", "2026-02-20")
	w.task(task.Todo, "", days(2))
	// Weekends only: the festival is ordinary working time.
	a := project.Assess(w.s, nil, time.Date(2026, 2, 16, 10, 0, 0, 0, time.UTC))
	if got := a.Projected.Format("2006-01-02"); got != "2026-02-17" || a.Level != project.OnTrack {
		t.Errorf("Projected %s level %s", got, a.Level)
	}
}

func TestMilestoneRisk_SlipGrew(t *testing.T) {
	m := &project.Milestone{WarnedSlip: 2}
	for _, tc := range []struct {
		level project.Level
		slip  int
		want  bool
	}{
		{project.AtRisk, 3, true},
		{project.Late, 3, true},
		{project.AtRisk, 2, false}, // already told
		{project.Late, 1, false},   // shrank
		{project.Met, 5, false},
		{project.OnTrack, 3, false},
	} {
		if got := (project.MilestoneRisk{Milestone: m, Level: tc.level, Slip: tc.slip}).SlipGrew(); got != tc.want {
			t.Errorf("%s slip %d: %v, want %v", tc.level, tc.slip, got, tc.want)
		}
	}
	if (project.MilestoneRisk{Level: project.Late, Slip: 3}).SlipGrew() {
		t.Error("a risk without a milestone")
	}
}
