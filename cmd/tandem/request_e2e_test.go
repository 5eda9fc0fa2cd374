package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
)

// newRequestWorld is the meeting world with a Finance department whose
// head is alice (DingTalk) and budget requests going through the
// requester's manager and then the head of the department they are for:
//
//	rita  Slack    Design, an admin  files the request (en)
//	olga  Feishu   Design, its head  step 1, rita's manager
//	alice DingTalk Finance's head    step 2
//	hank  WeCom    QA, its head      alice's delegate when she is on leave
func newRequestWorld(t *testing.T) *meetingWorld {
	w := newMeetingWorld(t, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
	w.yaml = strings.Replace(w.yaml, "  - {name: QA, head: hank}\n", "  - {name: QA, head: hank}\n  - {name: Finance, head: alice}\n", 1)
	w.yaml += "requests:\n  chains:\n    budget: [manager, for]\n"
	return w
}

// fileBudget is rita's budget request, filed from Slack at Monday 7
// December 2026, 09:00 Shanghai.
func fileBudget(t *testing.T, w *meetingWorld) {
	w.slackSays(`request budget 20000 for:Finance "Q3 booth" reason:"trade fair in Shenzhen"`)
	w.seen("slack:C9", "A-1 is on its way")
}

// olgaCard is the Feishu message that is olga's approver card.
func olgaCard(t *testing.T, w *meetingWorld) string {
	t.Helper()
	w.seen("feishu:ou_olga", "A-1", "request.approve")
	for _, m := range w.feishu.Messages() {
		if m.ReceiveID == "ou_olga" && strings.Contains(m.Content, "request.approve") {
			return m.ID
		}
	}
	t.Fatal("olga has no approver card")
	return ""
}

// aliceCard is the DingTalk interactive card in alice's one-to-one chat
// with a button of action, once it is there.
func aliceCard(t *testing.T, w *meetingWorld, action string) string {
	t.Helper()
	var id string
	if !feishutest.WaitFor(8*time.Second, func() bool {
		for _, c := range w.ding.Cards() {
			if strings.HasSuffix(c.Space, ".staff1") && strings.Contains(c.Params["buttons"], action) {
				id = c.OutTrackID
				return true
			}
		}
		return false
	}) {
		t.Fatalf("alice has no card with %s; DingTalk:\n%s", action, w.ding.Dump())
	}
	return id
}

// olgaClicks is olga's click on a button of her approver card (message
// msg) on Feishu, whose answer, the prompt for a comment, is the callback's
// response (a toast) or a message in her chat.
func olgaClicks(t *testing.T, w *meetingWorld, msg, action, prompt string) {
	t.Helper()
	if resp := w.feishuClicks("ou_olga", msg, action, "A-1"); !strings.Contains(resp, prompt) {
		w.seen("feishu:ou_olga", prompt)
	}
}

// dingShows waits until something DingTalk shows alice (a card, a robot
// message, or a reply in her chat) contains every one of subs.
func dingShows(t *testing.T, w *meetingWorld, subs ...string) {
	t.Helper()
	if !feishutest.WaitFor(8*time.Second, func() bool {
		for _, s := range w.shown("dingtalk:staff1") {
			if containsAll(s, subs...) {
				return true
			}
		}
		for _, key := range []string{"batchSend", "groupSend"} {
			for _, c := range w.ding.Calls(key) {
				if containsAll(string(c.Body), subs...) {
					return true
				}
			}
		}
		return false
	}) {
		t.Fatalf("alice never saw %q; DingTalk:\n%s", subs, w.ding.Dump())
	}
}

// Ensure a budget request filed on Slack goes through its chain on two
// other platforms: olga, rita's manager, approves with the button on
// Feishu and a comment; alice, Finance's head, approves on DingTalk and
// skips the comment; rita is told of each step and of the outcome on
// Slack, in English; the timeline lists every step.
func TestBudgetRequestFromSlackApprovedOnFeishuAndDingTalk(t *testing.T) {
	w := newRequestWorld(t)
	w.startAt(sh(t, "2026-12-07 09:00"))
	fileBudget(t, w)

	// Step 1: olga's card on Feishu; her click asks for a comment.
	msg := olgaCard(t, w)
	if ding := w.shown("dingtalk:staff1"); len(ding) != 0 {
		t.Fatalf("alice was asked before step 1 was decided: %q", ding)
	}
	olgaClicks(t, w, msg, "request.approve", "请在 10 分钟内回复意见")
	w.feishuSays("ou_olga", "", "符合预算计划")
	w.seen("feishu:ou_olga", "你已批准 A-1")
	w.seen("slack:DU1", "A-1 Q3 booth: step 1 approved by @olga", "符合预算计划")

	// Step 2: alice's card on DingTalk; she approves without a comment.
	card := aliceCard(t, w, "request.approve")
	w.dingClicks(card, "request.approve", "A-1")
	dingShows(t, w, "请在 10 分钟内回复意见")
	dingSays(w, "跳过")
	dingShows(t, w, "你已批准 A-1")
	w.seen("slack:DU1", "A-1 Q3 booth: step 2 approved by @alice.")
	w.seen("slack:DU1", "A-1 Q3 booth is approved.")
	// Her card, where she filed it, says so.
	w.seen("slack:C9", "A-1 Q3 booth", `*Status*\napproved`)

	// The timeline, read on Slack.
	w.slackSays("request show A-1")
	timeline := w.seen("slack:C9", "filed")
	for _, want := range []string{"filed — @rita", "step 1 (manager): asked @olga", "step 1: approved by @olga: 符合预算计划",
		"step 2 (for): asked @alice", "step 2: approved by @alice", "approved"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, timeline)
		}
	}
	// The approvers' cards no longer offer the buttons.
	if c, _ := w.ding.Card(card); strings.Contains(c.Params["buttons"], "request.approve") {
		t.Errorf("alice's card still has its buttons: %v", c.Params)
	}
}

