package ticket_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands/commandstest"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

// reportsTo makes each handle report to the one it maps to.
func reportsTo(h *commandstest.Harness, lines map[string]string) {
	h.T.Helper()
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		for who, manager := range lines {
			p := h.Person(who)
			p.ManagerID = h.Person(manager).ID
			if err := tx.UpdatePerson(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		h.T.Fatal(err)
	}
}

// Ensure a ladder's "manager" tells the owner's manager (not the head),
// and "requester_manager" the requester's.
func TestEscalation_Managers(t *testing.T) {
	ladder := ticket.Ladder{Name: "m", Steps: []ticket.Step{
		{Fraction: 1, Target: ticket.FirstResponse, Notify: []string{"manager"}},
		{Fraction: 1, Target: ticket.Resolution, Notify: []string{"requester_manager"}},
	}}
	h := newOrg(t, ticketcmd.Config{
		Policies: []ticket.Policy{{Name: "p", Priority: ticket.P2, FirstResponse: time.Hour, Resolution: 2 * time.Hour, Clock: ticket.Wall, Ladder: ladder}},
		Routes:   []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}},
	})
	reportsTo(h, map[string]string{"qa1": "qa2", "sally": "sam"})
	h.Say("sally", `ticket open "labels" cat:quality p:P2`)
	got := runUntil(h, h.Now().Add(3*time.Hour))
	if len(got) != 2 || !slices.Equal(got[0].to, []string{"qa2"}) || !slices.Equal(got[1].to, []string{"sam"}) {
		t.Fatalf("fired %+v; want qa1's manager qa2, then sally's manager sam", got)
	}
}

// Ensure "manager" falls back to the head when the owner has no manager,
// and "requester_manager" tells nobody when the requester has none.
func TestEscalation_NoManager(t *testing.T) {
	ladder := ticket.Ladder{Name: "m", Steps: []ticket.Step{
		{Fraction: 1, Target: ticket.FirstResponse, Notify: []string{"manager", "requester_manager"}},
	}}
	h := newOrg(t, ticketcmd.Config{
		Policies: []ticket.Policy{{Name: "p", Priority: ticket.P2, FirstResponse: time.Hour, Resolution: 2 * time.Hour, Clock: ticket.Wall, Ladder: ladder}},
		Routes:   []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}},
	})
	h.Say("sally", `ticket open "labels" cat:quality p:P2`)
	got := runUntil(h, h.Now().Add(time.Hour))
	if len(got) != 1 || !slices.Equal(got[0].to, []string{"quinn"}) {
		t.Fatalf("fired %+v; want only the head quinn", got)
	}
}
