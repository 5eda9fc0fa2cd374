package sqlite_test

import (
	"context"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
)

// Ensure a merge moves every reference to the person merged away from
// tickets: owned and requested, active and archived, and their timeline.
func TestPeople_MergeMovesTickets(t *testing.T) {
	db := MustOpenDB(t, "")
	from, into, other := mustPerson(t, db, "Ann"), mustPerson(t, db, "Bob"), mustPerson(t, db, "Cy")
	var tickets []*ticket.Ticket
	mustUpdate(t, db, func(tx bot.Tx) error {
		for _, tk := range []*ticket.Ticket{
			{Title: "owned open", OwnerID: from.ID, RequesterID: other.ID, Status: ticket.Open},
			{Title: "owned closed", OwnerID: from.ID, RequesterID: other.ID, Status: ticket.Closed, ClosedAt: t0},
			{Title: "requested open", OwnerID: other.ID, RequesterID: from.ID, Status: ticket.Waiting},
			{Title: "requested resolved", RequesterID: from.ID, Status: ticket.Resolved, ResolvedAt: t0},
			{Title: "cy's", OwnerID: other.ID, RequesterID: other.ID, Status: ticket.Open},
		} {
			tk.Priority, tk.Cycle, tk.OpenedAt, tk.CreatedAt, tk.UpdatedAt = ticket.P3, 1, t0, t0, t0
			if err := ticket.From(tx).CreateTicket(tk); err != nil {
				return err
			}
			if err := ticket.From(tx).AddTicketEvent(&ticket.Event{TicketID: tk.ID, ActorID: from.ID, Kind: ticket.Commented, At: t0}); err != nil {
				return err
			}
			tickets = append(tickets, tk)
		}
		return tx.MergePeople(from.ID, into.ID)
	})
	db.View(context.Background(), func(tx bot.Tx) error {
		for _, tk := range tickets {
			got, err := ticket.From(tx).FindTicketByID(tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.OwnerID == from.ID || got.RequesterID == from.ID {
				t.Errorf("%q still refers to the merged person: %+v", tk.Title, got)
			}
			if tk.OwnerID == from.ID && got.OwnerID != into.ID || tk.RequesterID == from.ID && got.RequesterID != into.ID {
				t.Errorf("%q did not move to the person kept: %+v", tk.Title, got)
			}
			evs, _ := ticket.From(tx).TicketEvents(tk.ID, 0)
			if len(evs) != 1 || evs[0].ActorID != into.ID {
				t.Errorf("timeline of %q: %+v", tk.Title, evs)
			}
		}
		return nil
	})
}
