package request_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands/asks"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/features"
	"github.com/tandemhq/tandem/commands/request"
)

type world struct {
	*commandstest.Harness
}

// newWorld meets ann, cy, dan, bob, boss and zed (an admin) on the
// console, max on Slack and fay on Feishu. Design: dan heads ann and cy;
// Finance: fay heads; ann reports to max.
func newWorld(t *testing.T, cfg request.Config) *world {
	w := &world{commandstest.New(t, func(d *features.Deps) { d.Requests = cfg })}
	w.SendOn(bot.PlatformSlack, "T1", "U1", "max", "whoami")
	w.SendOn(bot.PlatformFeishu, "tenant", "ou_2", "fay", "whoami")
	w.Admin("zed")
	w.Org(map[string][]string{"Design": {"dan", "ann", "cy"}, "Sales": {"boss", "bob"}})
	w.update(func(tx bot.Tx) error {
		fin := &bot.Department{Name: "Finance", HeadID: w.Person("fay").ID}
		if err := tx.CreateDepartment(fin); err != nil {
			return err
		}
		ann := w.Person("ann")
		ann.ManagerID = w.Person("max").ID
		return tx.UpdatePerson(ann)
	})
	return w
}

func (w *world) update(fn func(tx bot.Tx) error) {
	w.T.Helper()
	if err := w.DB.Update(context.Background(), fn); err != nil {
		w.T.Fatal(err)
	}
}

func (w *world) ask(id int64) *ask.Ask {
	w.T.Helper()
	var a *ask.Ask
	w.update(func(tx bot.Tx) (err error) { a, err = ask.From(tx).FindAsk(id); return })
	return a
}

// on says text as max (Slack) or fay (Feishu), or a console user.
func (w *world) on(who, text string, action *bot.Action) string {
	w.T.Helper()
	ev := &bot.Event{DedupKey: w.NextKey("k"), ChatType: bot.ChatDirect, Text: text, Action: action}
	switch who {
	case "max":
		ev.Platform, ev.Workspace, ev.ChatID, ev.Sender = bot.PlatformSlack, "T1", "DU1", bot.Author{UserID: "U1", Name: "max"}
	case "fay":
		ev.Platform, ev.Workspace, ev.ChatID, ev.Sender = bot.PlatformFeishu, "tenant", "Dou_2", bot.Author{UserID: "ou_2", Name: "fay"}
	default:
		return w.Send(who, text, action)
	}
	return w.Deliver(ev)
}

