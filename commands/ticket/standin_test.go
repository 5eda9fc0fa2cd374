package ticket_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands/commandstest"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

// standInOrg is QA and Sales with quality tickets routed to @qa1 on a
// wall clock: first response in 3 days, resolution in 5, each step telling
// the owner.
func standInOrg(t *testing.T) *commandstest.Harness {
	ladder := ticket.Ladder{Name: "owner", Steps: []ticket.Step{
		{Fraction: 1, Target: ticket.FirstResponse, Notify: []string{"owner"}},
		{Fraction: 1, Target: ticket.Resolution, Notify: []string{"owner"}},
	}}
	return newOrg(t, ticketcmd.Config{
		Policies: []ticket.Policy{{Name: "P2 wall", Priority: ticket.P2, FirstResponse: 72 * time.Hour, Resolution: 120 * time.Hour,
			Clock: ticket.Wall, Ladder: ladder}},
		Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}},
	})
}

// textsTo are the queued direct messages' texts to user.
func textsTo(h *commandstest.Harness, user string) string {
	return strings.Join(h.QueuedFor(user), "\n")
}

// The check: an SLA escalation that falls due while the owner is
// on leave reaches their delegate, saying for whom; the next one, due after
// they are back, reaches the owner. Decided when each step is told.
func TestStandIn_EscalationReachesDelegateWhileAway(t *testing.T) {
	h := standInOrg(t)
	// Friday 20 Nov 10:00: routed to qa1, who is not away yet.
	h.Expect("sally", `ticket open "labels peel off" cat:quality p:P2`, "T-1")
	if tk := testTicket(1).get(h); tk.OwnerID != h.Person("qa1").ID {
		t.Fatalf("owner %d, want qa1", tk.OwnerID)
	}
	h.Expect("qa1", "leave 2026-11-23 2026-11-24 delegate:@qa2", "@qa2")

	sh := commandstest.Shanghai
	got := runUntil(h, time.Date(2026, 11, 26, 18, 0, 0, 0, sh))
	want := []fired{
		{time.Date(2026, 11, 23, 10, 0, 0, 0, sh), "ticket/1/1/step/1", []string{"qa2"}}, // Monday: qa1 away
		{time.Date(2026, 11, 25, 10, 0, 0, 0, sh), "ticket/1/1/step/2", []string{"qa1"}}, // Wednesday: back
	}
	if len(got) != len(want) {
		t.Fatalf("fired %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].at.Equal(want[i].at) || got[i].key != want[i].key || !slices.Equal(got[i].to, want[i].to) {
			t.Errorf("step %d: fired %s %s to %v, want %s %s to %v", i+1, got[i].at.In(sh), got[i].key, got[i].to,
				want[i].at.In(sh), want[i].key, want[i].to)
		}
	}
	if told := textsTo(h, "qa2"); !strings.Contains(told, "For @qa1 (on leave):") {
		t.Errorf("the delegate's escalation does not say for whom: %q", told)
	}
}

// A ticket routed to someone on leave goes to their delegate, and the
// timeline says for whom; assigned to them after they are back, it is
// theirs. An assignment typed to someone away goes to the delegate too.
func TestStandIn_AssignmentWhileAwayAndAfterReturn(t *testing.T) {
	h := standInOrg(t)
	h.Expect("qa1", "leave 2026-11-20 2026-11-24 delegate:@qa2", "@qa2")
	h.Expect("sally", `ticket open "labels peel off" cat:quality`, "T-1")
	if tk := testTicket(1).get(h); tk.OwnerID != h.Person("qa2").ID {
		t.Fatalf("routed while qa1 is away: owner %d, want qa2 %d", tk.OwnerID, h.Person("qa2").ID)
	}
	h.Expect("sally", "ticket show T-1", "gave it to @qa2 for @qa1, on leave")
	// Typed assignment while away: qa2 stands in.
	h.Expect("sally", `ticket open "second" cat:other dept:QA`, "T-2")
	h.Expect("quinn", "ticket assign T-2 @qa1", "T-2 is now @qa2's, for @qa1, on leave.")
	// Back on Wednesday: an assignment is theirs.
	h.SetNow(time.Date(2026, 11, 25, 9, 0, 0, 0, commandstest.Shanghai))
	h.Expect("sally", `ticket open "third" cat:quality`, "T-3")
	if tk := testTicket(3).get(h); tk.OwnerID != h.Person("qa1").ID {
		t.Fatalf("routed after qa1 is back: owner %d, want qa1", tk.OwnerID)
	}
	h.Expect("quinn", "ticket assign T-2 @qa1", "T-2 is now @qa1's.")
}
