package main

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// Ensure the load measures what it says at 10,000 tickets: each claim round
// takes exactly the 1 % that is due, and each list page timed is full, holds
// only what its filter selects, in the order shown, and page 3 continues
// after page 1; the stats read count the week's resolved tickets and the
// stats command answers with every department. (The figures themselves are printed by the command, never
// asserted: timings flake on a busy machine. The plans that keep them flat
// are checked in storage/sqlite.)
func TestLoad_10000(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "tickets.db"))
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, err := Populate(db, 10_000, Now)
	if err != nil {
		t.Fatal(err)
	}
	f := NewFigures(w)
	for r := range 2 {
		if err := MeasureCommands(db, w, r, f); err != nil {
			t.Fatal(err)
		}
		if err := MeasureEscalations(db, r, f); err != nil {
			t.Fatal(err)
		}
	}
	b, err := StatsBot(db)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := MeasureStats(db, b, w, 0, f); err != nil {
		t.Fatal(err)
	}
	// The stats timed count what they must: the first department's
	// tickets resolved in the week, and the command answers with every
	// department's figures.
	if f.Stats.Resolved != w.WeekDept || w.WeekDept == 0 || f.Stats.Open == 0 {
		t.Errorf("stats of the first department: %+v, want %d resolved in the week", f.Stats, w.WeekDept)
	}
	if !strings.Contains(f.StatsReply, "Tickets, the last 30 days:") || !strings.Contains(f.StatsReply, "Dept 9: ") {
		t.Errorf("ticket stats month answered %q", f.StatsReply)
	}
	if w.Due != 100 {
		t.Errorf("%d escalations due, want 100", w.Due)
	}
	for i, n := range f.Claimed {
		if n != w.Due {
			t.Errorf("claim round %d took %d jobs, want the %d due", i, n, w.Due)
		}
	}
	before := func(a, b *ticket.Ticket) bool {
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		if !a.OpenedAt.Equal(b.OpenedAt) {
			return a.OpenedAt.Before(b.OpenedAt)
		}
		return a.ID < b.ID
	}
	for _, l := range lists(w) {
		page := f.Pages[l.name]
		if len(page) != 21 {
			t.Errorf("%s: %d tickets, want a full page of 21", l.name, len(page))
			continue
		}
		for i, tk := range page {
			if !tk.Status.Active() || l.f.OwnerID != 0 && tk.OwnerID != l.f.OwnerID || l.f.DeptID != 0 && tk.DeptID != l.f.DeptID ||
				l.f.Breached && !tk.ResolutionBreached {
				t.Errorf("%s: %+v does not match %+v", l.name, tk, l.f)
			}
			if i > 0 && !before(page[i-1], tk) {
				t.Errorf("%s: %s before %s, out of order", l.name, page[i-1].Ref(), tk.Ref())
			}
		}
	}
	for _, pair := range [][2]string{{"list mine, page 1", "list mine, page 3"}, {"list department, page 1", "list department, page 3"},
		{"list breached, page 1", "list breached, page 3"}} {
		first, third := f.Pages[pair[0]], f.Pages[pair[1]]
		if len(first) > 0 && len(third) > 0 && !before(first[len(first)-1], third[0]) {
			t.Errorf("%s does not come after %s", pair[1], pair[0])
		}
	}
}
