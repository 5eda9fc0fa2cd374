package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot"
)

// meetingWorld is the ticket tests' world (Tandem in this process on a
// virtual clock, the four platforms' test kits) with the people of a
// cross-department meeting: the Design department (head olga) and QA
// (head hank), one person at home on each platform and a second on
// Feishu:
//
//	olga  Feishu   ou_olga  Design, its head   zh   the organizer
//	fay   Feishu   ou_fay   Design             zh   busy in her Feishu calendar
//	rita  Slack    U1       Design, an admin   en   busy in her calendar_url
//	hank  WeCom    hank     QA, its head       zh
//	alice DingTalk staff1   QA                 zh
//
// Design's group chats are oc_design on Feishu and C9 on Slack (bound by
// the `group bind` command in the test).
type meetingWorld struct {
	*ticketWorld
	ics    *httptest.Server // rita's published calendar
	stream *dingtalktest.GatewayConn
	seq    int
	// feishuChat is where each Feishu message the test sent was written
	// (the open_id of a direct chat, or the group's chat_id): Tandem's
	// replies to it are shown there.
	feishuChat map[string]string
}

// meetingFeishuGroup is Design's group chat on Feishu.
const meetingFeishuGroup = "oc_design"

func newMeetingWorld(t *testing.T, icsBody string) *meetingWorld {
	t.Helper()
	w := &meetingWorld{ticketWorld: newTicketWorld(t), feishuChat: map[string]string{}}
	w.ics = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/private/rita/basic.ics" {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		fmt.Fprint(rw, icsBody)
	}))
	t.Cleanup(w.ics.Close)
	w.yaml = w.appsYAML(", default_tz: Asia/Shanghai") + fmt.Sprintf(`departments:
  - {name: Design, head: olga}
  - {name: QA, head: hank}
people:
  - {name: Olga, handle: olga, dept: Design, lang: zh-CN, accounts: ["feishu:%[1]s:ou_olga"]}
  - {name: Fay, handle: fay, dept: Design, lang: zh-CN, accounts: ["feishu:%[1]s:ou_fay"]}
  - {name: Rita, handle: rita, dept: Design, role: admin, lang: en, accounts: ["slack:T1:U1"], calendar_url: "%[4]s/private/rita/basic.ics"}
  - {name: Hank, handle: hank, dept: QA, lang: zh-CN, accounts: ["wecom:%[2]s:hank"]}
  - {name: Alice, handle: alice, dept: QA, lang: zh-CN, accounts: ["dingtalk:%[3]s:staff1"]}
`, xpFeishuTenant, xpWeComCorp, tkDingCorp, w.ics.URL)
	return w
}

// startAt starts Tandem with the clock at at and takes DingTalk's Stream
// connection.
func (w *meetingWorld) startAt(at time.Time) {
	w.t.Helper()
	w.clock.Set(at)
	w.start()
	w.stream = w.ding.NextConn(w.t)
}

func (w *meetingWorld) next() int { w.seq++; return w.seq }

// feishuSays posts openID's signed, encrypted message to the bot: in their
// direct chat, or, when chat is given, in that group chat, addressed to
// the bot by a leading mention (Feishu delivers only those).
func (w *meetingWorld) feishuSays(openID, chat, text string) {
	w.t.Helper()
	n := w.next()
	msgID := fmt.Sprintf("om_mt_%d", n)
	payload := xpFeishuApp.DirectMessage(fmt.Sprintf("ev-mt-%d", n), openID, msgID, text, time.Now())
	w.feishuChat[msgID] = openID
	if chat != "" {
		w.feishuChat[msgID] = chat
		msg := payload["event"].(map[string]any)["message"].(map[string]any)
		msg["chat_id"], msg["chat_type"] = chat, "group"
		msg["content"] = string(dingtalktest.MustJSON(map[string]string{"text": "@_user_1 " + text}))
		msg["mentions"] = []any{map[string]any{"key": "@_user_1", "name": "Tandem", "tenant_key": xpFeishuTenant,
			"id": map[string]any{"open_id": feishutest.BotOpenID, "union_id": "on_bot"}}}
	}
	body, h := feishuEvent(w.t, payload)
	if code, resp := post(w.t, w.base+"/feishu/events", "application/json", body, h); code != 200 {
		w.t.Fatalf("%s's %q: %d %s", openID, text, code, resp)
	}
}

// feishuClicks is openID's click on the button (action, value) of the
// card that is message msgID.
func (w *meetingWorld) feishuClicks(openID, msgID, action, value string) string {
	w.t.Helper()
	body, h := feishuEvent(w.t, xpFeishuApp.Click(fmt.Sprintf("ev-mt-click-%d", w.next()), openID, "oc_"+openID, msgID, action, value, time.Now()))
	code, resp := post(w.t, w.base+"/feishu/events", "application/json", body, h)
	if code != 200 {
		w.t.Fatalf("%s's click on %s: %d %s", openID, action, code, resp)
	}
	return resp
}

// slackSays is rita's mention of the bot in channel C9.
func (w *meetingWorld) slackSays(text string) { w.mention(fmt.Sprintf("EvMt%d", w.next()), text) }

