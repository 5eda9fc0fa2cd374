package storetest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
)

// ticketTests hold a store to ticket.Store: what it keeps of a ticket, every
// form of list in the order it is shown, paging, search, the timeline, the
// clock per cycle and the tasks a playbook linked.
var ticketTests = map[string]func(*testing.T, bot.Store){
	"create, find, update":                 testTicketCreateFindUpdate,
	"active lists: each filter, its order": testTicketActiveLists,
	"archive lists: most recently first":   testTicketArchiveLists,
	"lists are paged":                      testTicketPaging,
	"search by title words":                testTicketSearch,
	"timeline, oldest first":               testTicketTimeline,
	"clock per cycle":                      testTicketClock,
	"task links":                           testTicketTasks,
	"stats: counts and sums by department": testTicketStats,
}

// ticketWorld is what tickets refer to: two people and two departments.
type ticketWorld struct {
	ann, bob *bot.Person
	qa, ops  *bot.Department
}

func newTicketWorld(t *testing.T, s bot.Store) ticketWorld {
	t.Helper()
	w := ticketWorld{ann: &bot.Person{Name: "Ann", Handle: "ann"}, bob: &bot.Person{Name: "Bob", Handle: "bob"},
		qa: &bot.Department{Name: "QA"}, ops: &bot.Department{Name: "Ops"}}
	update(t, s, func(tx bot.Tx) error {
		return errors.Join(tx.CreatePerson(w.ann, t0), tx.CreatePerson(w.bob, t0),
			tx.CreateDepartment(w.qa), tx.CreateDepartment(w.ops))
	})
	return w
}

