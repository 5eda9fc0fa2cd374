// Package interplay is which departments work with which (高频互动部门): over
// a period, the tasks one department's people assign to another's, the
// tickets one department's people open with another, the meetings both
// attend, and how fast a department answers another's tickets. The store
// counts them per pair of departments (Store.Interplay, one GROUP BY per
// kind over an index of the period); Build, a pure function, turns those
// facts into the matrix the command shows. Definitions: docs/matrix.md.
// It imports bot only.
package interplay

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Flow is what went from one department to another in a period (From and
// To are department ids, never equal: work within a department is not an
// interplay).
type Flow struct {
	From, To int64
	// Tasks created in the period by someone of From for an owner of To.
	Tasks int
	// Tickets opened in the period by a requester of From and handled by To.
	Tickets int
	// Acked counts those tickets that To has answered (first response).
	Acked int
	// AckBusiness is the median time to first response in business hours
	// over the answered tickets that have one (BusinessN of them: none
	// without a work calendar); AckWall the median wall-clock time over all
	// Acked.
	AckBusiness time.Duration
	BusinessN   int
	AckWall     time.Duration
}

// Shared is the meetings in a period attended by people of both A and B
// (A < B): one figure per unordered pair.
type Shared struct {
	A, B     int64
	Meetings int
}

// Facts are what the store counted for a period.
type Facts struct {
	Flows  []Flow
	Shared []Shared
}

// Store answers the per-pair aggregates of a period [from, to) from
// indexes of the period (tasks by created_at, tickets by opened_at,
// meetings by start), by the people's departments as they are now.
type Store interface {
	Interplay(from, to time.Time) (Facts, error)
}

// From returns the interplay store of the unit tx (see task.From).
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("interplay: the unit %T does not implement interplay.Store", tx)}
}

type missing struct{ err error }

func (m missing) Interplay(time.Time, time.Time) (Facts, error) { return Facts{}, m.err }

// Cell is one ordered pair (row From, column To) of the matrix: the flow
// from From to To, and the meetings they shared (the same figure on both
// cells of the pair).
type Cell struct {
	Flow
	Meetings int
}

// Total is what the heat map shows: tasks and tickets from the row to the
// column, and the meetings the two shared.
func (c Cell) Total() int { return c.Tasks + c.Tickets + c.Meetings }

// Response is the cell's median first response: in business hours when
// any answered ticket has a business figure, else wall-clock; ok is false
// when no ticket was answered.
func (c Cell) Response() (d time.Duration, business, ok bool) {
	switch {
	case c.BusinessN > 0:
		return c.AckBusiness, true, true
	case c.Acked > 0:
		return c.AckWall, false, true
	}
	return 0, false, false
}

// Matrix is the interplay of a period: the departments that took part
// (most active first, then by name) and the cells between them.
type Matrix struct {
	Depts []*bot.Department
	cells map[[2]int64]Cell
}

// Cell is the cell from row department from to column department to.
func (m Matrix) Cell(from, to int64) Cell { return m.cells[[2]int64{from, to}] }

// Empty reports whether nothing crossed departments in the period.
func (m Matrix) Empty() bool { return len(m.cells) == 0 }

// Totals sums the matrix: tasks and tickets across, and shared meetings
// (each unordered pair once).
func (m Matrix) Totals() (tasks, tickets, meetings int) {
	for k, c := range m.cells {
		tasks += c.Tasks
		tickets += c.Tickets
		if k[0] < k[1] {
			meetings += c.Meetings
		}
	}
	return
}

// Build makes the matrix from a period's facts. depts are the known
// departments: facts about a department no longer known are left out.
// only, when not empty, keeps only the pairs with one of those departments
// on either side (a department head's view).
func Build(depts []*bot.Department, f Facts, only []int64) Matrix {
	byID := map[int64]*bot.Department{}
	for _, d := range depts {
		byID[d.ID] = d
	}
	keep := func(a, b int64) bool {
		if a == b || byID[a] == nil || byID[b] == nil {
			return false
		}
		return len(only) == 0 || slices.Contains(only, a) || slices.Contains(only, b)
	}
	m := Matrix{cells: map[[2]int64]Cell{}}
	for _, fl := range f.Flows {
		if !keep(fl.From, fl.To) || fl.Tasks == 0 && fl.Tickets == 0 {
			continue
		}
		k := [2]int64{fl.From, fl.To}
		c := m.cells[k]
		c.Flow = fl
		m.cells[k] = c
	}
	for _, s := range f.Shared {
		if !keep(s.A, s.B) || s.Meetings == 0 {
			continue
		}
		for _, k := range [][2]int64{{s.A, s.B}, {s.B, s.A}} {
			c := m.cells[k]
			c.From, c.To = k[0], k[1]
			c.Meetings = s.Meetings
			m.cells[k] = c
		}
	}
	activity := map[int64]int{}
	for k, c := range m.cells {
		activity[k[0]] += c.Total()
		activity[k[1]] += c.Total()
	}
	for id := range activity {
		m.Depts = append(m.Depts, byID[id])
	}
	slices.SortFunc(m.Depts, func(a, b *bot.Department) int {
		return cmp.Or(cmp.Compare(activity[b.ID], activity[a.ID]), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return m
}

// PairTotal is the interplay of two departments both ways: tasks and
// tickets either way, and their shared meetings once.
type PairTotal struct {
	A, B                     *bot.Department
	Tasks, Tickets, Meetings int
}

// Total is the pair's interactions.
func (p PairTotal) Total() int { return p.Tasks + p.Tickets + p.Meetings }

// TopPairs are the n unordered pairs with the most interactions, most
// first (ties by the departments' order in the matrix).
func (m Matrix) TopPairs(n int) []PairTotal {
	var out []PairTotal
	for i, a := range m.Depts {
		for _, b := range m.Depts[i+1:] {
			ab, ba := m.Cell(a.ID, b.ID), m.Cell(b.ID, a.ID)
			p := PairTotal{A: a, B: b, Tasks: ab.Tasks + ba.Tasks, Tickets: ab.Tickets + ba.Tickets, Meetings: ab.Meetings}
			if p.Total() > 0 {
				out = append(out, p)
			}
		}
	}
	slices.SortStableFunc(out, func(x, y PairTotal) int { return cmp.Compare(y.Total(), x.Total()) })
	return out[:min(n, len(out))]
}

// Responder is how fast one department (To) answered another's (From)
// tickets.
type Responder struct {
	From, To *bot.Department
	Cell
}

// Slowest are the n ordered pairs with answered tickets whose median first
// response is the longest, slowest first. Pairs measured in business hours
// come before those measured only by the wall clock (a calendar was not
// configured for them), which are not comparable.
func (m Matrix) Slowest(n int) []Responder {
	var out []Responder
	for _, a := range m.Depts {
		for _, b := range m.Depts {
			if c := m.Cell(a.ID, b.ID); c.Acked > 0 {
				out = append(out, Responder{From: a, To: b, Cell: c})
			}
		}
	}
	slices.SortStableFunc(out, func(x, y Responder) int {
		dx, bx, _ := x.Response()
		dy, by, _ := y.Response()
		if bx != by {
			if bx {
				return -1
			}
			return 1
		}
		return cmp.Compare(dy, dx)
	})
	return out[:min(n, len(out))]
}
