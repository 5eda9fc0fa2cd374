package dingtalk_test

import (
	"net/http"
	"testing"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/bot"
)

// Ensure a reply to a message (引用回复, text.repliedMsg) is stored quoting
// it, from a text or a rich-text message, with its author's staff id and
// nickname; and that a message that replies to nothing quotes nothing.
func TestReply_QuotesRepliedMsg(t *testing.T) {
	for _, rich := range []bool{false, true} {
		in := &Intake{}
		a := MustNewAdapter(t, in, nil)
		m := dingtalktest.BotMessage{MsgID: "msgR1", ConversationID: "cidG1", Group: true, SenderStaffID: "staff1", CorpID: "ding1",
			Text: " 转任务 ", RepliedTo: &dingtalktest.Replied{MsgID: "msgP1", SenderStaffID: "staff7", SenderNick: "Carol",
				Text: "周五前交海报", RichText: rich}}
		if w := serve(t, a, signedRequest([]byte(m.Data()), testNow)); w.Code != http.StatusOK {
			t.Fatalf("got %d %q", w.Code, w.Body)
		}
		evs := in.Events()
		want := bot.QuotedMessage{ID: "msgP1", Text: "周五前交海报", AuthorID: "staff7", AuthorName: "Carol"}
		if len(evs) != 1 || evs[0].Text != "转任务" || evs[0].Quoted == nil || *evs[0].Quoted != want {
			t.Fatalf("rich=%v: events %+v", rich, evs)
		}
	}
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	plain := dingtalktest.BotMessage{MsgID: "msgR2", ConversationID: "cidG1", Group: true, SenderStaffID: "staff1", CorpID: "ding1", Text: "task list"}
	serve(t, a, signedRequest([]byte(plain.Data()), testNow))
	if evs := in.Events(); len(evs) != 1 || evs[0].Quoted != nil {
		t.Fatalf("plain: %+v", evs)
	}
}