// slackClicks is rita's click on a button of the message ts in channel.
func (w *meetingWorld) slackClicks(channel, ts, action, value string) {
	w.t.Helper()
	n := w.next()
	form := string(slacktest.Click{User: "U1", UserName: "rita", Channel: channel, MessageTS: ts, ActionID: action, Value: value,
		Trigger: fmt.Sprintf("mt-%d", n), ResponseURL: w.slack.URL + fmt.Sprintf("/response/mt%d", n)}.Body())
	if code, resp := post(w.t, w.base+"/slack/interactions", slacktest.FormType, form, sign(form, time.Now().Unix())); code != 200 {
		w.t.Fatalf("rita's %s: %d %s", action, code, resp)
	}
}

// wecomSays is hank's message to the WeCom app.
func (w *meetingWorld) wecomSays(text string) {
	w.t.Helper()
	if code, resp := postWeCom(w.t, w.base, wecomCallback(w.t, wecomText("hank", text, 7600000000000000000+int64(w.next())))); code != 200 {
		w.t.Fatalf("hank's %q: %d %s", text, code, resp)
	}
}

// wecomClicks is hank's click on the button key ("action|value") of the
// template card task, with a fresh response code.
func (w *meetingWorld) wecomClicks(key, task string) {
	w.t.Helper()
	code := w.wecom.IssueResponseCode()
	cb := xpWeComApp.Callback(w.t, xpWeComApp.CardClickXML("hank", key, task, code, time.Now()), time.Now())
	if status, resp := postWeCom(w.t, w.base, cb); status != 200 {
		w.t.Fatalf("hank's click %s: %d %s", key, status, resp)
	}
}

// dingClicks is alice's click, over Stream, on a button of her card.
func (w *meetingWorld) dingClicks(outTrackID, action, value string) {
	w.t.Helper()
	click := dingtalktest.Click{OutTrackID: outTrackID, UserID: "staff1", CorpID: tkDingCorp, SpaceID: "cidAlice==",
		Params: map[string]any{"action": action, "value": value}}
	w.stream.Send(w.t, "CALLBACK", dingtalktest.TopicCardCallback, fmt.Sprintf("frame-mt-%d", w.next()), click.Data())
	if ack := w.stream.NextAck(w.t, 5*time.Second); ack == nil || ack.Code != 200 {
		w.t.Fatalf("ack of alice's %s: %+v", action, ack)
	}
}

// shown is everything a reader sees at where, as the fakes keep it (a
// card as last edited), one entry per message: "feishu:<open_id or
// chat_id>", "slack:<channel>" (rita's direct messages: "slack:U1"),
// "wecom:<user>", "dingtalk:<user>".
func (w *meetingWorld) shown(where string) []string {
	platform, to, _ := strings.Cut(where, ":")
	var out []string
	switch platform {
	case "feishu":
		for _, m := range w.feishu.Messages() {
			if m.ReceiveID == to || (m.ReplyTo != "" && w.feishuChat[m.ReplyTo] == to) {
				out = append(out, m.Content)
			}
		}
	case "slack":
		for _, m := range w.slack.Messages(to) {
			out = append(out, m.Text+"\n"+m.Blocks)
		}
	case "wecom":
		for _, c := range w.wecom.Matching(wecomtest.SendTo(to)) {
			out = append(out, wecomtest.Shown(c)+"\n"+string(c.Raw))
		}
	case "dingtalk":
		for _, c := range w.ding.Calls("batchSend") {
			if strings.Contains(fmt.Sprint(c.JSON["userIds"]), to) {
				out = append(out, fmt.Sprint(c.Param))
			}
		}
		for _, c := range w.ding.Cards() {
			if strings.HasSuffix(c.Space, "."+to) {
				out = append(out, c.Params["title"]+"\n"+c.Params["markdown"]+"\n"+c.Params["buttons"])
			}
		}
	default:
		w.t.Fatalf("shown: no platform %q", where)
	}
	return out
}

// seen waits until a message at where contains every one of subs and
// returns it.
func (w *meetingWorld) seen(where string, subs ...string) string {
	w.t.Helper()
	var got string
	find := func() bool {
		for _, s := range w.shown(where) {
			if containsAll(s, subs...) {
				got = s
				return true
			}
		}
		return false
	}
	if !feishutest.WaitFor(8*time.Second, find) {
		w.t.Fatalf("%s never showed %q; it shows:\n%s", where, subs, strings.Join(w.shown(where), "\n---\n"))
	}
	return got
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// meetingAccounts are the world's people's home accounts.
var meetingAccounts = map[string]bot.Account{
	"olga":  {Platform: bot.PlatformFeishu, Workspace: xpFeishuTenant, UserID: "ou_olga"},
	"fay":   {Platform: bot.PlatformFeishu, Workspace: xpFeishuTenant, UserID: "ou_fay"},
	"rita":  {Platform: bot.PlatformSlack, Workspace: "T1", UserID: "U1"},
	"hank":  {Platform: bot.PlatformWeCom, Workspace: xpWeComCorp, UserID: "hank"},
	"alice": {Platform: bot.PlatformDingTalk, Workspace: tkDingCorp, UserID: "staff1"},
}

// personID is the id of the person with handle.
func (w *meetingWorld) personID(handle string) int64 {
	w.t.Helper()
	var id int64
	err := w.m.DB.View(context.Background(), func(tx bot.Tx) error {
		p, err := tx.FindPersonByAccount(meetingAccounts[handle])
		if err == nil {
			id = p.ID
		}
		return err
	})
	if err != nil {
		w.t.Fatalf("person %s: %v", handle, err)
	}
	return id
}
