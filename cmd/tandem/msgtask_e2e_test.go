package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
)

// Ensure a message on Feishu becomes a task for someone on Slack (issue 19,
// item 2): dave replies in a Feishu group to carol's message with
// "@Tandem 转任务 @bob 截止:周五"; the reply's parent is read from Feishu,
// the task quotes it with its author and a link to the chat, bob is told by
// Slack direct message with the task's card, and dave's reply is answered
// in the Feishu thread, in Chinese, as he wrote. Everything is asserted at the fakes.
func TestMessageToTask_FeishuToSlack(t *testing.T) {
	slackAPI, feishuAPI := newXPSlack(t), newXPFeishu(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "tandem.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
http: {addr: "%s"}
storage: {path: "%s"}
bot: {notify_window: 0s}
slack:
  signing_secret: xp-slack-secret
  bot_token: xoxb-xp
  bot_user_id: UBOT
  api_url: %s/api/
feishu:
  - app_id: cli_xp
    app_secret: xp-feishu-secret
    verification_token: %s
    encrypt_key: %s
    host: %s
people:
  - {name: Bob, handle: bob, accounts: ["slack:T1:U2"]}
  - {name: Carol, handle: carol, accounts: ["feishu:%s:ou_carol"]}
  - {name: Dave, handle: dave, accounts: ["feishu:%s:ou_dave"]}
`, addr, filepath.Join(dir, "tandem.db"), slackAPI.URL, xpFeishuToken, xpFeishuKey, feishuAPI.URL,
		xpFeishuTenant, xpFeishuTenant)), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, cfg, addr)
	defer func() {
		if t.Failed() {
			t.Logf("tandem logs:\n%s\nfeishu calls:\n%sslack calls:\n%s", srv.logs, feishuAPI.Dump(), slackAPI.Dump())
		}
	}()

	feishuAPI.PutMessage(feishutest.StoredMessage{ID: "om_carol1", SenderOpenID: "ou_carol",
		Content: `{"text":"The A3 printer on floor 3 jams again\nplease order a new drum"}`})
	reply := xpFeishuApp.GroupReply("ev-msgtask-1", "ou_dave", "oc_team", "om_dave1", "om_carol1", "@_user_1 转任务 @bob 截止:周五",
		[]feishutest.Mention{{Key: "@_user_1", OpenID: feishutest.BotOpenID, Name: "Tandem"}}, time.Now())
	body, h := feishuEvent(t, reply)
	if code, resp := post(t, srv.url+"/feishu/events", "application/json", body, h); code != http.StatusOK {
		t.Fatalf("dave's reply: %d %s", code, resp)
	}

	// bob is told on Slack, by direct message, with the card quoting carol.
	dms := slackAPI.WaitCalls("chat.postMessage", 1, 10*time.Second)
	if len(dms) != 1 || dms[0].Form.Get("channel") != "DU2" {
		t.Fatalf("Slack messages: %+v", dms)
	}
	blocks := dms[0].Form.Get("blocks")
	mustContain(t, blocks, "#1 The A3 printer on floor 3 jams again", "@dave gave you a task",
		"The A3 printer on floor 3 jams again\\n\\u0026gt; please order a new drum\\n— @carol · "+
			"https://applink.feishu.cn/client/chat/open?openChatId=oc_team", `"action_id":"task.start"`)

	// dave's reply is answered in the Feishu thread it came from.
	answered := feishuAPI.Await(1, func(c feishutest.Call) bool { return strings.HasSuffix(c.Path, "/om_dave1/reply") })
	if len(answered) != 1 || !strings.Contains(string(answered[0].Raw), "已创建任务 #1，负责人 @bob") {
		t.Fatalf("answer to dave: %+v", answered)
	}
	// The parent was read once, before the event was stored.
	if gets := feishuAPI.Matching(func(c feishutest.Call) bool {
		return c.Method == http.MethodGet && strings.HasSuffix(c.Path, "/om_carol1")
	}); len(gets) != 1 {
		t.Errorf("reads of the parent: %d, want 1", len(gets))
	}
}
