package commands_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

// editsFor returns the queued edits of cards posted to a user, oldest first.
func (h *harness) editsFor(user string) []*bot.Outgoing {
	h.t.Helper()
	var all []*bot.Outgoing
	if err := h.db.View(context.Background(), func(tx bot.Tx) (err error) { all, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return }); err != nil {
		h.t.Fatal(err)
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
func (h *harness) posted(o *bot.Outgoing, remoteID string) {
	h.t.Helper()
	if err := h.db.Update(context.Background(), func(tx bot.Tx) error { return tx.MarkSent(o.ID, remoteID, h.now.Load().UTC()) }); err != nil {
		h.t.Fatal(err)
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
	h := newHarness(t)
	h.say("bob", "hi")
	h.settle("bob", "zh", "Asia/Shanghai")
	h.say("alice", `task new "poster" @bob`)
	notes := h.outboxFor("bob")
	if len(notes) != 1 || notes[0].Msg.Card == nil || notes[0].Msg.Card.Subject != "task/1" {
		t.Fatalf("bob's notification = %+v, want one card about task/1", notes)
	}
	h.posted(notes[0], "bob-msg-1")

	// bob starts the task with the button on his own (inline) card.
	reply := h.send("bob", "", &bot.Action{ID: "task.start", Value: "1", MessageID: "inline-7"})
	if !strings.Contains(reply, "进行中") {
		t.Fatalf("click reply = %q", reply)
	}
	edits := h.editsFor("bob")
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
		if !strings.Contains(c.Fields[1].Value, "进行中") || !strings.Contains(e.Msg.Text, "@bob") {
			t.Errorf("edit for bob not in Chinese or without its line: %q / %q", c.Fields[1].Value, e.Msg.Text)
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
	h.expect("alice", "task done 1", "#1")
	edits = h.editsFor("bob")
	if len(edits) != 4 {
		t.Fatalf("bob's edits = %d, want 4", len(edits))
	}
	for _, e := range edits[2:] {
		if ids := buttonIDs(e.Msg.Card); slices.Contains(ids, "task.done") || slices.Contains(ids, "task.start") {
			t.Errorf("a done task's card still offers %v", ids)
		}
	}
}

// Ensure an edit queued before its card went out names the copy, so the
// dispatcher can wait for the card's id, and is not merged into
// notifications.
func TestLiveCards_EditBeforePosted(t *testing.T) {
	h := newHarness(t)
	h.say("bob", "hi")
	h.say("alice", `task new "poster" @bob`)
	h.expect("alice", "task priority 1 high", "Updated #1")
	edits := h.editsFor("bob")
	if len(edits) != 1 {
		t.Fatalf("edits = %d, want 1", len(edits))
	}
	e := edits[0]
	if e.Msg.Edit.RemoteID != "" || e.Msg.Edit.CopyID == 0 || e.Coalesce != "" {
		t.Errorf("edit = %+v (coalesce %q), want a copy id, no remote id yet, never merged", e.Msg.Edit, e.Coalesce)
	}
}
