package ticket_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

func kinds(evs []*ticket.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Kind)+":"+e.To)
	}
	return out
}

// Walk a ticket through its whole life: each move checks who may make
// it, keeps the clock (ack, pause, resume on the requester's reply, stop;
// a reopen starts cycle 2 under the same snapshot), and lands on the
// timeline.
func TestLifecycle(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}})
	h.Say("sally", `ticket open "labels peel" cat:quality p:P2`)
	step := func(user, cmd string, wants ...string) {
		t.Helper()
		h.SetNow(h.Now().Add(10 * time.Minute))
		h.Expect(user, cmd, wants...)
	}
	step("qa2", "ticket ack 1", "T-1 is now acknowledged.", "First response: met") // a QA member may
	step("qa1", "ticket wait 1 photos please", "T-1 is now waiting for the requester.", "Resolution: paused")
	step("sally", "ticket reply 1 photos attached", "T-1 is now in progress.")
	step("qa1", "ticket resolve 1 glue changed", "T-1 is now resolved.", "[Close: ticket close 1]", "[Reopen: ticket reopen 1]")
	step("sally", "ticket reopen 1 peeling again", "T-1 is now open.", "cycle 2")
	tk := testTicket(1).get(h)
	if tk.Cycle != 2 || tk.Status != ticket.Open || !tk.AckedAt.IsZero() || tk.Policy.Name != "P2" {
		t.Fatalf("after reopen: %+v", tk)
	}
	step("quinn", "ticket resolve 1", "T-1 is now resolved.") // the head
	step("sally", "ticket close 1", "T-1 is now closed.", "Reopen it with `ticket reopen 1`.")
	if got := strings.Join(clockKinds(h, 1, 1), ","); got != "start,ack,pause,resume,stop" {
		t.Errorf("cycle 1 clock = %s", got)
	}
	if got := strings.Join(clockKinds(h, 1, 2), ","); got != "start,ack,stop" {
		t.Errorf("cycle 2 clock = %s", got)
	}
	want := []string{"opened:labels peel", "assigned:" + itoa(h.Person("qa1").ID), "status:acked", "status:waiting",
		"commented:photos please", "commented:photos attached", "status:in_progress", "status:resolved", "commented:glue changed",
		"reopened:2", "status:resolved", "status:closed"}
	if got := kinds(timeline(h, 1)); !slices.Equal(got, want) {
		t.Errorf("timeline =\n%v\nwant\n%v", got, want)
	}
	shown := h.Expect("sally", "ticket 1", "Timeline:", "Tandem gave it to @qa1", "@qa2 set it to acknowledged", "@sally commented: photos attached",
		"@sally reopened it (cycle 2): peeling again")
	if strings.Contains(shown, "[Close") {
		t.Errorf("a closed ticket's card keeps buttons:\n%s", shown)
	}
	// The requester was told of each change by someone else, in one
	// message per minute about the ticket.
	if q := h.QueuedFor("sally"); len(q) == 0 || !strings.Contains(strings.Join(q, "\n"), "T-1: @qa2 set it to acknowledged.") {
		t.Errorf("requester's notices = %q", q)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// Ensure who may do what is checked, and a refusal names who could.
func TestPermissions(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}})
	h.Admin("root")
	h.Meet("outsider")
	h.Say("sally", `ticket open "labels peel" cat:quality`)
	for _, cmd := range []string{"ticket ack 1", "ticket resolve 1", "ticket wait 1", "ticket assign 1 me", "ticket start 1"} {
		h.Expect("outsider", cmd, "Only @qa1 (owner), members of QA (head @quinn) or an admin (@root) can", "You can still comment")
		h.Expect("sally", cmd, "Only @qa1 (owner)") // the requester does not handle it
	}
	h.Expect("outsider", "ticket comment 1 same here", "Comment added to T-1.")
	h.Expect("sam", "ticket assign 1 @qa2", "Only @qa1 (owner)") // another department's head
	h.Expect("qa2", "ticket assign 1 me", "T-1 is now @qa2's.")
	h.Expect("root", "ticket resolve 1", "T-1 is now resolved.") // an admin
	h.Expect("outsider", "ticket close 1", "@sally (requester)", "can close T-1")
	h.Expect("outsider", "ticket reopen 1", "can reopen T-1")
	h.Expect("sally", "ticket close 1", "T-1 is now closed.")
	h.Expect("sally", "ticket close 1", "T-1 is already closed.")
	h.Expect("sally", "ticket resolve 1", "Only @qa2 (owner)")
	h.Expect("qa2", "ticket resolve 1", "T-1 is closed, so it can't become resolved. It can become: open.")
	h.Expect("sally", "工单 受理 1", "只有 @qa2（负责人）、「QA」的成员（负责人 @quinn）或管理员（@root）可以受理 T-1。")
	if tk := testTicket(1).get(h); tk.Status != ticket.Closed {
		t.Errorf("status = %s", tk.Status)
	}
}

// Every change edits the posted copies of the card, each for its reader.
func TestLiveCard_Edited(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}})
	h.Say("sally", `ticket open "labels peel" cat:quality`)
	var copies []*bot.Outgoing
	for _, o := range outbox(h) {
		if o.Msg.Card != nil && o.Msg.Card.Subject == "ticket/1" && o.Msg.Edit == nil {
			copies = append(copies, o)
		}
	}
	if len(copies) != 1 || copies[0].To.UserID != "qa1" {
		t.Fatalf("posted copies = %+v, want the owner's notification", copies)
	}
	posted(h, copies[0], "qa1-msg")
	h.Say("qa2", "ticket ack 1")
	var edits []*bot.Outgoing
	for _, o := range outbox(h) {
		if o.Msg.Edit != nil {
			edits = append(edits, o)
		}
	}
	if len(edits) != 1 || edits[0].Msg.Edit.RemoteID != "qa1-msg" || !slices.ContainsFunc(edits[0].Msg.Card.Buttons,
		func(b bot.Button) bool { return b.ActionID == "ticket.start" }) || edits[0].Msg.Card.Fields[0].Value != "acknowledged" {
		t.Fatalf("edits = %+v, want the owner's copy shown acknowledged with a start button", edits)
	}
}