// newTicket is an open P3 ticket of Ann's for QA, opened at t0 + minutes.
func (w ticketWorld) newTicket(title string, minutes int) *ticket.Ticket {
	at := t0.Add(time.Duration(minutes) * time.Minute)
	return &ticket.Ticket{Title: title, Category: "quality", Priority: ticket.P3, Status: ticket.Open,
		DeptID: w.qa.ID, RequesterID: w.ann.ID, Cycle: 1, OpenedAt: at, CreatedAt: at, UpdatedAt: at,
		Origin: bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"}}
}

func createTickets(t *testing.T, s bot.Store, tks ...*ticket.Ticket) {
	t.Helper()
	updateEach(t, s, tks, func(tx bot.Tx, tk *ticket.Ticket) error { return ticket.From(tx).CreateTicket(tk) })
}

func findTickets(t *testing.T, s bot.Store, f ticket.Filter) string {
	t.Helper()
	tks := view(t, s, func(tx bot.Tx) ([]*ticket.Ticket, error) { return ticket.From(tx).FindTickets(f) })
	titles := make([]string, len(tks))
	for i, tk := range tks {
		titles[i] = tk.Title
	}
	return strings.Join(titles, ", ")
}

// listCase is a list and the titles it must show, in order.
type listCase struct {
	name string
	f    ticket.Filter
	want string
}

func wantLists(t *testing.T, s bot.Store, cases []listCase) {
	t.Helper()
	for _, c := range cases {
		if got := findTickets(t, s, c.f); got != c.want {
			t.Errorf("%s (%+v): %q, want %q", c.name, c.f, got, c.want)
		}
	}
}

func findTicket(t *testing.T, s bot.Store, id int64) *ticket.Ticket {
	t.Helper()
	return view(t, s, func(tx bot.Tx) (*ticket.Ticket, error) { return ticket.From(tx).FindTicketByID(id) })
}

func testTicketCreateFindUpdate(t *testing.T, s bot.Store) {
	w := newTicketWorld(t, s)
	tk := w.newTicket("Batch 2611 labels peel off", 0)
	tk.Priority, tk.Impact, tk.Need, tk.OwnerID = ticket.P2, "3 customers", "lab test", w.bob.ID
	tk.Policy = ticket.Policy{Name: "p2", Priority: ticket.P2, Category: "quality", FirstResponse: 4 * time.Hour,
		Resolution: 3 * 24 * time.Hour, Clock: ticket.Business, Ladder: ticket.Ladder{Name: "std",
			Steps:      []ticket.Step{{Fraction: 0.75, Target: ticket.Resolution, Notify: []string{"owner"}}, {Fraction: 1.5, Target: ticket.Resolution, Notify: []string{"management", "@cy"}}},
			RepeatFrom: 2, RepeatEvery: time.Hour, UntilAck: true, AckTimeout: 8 * time.Hour}}
	createTickets(t, s, tk)
	if tk.ID == 0 {
		t.Fatal("CreateTicket set no id")
	}
	if got := findTicket(t, s, tk.ID); !reflect.DeepEqual(got, tk) {
		t.Fatalf("stored\n%+v\nwant\n%+v", got, tk)
	}

	tk.Title, tk.Category, tk.Priority, tk.Impact, tk.Need = "Labels peel", "labels", ticket.P1, "all", "a fix"
	tk.Status, tk.DeptID, tk.OwnerID, tk.RequesterID = ticket.Resolved, w.ops.ID, w.ann.ID, w.bob.ID
	tk.Origin = bot.Destination{Platform: "feishu", Workspace: "t", ChatID: "oc_1", ThreadID: "om_1"}
	tk.Policy.Name, tk.Policy.Clock, tk.Cycle = "p1", ticket.Wall, 2
	tk.ResponseBreached, tk.ResolutionBreached = true, true
	tk.WarRoom = bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "CWAR"}
	tk.OpenedAt, tk.AckedAt, tk.ResolvedAt = t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)
	tk.UpdatedAt = t0.Add(3 * time.Hour)
	tk.SetFired(ticket.Rung{Step: 2, Round: 1})
	tk.AckWall, tk.AckBusiness, tk.ResolveWall, tk.ResolveBusiness = time.Hour, 30*time.Minute, 2*time.Hour, ticket.NotCounted
	update(t, s, func(tx bot.Tx) error { return ticket.From(tx).UpdateTicket(tk) })
	if got := findTicket(t, s, tk.ID); !reflect.DeepEqual(got, tk) {
		t.Fatalf("updated\n%+v\nwant\n%+v", got, tk)
	}
	// Clearing what may be cleared: the owner, the department, the war room
	// and the times.
	tk.OwnerID, tk.DeptID, tk.WarRoom, tk.AckedAt, tk.ResolvedAt, tk.Status = 0, 0, bot.Destination{}, time.Time{}, time.Time{}, ticket.Open
	tk.AckWall, tk.AckBusiness, tk.ResolveWall, tk.ResolveBusiness = 0, ticket.NotCounted, 0, 0
	update(t, s, func(tx bot.Tx) error { return ticket.From(tx).UpdateTicket(tk) })
	if got := findTicket(t, s, tk.ID); !reflect.DeepEqual(got, tk) {
		t.Fatalf("cleared\n%+v\nwant\n%+v", got, tk)
	}

	err := s.View(context.Background(), func(tx bot.Tx) error { _, err := ticket.From(tx).FindTicketByID(tk.ID + 1); return err })
	wantCode(t, "find a ticket that does not exist", err, bot.ENOTFOUND)
	err = s.Update(context.Background(), func(tx bot.Tx) error {
		return ticket.From(tx).UpdateTicket(&ticket.Ticket{ID: tk.ID + 1, Title: "x", Status: ticket.Open, Cycle: 1})
	})
	wantCode(t, "update a ticket that does not exist", err, bot.ENOTFOUND)
}

