package dingtalk_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/dingtalk"
	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
)

const testTemplate = "tpl-1234.schema"

// newCardSender is a sender with a card template, in stream mode (Run is
// not needed to send).
func newCardSender(tb testing.TB) *sender {
	return newSenderWith(tb, func(c *dingtalk.Config) {
		c.CardTemplateID, c.Mode = testTemplate, dingtalk.ModeStream
	})
}

// sendRow sends m as the outbox row (id, key) to to.
func (s *sender) sendRow(id int64, key string, to bot.Destination, m bot.Message) (string, error) {
	to.Platform, to.Workspace = bot.PlatformDingTalk, "dingcorp1"
	return s.Send(context.Background(), &bot.Outgoing{ID: id, Key: key, To: to, Msg: m, CreatedAt: testNow})
}

// cardParams returns a createAndDeliver call's cardParamMap.
func cardParams(t *testing.T, c dingtalktest.Call) map[string]string {
	t.Helper()
	data, _ := c.JSON["cardData"].(map[string]any)
	raw, _ := data["cardParamMap"].(map[string]any)
	out := map[string]string{}
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("cardParamMap[%q] is %T, not a string", k, v)
		}
		out[k] = s
	}
	return out
}

type cardButton struct {
	Text, Action, Value, Color string
}

var trackIDRe = regexp.MustCompile(`^tandem-[0-9a-f]{32}$`)

// Ensure a card with buttons, with a template configured, goes to a group
// as an interactive card: createAndDeliver with the template, the group's
// open space, the robot, Stream callbacks, the access token, and the
// template's variables; not through the session webhook, which cannot
// carry one. The same outbox row sent again asks for the same card, which
// DingTalk refuses as existing, and that counts as delivered.
func TestSendCard_Group(t *testing.T) {
	s := newCardSender(t)
	to := bot.Destination{ChatID: "cidGroup1==", UserID: "staff1", ReplyHandle: s.handle("g1", testNow.Add(time.Hour))}
	id, err := s.sendRow(7, "reply:ev1", to, taskCard)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.f.Calls("session")) + len(s.f.Calls("groupSend")) + len(s.f.Calls("batchSend")); n != 0 {
		t.Fatalf("robot messages sent: %+v", s.f.Calls(""))
	}
	calls := s.f.Calls("createAndDeliver")
	if len(calls) != 1 {
		t.Fatalf("calls %+v", s.f.Calls(""))
	}
	c := calls[0]
	track, _ := c.JSON["outTrackId"].(string)
	if !trackIDRe.MatchString(track) || id != track {
		t.Fatalf("outTrackId %q, returned id %q", track, id)
	}
	if c.Token != "tok-1" || c.JSON["cardTemplateId"] != testTemplate || c.JSON["callbackType"] != "STREAM" ||
		c.JSON["openSpaceId"] != "dtv1.card//IM_GROUP.cidGroup1==" || c.JSON["userIdType"] != 1.0 {
		t.Fatalf("request %s (token %q)", dingtalktest.MustJSON(c.JSON), c.Token)
	}
	if got := dingtalktest.MustJSON(c.JSON["imGroupOpenDeliverModel"]); got != `{"robotCode":"dingrobot1"}` {
		t.Fatalf("imGroupOpenDeliverModel %s", got)
	}
	if got := dingtalktest.MustJSON(c.JSON["imGroupOpenSpaceModel"]); got != `{"lastMessageI18n":{"EN_US":"#42 Fix login","ZH_CN":"#42 Fix login"},"supportForward":false}` {
		t.Fatalf("imGroupOpenSpaceModel %s", got)
	}
	if c.JSON["imRobotOpenDeliverModel"] != nil || c.JSON["imRobotOpenSpaceModel"] != nil {
		t.Fatalf("robot models in a group card: %s", dingtalktest.MustJSON(c.JSON))
	}

	p := cardParams(t, c)
	wantMD := "Task #42 created for @staff2\n\n**Owner:** @staff2\n\n**Due:** Fri\n\n> created by @staff1"
	if p["title"] != "#42 Fix login" || p["markdown"] != wantMD {
		t.Fatalf("title %q, markdown %q", p["title"], p["markdown"])
	}
	var buttons []cardButton
	if err := json.Unmarshal([]byte(p["buttons"]), &buttons); err != nil {
		t.Fatalf("buttons %q: %v", p["buttons"], err)
	}
	want := []cardButton{{"Start", "task.start", "42", "blue"}, {"Cancel", "task.cancel", "42", "red"}}
	if len(buttons) != len(want) || buttons[0] != want[0] || buttons[1] != want[1] {
		t.Fatalf("buttons %+v", buttons)
	}
	for k, v := range map[string]string{
		"button1_text": "Start", "button1_action": "task.start", "button1_value": "42", "button1_color": "blue",
		"button2_text": "Cancel", "button2_action": "task.cancel", "button2_value": "42", "button2_color": "red",
		"button3_text": "", "button3_action": "", "button6_value": "", "button6_color": "",
	} {
		if got, ok := p[k]; !ok || got != v {
			t.Fatalf("%s = %q (set %v), want %q", k, got, ok, v)
		}
	}
	if len(p) != 3+6*4 {
		t.Fatalf("%d variables: %v", len(p), p)
	}

	// A retry of the same row: the same card, which DingTalk has.
	id2, err := s.sendRow(7, "reply:ev1", to, taskCard)
	if err != nil || id2 != track {
		t.Fatalf("retry: id %q, err %v", id2, err)
	}
	calls = s.f.Calls("createAndDeliver")
	if len(calls) != 2 || calls[1].JSON["outTrackId"] != track {
		t.Fatalf("retry calls %+v", calls)
	}

	// Another row is another card.
	id3, err := s.sendRow(8, "reply:ev2", to, taskCard)
	if err != nil || id3 == track || !trackIDRe.MatchString(id3) {
		t.Fatalf("another row: id %q, err %v", id3, err)
	}
}

