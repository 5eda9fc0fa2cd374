package feedback_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands/asks"
	"github.com/tandemhq/tandem/commands/commandstest"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

// newWorld: QA (quinn heads; qa1 handles quality tickets) and Sales (sam
// heads; sally asks).
func newWorld(t *testing.T) *commandstest.Harness {
	h := commandstest.New(t, commandstest.Tickets(ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}}))
	h.Org(map[string][]string{"QA": {"quinn", "qa1"}, "Sales": {"sam", "sally"}})
	return h
}

// closeTicket opens, resolves and closes sally's ticket number n, handled
// by qa1, and runs the fan-out of form formID.
func closeTicket(h *commandstest.Harness, title, n string, formID int64) {
	h.T.Helper()
	h.Expect("sally", `ticket open "`+title+`" cat:quality`, "T-"+n)
	h.Expect("qa1", "ticket resolve "+n, "is now resolved.")
	h.Expect("sally", "ticket close "+n, "is now closed.")
	for _, j := range h.Jobs(bot.JobFilter{DedupKey: asks.Key(formID, "fanout")}) {
		h.FetchJob(j)
	}
}

func form(h *commandstest.Harness, id int64) (*ask.Ask, []*ask.Recipient) {
	h.T.Helper()
	var a *ask.Ask
	var rs []*ask.Recipient
	err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		if a, err = ask.From(tx).FindAsk(id); err != nil {
			return err
		}
		rs, err = ask.From(tx).Recipients(id, ask.RecipientFilter{Step: -1})
		return err
	})
	if err != nil {
		h.T.Fatal(err)
	}
	return a, rs
}

// button is the button of a dimension's score on user's form card.
func button(h *commandstest.Harness, user, short string, n int) bot.Button {
	h.T.Helper()
	for _, m := range h.QueuedTo(bot.Destination{Platform: bot.PlatformConsole, UserID: user}) {
		if m.Card == nil {
			continue
		}
		for _, b := range m.Card.Buttons {
			if b.ActionID == "feedback.score" && strings.HasSuffix(b.Value, " "+short+" "+string(rune('0'+n))) {
				return b
			}
		}
	}
	h.T.Fatalf("%s has no %s %d button", user, short, n)
	return bot.Button{}
}