// ticketSet is a mix of active and finished tickets across owners,
// requesters, departments, categories and breaches.
func ticketSet(w ticketWorld) []*ticket.Ticket {
	mk := func(title string, minutes int, p ticket.Priority, edit func(*ticket.Ticket)) *ticket.Ticket {
		tk := w.newTicket(title, minutes)
		tk.Priority = p
		if edit != nil {
			edit(tk)
		}
		return tk
	}
	finished := func(st ticket.Status, resolvedMin, closedMin int) func(*ticket.Ticket) {
		return func(tk *ticket.Ticket) {
			tk.Status, tk.ResolvedAt = st, t0.Add(time.Duration(resolvedMin)*time.Minute)
			if closedMin > 0 {
				tk.ClosedAt = t0.Add(time.Duration(closedMin) * time.Minute)
			}
		}
	}
	return []*ticket.Ticket{
		mk("p3 early", 0, ticket.P3, nil),
		mk("p1 late", 50, ticket.P1, func(tk *ticket.Ticket) { tk.OwnerID, tk.Status = w.bob.ID, ticket.Acked }),
		mk("p3 late breached", 40, ticket.P3, func(tk *ticket.Ticket) { tk.ResolutionBreached, tk.Status = true, ticket.Waiting }),
		mk("p2 ops", 30, ticket.P2, func(tk *ticket.Ticket) { tk.DeptID, tk.Category, tk.OwnerID = w.ops.ID, "it", w.bob.ID }),
		mk("p1 early by bob", 10, ticket.P1, func(tk *ticket.Ticket) { tk.RequesterID, tk.ResponseBreached = w.bob.ID, true }),
		mk("p3 same time", 0, ticket.P3, func(tk *ticket.Ticket) { tk.Status = ticket.InProgress }),
		mk("resolved at 100", 1, ticket.P1, finished(ticket.Resolved, 100, 0)),
		mk("closed at 200", 2, ticket.P2, finished(ticket.Closed, 90, 200)),
		mk("closed at 150 ops breached", 3, ticket.P3, func(tk *ticket.Ticket) {
			finished(ticket.Closed, 80, 150)(tk)
			tk.DeptID, tk.Category, tk.OwnerID, tk.ResponseBreached = w.ops.ID, "it", w.bob.ID, true
		}),
		mk("resolved at 120 by bob", 4, ticket.P4, func(tk *ticket.Ticket) {
			finished(ticket.Resolved, 120, 0)(tk)
			tk.RequesterID = w.bob.ID
		}),
	}
}

func testTicketActiveLists(t *testing.T, s bot.Store) {
	w := newTicketWorld(t, s)
	createTickets(t, s, ticketSet(w)...)
	wantLists(t, s, []listCase{
		{"open", ticket.Filter{Active: true},
			"p1 early by bob, p1 late, p2 ops, p3 early, p3 same time, p3 late breached"},
		{"mine (owner)", ticket.Filter{Active: true, OwnerID: w.bob.ID}, "p1 late, p2 ops"},
		{"requested by", ticket.Filter{Active: true, RequesterID: w.bob.ID}, "p1 early by bob"},
		{"department", ticket.Filter{Active: true, DeptID: w.qa.ID},
			"p1 early by bob, p1 late, p3 early, p3 same time, p3 late breached"},
		{"category", ticket.Filter{Active: true, Category: "it"}, "p2 ops"},
		{"breached", ticket.Filter{Active: true, Breached: true}, "p1 early by bob, p3 late breached"},
		{"department breached", ticket.Filter{Active: true, DeptID: w.qa.ID, Breached: true}, "p1 early by bob, p3 late breached"},
		{"mine in a department", ticket.Filter{Active: true, OwnerID: w.bob.ID, DeptID: w.qa.ID}, "p1 late"},
		{"nobody's", ticket.Filter{Active: true, OwnerID: w.ann.ID}, ""},
	})
}