// Ensure a card for a person, for a chat known to be one-to-one, or private
// in a group goes to the person's chat with the bot: the IM_ROBOT space
// with the staff id and imRobotOpenDeliverModel.
func TestSendCard_User(t *testing.T) {
	s := newCardSender(t)
	private := taskCard
	private.Private = true
	for i, tc := range []struct {
		to   bot.Destination
		m    bot.Message
		user string
	}{
		{bot.Destination{UserID: "staff9"}, taskCard, "staff9"},
		{bot.Destination{ChatID: "cidGroup1==", UserID: "staff1", ReplyHandle: s.handle("g1", testNow.Add(time.Hour))}, private, "staff1"},
	} {
		if _, err := s.sendRow(int64(i+1), "k", tc.to, tc.m); err != nil {
			t.Fatal(err)
		}
		c := s.f.Calls("createAndDeliver")[i]
		if c.JSON["openSpaceId"] != "dtv1.card//IM_ROBOT."+tc.user || c.JSON["cardTemplateId"] != testTemplate ||
			c.JSON["callbackType"] != "STREAM" || c.Token != "tok-1" {
			t.Fatalf("request %s", dingtalktest.MustJSON(c.JSON))
		}
		if got := dingtalktest.MustJSON(c.JSON["imRobotOpenDeliverModel"]); got != `{"robotCode":"dingrobot1","spaceType":"IM_ROBOT"}` {
			t.Fatalf("imRobotOpenDeliverModel %s", got)
		}
		if sm, _ := c.JSON["imRobotOpenSpaceModel"].(map[string]any); sm == nil || sm["supportForward"] != false {
			t.Fatalf("imRobotOpenSpaceModel %s", dingtalktest.MustJSON(c.JSON["imRobotOpenSpaceModel"]))
		}
		if c.JSON["imGroupOpenDeliverModel"] != nil || c.JSON["imGroupOpenSpaceModel"] != nil {
			t.Fatalf("group models in a user card: %s", dingtalktest.MustJSON(c.JSON))
		}
		if p := cardParams(t, c); p["button1_action"] != "task.start" {
			t.Fatalf("params %v", p)
		}
	}
	if n := len(s.f.Calls("session")) + len(s.f.Calls("groupSend")) + len(s.f.Calls("batchSend")); n != 0 {
		t.Fatalf("robot messages sent: %+v", s.f.Calls(""))
	}

	// A one-to-one conversation seen inbound is sent to its user.
	in := &Intake{}
	a, _ := runStream(t, s.f, in, func(c *dingtalk.Config) { c.CardTemplateID = testTemplate })
	s.f.NextConn(t).Send(t, "CALLBACK", dingtalk.TopicBotMessage, "frame-1", string(fixture(t, "direct.json", s.f.URL)))
	to := in.WaitEvent(t, "msgDirect1==").ReplyDestination()
	to.ReplyHandle, to.UserID = "", "" // "remind here", after the webhook expired
	if _, err := a.Send(context.Background(), &bot.Outgoing{ID: 9, Key: "k9", To: to, Msg: taskCard}); err != nil {
		t.Fatal(err)
	}
	if c := s.f.Calls("createAndDeliver"); len(c) != 3 || c[2].JSON["openSpaceId"] != "dtv1.card//IM_ROBOT.staff1" {
		t.Fatalf("calls %+v", c)
	}
}

