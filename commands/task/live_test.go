package task_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// editsFor returns the queued edits of cards posted to a user, oldest first.
func editsFor(h *commandstest.Harness, user string) []*bot.Outgoing {
	h.T.Helper()
	var all []*bot.Outgoing
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { all, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return }); err != nil {
		h.T.Fatal(err)
	}
	var out []*bot.Outgoing
	for i := len(all) - 1; i >= 0; i-- {
		if o := all[i]; o.To.UserID == user && o.Msg.Edit != nil {
			out = append(out, o)
		}
	}
	return out
}

// posted marks a queued message as accepted by its platform under remoteID.
func posted(h *commandstest.Harness, o *bot.Outgoing, remoteID string) {
	h.T.Helper()
	if err := h.DB.Update(context.Background(), func(tx bot.Tx) error { return tx.MarkSent(o.ID, remoteID, h.Now().UTC()) }); err != nil {
		h.T.Fatal(err)
	}
}

func buttonIDs(c *bot.Card) []string {
	var ids []string
	for _, b := range c.Buttons {
		ids = append(ids, b.ActionID)
	}
	return ids
}

// Ensure a change to a task edits every posted copy of its card, each in
// its reader's language, without the buttons that no longer apply, and
// that the card clicked (an inline answer nobody posted through the outbox)
// is edited too.
func TestLiveCards_EditEveryCopy(t *testing.T) {
	h := commandstest.New(t)
	h.Say("bob", "hi")
	settle(h, "bob", "zh", "Asia/Shanghai")
	h.Say("alice", `task new "poster" @bob`)
	notes := outboxFor(h, "bob")
	if len(notes) != 1 || notes[0].Msg.Card == nil || notes[0].Msg.Card.Subject != "task/1" {
		t.Fatalf("bob's notification = %+v, want one card about task/1", notes)
	}
	posted(h, notes[0], "bob-msg-1")

	// bob starts the task with the button on his own (inline) card.
	reply := h.Send("bob", "", &bot.Action{ID: "task.start", Value: "1", MessageID: "inline-7"})
	if !strings.Contains(reply, "进行中") {
		t.Fatalf("click reply = %q", reply)
	}
	edits := editsFor(h, "bob")
	if len(edits) != 2 {
		t.Fatalf("bob's edits = %d, want 2 (the posted card and the clicked one)", len(edits))
	}
	var targets []string
	for _, e := range edits {
		targets = append(targets, e.Msg.Edit.RemoteID)
		c := e.Msg.Card
		if c.Subject != "task/1" || !slices.Contains(buttonIDs(c), "task.done") || slices.Contains(buttonIDs(c), "task.start") {
			t.Errorf("edited card = %+v, want task/1 in progress (a done button, no start)", c)
		}
		if !strings.Contains(c.Fields[1].Value, "进行中") {
			t.Errorf("edit for bob not in Chinese: %q", c.Fields[1].Value)
		}
		// bob made the change and has his answer: where a card of his
		// cannot be edited, no follow-up line repeats it.
		if e.Msg.Text != "" {
			t.Errorf("edit of the actor's own card has the follow-up line %q", e.Msg.Text)
		}
	}
	slices.Sort(targets)
	if !slices.Equal(targets, []string{"bob-msg-1", "inline-7"}) {
		t.Errorf("edited messages = %v", targets)
	}
	// The answer to a click carries no second card: the clicked one changes.
	if strings.Contains(reply, "负责人") {
		t.Errorf("the answer to a click repeats the card:\n%s", reply)
	}

	// alice closes it: both of bob's copies are edited again, and no
	// button is left on them.
	h.Expect("alice", "task done 1", "#1")
	edits = editsFor(h, "bob")
	if len(edits) != 4 {
		t.Fatalf("bob's edits = %d, want 4", len(edits))
	}
	for _, e := range edits[2:] {
		if ids := buttonIDs(e.Msg.Card); len(ids) > 0 {
			t.Errorf("a done task's card still offers %v", ids)
		}
		// bob is told of alice's change in a message of its own, where
		// his posted card went: where it cannot be edited, no second line
		// says it again. The card he clicked in his chat keeps its line.
		if told := e.Msg.Edit.RemoteID == "bob-msg-1"; told != (e.Msg.Text == "") {
			t.Errorf("edit of %s has the follow-up line %q", e.Msg.Edit.RemoteID, e.Msg.Text)
		}
	}
}

// Ensure a change to a task whose card is still waiting in the outbox (the
// owner's notification gathers changes for a minute) gives that card its new
// state in place: nothing is edited, and the card goes out current.
func TestLiveCards_QueuedCardRevised(t *testing.T) {
	h := commandstest.New(t)
	h.Say("bob", "hi")
	h.Say("alice", `task new "poster" @bob`)
	h.SetNow(h.Now().Add(10 * time.Second))
	h.Send("alice", "", &bot.Action{ID: "task.start", Value: "1", MessageID: "alice-inline"})
	if edits := editsFor(h, "bob"); len(edits) != 0 {
		t.Fatalf("edits = %+v, want none: the card is not out yet", edits)
	}
	notes := outboxFor(h, "bob")
	if len(notes) != 1 || notes[0].Msg.Card == nil || notes[0].Msg.Card.Fields[1].Value != "in progress" {
		t.Fatalf("bob's queued card = %+v, want one, in progress", notes)
	}
	if ids := buttonIDs(notes[0].Msg.Card); !slices.Contains(ids, "task.done") || slices.Contains(ids, "task.start") {
		t.Errorf("bob's queued card offers %v", ids)
	}
}