// Ensure a rejection needs a reason and ends the request: olga clicks
// Reject on Feishu and tries to skip the reason (she is told one is
// needed and nothing is recorded), then gives it; rita reads the
// rejection with its reason on Slack, and alice, the next step, is never
// asked.
func TestBudgetRequestRejectedWithReason(t *testing.T) {
	w := newRequestWorld(t)
	w.startAt(sh(t, "2026-12-07 09:00"))
	fileBudget(t, w)

	msg := olgaCard(t, w)
	olgaClicks(t, w, msg, "request.reject", "为什么驳回 A-1")
	w.feishuSays("ou_olga", "", "跳过")
	w.seen("feishu:ou_olga", "驳回需要理由")
	w.settle()
	for _, s := range w.shown("slack:DU1") {
		if strings.Contains(s, "rejected") {
			t.Fatalf("a rejection without a reason was told to rita: %s", s)
		}
	}
	w.feishuSays("ou_olga", "", "展位费超出本季度预算")
	w.seen("feishu:ou_olga", "你已驳回 A-1")
	w.seen("slack:DU1", "A-1 Q3 booth: step 1 rejected by @olga", "展位费超出本季度预算")
	w.seen("slack:DU1", "A-1 Q3 booth is rejected; the steps after it are not asked.")
	w.seen("slack:C9", "A-1 Q3 booth", `*Status*\nrejected`)

	w.settle()
	if ding := w.shown("dingtalk:staff1"); len(ding) != 0 {
		t.Errorf("alice, the step after the rejection, was asked: %q", ding)
	}
	w.slackSays("request show A-1")
	timeline := w.seen("slack:C9", "filed")
	if !strings.Contains(timeline, "step 1: rejected by @olga: 展位费超出本季度预算") || strings.Contains(timeline, "asked @alice") {
		t.Errorf("the timeline:\n%s", timeline)
	}
}

// Ensure a delegate decides for an approver on leave, on their own
// platform: alice, Finance's head, takes the week off on DingTalk with
// hank as her delegate; step 2 asks hank on WeCom (his card says for
// whom); he approves with the button and a comment; rita reads
// "approved by @hank for @alice", and alice is asked nothing.
func TestBudgetRequestApprovedByDelegate(t *testing.T) {
	w := newRequestWorld(t)
	w.startAt(sh(t, "2026-12-07 09:00"))
	dingSays(w, "请假 2026-12-07 2026-12-11 代理：@hank")
	dingShows(t, w, "已请假：2026-12-07 至 2026-12-11")
	fileBudget(t, w)

	olgaClicks(t, w, olgaCard(t, w), "request.approve", "请在 10 分钟内回复意见")
	w.feishuSays("ou_olga", "", "skip")
	w.seen("slack:DU1", "A-1 Q3 booth: step 1 approved by @olga.")

	// hank's card on WeCom, on alice's behalf.
	var task string
	if !feishutest.WaitFor(8*time.Second, func() bool {
		for _, c := range w.wecom.Matching(wecomtest.SendTo("hank")) {
			if c.JSON["msgtype"] == "template_card" && strings.Contains(string(c.Raw), "request.approve") {
				if !strings.Contains(wecomtest.Shown(c), "@alice（休假中）") {
					t.Errorf("hank's card does not say for whom: %s", wecomtest.Shown(c))
				}
				task = fmt.Sprint(c.JSON["template_card"].(map[string]any)["task_id"])
				return true
			}
		}
		return false
	}) {
		t.Fatalf("hank has no approver card; WeCom:\n%s", w.wecom.Dump())
	}
	w.wecomClicks("request.approve|A-1", task)
	w.seen("wecom:hank", "请在 10 分钟内回复意见")
	w.wecomSays("展会很重要，同意")
	w.seen("wecom:hank", "你已批准 A-1")
	w.seen("slack:DU1", "A-1 Q3 booth: step 2 approved by @hank for @alice", "展会很重要，同意")
	w.seen("slack:DU1", "A-1 Q3 booth is approved.")

	w.settle()
	for _, c := range w.ding.Cards() {
		if strings.Contains(c.Params["buttons"], "request.approve") {
			t.Errorf("alice, on leave, was asked: %v", c.Params)
		}
	}
	w.slackSays("request show A-1")
	timeline := w.seen("slack:C9", "filed")
	for _, want := range []string{"step 2: @alice is on leave; @hank decides for them", "step 2 (for): asked @hank",
		"step 2: approved by @hank for @alice: 展会很重要，同意"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, timeline)
		}
	}
}
