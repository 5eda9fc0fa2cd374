package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/export"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
)

// exportTests hold a store to export.Store: a period's rows, in order of
// time then id, paged by (time, id), narrowed by department and owner.
var exportTests = map[string]func(*testing.T, bot.Store){
	"tickets of a period, paged, by department": testExportTickets,
	"tasks of a period, by owner":               testExportTasks,
}

func testExportTickets(t *testing.T, s bot.Store) {
	w := newTicketWorld(t, s)
	before, first, second, third, after := w.newTicket("before", -1), w.newTicket("first", 0), w.newTicket("second", 0), w.newTicket("third", 30), w.newTicket("after", 60)
	third.DeptID = w.ops.ID
	createTickets(t, s, before, first, second, third, after)
	q := export.Query{Since: t0, Until: t0.Add(time.Hour), Limit: 2}
	page := func(q export.Query) []*ticket.Ticket {
		return view(t, s, func(tx bot.Tx) ([]*ticket.Ticket, error) { return export.From(tx).ExportTickets(q) })
	}
	titles := func(tks []*ticket.Ticket) string {
		var out []string
		for _, tk := range tks {
			out = append(out, tk.Title)
		}
		return strings.Join(out, ", ")
	}
	p1 := page(q)
	if got := titles(p1); got != "first, second" {
		t.Fatalf("page 1 = %q, want the period's first two (the hour's end excluded)", got)
	}
	last := p1[len(p1)-1]
	if got := titles(page(q.Next(last.CreatedAt, last.ID))); got != "third" {
		t.Errorf("page 2 = %q, want the rest after (time, id) of the last", got)
	}
	q.DeptID, q.Limit = w.ops.ID, 0
	if got := titles(page(q)); got != "third" {
		t.Errorf("Ops's = %q", got)
	}
}

func testExportTasks(t *testing.T, s bot.Store) {
	var ann, bob bot.Person
	ann.Name, ann.Handle, bob.Name, bob.Handle = "Ann", "ann", "Bob", "bob"
	update(t, s, func(tx bot.Tx) error {
		if err := tx.CreatePerson(&ann, t0); err != nil {
			return err
		}
		if err := tx.CreatePerson(&bob, t0); err != nil {
			return err
		}
		for i, owner := range []int64{ann.ID, bob.ID, ann.ID} {
			at := t0.Add(time.Duration(i) * time.Minute)
			tk := &task.Task{Title: "t" + string(rune('1'+i)), OwnerID: owner, CreatorID: owner, Priority: task.PriorityNormal,
				Status: task.Todo, CreatedAt: at, UpdatedAt: at}
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
		}
		return nil
	})
	got := view(t, s, func(tx bot.Tx) ([]*task.Task, error) {
		return export.From(tx).ExportTasks(export.Query{Since: t0, Until: t0.Add(time.Hour), OwnerID: ann.ID})
	})
	if len(got) != 2 || got[0].Title != "t1" || got[1].Title != "t3" {
		t.Errorf("Ann's tasks = %+v, want t1 and t3", got)
	}
}