func testTicketArchiveLists(t *testing.T, s bot.Store) {
	w := newTicketWorld(t, s)
	createTickets(t, s, ticketSet(w)...)
	wantLists(t, s, []listCase{
		{"archive", ticket.Filter{}, "closed at 200, closed at 150 ops breached, resolved at 120 by bob, resolved at 100"},
		{"mine", ticket.Filter{OwnerID: w.bob.ID}, "closed at 150 ops breached"},
		{"requested by", ticket.Filter{RequesterID: w.bob.ID}, "resolved at 120 by bob"},
		{"department", ticket.Filter{DeptID: w.qa.ID}, "closed at 200, resolved at 120 by bob, resolved at 100"},
		{"category", ticket.Filter{Category: "it"}, "closed at 150 ops breached"},
		{"breached", ticket.Filter{Breached: true}, "closed at 150 ops breached"},
	})
}

func testTicketPaging(t *testing.T, s bot.Store) {
	w := newTicketWorld(t, s)
	createTickets(t, s, ticketSet(w)...)
	wantLists(t, s, []listCase{
		{"", ticket.Filter{Active: true, Limit: 2}, "p1 early by bob, p1 late"},
		{"", ticket.Filter{Active: true, Limit: 2, Offset: 2}, "p2 ops, p3 early"},
		{"", ticket.Filter{Active: true, Limit: 2, Offset: 4}, "p3 same time, p3 late breached"},
		{"", ticket.Filter{Active: true, Limit: 2, Offset: 6}, ""},
		{"", ticket.Filter{DeptID: w.qa.ID, Limit: 2, Offset: 1}, "resolved at 120 by bob, resolved at 100"},
		{"", ticket.Filter{Active: true, Text: "p3", Limit: 1, Offset: 1}, "p3 late breached"},
	})
}

func testTicketSearch(t *testing.T, s bot.Store) {
	w := newTicketWorld(t, s)
	peel := w.newTicket("Batch 2611 labels peel off", 0)
	chinese := w.newTicket("批次2611标签脱落", 1)
	closed := w.newTicket("Labels smudged", 2)
	closed.Status, closed.ClosedAt, closed.ResolvedAt = ticket.Closed, t0.Add(time.Hour), t0.Add(time.Hour)
	other := w.newTicket("Printer jam", 3)
	other.OwnerID = w.bob.ID
	createTickets(t, s, peel, chinese, closed, other)
	wantLists(t, s, []listCase{
		// Newest first; a Latin word matches the start of a title word, in
		// any case.
		{"", ticket.Filter{Active: true, Text: "LABEL"}, "Batch 2611 labels peel off"},
		{"", ticket.Filter{Text: "label"}, "Labels smudged"},
		{"", ticket.Filter{Active: true, Text: "2611"}, "批次2611标签脱落, Batch 2611 labels peel off"},
		{"", ticket.Filter{Active: true, Text: "peel labels"}, "Batch 2611 labels peel off"},
		{"", ticket.Filter{Active: true, Text: "peel jam"}, ""},
		// A Chinese word inside an unspaced title, and one character.
		{"", ticket.Filter{Active: true, Text: "标签"}, "批次2611标签脱落"},
		{"", ticket.Filter{Active: true, Text: "脱"}, "批次2611标签脱落"},
		{"", ticket.Filter{Active: true, Text: "标脱"}, ""},
		// With the other filters.
		{"", ticket.Filter{Active: true, Text: "jam", OwnerID: w.bob.ID}, "Printer jam"},
		{"", ticket.Filter{Active: true, Text: "jam", OwnerID: w.ann.ID}, ""},
		// Nothing to look for finds nothing; FTS syntax is not obeyed.
		{"", ticket.Filter{Active: true, Text: "!!! ？"}, ""},
		{"", ticket.Filter{Active: true, Text: `"peel" OR NEAR(`}, ""},
	})
	// A changed title is found by its new words only.
	other.Title = "Scanner jam"
	update(t, s, func(tx bot.Tx) error { return ticket.From(tx).UpdateTicket(other) })
	if got := findTickets(t, s, ticket.Filter{Active: true, Text: "printer"}); got != "" {
		t.Errorf("the old title is still found: %q", got)
	}
	if got := findTickets(t, s, ticket.Filter{Active: true, Text: "scan"}); got != "Scanner jam" {
		t.Errorf("the new title: %q", got)
	}
}

