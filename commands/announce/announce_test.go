package announce_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands/announce"
	"github.com/tandemhq/tandem/commands/asks"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/features"
)

// world is Sales (head sam; sue, sid), Design (head dan; dee) and Ops
// (head oli; ola), with ada an admin in no department.
func world(t *testing.T, review string, depts map[string][]string) *commandstest.Harness {
	t.Helper()
	h := commandstest.New(t, func(d *features.Deps) { d.Announce = announce.Config{Review: review} })
	if depts == nil {
		depts = map[string][]string{"Sales": {"sam", "sue", "sid"}, "Design": {"dan", "dee"}, "Ops": {"oli", "ola"}}
	}
	h.Org(depts)
	h.Admin("ada")
	return h
}

// fanOut runs the pending jobs of kind as the scheduler would, until none
// is left.
func runJobs(h *commandstest.Harness, kind string) {
	h.T.Helper()
	for range 20 {
		js := h.Jobs(bot.JobFilter{Kind: kind, State: bot.JobPending, Limit: 10})
		if len(js) == 0 {
			return
		}
		for _, j := range js {
			h.CompleteJob(j)
		}
	}
	h.T.Fatalf("jobs of kind %s keep coming", kind)
}

func askOf(h *commandstest.Harness, id int64) *ask.Ask {
	h.T.Helper()
	var a *ask.Ask
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { a, err = ask.From(tx).FindAsk(id); return }); err != nil {
		h.T.Fatal(err)
	}
	return a
}

func line(h *commandstest.Harness, id int64, handle string, step int) *ask.Recipient {
	h.T.Helper()
	var r *ask.Recipient
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		r, err = ask.From(tx).FindRecipient(id, h.Person(handle).ID, step)
		return
	}); err != nil {
		h.T.Fatalf("%s's line of A-%d: %v", handle, id, err)
	}
	return r
}

// shown is what user sees of their cards now: the queued messages (a card
// not sent yet is revised in place) and the queued edits of sent ones, as
// the console shows them.
func shown(h *commandstest.Harness, user string) []string {
	var out []*bot.Outgoing
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return })
	var cards []string
	for _, o := range out {
		if o.To.UserID == user && o.Msg.Card != nil {
			m := o.Msg
			m.Edit = nil
			cards = append(cards, console.Render(m))
		}
	}
	return cards
}

