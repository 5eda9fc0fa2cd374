package people_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// approvalHarness is a harness whose bot registers newcomers as waiting
// (bot.registration: approval), with two admins met before it was
// switched on.
func approvalHarness(t *testing.T) *commandstest.Harness {
	h := commandstest.New(t)
	h.Admin("root")
	h.Admin("ops")
	h.Bot.Approval = true
	return h
}

// countTasks is how many tasks exist.
func countTasks(t *testing.T, h *commandstest.Harness) int {
	var ts []*task.Task
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		ts, err = task.From(tx).FindTasks(task.Filter{Limit: 100})
		return
	}); err != nil {
		t.Fatal(err)
	}
	return len(ts)
}

// post marks the queued messages to user as sent, as the dispatcher does,
// so that their cards' copies are remembered and can be edited.
func post(t *testing.T, h *commandstest.Harness, user string) {
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		out, err := tx.FindOutgoing(bot.OutboxQueued, 1000)
		for i, o := range out {
			if err == nil && o.To.UserID == user && o.Msg.Edit == nil {
				err = tx.MarkSent(o.ID, fmt.Sprint("m", user, i), h.Now().UTC())
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// edits are the queued card edits to a console user.
func edits(h *commandstest.Harness, user string) []string {
	var out []*bot.Outgoing
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return })
	var got []string
	for _, o := range out {
		if o.To.UserID == user && o.Msg.Edit != nil && o.Msg.Card != nil {
			for _, f := range o.Msg.Card.Fields {
				got = append(got, f.Value)
			}
		}
	}
	return got
}

// The check: an unapproved newcomer is refused until approved.
// Their first message asks every admin with a card (name, platform,
// workspace, Approve / Reject); their commands do nothing and say they wait;
// an admin's click lets them in, tells them, and edits every admin's card.
func TestAdmission_NewcomerRefusedUntilApproved(t *testing.T) {
	h := approvalHarness(t)
	h.Expect("max", "task new write the report", "needs an admin's approval", "I've asked the admins")
	if p := h.Person("max"); p.Admission != bot.AdmissionPending {
		t.Fatalf("newcomer's admission = %q, want pending", p.Admission)
	}
	if n := countTasks(t, h); n != 0 {
		t.Fatalf("a waiting newcomer's command created %d tasks", n)
	}
	for _, admin := range []string{"root", "ops"} {
		card := strings.Join(h.QueuedCards(admin), "\n")
		for _, want := range []string{"Access request: max (@max)", "console", "local", "[Approve: people approve @max]", "[Reject: people reject @max <reason>]"} {
			if !strings.Contains(card, want) {
				t.Fatalf("%s's card lacks %q:\n%s", admin, want, card)
			}
		}
	}
	// Everything else they type is answered politely, in their language.
	h.Expect("max", "task new again", "yet to approve your access")
	h.Expect("max", "任务 新建 写报告", "正在等待管理员审核")
	h.Expect("max", "whoami", "yet to approve")
	if n := countTasks(t, h); n != 0 {
		t.Fatalf("a waiting newcomer's commands created %d tasks", n)
	}
	// A member cannot decide; an admin's click can.
	h.Expect("root", "people approve @ops", "@ops is a member already.")
	h.Bot.Approval = false
	h.Meet("carol")
	post(t, h, "root")
	post(t, h, "ops")
	h.Expect("carol", "people approve @max", "Only an admin can let people in.")
	if got := h.Click("ops", bot.Button{ActionID: "people.approve", Value: "@max"}); !strings.Contains(got, "@max is in") {
		t.Fatalf("approve click: %q", got)
	}
	if p := h.Person("max"); !p.Admitted() {
		t.Fatalf("approved, admission still %q", p.Admission)
	}
	if told := strings.Join(h.QueuedFor("max"), "\n"); !strings.Contains(told, "an admin approved your access") {
		t.Fatalf("max was told %q", told)
	}
	for _, admin := range []string{"root", "ops"} {
		if got := strings.Join(edits(h, admin), "\n"); !strings.Contains(got, "approved by @ops") {
			t.Fatalf("%s's card was not updated: %q", admin, got)
		}
	}
	h.Expect("max", "task new write the report", "Created #1")
	// A second admin acting on the decided card changes nothing.
	h.Expect("root", "people approve @max", "@max is a member already.")
}

// Approval typed, rejection with a reason: the rejected person is told,
// stays refused (access asks nobody again), and can be approved later.
func TestAdmission_RejectThenApproveTyped(t *testing.T) {
	h := approvalHarness(t)
	h.Say("max", "hello")
	post(t, h, "ops")
	h.Expect("root", "people reject @max not in our company", "@max was turned away", "approve them later")
	if p := h.Person("max"); p.Admission != bot.AdmissionRefused {
		t.Fatalf("rejected, admission %q", p.Admission)
	}
	if told := strings.Join(h.QueuedFor("max"), "\n"); !strings.Contains(told, "did not approve") || !strings.Contains(told, "Reason: not in our company") {
		t.Fatalf("max was told %q", told)
	}
	if got := strings.Join(edits(h, "ops"), "\n"); !strings.Contains(got, "rejected by @root: not in our company") {
		t.Fatalf("ops's card: %q", got)
	}
	before := len(h.QueuedCards("root")) + len(h.QueuedCards("ops"))
	h.SetNow(h.Now().Add(48 * time.Hour))
	h.Expect("max", "access", "declined your access")
	h.Expect("max", "task new x", "declined your access")
	if after := len(h.QueuedCards("root")) + len(h.QueuedCards("ops")); after != before {
		t.Fatalf("a refused person's access asked the admins again (%d → %d cards)", before, after)
	}
	h.Expect("root", "人员 批准 @max", "已批准 @max")
	h.Expect("max", "task new write the report", "Created #1")
}

// `access` / 申请加入 asks the admins again at most once a day.
func TestAdmission_AccessReasksOnceADay(t *testing.T) {
	h := approvalHarness(t)
	h.Say("max", "hi")
	cards := func() int { return len(h.QueuedCards("root")) }
	if cards() != 1 {
		t.Fatalf("first contact: %d cards to root, want 1", cards())
	}
	h.SetNow(h.Now().Add(3 * time.Hour))
	h.Expect("max", "access", "you can remind them again after")
	h.Expect("max", "申请加入", "之后可以再次提醒")
	if cards() != 1 {
		t.Fatalf("re-asked within a day: %d cards", cards())
	}
	h.SetNow(h.Now().Add(21 * time.Hour))
	h.Expect("max", "access", "I've asked the admins")
	if cards() != 2 {
		t.Fatalf("a day later: %d cards, want 2", cards())
	}
	// A member's `access` just says they are in.
	h.Expect("root", "access", "You're in already")
}

// With registration open (the default) a newcomer is a member at once.
func TestAdmission_OpenUnchanged(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("root")
	h.Expect("max", "task new write the report", "Created #1")
	if p := h.Person("max"); !p.Admitted() {
		t.Fatalf("open registration: admission %q", p.Admission)
	}
	if n := len(h.QueuedCards("root")); n != 0 {
		t.Fatalf("open registration asked the admins (%d cards)", n)
	}
}