// Ensure messages without buttons a click can name keep the robot-message
// path when a template is configured, and that without a template nothing
// changes: a card with buttons is markdown with the commands.
func TestSendCard_NotInteractive(t *testing.T) {
	s := newCardSender(t)
	group := bot.Destination{ChatID: "cidGroup1=="}
	typedOnly := bot.Message{Card: &bot.Card{Title: "Help", Buttons: []bot.Button{{Label: "List", Typed: "task list"}}}}
	noButtons := bot.Message{Card: &bot.Card{Title: "#42", Fields: []bot.Field{{Label: "Owner", Value: "bob"}}}}
	for _, m := range []bot.Message{{Text: "hello"}, noButtons, typedOnly} {
		if _, err := s.send(group, m); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.f.Calls("groupSend")); n != 3 || len(s.f.Calls("createAndDeliver")) != 0 {
		t.Fatalf("calls %+v", s.f.Calls(""))
	}

	// No template, or a template in http mode, where no click could come
	// back.
	for name, edit := range map[string]func(*dingtalk.Config){
		"NoTemplate": func(c *dingtalk.Config) { c.Mode = dingtalk.ModeStream },
		"HTTPMode":   func(c *dingtalk.Config) { c.CardTemplateID = testTemplate },
	} {
		t.Run(name, func(t *testing.T) {
			plain := newSenderWith(t, edit)
			if _, err := plain.send(group, taskCard); err != nil {
				t.Fatal(err)
			}
			g := plain.f.Calls("groupSend")
			if len(g) != 1 || len(plain.f.Calls("createAndDeliver")) != 0 || g[0].JSON["msgKey"] != "sampleMarkdown" ||
				!strings.Contains(g[0].Param["text"].(string), "- **Start** → `task start 42`") {
				t.Fatalf("calls %+v", plain.f.Calls(""))
			}
		})
	}
}

// Ensure buttons beyond the sixth, and buttons without an action id, are
// listed in the markdown by command rather than lost.
func TestSendCard_ManyButtons(t *testing.T) {
	s := newCardSender(t)
	c := &bot.Card{Title: "Pick"}
	for _, n := range []string{"1", "2", "3", "4", "5", "6", "7"} {
		c.Buttons = append(c.Buttons, bot.Button{ActionID: "pick.n", Value: n, Label: "#" + n, Style: "danger"})
	}
	c.Buttons = append(c.Buttons, bot.Button{Label: "Help", Typed: "help pick"})
	if _, err := s.send(bot.Destination{UserID: "staff1"}, bot.Message{Card: c}); err != nil {
		t.Fatal(err)
	}
	p := cardParams(t, s.f.Calls("createAndDeliver")[0])
	var buttons []cardButton
	if err := json.Unmarshal([]byte(p["buttons"]), &buttons); err != nil || len(buttons) != 6 ||
		buttons[5] != (cardButton{"#6", "pick.n", "6", "red"}) || p["button6_value"] != "6" {
		t.Fatalf("buttons %q (%v)", p["buttons"], err)
	}
	if want := "- **#7** → `pick n 7`\n- **Help** → `help pick`"; p["markdown"] != want {
		t.Fatalf("markdown %q, want %q", p["markdown"], want)
	}
}