func testTicketTimeline(t *testing.T, s bot.Store) {
	w := newTicketWorld(t, s)
	a, b := w.newTicket("a", 0), w.newTicket("b", 0)
	createTickets(t, s, a, b)
	events := []*ticket.Event{
		{TicketID: a.ID, ActorID: w.ann.ID, Kind: ticket.Opened, At: t0},
		{TicketID: b.ID, ActorID: w.ann.ID, Kind: ticket.Opened, At: t0},
		{TicketID: a.ID, ActorID: w.bob.ID, Kind: ticket.StatusSet, From: "open", To: "acked", At: t0.Add(time.Minute)},
		{TicketID: a.ID, Kind: ticket.Escalated, To: "1/3 75% resolution", At: t0.Add(time.Hour)},
		{TicketID: a.ID, ActorID: w.bob.ID, Kind: ticket.Commented, To: "on it", At: t0.Add(2 * time.Hour)},
	}
	update(t, s, func(tx bot.Tx) error {
		for _, e := range events {
			if err := ticket.From(tx).AddTicketEvent(e); err != nil {
				return err
			}
			if e.ID == 0 {
				t.Errorf("AddTicketEvent set no id on %+v", e)
			}
		}
		return nil
	})
	got := view(t, s, func(tx bot.Tx) ([]*ticket.Event, error) { return ticket.From(tx).TicketEvents(a.ID, 0) })
	want := []*ticket.Event{events[0], events[2], events[3], events[4]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("timeline of a:\n%+v\nwant\n%+v", got, want)
	}
	got = view(t, s, func(tx bot.Tx) ([]*ticket.Event, error) { return ticket.From(tx).TicketEvents(a.ID, 2) })
	if !reflect.DeepEqual(got, want[:2]) {
		t.Errorf("first two of a's timeline:\n%+v\nwant\n%+v", got, want[:2])
	}
	err := s.Update(context.Background(), func(tx bot.Tx) error {
		return ticket.From(tx).AddTicketEvent(&ticket.Event{TicketID: b.ID + 100, Kind: ticket.Commented, At: t0})
	})
	wantCode(t, "an event of a ticket that does not exist", err, bot.ENOTFOUND)
}