// TestTicketCloseAsksForFeedback: closing a ticket asks its requester and
// its owner; clicks score a dimension each and the fourth answers the
// form; typed scores with a comment answer it at once; the results average
// by the respondents' departments, with named comments.
func TestTicketCloseAsksForFeedback(t *testing.T) {
	h := newWorld(t)
	closeTicket(h, "labels peel", "1", 1)
	a, rs := form(h, 1)
	if a.Kind != ask.Feedback || a.Subject != "ticket/1" || a.Status != ask.Open || a.Deadline.IsZero() || len(rs) != 2 {
		t.Fatalf("form %+v with %d lines", a, len(rs))
	}
	// Five working days: Friday 2026-11-20 closes Friday 2026-11-27 18:00.
	if got := a.Deadline.In(commandstest.Shanghai).Format("2006-01-02 15:04"); got != "2026-11-27 18:00" {
		t.Errorf("deadline %s", got)
	}
	cards := strings.Join(h.QueuedCards("sally"), "\n")
	if !strings.Contains(cards, "Feedback on T-1 labels peel") || !strings.Contains(cards, "not anonymous") {
		t.Fatalf("sally's card: %s", cards)
	}
	if len(h.QueuedCards("quinn")) != 0 && strings.Contains(strings.Join(h.QueuedCards("quinn"), ""), "Feedback on") {
		t.Fatal("the head was asked too")
	}

	// sally clicks: each click records one dimension.
	for i, short := range []string{"comm", "acct", "res"} {
		got := h.Click("sally", button(h, "sally", short, 2+i))
		if !strings.Contains(got, "Noted. Still to score on A-1") {
			t.Fatalf("click %s: %s", short, got)
		}
	}
	_, rs = form(h, 1)
	if line := lineOf(h, rs, "sally"); line.State != ask.Pending || line.Answer != "2,3,4,0" {
		t.Fatalf("after three clicks: %+v", line)
	}
	// Her card shows the scores chosen so far (edited in place).
	if card := strings.Join(h.QueuedCards("sally"), "\n"); !strings.Contains(card, "2 / 5") || !strings.Contains(card, "4 / 5") || !strings.Contains(card, "✓ Resource support 4") {
		t.Fatalf("sally's card after three clicks:\n%s", card)
	}
	h.Expect("sally", "feedback A-1 comment slow", "Noted. Still to score on A-1: Problem solving.")
	h.Expect("sally", "feedback A-1 solve 5", "Thank you: your feedback on A-1 is in (2 3 4 5).")
	h.Expect("sally", "feedback A-1 comm 5", "Your scores for A-1 are in already")
	// qa1 types everything at once, in Chinese.
	h.Expect("qa1", `反馈 A-1 4 4 5 3 「需求描述清楚」`, "谢谢！你对 A-1 的反馈已提交（4 4 5 3）。")
	// A comment may still be added (or changed) once the scores are in.
	h.Expect("sally", "feedback A-1 comment slow to start, then good", "Thank you: your feedback on A-1 is in (2 3 4 5).")
	_, rs = form(h, 1)
	if line := lineOf(h, rs, "sally"); line.State != ask.Answered || line.Answer != "2,3,4,5" || line.Comment != "slow to start, then good" || line.Via != bot.PlatformConsole {
		t.Fatalf("sally's line: %+v", line)
	}
	if line := lineOf(h, rs, "qa1"); line.Answer != "4,4,5,3" || line.Comment != "需求描述清楚" {
		t.Fatalf("qa1's line: %+v", line)
	}

	// Results: heads and admins only; by department, with names.
	h.Expect("sally", "feedback results ticket T-1", "Feedback results are for department heads and admins.")
	h.Expect("quinn", "feedback results ticket T-1", "Feedback results for T-1: 1 forms, 2 answers.",
		"QA (1 answers): Communication 4.0, Accountability 4.0, Resource support 5.0, Problem solving 3.0",
		"Sales (1 answers): Communication 2.0, Accountability 3.0, Resource support 4.0, Problem solving 5.0",
		"@sally (A-1): slow to start, then good", "@qa1 (A-1): 需求描述清楚")

	// A second ticket in the month; the month's results for Sales average both.
	closeTicket(h, "wrong invoice", "2", 2)
	h.Expect("sally", "feedback A-2 4 5 4 5", "Thank you")
	got := h.Expect("sam", "feedback results month:2026-11 dept:Sales", "Feedback results for 2026-11, Sales: 2 forms, 2 answers.",
		"Sales (2 answers): Communication 3.0, Accountability 4.0, Resource support 4.0, Problem solving 5.0")
	if strings.Contains(got, "QA (") {
		t.Fatalf("the department filter let QA through: %s", got)
	}
	h.Expect("sam", "feedback results month:2026-10", "0 forms, 0 answers.", "No answers yet.")

	// At the deadline the form closes, and nobody's head is told.
	h.SetNow(a.Deadline)
	for _, j := range h.Jobs(bot.JobFilter{DedupKey: asks.Key(2, "deadline")}) {
		h.FetchJob(j)
	}
	if a2, _ := form(h, 2); a2.Status != ask.Closed {
		t.Fatalf("form 2 after its deadline: %s", a2.Status)
	}
	h.Expect("qa1", "feedback A-2 1 1 1 1", "A-2 is closed.")
}

func lineOf(h *commandstest.Harness, rs []*ask.Recipient, handle string) *ask.Recipient {
	h.T.Helper()
	id := h.Person(handle).ID
	for _, r := range rs {
		if r.PersonID == id {
			return r
		}
	}
	h.T.Fatalf("%s is not in the ledger", handle)
	return nil
}

// TestMalformedFeedbackGetsUsage: what is wrong, and the form, in English
// and Chinese.
func TestMalformedFeedbackGetsUsage(t *testing.T) {
	h := newWorld(t)
	closeTicket(h, "labels peel", "1", 1)
	for _, c := range []struct{ user, text, want string }{
		{"sally", "feedback A-1", "Give the form (A-12) and your scores.\nUsage: feedback A-12 4 5 3 5"},
		{"sally", "feedback A-1 4 5 9 1", "Scores are 1 to 5, not \"9\"."},
		{"sally", "feedback A-1 4 5", "Give four scores, 1 to 5"},
		{"sally", "feedback A-1 comm 6", "Scores are 1 to 5, not \"6\"."},
		{"sally", "feedback X-1 4 4 4 4", "\"X-1\" is not a form"},
		{"sally", "feedback A-7 4 4 4 4", "There is no feedback form A-7."},
		{"quinn", "feedback A-1 4 4 4 4", "A-1 is not asking you for feedback."},
		{"sally", "反馈 A-1 4 5", "请给出四项评分，各 1 到 5（沟通效率、责任落实、资源支持、问题解决），或单独一项：「反馈 A-1 沟通 4」。\n用法：反馈 A-12 4 5 3 5"},
		{"sam", "feedback results", "Say whose results: a ticket, a project or a month."},
		{"sam", "反馈 结果 月份：十一月", "「十一月」不是月份：请写成 2026-11 这样。\n用法：反馈 结果"},
	} {
		h.Expect(c.user, c.text, c.want)
	}
}