func contains(list []string, want string) bool {
	for _, s := range list {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

func ackButton(id string) bot.Button { return bot.Button{ActionID: "announce.ack", Value: id} }

func TestAnnounceToTwoDepartmentsAcknowledgedByClickAndTyped(t *testing.T) {
	h := world(t, "", nil)
	h.Expect("ada", `announce dept:Sales,Design "Office moves on Monday" ack-by:fri`, "A-1", "on its way")
	if cards := shown(h, "ada"); !contains(cards, "Acknowledged: 0 (sending…)") || !contains(cards, "Withdraw") {
		t.Errorf("the author's card: %q", cards)
	}
	runJobs(h, asks.JobFanout)
	for _, u := range []string{"sam", "sue", "sid", "dan", "dee"} {
		if cards := h.QueuedCards(u); !contains(cards, "Office moves on Monday") || !contains(cards, "I've read it") {
			t.Errorf("%s was not asked: %q", u, cards)
		}
	}
	if cards := h.QueuedCards("ola"); contains(cards, "Office moves") {
		t.Errorf("ola of Ops was asked: %q", cards)
	}

	if got := h.Click("sue", ackButton("1")); !strings.Contains(got, "Thank you: A-1 is acknowledged") {
		t.Fatalf("click: %q", got)
	}
	h.Expect("dee", "announce ack A-1", "Thank you")
	if r := line(h, 1, "sue", 0); r.State != ask.Answered || r.Answer != "ack" || r.Via != bot.PlatformConsole {
		t.Errorf("sue's line: %+v", r)
	}
	// The author's live card counts them.
	if ed := shown(h, "ada"); !contains(ed, "Acknowledged: 2 / 5") {
		t.Errorf("the author's card was not edited to 2 / 5: %q", ed)
	}
	// sue's own card says she has acknowledged, without the button.
	if ed := shown(h, "sue"); !contains(ed, "You acknowledged it") || contains(ed, "I've read it") {
		t.Errorf("sue's card after her ack: %q", ed)
	}

	// A second click changes nothing and says so kindly.
	h.Expect("sue", "announce ack A-1", "acknowledged A-1 already", "Thank you!")
	if c := counts(h, 1); c.Answered != 2 {
		t.Errorf("answered after a second ack: %d, want 2", c.Answered)
	}
	// Someone it was not sent to is refused politely.
	h.Expect("ola", "announce ack A-1", "was not sent to you")
	h.Expect("ola", "公告 已读 A-1", "不是发给你的")
	// Status for its author; not for ola.
	h.Expect("ada", "announce status A-1", "Acknowledged: 2 / 5")
	h.Expect("ola", "announce A-1", "Only the author of A-1")
	h.Expect("ada", "announce list", "A-1 Office moves on Monday · open")
}

func counts(h *commandstest.Harness, id int64) ask.Counts {
	var c ask.Counts
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { c, err = ask.From(tx).CountRecipients(id, 0); return })
	return c
}

func TestReviewRequiredHeadApprovesThenItIsSent(t *testing.T) {
	h := world(t, announce.ReviewRequired, map[string][]string{"销售": {"sam", "sue", "sid"}, "设计": {"dan", "dee"}})
	h.Say("sue", "lang zh")
	h.Expect("sue", "公告 部门：销售，设计 「周一搬到新办公室」 确认截止：周五", "A-1", "等待 @sam 审核")
	if a := askOf(h, 1); a.Status != ask.Review {
		t.Fatalf("status %s, want review", a.Status)
	}
	if js := h.Jobs(bot.JobFilter{Kind: asks.JobFanout, State: bot.JobPending}); len(js) != 0 {
		t.Fatalf("sent before review: %d fan-out jobs", len(js))
	}
	if cards := h.QueuedCards("sam"); !contains(cards, "Review announcement A-1") || !contains(cards, "Approve and send") {
		t.Fatalf("sam has no review card: %q", cards)
	}
	// Only the reviewer decides.
	h.Expect("dan", "announce approve A-1", "Only @sam reviews")
	if got := h.Click("sam", bot.Button{ActionID: "announce.approve", Value: "1"}); !strings.Contains(got, "Approved: A-1 is on its way") {
		t.Fatalf("approve by click: %q", got)
	}
	if r := line(h, 1, "sam", 1); r.Role != ask.Reviewer || r.Answer != "approve" {
		t.Errorf("the review line: %+v", r)
	}
	if a := askOf(h, 1); a.Status != ask.Open {
		t.Fatalf("status after approval %s, want open", a.Status)
	}
	if !contains(h.QueuedFor("sue"), "@sam 审核通过了公告 A-1") {
		t.Errorf("the author was not told: %q", h.QueuedFor("sue"))
	}
	runJobs(h, asks.JobFanout)
	if cards := h.QueuedCards("dee"); !contains(cards, "周一搬到新办公室") {
		t.Errorf("dee was not asked after approval: %q", cards)
	}
	// sam reviewed and, being in 销售, still acknowledges as a reader.
	h.Expect("sam", "announce ack A-1", "Thank you")
	h.Expect("sam", "announce approve A-1", "not waiting for review")
	// The author's card counts readers only, not the review line.
	if cards := shown(h, "sue"); !contains(cards, "已确认：1 / 5") || !contains(cards, "状态：已发布") {
		t.Errorf("the author's card after one ack: %q", cards)
	}
}

func TestHeadRejectsAndTheAuthorIsTold(t *testing.T) {
	h := world(t, "", nil)
	// sue is no head: her announcement goes to review.
	h.Expect("sue", `announce dept:Sales "Team lunch on Friday"`, "waiting for @sam's review")
	h.Expect("sam", "announce reject A-1", "Say why")
	// The card's Reject button cannot carry a reason: it asks for one.
	if got := h.Click("sam", bot.Button{ActionID: "announce.reject", Value: "1"}); !strings.Contains(got, "Say why") {
		t.Errorf("reject by click: %q", got)
	}
	h.Expect("sid", "announce reject A-1 no", "Only @sam reviews announcement A-1")
	h.Expect("sam", "announce reject A-1 the date is wrong", "Rejected: A-1 was not sent")
	if a := askOf(h, 1); a.Status != ask.Rejected {
		t.Fatalf("status %s, want rejected", a.Status)
	}
	if !contains(h.QueuedFor("sue"), "@sam rejected announcement A-1 (Team lunch on Friday): the date is wrong") {
		t.Errorf("the author was not told why: %q", h.QueuedFor("sue"))
	}
	if js := h.Jobs(bot.JobFilter{Kind: asks.JobFanout}); len(js) != 0 {
		t.Errorf("a rejected announcement was sent: %d fan-out jobs", len(js))
	}
	// A head asking for review of their own department's announcement.
	h.Expect("sam", `announce dept:Sales,Design "Quarter results" review`, "A-2", "waiting for @dan's review")
	// With review optional, a head announces to their department directly.
	h.Expect("sam", `announce dept:Sales "Quarter results"`, "A-3", "on its way")
}

func TestAckByForms(t *testing.T) {
	h := world(t, "", map[string][]string{"Sales": {"sam", "sue"}, "销售": {"xia", "xu"}})
	sh := commandstest.Shanghai
	for i, c := range []struct {
		user, text string
		want       time.Time
	}{
		{"sam", `announce dept:Sales "A" ack-by:fri`, time.Date(2026, 11, 20, 18, 0, 0, 0, sh)},
		{"xia", `公告 部门：销售 「乙」 确认截止：周五`, time.Date(2026, 11, 20, 18, 0, 0, 0, sh)},
		{"sam", `announce dept:Sales "C" ack-by:2026-12-11`, time.Date(2026, 12, 11, 18, 0, 0, 0, sh)},
		{"sam", `announce dept:Sales "D" ack-by:mon 12:00`, time.Date(2026, 11, 23, 12, 0, 0, 0, sh)},
		{"sam", `announce dept:Sales "E"`, time.Date(2026, 11, 27, 18, 0, 0, 0, sh)}, // a week by default
	} {
		h.Expect(c.user, c.text, "A-")
		if got := askOf(h, int64(i+1)).Deadline; !got.Equal(c.want) {
			t.Errorf("%s: ack-by %v, want %v", c.text, got.In(sh), c.want)
		}
	}
}

func TestMalformedAnnouncementsGetUsage(t *testing.T) {
	h := world(t, "", nil)
	h.Say("xia", "lang zh")
	for _, c := range []struct{ user, text, want string }{
		{"ada", `announce dept:Sales`, "needs its text, in quotes.\nUsage: announce dept:"},
		{"ada", `公告 部门：Sales`, "公告需要内容，请写在引号里。\n用法：公告 部门："},
		{"ada", `announce "Hello"`, "Say whom it is for"},
		{"ada", `公告 「你好」`, "请说明发给谁"},
		{"ada", `announce dept:Nowhere "Hello"`, `There is no department "Nowhere"`},
		{"ada", `announce dept:Sales "Hello" ack-by:someday`, `couldn't read the ack-by date "someday"`},
		{"ada", `公告 部门：Sales 「你好」 确认截止：某天`, "我没看懂确认截止时间「某天」"},
		{"ada", `announce dept:Sales "Hello" ack-by:2020-01-01`, "has already passed"},
		{"ada", `announce ack`, "Which announcement?"},
		{"ada", `announce ack B-3`, `"B-3" is not an announcement number`},
		{"ada", `announce ack A-99`, "There is no announcement A-99"},
		{"sue", `announce everyone "Hello"`, "Only admins can announce to everyone"},
		{"sue", `公告 全员 「你好」`, "只有管理员可以向全员发布公告"},
	} {
		h.Expect(c.user, c.text, c.want)
	}
}

func TestReviewOffRefusesMembers(t *testing.T) {
	h := world(t, announce.ReviewOff, nil)
	h.Expect("sue", `announce dept:Sales "Hello"`, "Only the heads of those departments and admins can announce to them: ask @sam.")
	h.Expect("sam", `announce dept:Sales "Hello" review`, "A-1", "on its way")
}

func TestCancelWithdrawsAndUpdatesTheCards(t *testing.T) {
	h := world(t, "", nil)
	h.Expect("ada", `announce dept:Design "Fire drill at 3" ack-by:fri`, "A-1")
	runJobs(h, asks.JobFanout)
	h.Expect("dee", "announce ack A-1", "Thank you")
	h.Expect("dan", "announce cancel A-1", "Only its author")
	h.Expect("ada", "公告 撤回 A-1", "已撤回")
	if a := askOf(h, 1); a.Status != ask.Cancelled {
		t.Fatalf("status %s, want cancelled", a.Status)
	}
	// A page of one card per run: the two readers take runs of their own.
	defer announce.SetWithdrawnPage(announce.SetWithdrawnPage(1))
	runJobs(h, announce.JobWithdrawn)
	for _, u := range []string{"dan", "dee"} {
		if ed := shown(h, u); !contains(ed, "Withdrawn by its author") || contains(ed, "I've read it") {
			t.Errorf("%s's card after the withdrawal: %q", u, ed)
		}
	}
	if runs := h.Jobs(bot.JobFilter{Kind: announce.JobWithdrawn, State: bot.JobDone}); len(runs) != 3 {
		t.Errorf("withdrawal runs: %d, want 3 (a card each, then an empty page)", len(runs))
	}
	h.Expect("dan", "announce ack A-1", "was withdrawn")
	h.Expect("ada", "announce cancel A-1", "has ended already")
	if js := h.Jobs(bot.JobFilter{Kind: asks.JobRemind, State: bot.JobPending}); len(js) != 0 {
		t.Errorf("reminders still pending after the withdrawal: %d", len(js))
	}
}

func TestAckByPassedClosesAndTellsTheAuthorTheCounts(t *testing.T) {
	h := world(t, "", nil)
	h.Expect("ada", `announce dept:Design "Badge photos" ack-by:mon`, "A-1")
	runJobs(h, asks.JobFanout)
	h.Expect("dee", "announce ack A-1", "Thank you")
	h.SetNow(time.Date(2026, 11, 23, 18, 1, 0, 0, commandstest.Shanghai))
	runJobs(h, asks.JobDeadline)
	if a := askOf(h, 1); a.Status != ask.Closed {
		t.Fatalf("status after ack-by %s, want closed", a.Status)
	}
	if !contains(h.QueuedFor("ada"), "A-1 (Badge photos) closed at its ack-by time: 1 of 2 acknowledged; 0 read it without acknowledging, 1 did neither.") {
		t.Errorf("the author was not told the counts: %q", h.QueuedFor("ada"))
	}
	h.Expect("dan", "announce ack A-1", "closed at its ack-by time")
	if cards := shown(h, "ada"); !contains(cards, "Status: closed") || contains(cards, "Withdraw") {
		t.Errorf("the author's card after closing: %q", cards)
	}
}

func TestEveryoneAndTheBoundGroups(t *testing.T) {
	h := world(t, "", nil)
	h.SayIn("C-design", "ada", "group bind dept:Design")
	h.Expect("ada", `announce dept:Design groups "Canteen closed Tuesday"`, "A-1")
	h.Expect("ada", `announce everyone "Holiday on Friday"`, "A-2")
	runJobs(h, asks.JobFanout)
	group := h.QueuedTo(bot.Destination{Platform: bot.PlatformConsole, ChatID: "C-design"})
	var posted []string
	for _, m := range group {
		if m.Card != nil {
			posted = append(posted, console.Render(m))
		}
	}
	if len(posted) != 1 || !strings.Contains(posted[0], "Canteen closed Tuesday") || strings.Contains(posted[0], "I've read it") ||
		!strings.Contains(posted[0], "acknowledges it in their own message") {
		t.Errorf("the group's post (informational, once): %q", posted)
	}
	for _, u := range []string{"sue", "ola", "dee"} {
		if !contains(h.QueuedCards(u), "Holiday on Friday") {
			t.Errorf("%s did not get the all-hands announcement", u)
		}
	}
}
