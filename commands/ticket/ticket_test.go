package ticket_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/features"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

// org sets up departments: for each, its head and members (console users
// who have written once), so that routing, permissions and the ladder's
// audience are real people.
func org(h *commandstest.Harness, depts map[string][]string) { h.Org(depts) }

// newOrg is a harness with QA (head @quinn, members @qa1 and @qa2) and
// Sales (head @sam, member @sally), and the config cfg.
func newOrg(t *testing.T, cfg ticketcmd.Config, options ...func(*features.Deps)) *commandstest.Harness {
	h := commandstest.New(t, append(options, commandstest.Tickets(cfg))...)
	org(h, map[string][]string{"QA": {"quinn", "qa1", "qa2"}, "Sales": {"sam", "sally"}})
	return h
}

func (tc testTicket) get(h *commandstest.Harness) *ticket.Ticket {
	h.T.Helper()
	var tk *ticket.Ticket
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { tk, err = ticket.From(tx).FindTicketByID(int64(tc)); return }); err != nil {
		h.T.Fatal(err)
	}
	return tk
}

type testTicket int64

func timeline(h *commandstest.Harness, id int64) []*ticket.Event {
	h.T.Helper()
	var evs []*ticket.Event
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { evs, err = ticket.From(tx).TicketEvents(id, 500); return }); err != nil {
		h.T.Fatal(err)
	}
	return evs
}

func clockKinds(h *commandstest.Harness, id int64, cycle int) []string {
	h.T.Helper()
	var evs []*ticket.ClockEvent
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { evs, err = ticket.From(tx).ClockEvents(id, cycle); return }); err != nil {
		h.T.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Kind))
	}
	return out
}

// The example opens a P2 quality ticket for QA, routed by category
// to its owner, with its live card and the ladder's first job.
func TestOpen_English(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa2"}}})
	got := h.Expect("sally", `ticket open "Batch 2611 labels peel off" cat:quality p:P2 for:QA impact:"3 customers" need:"lab test"`,
		"Opened T-1 for QA.", "T-1 Batch 2611 labels peel off", "P2 high", "@qa2", "@sally", "3 customers", "lab test",
		"[Acknowledge: ticket ack 1]", "[Reassign to me: ticket assign 1 me]")
	tk := testTicket(1).get(h)
	if tk.Priority != ticket.P2 || tk.Category != "quality" || tk.OwnerID != h.Person("qa2").ID || tk.Policy.Name != "P2" || tk.Cycle != 1 {
		t.Fatalf("ticket = %+v\n%s", tk, got)
	}
	if k := clockKinds(h, 1, 1); strings.Join(k, ",") != "start" {
		t.Errorf("clock = %v, want start", k)
	}
	jobs := h.Jobs(bot.JobFilter{Kind: ticketcmd.JobEscalate, State: bot.JobPending})
	if len(jobs) != 1 || jobs[0].DedupKey != "ticket/1/1/step/1" {
		t.Fatalf("escalation jobs = %+v, want step 1 of cycle 1", jobs)
	}
	if q := h.QueuedFor("qa2"); len(q) != 1 || !strings.Contains(q[0], "@sally opened T-1 for QA") {
		t.Errorf("owner told %q", q)
	}
}

func TestOpen_Chinese(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{})
	h.Expect("sally", `工单 新建 "2611批次标签脱落" 类别:质量 优先级:紧急 部门:QA 影响:"3家客户" 需要:"实验室检测"`,
		"已提报工单 T-1，处理部门：QA。", "P1 紧急", "处理部门", "3家客户", "实验室检测", "受理")
	h.Expect("sally", `问题 提报 "包装破损" 高 部门:QA`, "已提报工单 T-2", "P2 高")
	if tk := testTicket(1).get(h); tk.OwnerID != h.Person("quinn").ID || tk.Policy.Clock != ticket.Wall {
		t.Errorf("T-1 = %+v, want the head as owner (no route) on P1's wall clock", tk)
	}
}

func TestOpen_Malformed(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{})
	for _, c := range []struct{ text, en string }{
		{`ticket open`, "A ticket needs a title."},
		{`ticket open "x" p:P9 for:QA`, `"P9" is not a priority`},
		{`ticket open "x" cat:misc`, "Which department is it for?"},
		{`ticket open "x" colour:red for:QA`, `I don't know the option "colour"`},
		{`ticket open "x" loose words for:QA`, `I don't understand "loose words" after the title`},
	} {
		h.Expect("sally", c.text, c.en, "Usage: ticket open")
	}
	h.Expect("sally", `ticket open "x" for:Nowhere`, `There is no department "Nowhere". Known departments: QA, Sales.`)
	h.Expect("sally", `工单 新建 "x" 优先级:很急 部门:QA`, "「很急」不是有效的优先级", "用法：")
	if n := len(h.Jobs(bot.JobFilter{Kind: ticketcmd.JobEscalate})); n != 0 {
		t.Errorf("refused commands scheduled %d jobs", n)
	}
}

// Round robin gives each new ticket to the QA member given one least
// recently, in a rotation kept in the database.
func TestRouting_RoundRobin(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", RoundRobin: true}}})
	var owners []string
	for range 4 {
		h.Say("sally", `ticket open "labels" cat:quality`)
	}
	for id := int64(1); id <= 4; id++ {
		tk := testTicket(id).get(h)
		for _, u := range []string{"quinn", "qa1", "qa2"} {
			if h.Person(u).ID == tk.OwnerID {
				owners = append(owners, u)
			}
		}
	}
	if strings.Join(owners, ",") != "quinn,qa1,qa2,quinn" {
		t.Errorf("owners = %v, want the rotation quinn, qa1, qa2, quinn", owners)
	}
}

func outbox(h *commandstest.Harness) []*bot.Outgoing {
	h.T.Helper()
	var out []*bot.Outgoing
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return }); err != nil {
		h.T.Fatal(err)
	}
	slices.Reverse(out)
	return out
}

func posted(h *commandstest.Harness, o *bot.Outgoing, remoteID string) {
	h.T.Helper()
	if err := h.DB.Update(context.Background(), func(tx bot.Tx) error { return tx.MarkSent(o.ID, remoteID, h.Now().UTC()) }); err != nil {
		h.T.Fatal(err)
	}
}