func (w *world) click(who, action string, a int64) string {
	w.T.Helper()
	return w.on(who, "", &bot.Action{ID: "request." + action, Value: "A-" + itoa(a)})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// cards are the platforms approvers' cards of ask id went to, by handle.
func (w *world) cards(id int64) map[string]string {
	w.T.Helper()
	got := map[string]string{}
	w.update(func(tx bot.Tx) error {
		out, err := tx.FindOutgoing(bot.OutboxQueued, 1000)
		if err != nil {
			return err
		}
		for _, o := range out {
			if o.Msg.Card == nil || o.Msg.Edit != nil || !strings.HasPrefix(o.Msg.Card.Subject, "ask/"+itoa(id)+"/") {
				continue
			}
			p, err := tx.FindPersonByAccount(bot.Account{Platform: o.To.Platform, Workspace: o.To.Workspace, UserID: o.To.UserID})
			if err != nil {
				return err
			}
			got[p.Handle] = o.To.Platform
		}
		return nil
	})
	return got
}

// told is every queued text to a console user, joined.
func (w *world) told(user string) string { return strings.Join(w.QueuedFor(user), "\n") }

func want(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, s := range wants {
		if !strings.Contains(got, s) {
			t.Fatalf("want %q in:\n%s", s, got)
		}
	}
}

func TestBudgetRequestGoesManagerThenFinanceAcrossPlatforms(t *testing.T) {
	w := newWorld(t, request.Config{})
	want(t, w.Say("ann", `request budget 20000 for:Finance "Q3 booth" reason:"trade fair in Shenzhen"`), "A-1", "Q3 booth", "20000", "step 1 of 2")
	if got := w.cards(1); len(got) != 1 || got["max"] != bot.PlatformSlack {
		t.Fatalf("step 1 cards: %v, want max on slack", got)
	}
	want(t, w.click("max", "approve", 1), "Reply with a comment within 10 minutes")
	if got := w.cards(1); got["fay"] != "" {
		t.Fatalf("fay asked before max commented: %v", got)
	}
	want(t, w.on("max", "fits the Q3 plan", nil), "You approved A-1")
	if got := w.cards(1); got["fay"] != bot.PlatformFeishu {
		t.Fatalf("step 2 cards: %v, want fay on feishu", got)
	}
	want(t, w.told("ann"), "step 1 approved by @max", "fits the Q3 plan")
	want(t, w.click("fay", "approve", 1), "Reply with a comment")
	want(t, w.on("fay", "skip", nil), "You approved A-1")
	if a := w.ask(1); a.Status != ask.Approved {
		t.Fatalf("status %s, want approved", a.Status)
	}
	want(t, w.told("ann"), "step 2 approved by @fay", "A-1 Q3 booth is approved")
	want(t, w.Say("ann", "request show A-1"), "Timeline", "asked @max", "approved by @max: fits the Q3 plan", "asked @fay", "approved")
	want(t, w.Say("ann", "request list"), "A-1 Q3 booth — approved")
	want(t, w.Say("ann", "申请 A-1"), "时间线")
	want(t, w.Say("cy", "request show A-1"), "Only its requester")
}

func TestRejectionNeedsAReasonAndEndsTheChain(t *testing.T) {
	w := newWorld(t, request.Config{})
	w.Say("ann", `request budget 5000 for:Finance "Team offsite"`)
	want(t, w.on("max", "request reject A-1", nil), "A rejection needs a reason", "Usage")
	want(t, w.click("max", "reject", 1), "Why do you reject A-1")
	want(t, w.on("max", "skip", nil), "A rejection needs a reason")
	if a := w.ask(1); a.Status != ask.Open {
		t.Fatalf("a rejection without a reason counted: %s", a.Status)
	}
	want(t, w.on("max", "no budget left this quarter", nil), "You rejected A-1")
	if a := w.ask(1); a.Status != ask.Rejected {
		t.Fatalf("status %s, want rejected", a.Status)
	}
	if got := w.cards(1); got["fay"] != "" {
		t.Fatalf("fay was asked after a rejection: %v", got)
	}
	want(t, w.told("ann"), "rejected by @max", "no budget left this quarter", "is rejected")
	want(t, w.on("max", "request approve A-1", nil), "rejected already")
}

func TestClickWaitLapses(t *testing.T) {
	w := newWorld(t, request.Config{})
	w.Say("ann", `request budget 5000 for:Finance "Team offsite"`)
	w.click("max", "approve", 1)
	js := w.Jobs(bot.JobFilter{Kind: request.JobComment, State: bot.JobPending})
	if len(js) != 1 {
		t.Fatalf("comment jobs: %d", len(js))
	}
	w.SetNow(js[0].RunAt)
	w.RunJob(js[0])
	if got := w.cards(1); got["fay"] != bot.PlatformFeishu {
		t.Fatalf("an approval without a comment did not count after the window: %v", got)
	}
}

func TestDoubleClickAndOthersClicking(t *testing.T) {
	w := newWorld(t, request.Config{})
	w.Say("ann", `request budget 5000 for:Finance "Team offsite"`)
	want(t, w.click("bob", "approve", 1), "waits for @max's decision, not yours")
	want(t, w.click("fay", "approve", 1), "not yours")
	w.click("max", "approve", 1)
	want(t, w.click("max", "approve", 1), "Reply with a comment")
	if js := w.Jobs(bot.JobFilter{Kind: request.JobComment, State: bot.JobPending}); len(js) != 1 {
		t.Fatalf("a double click left %d comment waits", len(js))
	}
	w.on("max", "ok", nil)
	want(t, w.click("max", "approve", 1), "You approved A-1 already")
	if got := strings.Count(w.Say("ann", "request show A-1"), "approved by @max"); got != 1 {
		t.Fatalf("max's approval on the timeline %d times", got)
	}
}

func TestDelegateDecidesForApproverOnLeave(t *testing.T) {
	w := newWorld(t, request.Config{})
	want(t, w.on("max", "leave 2026-11-20 2026-11-24 delegate:@bob", nil), "@bob decides requests")
	w.Say("ann", `request budget 5000 for:Finance "Team offsite"`)
	if got := w.cards(1); got["bob"] != bot.PlatformConsole || got["max"] != "" {
		t.Fatalf("cards: %v, want bob (for max) only", got)
	}
	want(t, strings.Join(w.QueuedCards("bob"), "\n"), "On behalf of", "@max (on leave)")
	want(t, w.Say("bob", "request approve A-1 ok for Max"), "You approved A-1")
	want(t, w.told("ann"), "approved by @bob for @max")
	want(t, w.Say("ann", "request show A-1"), "@max is on leave; @bob decides for them")
}

func TestManagerStepFallsBackToHeadAndSkipsTheRequester(t *testing.T) {
	w := newWorld(t, request.Config{})
	// cy has no manager: their head, dan, is asked.
	w.Say("cy", `request people 2 for:Finance "Two interns"`)
	if got := w.cards(1); got["dan"] != bot.PlatformConsole {
		t.Fatalf("cy's manager step: %v, want dan", got)
	}
	// dan heads Design and has no manager: the step is dan himself,
	// skipped, so Finance's head is asked first.
	w.Say("dan", `request equipment "2 projectors" for:Finance`)
	if got := w.cards(2); got["fay"] != bot.PlatformFeishu || len(got) != 1 {
		t.Fatalf("dan's request: %v, want fay only", got)
	}
	want(t, w.Say("dan", "request show A-2"), "skipped")
}

func TestStepWithNobodyToAskEndsAndTellsAdmins(t *testing.T) {
	w := newWorld(t, request.Config{Chains: map[string][]string{"equipment": {"dept:IT"}}})
	w.Say("ann", `request equipment "2 projectors" for:Finance`)
	if a := w.ask(1); a.Status != ask.Closed {
		t.Fatalf("status %s, want closed", a.Status)
	}
	want(t, w.told("ann"), "has nobody to ask", "there is no department IT")
	want(t, w.told("zed"), "A-1", "has nobody to ask")
}

func TestStepDeadlineEscalatesToTheApproversManager(t *testing.T) {
	w := newWorld(t, request.Config{StepDays: 1})
	w.update(func(tx bot.Tx) error {
		m := w.Person("max")
		m.ManagerID = w.Person("boss").ID
		return tx.UpdatePerson(m)
	})
	w.Say("ann", `request budget 5000 for:Finance "Team offsite"`)
	a := w.ask(1)
	// Friday: one working day is Monday.
	if d := a.Deadline.In(commandstest.Shanghai); d.Weekday() != time.Monday {
		t.Fatalf("deadline %v, want Monday", d)
	}
	js := w.Jobs(bot.JobFilter{DedupKey: asks.Key(1, "deadline")})
	if len(js) != 1 {
		t.Fatalf("deadline jobs: %d", len(js))
	}
	w.SetNow(a.Deadline)
	w.FetchJob(js[0])
	esc := w.Jobs(bot.JobFilter{Kind: request.JobEscalate, State: bot.JobPending})
	if len(esc) != 1 {
		t.Fatalf("escalation jobs: %d", len(esc))
	}
	w.RunJob(esc[0])
	if got := w.cards(1); got["boss"] != bot.PlatformConsole {
		t.Fatalf("after the deadline: %v, want boss asked", got)
	}
	want(t, w.Say("ann", "request show A-1"), "escalated", "asked @boss")
	want(t, w.Say("boss", "request approve A-1 go ahead"), "You approved A-1")
	if got := w.cards(1); got["fay"] != bot.PlatformFeishu {
		t.Fatalf("step 2 not asked after the escalated approval: %v", got)
	}
	want(t, w.on("max", "request approve A-1", nil), "not yours")
}

func TestMalformedRequestsGetUsage(t *testing.T) {
	w := newWorld(t, request.Config{})
	want(t, w.Say("ann", "request snacks 5"), `"snacks" is not a kind of request`, "Usage:")
	want(t, w.Say("ann", `request budget for:Finance "Q3"`), "How much?")
	want(t, w.Say("ann", `request budget 100 "Q3"`), "which department")
	want(t, w.Say("ann", `request budget 100 for:Nowhere "Q3"`), "There is no department")
	want(t, w.Say("ann", "申请 预算 部门：Finance 「Q3 展位」"), "金额是多少", "用法：")
	want(t, w.Say("ann", "申请 零食 5"), "不是申请类型")
	want(t, w.Say("ann", "request approve B-x"), "is not a request")
	want(t, w.Say("ann", "申请 批准 A-99"), "没有申请 A-99")
	// Full-width punctuation and an unquoted reason.
	want(t, w.Say("ann", "申请 预算 20000 部门：Finance 「Q3 展位」 理由：深圳 展会"), "A-1", "深圳 展会")
	want(t, w.Say("cy", "request cancel A-1"), "Only @ann")
	want(t, w.Say("ann", "request cancel A-1"), "A-1 is withdrawn")
	want(t, w.on("max", "request approve A-1", nil), "withdrawn already")
}

// edits are the queued edits of the requester's live card of ask id.
func (w *world) edits(id int64) []string {
	w.T.Helper()
	var got []string
	w.update(func(tx bot.Tx) error {
		out, err := tx.FindOutgoing(bot.OutboxQueued, 1000)
		for _, o := range out {
			if o.Msg.Edit != nil && o.Msg.Card != nil && o.Msg.Card.Subject == asks.Subject(&ask.Ask{ID: id}) {
				var fs []string
				for _, f := range o.Msg.Card.Fields {
					fs = append(fs, f.Label+"="+f.Value)
				}
				got = append(got, strings.Join(fs, ","))
			}
		}
		return err
	})
	return got
}

func TestRequesterCardIsLive(t *testing.T) {
	w := newWorld(t, request.Config{})
	w.Say("ann", `request budget 5000 for:Finance "Team offsite"`)
	// The harness answers inline; a copy of the requester's card posted
	// through the outbox (as a platform that answers later gets it) is
	// remembered once sent, and then edited.
	w.update(func(tx bot.Tx) error {
		o := &bot.Outgoing{Key: "copy", To: bot.Destination{Platform: bot.PlatformConsole, Workspace: "local", UserID: "ann"},
			Msg: bot.Message{Text: "A-1", Card: &bot.Card{Title: "A-1", Subject: "ask/1"}}}
		if _, err := tx.Enqueue(o, w.Now()); err != nil {
			return err
		}
		return tx.MarkSent(o.ID, "m1", w.Now().UTC())
	})
	w.on("max", "request approve A-1 fine", nil)
	want(t, strings.Join(w.edits(1), "\n"), "Status=step 2 of 2")
	w.on("fay", "request reject A-1 not this year", nil)
	want(t, strings.Join(w.edits(1), "\n"), "Status=rejected")
}

func TestDelegateInChinese(t *testing.T) {
	w := newWorld(t, request.Config{})
	want(t, w.on("max", "请假 2026-11-20 2026-11-21 代理：@bob", nil), "期间由 @bob 代你审批申请")
	want(t, w.on("max", "leave show", nil), "Your delegate: @bob")
	want(t, w.on("max", "leave 2026-11-20 delegate:@max", nil), "Your delegate is someone else")
	want(t, w.Say("ann", "申请 驳回 A-1"), "没有申请 A-1")
	w.Say("ann", "申请 预算 300 部门：Finance 「打印机墨盒」")
	want(t, w.Say("bob", "申请 驳回 A-1"), "驳回需要写明理由", "用法：")
	want(t, w.Say("bob", "申请 驳回 A-1 已有库存"), "你已驳回 A-1")
	want(t, w.told("ann"), "rejected by @bob for @max", "已有库存")
}