func testTicketClock(t *testing.T, s bot.Store) {
	w := newTicketWorld(t, s)
	a, b := w.newTicket("a", 0), w.newTicket("b", 0)
	createTickets(t, s, a, b)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	added := []*ticket.ClockEvent{
		{TicketID: a.ID, Cycle: 1, Kind: ticket.ClockStart, At: at(0)},
		{TicketID: b.ID, Cycle: 1, Kind: ticket.ClockStart, At: at(0)},
		{TicketID: a.ID, Cycle: 1, Kind: ticket.ClockAck, At: at(5)},
		{TicketID: a.ID, Cycle: 1, Kind: ticket.ClockPause, At: at(10)},
		{TicketID: a.ID, Cycle: 1, Kind: ticket.ClockResume, At: at(30)},
		{TicketID: a.ID, Cycle: 1, Kind: ticket.ClockStop, At: at(60)},
		{TicketID: a.ID, Cycle: 2, Kind: ticket.ClockStart, At: at(90)},
		// Two events at one moment keep the order they were added in.
		{TicketID: a.ID, Cycle: 2, Kind: ticket.ClockPause, At: at(100)},
		{TicketID: a.ID, Cycle: 2, Kind: ticket.ClockResume, At: at(100)},
	}
	update(t, s, func(tx bot.Tx) error {
		for _, e := range added {
			if err := ticket.From(tx).AddClockEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	clock := func(id int64, cycle int) []*ticket.ClockEvent {
		return view(t, s, func(tx bot.Tx) ([]*ticket.ClockEvent, error) { return ticket.From(tx).ClockEvents(id, cycle) })
	}
	for _, c := range []struct {
		id    int64
		cycle int
		want  []*ticket.ClockEvent
	}{
		{a.ID, 1, []*ticket.ClockEvent{added[0], added[2], added[3], added[4], added[5]}},
		{a.ID, 2, added[6:]},
		{a.ID, 3, nil},
		{b.ID, 1, added[1:2]},
	} {
		if got := clock(c.id, c.cycle); !reflect.DeepEqual(got, c.want) {
			t.Errorf("clock of %d cycle %d:\n%+v\nwant\n%+v", c.id, c.cycle, got, c.want)
		}
	}
	err := s.Update(context.Background(), func(tx bot.Tx) error {
		return ticket.From(tx).AddClockEvent(&ticket.ClockEvent{TicketID: b.ID + 100, Cycle: 1, Kind: ticket.ClockStart, At: t0})
	})
	wantCode(t, "a clock event of a ticket that does not exist", err, bot.ENOTFOUND)
}

func testTicketTasks(t *testing.T, s bot.Store) {
	w := newTicketWorld(t, s)
	a, b := w.newTicket("a", 0), w.newTicket("b", 0)
	createTickets(t, s, a, b)
	var tasks []int64
	update(t, s, func(tx bot.Tx) error {
		for _, title := range []string{"root cause", "batch trace", "customer reply"} {
			tk := &task.Task{Title: title, CreatorID: w.ann.ID, Priority: task.PriorityNormal, Status: task.Todo, CreatedAt: t0, UpdatedAt: t0}
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
			tasks = append(tasks, tk.ID)
		}
		st := ticket.From(tx)
		return errors.Join(st.LinkTicketTask(a.ID, tasks[2]), st.LinkTicketTask(a.ID, tasks[0]), st.LinkTicketTask(b.ID, tasks[1]))
	})
	linked := func(id int64) []int64 {
		return view(t, s, func(tx bot.Tx) ([]int64, error) { return ticket.From(tx).TicketTasks(id) })
	}
	if got := linked(a.ID); !reflect.DeepEqual(got, []int64{tasks[0], tasks[2]}) {
		t.Errorf("tasks of a = %v, want %v", got, []int64{tasks[0], tasks[2]})
	}
	if got := linked(b.ID); !reflect.DeepEqual(got, tasks[1:2]) {
		t.Errorf("tasks of b = %v, want %v", got, tasks[1:2])
	}
	if got := linked(b.ID + 100); len(got) != 0 {
		t.Errorf("tasks of no ticket = %v", got)
	}
	link := func(ticketID, taskID int64) error {
		return s.Update(context.Background(), func(tx bot.Tx) error { return ticket.From(tx).LinkTicketTask(ticketID, taskID) })
	}
	wantCode(t, "a task linked twice", link(a.ID, tasks[0]), bot.ECONFLICT)
	wantCode(t, "a ticket that does not exist", link(b.ID+100, tasks[0]), bot.ENOTFOUND)
	wantCode(t, "a task that does not exist", link(a.ID, tasks[2]+100), bot.ENOTFOUND)
}

// testTicketStats: a department's active tickets and the breached ones are
// counted; of its resolved and closed tickets only those resolved in the
// window count, with their met targets and the sums of their times (a
// business time not counted is left out of its sum and its count); other
// departments' tickets and reopened ones do not count.
func testTicketStats(t *testing.T, s bot.Store) {
	w := newTicketWorld(t, s)
	since, until := t0.Add(24*time.Hour), t0.Add(8*24*time.Hour)
	mk := func(title string, dept *bot.Department, status ticket.Status, edit func(*ticket.Ticket)) *ticket.Ticket {
		tk := w.newTicket(title, 0)
		tk.DeptID, tk.Status = dept.ID, status
		if edit != nil {
			edit(tk)
		}
		return tk
	}
	resolved := func(at time.Duration, ack, ackBiz, res, resBiz time.Duration) func(*ticket.Ticket) {
		return func(tk *ticket.Ticket) {
			tk.ResolvedAt = t0.Add(at)
			tk.ResolveWall, tk.ResolveBusiness = res, resBiz
			if ack > 0 {
				tk.AckedAt, tk.AckWall, tk.AckBusiness = t0.Add(ack), ack, ackBiz
			}
		}
	}
	day := 24 * time.Hour
	createTickets(t, s,
		mk("open", w.qa, ticket.Open, nil),
		mk("acked, breached", w.qa, ticket.Acked, func(tk *ticket.Ticket) { tk.ResponseBreached = true }),
		mk("waiting, breached", w.qa, ticket.Waiting, func(tk *ticket.Ticket) { tk.ResolutionBreached = true }),
		mk("ops open", w.ops, ticket.InProgress, nil),
		// In the window: 2 h to ack (1 h business), 10 h to resolve (4 h).
		mk("resolved in", w.qa, ticket.Resolved, resolved(2*day, 2*time.Hour, time.Hour, 10*time.Hour, 4*time.Hour)),
		// In the window, closed since, resolution breached, business not counted.
		mk("closed in", w.qa, ticket.Closed, func(tk *ticket.Ticket) {
			resolved(3*day, 4*time.Hour, ticket.NotCounted, 20*time.Hour, ticket.NotCounted)(tk)
			tk.ClosedAt, tk.ResolutionBreached = t0.Add(9*day), true
		}),
		// In the window, never acknowledged, both targets breached.
		mk("resolved unacked", w.qa, ticket.Resolved, func(tk *ticket.Ticket) {
			resolved(4*day, 0, 0, 30*time.Hour, 6*time.Hour)(tk)
			tk.ResponseBreached, tk.ResolutionBreached = true, true
		}),
		mk("resolved before", w.qa, ticket.Resolved, resolved(day/2, time.Hour, time.Hour, time.Hour, time.Hour)),
		mk("resolved at the end", w.qa, ticket.Resolved, resolved(8*day, time.Hour, time.Hour, time.Hour, time.Hour)),
		mk("ops resolved", w.ops, ticket.Resolved, resolved(2*day, time.Hour, time.Hour, time.Hour, time.Hour)),
	)
	got := view(t, s, func(tx bot.Tx) (ticket.Stats, error) { return ticket.From(tx).TicketStats(w.qa.ID, since, until) })
	want := ticket.Stats{Open: 3, OpenBreached: 2, Resolved: 3, ResponseMet: 2, ResolutionMet: 1, Acked: 2,
		AckWall: 6 * time.Hour, ResolveWall: 60 * time.Hour, AckBusiness: time.Hour, AckCounted: 1,
		ResolveBusiness: 10 * time.Hour, ResolveCounted: 2}
	if got != want {
		t.Errorf("QA stats\n%+v\nwant\n%+v", got, want)
	}
	if got.Breaches() != 3 {
		t.Errorf("breaches = %d, want 3", got.Breaches())
	}
	got = view(t, s, func(tx bot.Tx) (ticket.Stats, error) { return ticket.From(tx).TicketStats(w.ops.ID, since, until) })
	if got.Open != 1 || got.Resolved != 1 || got.OpenBreached != 0 {
		t.Errorf("Ops stats %+v, want 1 open, 1 resolved", got)
	}
	got = view(t, s, func(tx bot.Tx) (ticket.Stats, error) {
		return ticket.From(tx).TicketStats(w.qa.ID+w.ops.ID+1, since, until)
	})
	if got != (ticket.Stats{}) {
		t.Errorf("a department without tickets: %+v", got)
	}
}
