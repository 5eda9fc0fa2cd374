package wecom_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/wecom"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
)

// FakeWeCom is the test kit's fake WeCom API; robots are /robot/<name>.
type FakeWeCom = wecomtest.Server

type apiCall = wecomtest.Call

func NewFakeWeCom(tb testing.TB) *FakeWeCom { return wecomtest.New(tb) }

var errcode = wecomtest.Errcode

func newSender(tb testing.TB, clock *adaptertest.Clock) (*wecom.Adapter, *FakeWeCom) {
	f := NewFakeWeCom(tb)
	a := MustNewAdapter(tb, &Intake{}, func(c *wecom.Config) {
		c.APIURL, c.HTTPClient = f.URL, f.Client()
		c.Robots = map[string]string{"ops": f.URL + "/robot/ops?key=SECRET-ROBOT-KEY", "dev": f.URL + "/robot/dev?key=k2"}
		if clock != nil {
			c.Now = clock.Now
		}
	})
	return a, f
}

var taskCard = bot.Message{
	Text: "Task #12 created",
	Card: &bot.Card{
		Title:  "#12 Fix login",
		Fields: []bot.Field{{Label: "Owner", Value: "@lisi"}, {Label: "Due", Value: "Fri"}},
		Buttons: []bot.Button{
			{ActionID: "task.start", Value: "12", Label: "Start", Style: "primary", Typed: "task start 12"},
			{ActionID: "task.cancel", Value: "12", Label: "Cancel", Style: "danger", Typed: "task cancel 12"},
		},
		Footer: "created by @wangwu",
	},
}

var sendAt = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func send(a *wecom.Adapter, to bot.Destination, m bot.Message) (string, error) {
	to.Platform, to.Workspace = bot.PlatformWeCom, testCorp
	return a.Send(context.Background(), &bot.Outgoing{ID: 7, Key: "in3/r0", To: to, Msg: m, CreatedAt: sendAt})
}

func asJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// Ensure a plain message to a user is one message/send with the token from
// gettoken, the exact fields, and WeCom's duplicate check on.
func TestSend_Text(t *testing.T) {
	a, f := newSender(t, nil)
	id, err := send(a, bot.Destination{UserID: testUser}, bot.Message{Text: "Task #3 assigned to <@lisi>"})
	if err != nil || id != "msg1" {
		t.Fatalf("id %q err %v", id, err)
	}
	if p := f.Paths(); p != "gettoken,message/send" {
		t.Fatalf("calls %s", p)
	}
	tok := f.CallsTo("/cgi-bin/gettoken")[0].Query
	if tok.Get("corpid") != testCorp || tok.Get("corpsecret") != testSecret {
		t.Fatalf("gettoken query %v", tok)
	}
	c := f.CallsTo("/cgi-bin/message/send")[0]
	if c.Query.Get("access_token") != "tok1" {
		t.Fatalf("token %q", c.Query.Get("access_token"))
	}
	// The common fields are silenceper/wechat's message.SendRequestCommon,
	// which sends agentid as a string and the unused fields empty.
	want := `{"agentid":"218","duplicate_check_interval":60,"enable_duplicate_check":1,"enable_id_trans":0,"msgtype":"text","safe":0,` +
		`"text":{"content":"Task #3 assigned to @lisi"},"toparty":"","totag":"","touser":"zhangsan"}`
	if got := asJSON(t, c.JSON); got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
}

