package interplay_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/interplay"
)

var (
	sales   = &bot.Department{ID: 1, Name: "Sales"}
	support = &bot.Department{ID: 2, Name: "Support"}
	dev     = &bot.Department{ID: 3, Name: "Dev"}
	depts   = []*bot.Department{sales, support, dev}
)

func facts() interplay.Facts {
	return interplay.Facts{
		Flows: []interplay.Flow{
			{From: 1, To: 2, Tasks: 3, Tickets: 5, Acked: 4, BusinessN: 4, AckBusiness: 2 * time.Hour, AckWall: 5 * time.Hour},
			{From: 2, To: 1, Tasks: 1},
			{From: 2, To: 3, Tickets: 2, Acked: 2, AckWall: 9 * time.Hour}, // no calendar: wall-clock only
			{From: 3, To: 1, Tickets: 1, Acked: 1, BusinessN: 1, AckBusiness: 6 * time.Hour},
			{From: 1, To: 9, Tasks: 50}, // a department since deleted
			{From: 1, To: 1, Tasks: 7},  // within a department: never a cell
		},
		Shared: []interplay.Shared{{A: 1, B: 2, Meetings: 2}, {A: 1, B: 3, Meetings: 1}},
	}
}

func TestBuild_CellsTotalsAndOrder(t *testing.T) {
	m := interplay.Build(depts, facts(), nil)
	if got := m.Cell(1, 2); got.Tasks != 3 || got.Tickets != 5 || got.Meetings != 2 || got.Total() != 10 {
		t.Errorf("Sales→Support = %+v", got)
	}
	if got := m.Cell(2, 1); got.Tasks != 1 || got.Meetings != 2 || got.Total() != 3 {
		t.Errorf("Support→Sales = %+v: the shared meetings belong on both cells", got)
	}
	if got := m.Cell(3, 1); got.Meetings != 1 || got.Tickets != 1 {
		t.Errorf("Dev→Sales = %+v", got)
	}
	if got := m.Cell(1, 1); got.Total() != 0 {
		t.Errorf("Sales→Sales = %+v, want nothing", got)
	}
	if tasks, tickets, meetings := m.Totals(); tasks != 4 || tickets != 8 || meetings != 3 {
		t.Errorf("totals %d %d %d, want 4 tasks, 8 tickets, 3 meetings (each shared meeting once)", tasks, tickets, meetings)
	}
	// Sales 10+3+1+1+... most active, then Support, then Dev.
	var names []string
	for _, d := range m.Depts {
		names = append(names, d.Name)
	}
	if len(names) != 3 || names[0] != "Sales" || names[1] != "Support" || names[2] != "Dev" {
		t.Errorf("departments %v, want Sales, Support, Dev (most active first; the unknown one left out)", names)
	}
}

func TestTopPairsAndSlowest(t *testing.T) {
	m := interplay.Build(depts, facts(), nil)
	top := m.TopPairs(5)
	if len(top) != 3 || top[0].A != sales || top[0].B != support || top[0].Total() != 11 {
		t.Fatalf("top pairs %+v, want Sales–Support first with 11 (tasks 4, tickets 5, meetings 2 once)", top)
	}
	if top[1].Total() != 2 || top[1].A != sales || top[1].B != dev || top[2].Total() != 2 || top[2].A != support {
		t.Errorf("then %+v and %+v, want Sales–Dev 2 then Support–Dev 2 (ties in the matrix's order)", top[1], top[2])
	}
	slow := m.Slowest(5)
	if len(slow) != 3 {
		t.Fatalf("slowest %+v, want 3 answered pairs", slow)
	}
	// Business-hour figures first, slowest first; the wall-clock-only pair last.
	if slow[0].From != dev || slow[0].To != sales || slow[1].From != sales || slow[2].From != support {
		t.Errorf("slowest order %s→%s, %s→%s, %s→%s", slow[0].From.Name, slow[0].To.Name, slow[1].From.Name, slow[1].To.Name, slow[2].From.Name, slow[2].To.Name)
	}
	if d, business, ok := slow[2].Response(); !ok || business || d != 9*time.Hour {
		t.Errorf("Support→Dev response %v business=%v ok=%v, want 9h by the wall clock", d, business, ok)
	}
	if len(m.TopPairs(1)) != 1 || len(m.Slowest(0)) != 0 {
		t.Error("n does not bound the lists")
	}
}

func TestBuild_OnlyKeepsAHeadsDepartment(t *testing.T) {
	m := interplay.Build(depts, facts(), []int64{3})
	if m.Cell(1, 2).Total() != 0 || m.Cell(2, 1).Total() != 0 {
		t.Error("Dev's head sees Sales–Support")
	}
	if m.Cell(2, 3).Tickets != 2 || m.Cell(3, 1).Tickets != 1 || m.Cell(1, 3).Meetings != 1 {
		t.Errorf("Dev's own row and column are missing: %+v %+v %+v", m.Cell(2, 3), m.Cell(3, 1), m.Cell(1, 3))
	}
}

func TestBuild_Empty(t *testing.T) {
	m := interplay.Build(depts, interplay.Facts{}, nil)
	if !m.Empty() || len(m.Depts) != 0 || len(m.TopPairs(5)) != 0 || len(m.Slowest(5)) != 0 {
		t.Errorf("empty facts gave %+v", m)
	}
}
