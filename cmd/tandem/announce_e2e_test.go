package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
)

// announceWorld is the meeting world (Design: olga, fay, rita; QA: hank,
// alice) with two more people who will do nothing, and DingTalk without a
// card template, so that alice's card is a robot message whose read
// DingTalk reports (readStatus answers for batchSend's processQueryKey,
// not for an interactive card):
//
//	olga  Feishu   Design, its head  acknowledges with the button
//	fay   Feishu   Design            only reads it (Feishu read_users)
//	rita  Slack    Design, an admin  announces; acknowledges with the button
//	dora  WeCom    Design            does nothing
//	hank  WeCom    QA, its head      acknowledges with the button
//	alice DingTalk QA                only reads it (DingTalk readStatus)
//	gus   Feishu   QA                does nothing
func newAnnounceWorld(t *testing.T) *meetingWorld {
	w := newMeetingWorld(t, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
	w.yaml = strings.Replace(w.yaml, " card_template_id: tpl-tk.schema,", "", 1)
	w.yaml += fmt.Sprintf(`  - {name: Dora, handle: dora, dept: Design, lang: en, accounts: ["wecom:%[1]s:dora"]}
  - {name: Gus, handle: gus, dept: QA, lang: zh-CN, accounts: ["feishu:%[2]s:ou_gus"]}
`, xpWeComCorp, xpFeishuTenant)
	return w
}

// announceAccounts are the announce world's people's accounts.
var announceAccounts = map[string]bot.Account{
	"dora": {Platform: bot.PlatformWeCom, Workspace: xpWeComCorp, UserID: "dora"},
	"gus":  {Platform: bot.PlatformFeishu, Workspace: xpFeishuTenant, UserID: "ou_gus"},
}

func init() {
	for h, a := range meetingAccounts {
		announceAccounts[h] = a
	}
}

// feishuText is what a Feishu message shows: a text message's text, or
// the content as it is.
func feishuText(content string) string {
	var m struct {
		Text string `json:"text"`
	}
	if json.Unmarshal([]byte(content), &m) == nil && m.Text != "" {
		return m.Text
	}
	return content
}

// section is the part of a ledger reply from the heading to the next
// heading (or the end).
func section(ledger, heading string, next ...string) string {
	i := strings.Index(ledger, heading)
	if i < 0 {
		return ""
	}
	rest := ledger[i+len(heading):]
	for _, n := range next {
		if j := strings.Index(rest, n); j >= 0 {
			rest = rest[:j]
		}
	}
	return rest
}

// Ensure an announcement to two departments whose people are on the four
// platforms keeps one ledger across them, asserted at the fakes and in
// the database:
//
//   - on Monday 7 December 2026 at 09:00 (Shanghai) rita announces to
//     Design and QA from Slack, ack-by Wednesday; each of the seven gets
//     the card on their own platform, with the "I've read it" button;
//   - olga (Feishu), rita (Slack) and hank (WeCom) press it; fay reads
//     hers on Feishu and alice hers on DingTalk, and the fakes report it
//     (read_users, readStatus); dora and gus do nothing;
//   - the 11:00 read poll records the two reads (and no others), and
//     olga's `问询 A-1` shows three groups: answered olga, rita, hank;
//     read, not answered fay, alice; neither dora, gus;
//   - on Tuesday at 10:00, the next working day, exactly the four who have
//     not acknowledged are reminded, each on their platform;
//   - at the deadline, Wednesday 18:00, olga is told of fay and dora and
//     hank of alice and gus, and nobody else is.
func TestAnnouncementLedgerAcrossFourPlatforms(t *testing.T) {
	w := newAnnounceWorld(t)
	w.startAt(sh(t, "2026-12-07 09:00"))

	w.slackSays(`announce dept:Design,QA "The office moves to the 3rd floor on Monday" ack-by:wed`)
	w.seen("slack:C9", "A-1")
	// Each person's card, on their own platform.
	w.seen("feishu:ou_olga", "A-1", "announce.ack")
	w.seen("feishu:ou_fay", "A-1", "announce.ack")
	w.seen("feishu:ou_gus", "A-1", "announce.ack")
	w.seen("slack:DU1", "A-1", "announce.ack")
	w.seen("wecom:hank", "A-1", "announce.ack")
	w.seen("wecom:dora", "A-1", "announce.ack")
	w.seen("dingtalk:staff1", "A-1", "公告 已读 A-1") // no template: the button is shown as the command to type

	// Three press the button on their platform.
	for _, m := range w.feishu.Messages() {
		if m.ReceiveID == "ou_olga" && strings.Contains(m.Content, "announce.ack") {
			w.feishuClicks("ou_olga", m.ID, "announce.ack", "1")
			break
		}
	}
	for _, m := range w.slack.Messages("DU1") {
		if strings.Contains(m.Blocks, "announce.ack") {
			w.slackClicks("DU1", m.TS, "announce.ack", "1")
			break
		}
	}
	for _, c := range w.wecom.Matching(wecomtest.SendTo("hank")) {
		if c.JSON["msgtype"] == "template_card" && strings.Contains(string(c.Raw), "A-1") {
			w.wecomClicks("announce.ack|1", fmt.Sprint(c.JSON["template_card"].(map[string]any)["task_id"]))
			break
		}
	}
	line := func(handle string) *ask.Recipient {
		t.Helper()
		var r *ask.Recipient
		if err := w.m.DB.View(context.Background(), func(tx bot.Tx) (err error) {
			p, err := tx.FindPersonByAccount(announceAccounts[handle])
			if err != nil {
				return err
			}
			r, err = ask.From(tx).FindRecipient(1, p.ID, 0)
			return err
		}); err != nil {
			t.Fatalf("%s's line: %v", handle, err)
		}
		return r
	}
	for handle, via := range map[string]string{"olga": "feishu", "rita": "slack", "hank": "wecom"} {
		if !feishutest.WaitFor(5*time.Second, func() bool { return line(handle).State == ask.Answered }) {
			t.Fatalf("%s's acknowledgement was not recorded: %+v", handle, line(handle))
		}
		if r := line(handle); r.Answer != "ack" || r.Via != via {
			t.Errorf("%s's line %+v, want ack via %s", handle, r, via)
		}
	}

	// Two only read theirs, and the platforms say so.
	readAt := sh(t, "2026-12-07 09:30")
	for _, m := range w.feishu.Messages() {
		if m.ReceiveID == "ou_fay" && strings.Contains(m.Content, "announce.ack") {
			w.feishu.Read(m.ID, "ou_fay", readAt)
		}
	}
	keys := w.ding.OneToOne("staff1")
	if len(keys) == 0 || !w.ding.Read(keys[len(keys)-1], "staff1", readAt.Add(5*time.Minute)) {
		t.Fatalf("alice's card is not a robot message the fake knows: %v", keys)
	}
	w.jumpTo(sh(t, "2026-12-07 11:00"))
	if !feishutest.WaitFor(8*time.Second, func() bool { return !line("fay").ReadAt.IsZero() && !line("alice").ReadAt.IsZero() }) {
		t.Fatalf("the reads were not recorded: fay %+v, alice %+v", line("fay"), line("alice"))
	}
	if r := line("fay"); !r.ReadAt.Equal(readAt) || r.ReadVia != "feishu" || r.State != ask.Pending {
		t.Errorf("fay's line %+v: want read at 09:30 via feishu, still pending", r)
	}
	if r := line("alice"); !r.ReadAt.Equal(readAt.Add(5*time.Minute)) || r.ReadVia != "dingtalk" || r.State != ask.Pending {
		t.Errorf("alice's line %+v: want read at 09:35 via dingtalk, still pending", r)
	}
	for _, h := range []string{"dora", "gus"} {
		if r := line(h); !r.ReadAt.IsZero() || r.State != ask.Pending {
			t.Errorf("%s's line %+v: want neither read nor answered", h, r)
		}
	}

	// The ledger, for Design's head, in Chinese.
	w.feishuSays("ou_olga", "", "问询 A-1")
	raw := w.seen("feishu:ou_olga", "已读未回复：")
	ledger := feishuText(raw)
	if !strings.Contains(ledger, "已回复 3 · 已读未回复 2 · 未读未回复 2") {
		t.Errorf("the ledger's counts:\n%s", ledger)
	}
	groups := map[string][2][]string{
		"已回复：":   {{"@olga (feishu)", "@rita (slack)", "@hank (wecom)"}, {"@fay", "@alice", "@dora", "@gus"}},
		"已读未回复：": {{"@fay (feishu) 已读于 12-07 09:30", "@alice (dingtalk) 已读于 12-07 09:35"}, {"@olga", "@rita", "@hank", "@dora", "@gus"}},
		"未读未回复：": {{"@dora (wecom)", "@gus (feishu)"}, {"@olga", "@rita", "@hank", "@fay", "@alice"}},
	}
	for heading, want := range groups {
		got := section(ledger, heading, "\n已回复：", "已读未回复：", "未读未回复：")
		for _, s := range want[0] {
			if !strings.Contains(got, s) {
				t.Errorf("%s lacks %q:\n%s", heading, s, ledger)
			}
		}
		for _, s := range want[1] {
			if strings.Contains(got, s+" ") {
				t.Errorf("%s wrongly holds %q:\n%s", heading, s, ledger)
			}
		}
	}

	// Tuesday, 10:00: the next working day's reminders, to the four who
	// have not acknowledged only.
	before := map[string]int{}
	for _, where := range []string{"feishu:ou_olga", "feishu:ou_fay", "feishu:ou_gus", "slack:DU1", "wecom:hank", "wecom:dora", "dingtalk:staff1"} {
		before[where] = len(w.shown(where))
	}
	w.jumpTo(sh(t, "2026-12-08 10:00"))
	w.seen("feishu:ou_fay", "请在", "确认已读公告 A-1")
	w.seen("feishu:ou_gus", "请在", "确认已读公告 A-1")
	w.seen("dingtalk:staff1", "请在", "确认已读公告 A-1")
	w.seen("wecom:dora", "Please acknowledge announcement A-1")
	w.settle()
	for _, where := range []string{"feishu:ou_olga", "slack:DU1", "wecom:hank"} {
		for _, s := range w.shown(where)[before[where]:] {
			if strings.Contains(s, "确认已读公告 A-1") || strings.Contains(s, "Please acknowledge announcement A-1") {
				t.Errorf("%s, who acknowledged, was reminded: %s", where, s)
			}
		}
	}
	for _, h := range []string{"fay", "alice", "dora", "gus"} {
		if r := line(h); r.Reminders != 1 {
			t.Errorf("%s reminded %d times on Tuesday, want 1", h, r.Reminders)
		}
	}

	// Wednesday 18:00, the deadline: each head is told of their people
	// who have not acknowledged.
	w.jumpTo(sh(t, "2026-12-09 18:00"))
	olgaMsg := w.seen("feishu:ou_olga", "A-1", "已过截止时间")
	if !containsAll(olgaMsg, "@fay", "@dora") || strings.Contains(olgaMsg, "@alice") || strings.Contains(olgaMsg, "@gus") {
		t.Errorf("olga's escalation names the wrong people: %s", olgaMsg)
	}
	hankMsg := w.seen("wecom:hank", "A-1", "已过截止时间")
	if !containsAll(hankMsg, "@alice", "@gus") || strings.Contains(hankMsg, "@fay") || strings.Contains(hankMsg, "@dora") {
		t.Errorf("hank's escalation names the wrong people: %s", hankMsg)
	}
	w.settle()
	for _, where := range []string{"feishu:ou_fay", "feishu:ou_gus", "slack:DU1", "wecom:dora", "dingtalk:staff1"} {
		for _, s := range w.shown(where) {
			if strings.Contains(s, "已过截止时间") || strings.Contains(s, "past its deadline") {
				t.Errorf("%s, no head, was sent an escalation: %s", where, s)
			}
		}
	}
	for _, h := range []string{"fay", "alice", "dora", "gus"} {
		if line(h).EscalatedAt.IsZero() {
			t.Errorf("%s's line was not marked escalated", h)
		}
	}
	for _, h := range []string{"olga", "rita", "hank"} {
		if !line(h).EscalatedAt.IsZero() {
			t.Errorf("%s, who acknowledged, was escalated", h)
		}
	}
}