// Ensure the access token is fetched once, reused, and fetched again shortly
// before it expires.
func TestSend_TokenCached(t *testing.T) {
	clock := adaptertest.NewClock(sendAt)
	a, f := newSender(t, clock)
	for range 3 {
		if _, err := send(a, bot.Destination{UserID: testUser}, bot.Message{Text: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Add(2*time.Hour - 6*time.Minute)
	send(a, bot.Destination{UserID: testUser}, bot.Message{Text: "still tok1"})
	clock.Add(2 * time.Minute) // within 5 min of expiry
	send(a, bot.Destination{UserID: testUser}, bot.Message{Text: "tok2"})
	if n := len(f.CallsTo("/cgi-bin/gettoken")); n != 2 {
		t.Fatalf("gettoken called %d times, want 2", n)
	}
	sends := f.CallsTo("/cgi-bin/message/send")
	if sends[3].Query.Get("access_token") != "tok1" || sends[4].Query.Get("access_token") != "tok2" {
		t.Fatalf("tokens %q %q", sends[3].Query.Get("access_token"), sends[4].Query.Get("access_token"))
	}
}

// Ensure concurrent senders share one token fetch.
func TestSend_TokenSingleFetch(t *testing.T) {
	a, f := newSender(t, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := send(a, bot.Destination{UserID: fmt.Sprintf("u%d", i)}, bot.Message{Text: "hi"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(f.CallsTo("/cgi-bin/gettoken")); n != 1 {
		t.Fatalf("gettoken called %d times", n)
	}
}

// Ensure a card with buttons is a button_interaction template card with the
// exact fields: agentid, touser, button keys, task id, duplicate check.
func TestSend_TemplateCard(t *testing.T) {
	a, f := newSender(t, nil)
	// The remote id is the response_code that comes with the card, with
	// which it can be updated once.
	id, err := send(a, bot.Destination{UserID: testUser}, taskCard)
	if err != nil || id != "rc-send-1" {
		t.Fatalf("id %q err %v", id, err)
	}
	body := f.CallsTo("/cgi-bin/message/send")[0].JSON
	card := body["template_card"].(map[string]any)
	taskID, _ := card["task_id"].(string)
	if !regexp.MustCompile(`^[0-9A-Za-z_@-]{1,128}$`).MatchString(taskID) {
		t.Fatalf("task_id %q", taskID)
	}
	want := `{"agentid":"218","duplicate_check_interval":60,"enable_duplicate_check":1,"enable_id_trans":0,"msgtype":"template_card","safe":0,"template_card":{` +
		`"button_list":[{"key":"task.start|12","style":1,"text":"Start","type":0},{"key":"task.cancel|12","style":2,"text":"Cancel","type":0}],` +
		`"card_type":"button_interaction",` +
		`"horizontal_content_list":[{"keyname":"Owner","value":"@lisi"},{"keyname":"Due","value":"Fri"}],` +
		`"main_title":{"desc":"Task #12 created","title":"#12 Fix login"},` +
		`"sub_title_text":"created by @wangwu","task_id":"` + taskID + `"},"toparty":"","totag":"","touser":"zhangsan"}`
	if got := asJSON(t, body); got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}

	// The same outbox row keeps its task id on a retry; another row gets
	// another one.
	send(a, bot.Destination{UserID: testUser}, taskCard)
	a.Send(context.Background(), &bot.Outgoing{ID: 8, Key: "in3/r1", To: bot.Destination{UserID: testUser}, Msg: taskCard, CreatedAt: sendAt})
	calls := f.CallsTo("/cgi-bin/message/send")
	id2 := calls[1].JSON["template_card"].(map[string]any)["task_id"]
	id3 := calls[2].JSON["template_card"].(map[string]any)["task_id"]
	if id2 != taskID || id3 == taskID {
		t.Fatalf("task ids %v %v %v", taskID, id2, id3)
	}
}

// Ensure a robot chat is posted to its webhook as markdown with <@userid>
// mentions, without an access token, and kept to 20 a minute.
func TestSend_Robot(t *testing.T) {
	clock := adaptertest.NewClock(sendAt)
	a, f := newSender(t, clock)
	// Robots return no message id: the remote id marks the robot, so that
	// an edit of the card follows up there (TestSend_CardEdit/RobotFollowsUp).
	id, err := send(a, bot.Destination{ChatID: "robot:ops"}, bot.Message{Text: "Digest for <@lisi>", Card: taskCard.Card})
	if err != nil || id != "robot:ops" {
		t.Fatalf("id %q err %v", id, err)
	}
	calls := f.Calls()
	if len(calls) != 1 || calls[0].Path != "/robot/ops" || calls[0].Query.Get("key") != "SECRET-ROBOT-KEY" {
		t.Fatalf("calls %+v", calls)
	}
	want := "Digest for <@lisi>\n\n**#12 Fix login**\n> Owner: @lisi\n> Due: Fri\n» `task start 12` · `task cancel 12`\n" +
		`<font color="comment">created by @wangwu</font>`
	if calls[0].JSON["msgtype"] != "markdown" || calls[0].JSON["markdown"].(map[string]any)["content"] != want {
		t.Fatalf("body %s", calls[0].Raw)
	}

	for i := 2; i <= 20; i++ {
		if _, err := send(a, bot.Destination{ChatID: "robot:ops"}, bot.Message{Text: fmt.Sprint(i)}); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		clock.Add(time.Second)
	}
	_, err = send(a, bot.Destination{ChatID: "robot:ops"}, bot.Message{Text: "21"})
	d, ok := bot.AsDeliveryError(err)
	if !ok || d.RetryAfter != 41*time.Second {
		t.Fatalf("21st message: %v, want RetryAfter 41s", err)
	}
	if n := len(f.CallsTo("/robot/ops")); n != 20 {
		t.Fatalf("%d posts", n)
	}
	if _, err := send(a, bot.Destination{ChatID: "robot:dev"}, bot.Message{Text: "other robot"}); err != nil {
		t.Fatalf("another robot is limited separately: %v", err)
	}
	clock.Add(41 * time.Second)
	if _, err := send(a, bot.Destination{ChatID: "robot:ops"}, bot.Message{Text: "21"}); err != nil {
		t.Fatal(err)
	}
	if len(f.CallsTo("/cgi-bin/gettoken")) != 0 {
		t.Fatal("robots need no token")
	}
}

// Ensure a private message for a robot chat goes to the user instead.
func TestSend_PrivateInRobotChat(t *testing.T) {
	a, f := newSender(t, nil)
	if _, err := send(a, bot.Destination{ChatID: "robot:ops", UserID: testUser}, bot.Message{Text: "only you", Private: true}); err != nil {
		t.Fatal(err)
	}
	if p := f.Paths(); p != "gettoken,message/send" {
		t.Fatalf("calls %s", p)
	}
}

// Ensure an edit (Msg.Edit) replaces the card posted earlier through
// update_template_card with the card's response_code (the remote id that
// came with it, or a click's), that a card without buttons left has them
// replaced by a grey, unclickable one, and that a refused code (spent,
// expired) or a robot chat gets Msg.Text as a follow-up instead.
func TestSend_CardEdit(t *testing.T) {
	to := bot.Destination{UserID: testUser}
	edit := func(m bot.Message, code string) bot.Message {
		m.Edit = &bot.Edit{CopyID: 1, RemoteID: code}
		return m
	}
	done := bot.Message{Text: "#12 is done.", Card: &bot.Card{Title: "#12 Fix login", Fields: []bot.Field{{Label: "Status", Value: "done"}}, Lang: bot.LangZH}}
	t.Run("Update", func(t *testing.T) {
		a, f := newSender(t, nil)
		code, err := send(a, to, taskCard)
		if err != nil {
			t.Fatal(err)
		}
		id, err := send(a, to, edit(taskCard, code))
		if err != nil || id != "" {
			t.Fatalf("id %q err %v", id, err)
		}
		if p := f.Paths(); p != "gettoken,message/send,message/update_template_card" {
			t.Fatalf("calls %s", p)
		}
		body := f.CallsTo(wecomtest.PathUpdateCard)[0].JSON
		card := body["template_card"].(map[string]any)
		if body["response_code"] != code || body["agentid"] != float64(testAgent) || asJSON(t, body["userids"]) != `["zhangsan"]` ||
			card["card_type"] != "button_interaction" || card["task_id"] != nil || !strings.Contains(asJSON(t, card), `"key":"task.start|12"`) {
			t.Fatalf("body %v", body)
		}
	})
	t.Run("DoneCardLosesItsButtons", func(t *testing.T) {
		a, f := newSender(t, nil)
		code := f.IssueResponseCode()
		if _, err := send(a, to, edit(done, code)); err != nil {
			t.Fatal(err)
		}
		c := f.CallsTo(wecomtest.PathUpdateCard)[0]
		card := c.JSON["template_card"].(map[string]any)
		if card["replace_text"] != "已处理" || asJSON(t, card["main_title"]) != `{"desc":"#12 is done.","title":"#12 Fix login"}` ||
			!strings.Contains(asJSON(t, card), `"keyname":"Status","value":"done"`) {
			t.Fatalf("card %s", asJSON(t, card))
		}
		if len(f.CallsTo(wecomtest.PathSend)) != 0 {
			t.Fatal("an update that WeCom took must not post a follow-up")
		}
	})
	t.Run("SpentCodeFollowsUp", func(t *testing.T) {
		a, f := newSender(t, nil)
		code, _ := send(a, to, taskCard)
		send(a, to, edit(done, code)) // uses the code
		if _, err := send(a, to, edit(done, code)); err != nil {
			t.Fatal(err)
		}
		if p := f.Paths(); p != "gettoken,message/send,message/update_template_card,message/update_template_card,message/send" {
			t.Fatalf("calls %s", p)
		}
		if got := wecomtest.Shown(f.CallsTo(wecomtest.PathSend)[1]); got != "#12 is done." {
			t.Fatalf("follow-up %q", got)
		}
	})
	t.Run("RobotFollowsUp", func(t *testing.T) {
		a, f := newSender(t, nil)
		if _, err := send(a, bot.Destination{ChatID: "robot:ops"}, edit(done, "robot:ops")); err != nil {
			t.Fatal(err)
		}
		if p := f.Paths(); p != "/robot/ops" || !strings.Contains(string(f.Calls()[0].Raw), "#12 is done.") {
			t.Fatalf("calls %s", f.Dump())
		}
	})
	t.Run("RateLimitedUpdateWaits", func(t *testing.T) {
		a, f := newSender(t, nil)
		f.Reply(wecomtest.PathUpdateCard, errcode(45009, "api freq out of limit"))
		_, err := send(a, to, edit(taskCard, "rc-x"))
		if d, ok := bot.AsDeliveryError(err); !ok || d.RetryAfter != time.Minute {
			t.Fatalf("got %v", err)
		}
		if len(f.CallsTo(wecomtest.PathSend)) != 0 {
			t.Fatal("a rate-limited update must be retried, not replaced")
		}
	})
}

// Ensure an invalid or expired token is replaced and the call made once
// more, and only once.
func TestSend_TokenRefresh(t *testing.T) {
	for _, code := range []int{40014, 42001} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			a, f := newSender(t, nil)
			f.Reply("/cgi-bin/message/send", func(w http.ResponseWriter, n int) {
				if n == 1 {
					errcode(code, "access_token expired")(w, n)
					return
				}
				io.WriteString(w, `{"errcode":0,"errmsg":"ok","msgid":"m2"}`)
			})
			id, err := send(a, bot.Destination{UserID: testUser}, bot.Message{Text: "hi"})
			if err != nil || id != "m2" {
				t.Fatalf("id %q err %v", id, err)
			}
			sends := f.CallsTo("/cgi-bin/message/send")
			if p := f.Paths(); p != "gettoken,message/send,gettoken,message/send" || sends[1].Query.Get("access_token") != "tok2" {
				t.Fatalf("calls %s", p)
			}
		})
	}
	t.Run("OnlyOnce", func(t *testing.T) {
		a, f := newSender(t, nil)
		f.Reply("/cgi-bin/message/send", errcode(40014, "invalid access_token"))
		_, err := send(a, bot.Destination{UserID: testUser}, bot.Message{Text: "hi"})
		adaptertest.CheckDeliveryError(t, err, 0, false)
		if n := len(f.CallsTo("/cgi-bin/message/send")); n != 2 {
			t.Fatalf("%d sends", n)
		}
	})
}

// Ensure errors are classified for the outbox: rate limits wait 60 s,
// invalid users and configuration errors are permanent, the rest transient.
func TestSend_Errors(t *testing.T) {
	invalidUser := func(w http.ResponseWriter, _ int) {
		io.WriteString(w, `{"errcode":0,"errmsg":"ok","invaliduser":"zhangsan","msgid":""}`)
	}
	for name, tc := range map[string]struct {
		path       string
		reply      func(http.ResponseWriter, int)
		to         bot.Destination
		retryAfter time.Duration
		permanent  bool
	}{
		"FreqOutOfLimit":       {"/cgi-bin/message/send", errcode(45009, "api freq out of limit"), bot.Destination{UserID: testUser}, time.Minute, false},
		"ConcurrentOutOfLimit": {"/cgi-bin/message/send", errcode(45033, "api concurrent out of limit"), bot.Destination{UserID: testUser}, time.Minute, false},
		"HTTP429":              {"/cgi-bin/message/send", func(w http.ResponseWriter, _ int) { w.Header().Set("Retry-After", "7"); w.WriteHeader(429) }, bot.Destination{UserID: testUser}, 7 * time.Second, false},
		"TokenFreqOutOfLimit":  {"/cgi-bin/gettoken", errcode(45009, "api freq out of limit"), bot.Destination{UserID: testUser}, time.Minute, false},
		"RobotOutOfLimit":      {"/robot/ops", errcode(45009, "api freq out of limit"), bot.Destination{ChatID: "robot:ops"}, time.Minute, false},
		"UserNotFound":         {"/cgi-bin/message/send", errcode(60111, "userid not found"), bot.Destination{UserID: testUser}, 0, true},
		"AllRecipientsInvalid": {"/cgi-bin/message/send", errcode(81013, "user & party & tag all invalid"), bot.Destination{UserID: testUser}, 0, true},
		"NotVisible":           {"/cgi-bin/message/send", errcode(50002, "out of scope"), bot.Destination{UserID: testUser}, 0, true},
		"InvalidUserListed":    {"/cgi-bin/message/send", invalidUser, bot.Destination{UserID: testUser}, 0, true},
		"IPNotAllowed":         {"/cgi-bin/message/send", errcode(60020, "not allow to access from your ip"), bot.Destination{UserID: testUser}, 0, true},
		"BadSecret":            {"/cgi-bin/gettoken", errcode(40001, "invalid credential"), bot.Destination{UserID: testUser}, 0, true},
		"RobotRemoved":         {"/robot/ops", errcode(93000, "invalid webhook url"), bot.Destination{ChatID: "robot:ops"}, 0, true},
		"SystemBusy":           {"/cgi-bin/message/send", errcode(-1, "system busy"), bot.Destination{UserID: testUser}, 0, false},
		"UnknownErrcode":       {"/cgi-bin/message/send", errcode(99999, "new"), bot.Destination{UserID: testUser}, 0, false},
		"HTTP502":              {"/cgi-bin/message/send", func(w http.ResponseWriter, _ int) { w.WriteHeader(502) }, bot.Destination{UserID: testUser}, 0, false},
		"RobotHTTP500":         {"/robot/ops", func(w http.ResponseWriter, _ int) { w.WriteHeader(500) }, bot.Destination{ChatID: "robot:ops"}, 0, false},
		"NotJSON":              {"/cgi-bin/message/send", func(w http.ResponseWriter, _ int) { io.WriteString(w, "<html>") }, bot.Destination{UserID: testUser}, 0, false},
		"TokenMissing":         {"/cgi-bin/gettoken", func(w http.ResponseWriter, _ int) { io.WriteString(w, `{"errcode":0}`) }, bot.Destination{UserID: testUser}, 0, false},
	} {
		t.Run(name, func(t *testing.T) {
			a, f := newSender(t, nil)
			f.Reply(tc.path, tc.reply)
			_, err := send(a, tc.to, bot.Message{Text: "hi"})
			adaptertest.CheckDeliveryError(t, err, tc.retryAfter, tc.permanent)
			if s := err.Error(); strings.Contains(s, "tok1") || strings.Contains(s, testSecret) || strings.Contains(s, "SECRET-ROBOT-KEY") {
				t.Fatalf("error leaks a credential: %s", s)
			}
		})
	}
}

// Ensure a transport failure is transient and its error carries no URL:
// the query holds the access token, the corp secret or a robot key.
func TestSend_TransportErrorRedacted(t *testing.T) {
	a, f := newSender(t, nil)
	if _, err := send(a, bot.Destination{UserID: testUser}, bot.Message{Text: "warm the token"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, to := range []bot.Destination{{UserID: testUser}, {ChatID: "robot:ops"}} {
		_, err := send(a, to, bot.Message{Text: "hi"})
		adaptertest.CheckDeliveryError(t, err, 0, false)
		if s := err.Error(); strings.Contains(s, "tok1") || strings.Contains(s, "SECRET-ROBOT-KEY") || strings.Contains(s, "access_token") {
			t.Fatalf("error leaks a credential: %s", s)
		}
	}
	cold := MustNewAdapter(t, &Intake{}, func(c *wecom.Config) { c.APIURL = f.URL })
	if _, err := send(cold, bot.Destination{UserID: testUser}, bot.Message{Text: "hi"}); err == nil || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("gettoken error %v", err)
	}
}

// Ensure text over WeCom's 2048 bytes goes in several messages, cut at line
// breaks and never inside a character.
func TestSend_LongText(t *testing.T) {
	a, f := newSender(t, nil)
	line := strings.Repeat("任务", 50) // 300 bytes
	text := strings.TrimSuffix(strings.Repeat(line+"\n", 17), "\n")
	id, err := send(a, bot.Destination{UserID: testUser}, bot.Message{Text: text})
	if err != nil || id != "msg1" {
		t.Fatalf("id %q err %v", id, err)
	}
	var got []string
	for _, c := range f.CallsTo("/cgi-bin/message/send") {
		content := c.JSON["text"].(map[string]any)["content"].(string)
		if len(content) > 2048 {
			t.Fatalf("chunk of %d bytes", len(content))
		}
		got = append(got, content)
	}
	if len(got) != 3 || strings.Join(got, "\n") != text {
		t.Fatalf("%d chunks, rejoined equal: %v", len(got), strings.Join(got, "\n") == text)
	}
}

// Ensure messages that cannot be sent fail permanently without a call.
func TestSend_Invalid(t *testing.T) {
	a, f := newSender(t, nil)
	for _, tc := range []struct {
		to bot.Destination
		m  bot.Message
	}{
		{bot.Destination{UserID: testUser}, bot.Message{}},
		{bot.Destination{UserID: testUser}, bot.Message{Text: "  "}},
		{bot.Destination{}, bot.Message{Text: "hi"}},
		{bot.Destination{ChatID: "robot:nobody"}, bot.Message{Text: "hi"}},
		{bot.Destination{UserID: "a|b"}, bot.Message{Text: "hi"}},
		{bot.Destination{UserID: testUser}, bot.Message{Card: &bot.Card{}}},
	} {
		_, err := send(a, tc.to, tc.m)
		if d, ok := bot.AsDeliveryError(err); !ok || !d.Permanent {
			t.Fatalf("%+v: got %v", tc, err)
		}
	}
	if len(f.Calls()) != 0 {
		t.Fatalf("called WeCom: %s", f.Paths())
	}
	var _ bot.Sender = a
}
