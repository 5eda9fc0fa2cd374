package project_test

import (
	"testing"

	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
)

func TestBurndown_AcrossFestival(t *testing.T) {
	// 9–27 Feb 2026: working days 9–13, the make-up Saturday 14, then
	// 24–27 after the festival — ten in all, so the ideal of a ten-task
	// scope falls by one per working day and stays flat 15–23 Feb.
	w := newWorld(t, "2026-02-09", "2026-02-27")
	for _, c := range []string{"2026-02-09", "2026-02-10", "2026-02-14", "2026-02-24"} {
		w.task(task.Done, c)
	}
	w.task(task.Cancelled, "2026-02-12") // leaves the scope the day it is cancelled
	for range 5 {
		w.task(task.Todo, "")
	}
	w.task(task.Todo, "", func(it *project.Item, _ *task.Task) { it.AddedAt = w.at("2026-02-11") }) // added scope
	// Done before the burndown starts: never part of it.
	w.task(task.Done, "2026-02-06", func(it *project.Item, tk *task.Task) { it.AddedAt = w.at("2026-02-02"); tk.CreatedAt = it.AddedAt })
	// Reopened since (open now, with an old ClosedAt): open throughout.
	w.task(task.InProgress, "2026-02-10")

	days := project.Burndown(w.s, w.cal, w.day("2026-02-09"), w.day("2026-02-27"), w.at("2026-02-24"))
	if len(days) != 19 {
		t.Fatalf("%d days, want 19", len(days))
	}
	want := map[string]struct {
		workday   bool
		remaining int
		future    bool
		ideal     float64
	}{
		// scope on the first day: 11 tasks (10 joined on 9 Feb, one reopened).
		"2026-02-09": {true, 10, false, 9.9},
		"2026-02-10": {true, 9, false, 8.8},
		"2026-02-11": {true, 10, false, 7.7}, // a task attached
		"2026-02-12": {true, 9, false, 6.6},  // one cancelled
		"2026-02-14": {true, 8, false, 4.4},  // the make-up Saturday burns
		"2026-02-15": {false, 8, false, 4.4}, // the festival: flat
		"2026-02-23": {false, 8, false, 4.4},
		"2026-02-24": {true, 7, false, 3.3},
		"2026-02-25": {true, 0, true, 2.2},
		"2026-02-27": {true, 0, true, 0},
	}
	for _, d := range days {
		k := d.Day.Format("2006-01-02")
		wd, ok := want[k]
		if !ok {
			continue
		}
		delete(want, k)
		if d.Workday != wd.workday || d.Remaining != wd.remaining || d.Future != wd.future ||
			d.Ideal-wd.ideal > 1e-9 || wd.ideal-d.Ideal > 1e-9 {
			t.Errorf("%s: %+v, want %+v", k, d, wd)
		}
	}
	if len(want) != 0 {
		t.Errorf("days missing: %v", want)
	}
}

func TestBurndown_Bounds(t *testing.T) {
	w := newWorld(t, "2026-02-09", "")
	if got := project.Burndown(w.s, w.cal, w.day("2026-03-02"), w.day("2026-03-01"), w.at("2026-03-01")); got != nil {
		t.Errorf("to before from: %v", got)
	}
	got := project.Burndown(w.s, w.cal, w.day("2026-01-01"), w.day("2036-01-01"), w.at("2026-03-01"))
	if len(got) != project.MaxBurndownDays {
		t.Errorf("%d days, want the bound %d", len(got), project.MaxBurndownDays)
	}
	// A range with no working day at all (the festival alone): a flat ideal.
	w.task(task.Todo, "")
	fest := project.Burndown(w.s, w.cal, w.day("2026-02-15"), w.day("2026-02-23"), w.at("2026-03-01"))
	for _, d := range fest {
		if d.Workday || d.Ideal != 1 || d.Remaining != 1 {
			t.Errorf("%v", d)
		}
	}
}