// Ensure createAndDeliver's refusals are classified like the robot
// messages': rate limits wait, refusals (a missing template, no permission,
// a failed delivery) are permanent, DingTalk's own trouble is retried; and
// that a group card refused for good goes to the person it answers, as a
// card of its own.
func TestSendCard_Errors(t *testing.T) {
	user := bot.Destination{UserID: "staff1"}
	for name, tc := range map[string]struct {
		replies    []func(http.ResponseWriter)
		retryAfter time.Duration
		permanent  bool
	}{
		"QpsLimit": {replies: []func(http.ResponseWriter){dingtalktest.JSONReply(403, `{"code":"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi","message":"too fast"}`)},
			retryAfter: 2 * time.Second},
		"HTTP429": {replies: []func(http.ResponseWriter){dingtalktest.JSONReply(429, `{"code":"Throttling","message":"slow down"}`)},
			retryAfter: 10 * time.Second},
		"TemplateNotExist": {replies: []func(http.ResponseWriter){dingtalktest.JSONReply(400, `{"code":"param.templateNotExist","message":"param.templateNotExist"}`)},
			permanent: true},
		"NoPermission": {replies: []func(http.ResponseWriter){
			dingtalktest.JSONReply(403, `{"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied","message":"没有调用该接口的权限"}`),
			dingtalktest.JSONReply(403, `{"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied","message":"没有调用该接口的权限"}`),
		}, permanent: true},
		"DeliveryFailed": {replies: []func(http.ResponseWriter){dingtalktest.JSONReply(200, `{"success":true,"result":{"outTrackId":"x","deliverResults":[{"spaceType":"IM_ROBOT","spaceId":"staff1","success":false,"errorMsg":"chatbot not exist"}]}}`)},
			permanent: true},
		"SystemBusy": {replies: []func(http.ResponseWriter){dingtalktest.JSONReply(500, `{"code":"system.busy","message":"system.busy"}`)}},
	} {
		t.Run(name, func(t *testing.T) {
			s := newCardSender(t)
			for _, r := range tc.replies {
				s.f.Reply("createAndDeliver", r)
			}
			_, err := s.send(user, taskCard)
			adaptertest.CheckDeliveryError(t, err, tc.retryAfter, tc.permanent)
			if strings.Contains(err.Error(), "tok-") {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}

	s := newCardSender(t)
	s.f.Reply("createAndDeliver", dingtalktest.JSONReply(400, `{"code":"param.openSpaceIdInvalid","message":"openSpaceId不符合规范"}`))
	_, err := s.send(bot.Destination{ChatID: "cidMaybeDirect==", UserID: "staff1"}, taskCard)
	c := s.f.Calls("createAndDeliver")
	if err != nil || len(c) != 2 || c[1].JSON["openSpaceId"] != "dtv1.card//IM_ROBOT.staff1" || c[0].JSON["outTrackId"] == c[1].JSON["outTrackId"] {
		t.Fatalf("err %v, calls %+v", err, c)
	}
}

// Ensure a click on a card made by the template arrives over Stream as an
// action event with the button's action id and value (the callback params
// "action" and "value"), the card's outTrackId as its message, the clicker
// as sender and the conversation as chat; that a click without params is
// the clicked component's id; and that each is acked.
func TestStream_CardClick(t *testing.T) {
	f := newFake(t)
	in := &Intake{}
	runStream(t, f, in, func(c *dingtalk.Config) { c.CardTemplateID = testTemplate })
	g := f.NextConn(t)

	click := func(frameID string, params map[string]any) {
		t.Helper()
		content := dingtalktest.MustJSON(map[string]any{"cardPrivateData": map[string]any{"actionIds": []string{"button_node_1"}, "params": params}})
		data := dingtalktest.MustJSON(map[string]any{
			"extension": "{}", "corpId": "dingcorp1", "spaceType": "im", "userIdType": 1, "type": "actionCallback",
			"userId": "staff2", "content": content, "spaceId": "cidGroup1==",
			"outTrackId": "tandem-0123456789abcdef0123456789abcdef", "value": content,
		})
		g.Send(t, "CALLBACK", dingtalk.TopicCardCallback, frameID, data)
		if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 || ack.Headers["messageId"] != frameID {
			t.Fatalf("ack %+v", ack)
		}
	}
	click("frame-1", map[string]any{"action": "task.start", "value": "42"})
	ev := in.WaitEvent(t, "card:frame-1")
	want := bot.Action{ID: "task.start", Value: "42", MessageID: "tandem-0123456789abcdef0123456789abcdef"}
	if ev.Action == nil || *ev.Action != want || ev.Sender.UserID != "staff2" || ev.ChatID != "cidGroup1==" ||
		ev.ChatType != bot.ChatGroup || ev.Workspace != "dingcorp1" || ev.Platform != bot.PlatformDingTalk {
		t.Fatalf("event %+v / %+v", ev, ev.Action)
	}

	click("frame-2", map[string]any{"action": "pick.n", "value": 7})
	if ev := in.WaitEvent(t, "card:frame-2"); ev.Action == nil || ev.Action.ID != "pick.n" || ev.Action.Value != "7" {
		t.Fatalf("numeric value %+v", ev.Action)
	}

	click("frame-3", map[string]any{})
	if ev := in.WaitEvent(t, "card:frame-3"); ev.Action == nil || ev.Action.ID != "button_node_1" || ev.Action.Value != "" {
		t.Fatalf("component id %+v", ev.Action)
	}
}
