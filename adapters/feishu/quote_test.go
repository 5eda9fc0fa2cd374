package feishu_test

import (
	"net/http"
	"testing"

	"github.com/tandemhq/tandem/adapters/feishu"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
)

// Ensure a reply to a message ("@Tandem 转任务 @bob") is stored quoting the
// replied-to message: its text (read with im/v1/messages/:id before the
// event is stored, mentions normalized), its author and a link to its chat.
func TestReply_QuotesTheParent(t *testing.T) {
	in := &Intake{}
	a, f := newSender(t, in, nil)
	f.PutMessage(feishutest.StoredMessage{ID: "om_parent", SenderOpenID: "ou_carol",
		Content: `{"text":"The A3 printer jams on floor 3"}`})
	app := feishutest.App{AppID: "cli_test", Tenant: testTenant, Token: testToken}
	p := app.GroupReply("ev-r1", testSender, testChat, "om_reply", "om_parent", "@_user_1 转任务 @_user_2",
		[]feishutest.Mention{{Key: "@_user_1", OpenID: testBotID, Name: "Tandem"}, {Key: "@_user_2", OpenID: "ou_bob", Name: "bob"}}, testNow)
	if w := serve(t, a, signedRequest(p)); w.Code != http.StatusOK {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	evs := in.Events()
	if len(evs) != 1 {
		t.Fatalf("events %+v", evs)
	}
	ev := evs[0]
	want := bot.QuotedMessage{ID: "om_parent", Text: "The A3 printer jams on floor 3", AuthorID: "ou_carol",
		Link: "https://applink.feishu.cn/client/chat/open?openChatId=" + testChat}
	if ev.Text != "转任务 <@ou_bob>" || ev.Quoted == nil || *ev.Quoted != want {
		t.Fatalf("event text %q, quoted %+v", ev.Text, ev.Quoted)
	}
	gets := f.Matching(func(c feishutest.Call) bool {
		return c.Method == http.MethodGet && c.Path == feishutest.PathMessages+"/om_parent"
	})
	if len(gets) != 1 {
		t.Fatalf("message reads %d", len(gets))
	}
}

// Ensure a parent the bot cannot read (deleted, not visible, Feishu
// failing) still stores the event, with the quote's id and no text, so the
// command can ask for the text to be pasted; and a message that answers
// nothing carries no quote and costs no read.
func TestReply_UnreadableParentStillStored(t *testing.T) {
	in := &Intake{}
	a, f := newSender(t, in, func(c *feishu.Config) {})
	p := message("ev-r2", "task from this", func(msg, _ map[string]any) { msg["parent_id"], msg["root_id"] = "om_gone", "om_gone" })
	if w := serve(t, a, signedRequest(p)); w.Code != http.StatusOK {
		t.Fatalf("got %d", w.Code)
	}
	if evs := in.Events(); len(evs) != 1 || evs[0].Quoted == nil || evs[0].Quoted.ID != "om_gone" || evs[0].Quoted.Text != "" {
		t.Fatalf("events %+v", evs)
	}
	in.Reset()
	serve(t, a, signedRequest(message("ev-r3", "task list", nil)))
	if evs := in.Events(); len(evs) != 1 || evs[0].Quoted != nil {
		t.Fatalf("plain message %+v", evs)
	}
	if n := len(f.Matching(func(c feishutest.Call) bool { return c.Method == http.MethodGet })); n != 1 {
		t.Fatalf("reads %d, want only the one for om_gone", n)
	}
}
