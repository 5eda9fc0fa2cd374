package dingtalk_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/dingtalk"
)

// bodyCounter is an http.RoundTripper that counts response bodies opened
// and closed, to show that every one is closed.
type bodyCounter struct {
	next http.RoundTripper

	mu             sync.Mutex
	opened, closed int
}

func (b *bodyCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(r)
	if err == nil {
		b.mu.Lock()
		b.opened++
		b.mu.Unlock()
		resp.Body = &countedBody{ReadCloser: resp.Body, b: b}
	}
	return resp, err
}

type countedBody struct {
	io.ReadCloser
	b    *bodyCounter
	once sync.Once
}

func (c *countedBody) Close() error {
	c.once.Do(func() {
		c.b.mu.Lock()
		c.b.closed++
		c.b.mu.Unlock()
	})
	return c.ReadCloser.Close()
}

func (b *bodyCounter) check(tb testing.TB) {
	tb.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.opened == 0 || b.opened != b.closed {
		tb.Fatalf("%d response bodies opened, %d closed", b.opened, b.closed)
	}
}

type sender struct {
	*dingtalk.Adapter
	f      *dingtalktest.Server
	clock  *adaptertest.Clock
	bodies *bodyCounter
}

func newSender(tb testing.TB) *sender { return newSenderWith(tb, nil) }

// newSenderWith is newSender with edit adjusting the config last.
func newSenderWith(tb testing.TB, edit func(*dingtalk.Config)) *sender {
	f := newFake(tb)
	s := &sender{f: f, clock: newClock(), bodies: &bodyCounter{next: f.Client().Transport}}
	s.Adapter = MustNewAdapter(tb, &Intake{}, func(c *dingtalk.Config) {
		c.APIURL, c.OAPIURL = f.URL, f.URL
		c.HTTPClient = &http.Client{Transport: s.bodies, Timeout: 5 * time.Second}
		c.Now = s.clock.Now
		if edit != nil {
			edit(c)
		}
	})
	tb.Cleanup(func() { s.bodies.check(tb) })
	return s
}

func (s *sender) send(to bot.Destination, m bot.Message) (string, error) {
	to.Platform, to.Workspace = bot.PlatformDingTalk, "dingcorp1"
	return s.Send(context.Background(), &bot.Outgoing{ID: 1, Key: "k", To: to, Msg: m})
}

// handle is a reply handle for a session webhook on the fake that expires
// at exp.
func (s *sender) handle(session string, exp time.Time) string {
	return s.f.URL + "/robot/sendBySession?session=" + session + "|" + strconv.FormatInt(exp.UnixMilli(), 10)
}

var taskCard = bot.Message{
	Text: "Task #42 created for <@staff2>",
	Card: &bot.Card{
		Title:  "#42 Fix login",
		Fields: []bot.Field{{Label: "Owner", Value: "<@staff2>"}, {Label: "Due", Value: "Fri"}},
		Buttons: []bot.Button{
			{ActionID: "task.start", Value: "42", Label: "Start", Style: "primary", Typed: "task start 42"},
			{ActionID: "task.cancel", Value: "42", Label: "Cancel", Style: "danger"},
		},
		Footer: "created by <@staff1>",
	},
}

// Ensure a reply to a message goes to its session webhook while that is
// valid, as text with the mentioned people in at.atUserIds, without a token.
func TestSend_SessionWebhook(t *testing.T) {
	s := newSender(t)
	id, err := s.send(bot.Destination{ChatID: "cidGroup1==", UserID: "staff1", ReplyHandle: s.handle("g1", testNow.Add(time.Hour))},
		bot.Message{Text: "Assigned #3 to <@staff2>.\nDue Friday."})
	if err != nil || id != "" {
		t.Fatalf("id %q, err %v", id, err)
	}
	calls := s.f.Calls("")
	if len(calls) != 1 || calls[0].Key != "session" || calls[0].Query.Get("session") != "g1" {
		t.Fatalf("calls %+v", calls)
	}
	got := dingtalktest.MustJSON(calls[0].JSON)
	want := `{"at":{"atUserIds":["staff2"]},"msgtype":"text","text":{"content":"Assigned #3 to @staff2.\nDue Friday."}}`
	if got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
}

// Ensure a card becomes markdown: title, text, fields, each button with the
// command that does the same, footer; in a group the buttons are not links,
// in a one-to-one chat they are dtmd "send this" links.
func TestSend_Card(t *testing.T) {
	s := newSender(t)
	if _, err := s.send(bot.Destination{ChatID: "cidGroup1==", ReplyHandle: s.handle("g1", testNow.Add(time.Hour))}, taskCard); err != nil {
		t.Fatal(err)
	}
	c := s.f.Calls("session")[0].JSON
	md := c["markdown"].(map[string]any)
	wantText := "#### #42 Fix login\n\nTask #42 created for @staff2\n\n**Owner:** @staff2\n\n**Due:** Fri\n\n" +
		"- **Start** → `task start 42`\n- **Cancel** → `task cancel 42`\n\n> created by @staff1"
	if c["msgtype"] != "markdown" || md["title"] != "#42 Fix login" || md["text"] != wantText {
		t.Fatalf("markdown %q\nwant     %q", md["text"], wantText)
	}
	if got := dingtalktest.MustJSON(c["at"]); got != `{"atUserIds":["staff2","staff1"]}` {
		t.Fatalf("at %s", got)
	}

	if _, err := s.send(bot.Destination{UserID: "staff1"}, taskCard); err != nil {
		t.Fatal(err)
	}
	p := s.f.Calls("batchSend")[0]
	if p.JSON["msgKey"] != "sampleMarkdown" ||
		!strings.Contains(p.Param["text"].(string), "- [Start](dtmd://dingtalkclient/sendMessage?content=task%20start%2042) → `task start 42`") {
		t.Fatalf("direct card %+v", p)
	}
}

// Ensure an expired session webhook is not used: the reply goes through the
// robot API, to the group with groupMessages/send, with a token fetched
// with the app's credentials, and the processQueryKey is returned.
func TestSend_ExpiredWebhook(t *testing.T) {
	s := newSender(t)
	for i, exp := range []time.Time{testNow.Add(-time.Minute), testNow.Add(10 * time.Second)} {
		id, err := s.send(bot.Destination{ChatID: "cidGroup1==", UserID: "staff1", ReplyHandle: s.handle("g1", exp)}, bot.Message{Text: "hi <@staff2>"})
		if err != nil || !strings.HasPrefix(id, "pqk-") {
			t.Fatalf("id %q err %v", id, err)
		}
		if n := len(s.f.Calls("session")); n != 0 {
			t.Fatalf("expired webhook used %d times", n)
		}
		g := s.f.Calls("groupSend")
		if len(g) != i+1 {
			t.Fatalf("group sends %+v", s.f.Calls(""))
		}
		want := `{"msgKey":"sampleText","msgParam":"{\"content\":\"hi @staff2\"}","openConversationId":"cidGroup1==","robotCode":"dingrobot1"}`
		if got := dingtalktest.MustJSON(g[i].JSON); got != want {
			t.Fatalf("body\n got %s\nwant %s", got, want)
		}
		if g[i].Token != "tok-1" {
			t.Fatalf("token %q", g[i].Token)
		}
	}
	tok := s.f.Calls("token")
	if len(tok) != 1 || tok[0].JSON["appKey"] != testClientID || tok[0].JSON["appSecret"] != testSecret {
		t.Fatalf("token calls %+v", tok)
	}
}

// Ensure a message to a person, or to a chat known to be one-to-one, goes
// through oToMessages/batchSend with the user's id.
func TestSend_Direct(t *testing.T) {
	s := newSender(t)
	if _, err := s.send(bot.Destination{UserID: "staff9"}, bot.Message{Text: "⏰ Reminder: call the printer"}); err != nil {
		t.Fatal(err)
	}
	want := `{"msgKey":"sampleText","msgParam":"{\"content\":\"⏰ Reminder: call the printer\"}","robotCode":"dingrobot1","userIds":["staff9"]}`
	if got := dingtalktest.MustJSON(s.f.Calls("batchSend")[0].JSON); got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}

	// A direct message seen inbound makes its conversation known.
	in := &Intake{}
	a := MustNewAdapter(t, in, func(c *dingtalk.Config) {
		c.APIURL, c.OAPIURL, c.HTTPClient, c.Now = s.f.URL, s.f.URL, s.f.Client(), s.clock.Now
	})
	if w := serve(t, a, signedRequest(fixture(t, "direct.json", s.f.URL), testNow)); w.Code != http.StatusOK {
		t.Fatal(w.Code)
	}
	to := in.Events()[0].ReplyDestination()
	to.ReplyHandle, to.UserID = "", "" // "remind here", after the webhook expired
	if _, err := a.Send(context.Background(), &bot.Outgoing{To: to, Msg: bot.Message{Text: "here"}}); err != nil {
		t.Fatal(err)
	}
	b := s.f.Calls("batchSend")
	if len(b) != 2 || dingtalktest.MustJSON(b[1].JSON["userIds"]) != `["staff1"]` || len(s.f.Calls("groupSend")) != 0 {
		t.Fatalf("calls %+v", s.f.Calls(""))
	}
}

// Ensure a private reply in a group goes to the person's own chat with the
// bot instead of the group, even while the session webhook is valid.
func TestSend_PrivateInGroup(t *testing.T) {
	s := newSender(t)
	_, err := s.send(bot.Destination{ChatID: "cidGroup1==", UserID: "staff1", ReplyHandle: s.handle("g1", testNow.Add(time.Hour))},
		bot.Message{Text: "Your link code is K7Q2", Private: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.f.Calls("session")) != 0 || len(s.f.Calls("groupSend")) != 0 {
		t.Fatal("a private reply was posted in the group")
	}
	if b := s.f.Calls("batchSend"); len(b) != 1 || dingtalktest.MustJSON(b[0].JSON["userIds"]) != `["staff1"]` {
		t.Fatalf("calls %+v", s.f.Calls(""))
	}
}

// Ensure the access token is cached until shortly before it expires, and
// fetched again once when DingTalk refuses it.
func TestSend_Token(t *testing.T) {
	s := newSender(t)
	to := bot.Destination{UserID: "staff1"}
	for range 3 {
		if _, err := s.send(to, bot.Message{Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.f.Calls("token")); n != 1 {
		t.Fatalf("%d token fetches for 3 sends", n)
	}
	s.clock.Add(2*time.Hour - 4*time.Minute) // within the renewal margin
	if _, err := s.send(to, bot.Message{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if n := len(s.f.Calls("token")); n != 2 {
		t.Fatalf("%d token fetches after expiry", n)
	}

	// Revoked behind our back: refused once, renewed, retried.
	s.f.Reply("batchSend", dingtalktest.JSONReply(http.StatusUnauthorized, `{"code":"InvalidAuthentication","message":"expired"}`))
	if _, err := s.send(to, bot.Message{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	b := s.f.Calls("batchSend")
	if n := len(s.f.Calls("token")); n != 3 || b[len(b)-1].Token != "tok-3" {
		t.Fatalf("%d token fetches; last call with %q", n, b[len(b)-1].Token)
	}

	// Refused twice: permanent, not a loop.
	s.f.Reply("batchSend", dingtalktest.JSONReply(http.StatusUnauthorized, `{"code":"InvalidAuthentication"}`))
	s.f.Reply("batchSend", dingtalktest.JSONReply(http.StatusUnauthorized, `{"code":"InvalidAuthentication"}`))
	_, err := s.send(to, bot.Message{Text: "x"})
	if d, ok := bot.AsDeliveryError(err); !ok || !d.Permanent {
		t.Fatalf("got %v", err)
	}
}

// Ensure DingTalk's refusals map to what the outbox should do: wait on rate
// limits, give up on invalid users, conversations and credentials, retry
// anything else; and that a session webhook DingTalk refuses gives way to
// the robot API.
func TestSend_Errors(t *testing.T) {
	group := bot.Destination{ChatID: "cidGroup1=="}
	user := bot.Destination{UserID: "staff1"}
	for name, tc := range map[string]struct {
		key        string
		replies    []func(http.ResponseWriter)
		to         func(s *sender) bot.Destination
		retryAfter time.Duration
		permanent  bool
	}{
		"Session130101": {"session", []func(http.ResponseWriter){dingtalktest.JSONReply(200, `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`)},
			func(s *sender) bot.Destination {
				return bot.Destination{ChatID: "cidGroup1==", ReplyHandle: s.handle("g1", testNow.Add(time.Hour))}
			}, time.Minute, false},
		"Group130101": {"groupSend", []func(http.ResponseWriter){dingtalktest.JSONReply(200, `{"errcode":130101,"errmsg":"send too fast"}`)},
			func(*sender) bot.Destination { return group }, time.Minute, false},
		"Group90018": {"groupSend", []func(http.ResponseWriter){dingtalktest.JSONReply(403, `{"code":"90018","message":"qps limit"}`)},
			func(*sender) bot.Destination { return group }, 2 * time.Second, false},
		"User90002": {"batchSend", []func(http.ResponseWriter){dingtalktest.JSONReply(200, `{"errcode":90002,"errmsg":"platform limit"}`)},
			func(*sender) bot.Destination { return user }, 2 * time.Second, false},
		"QpsLimitCode": {"batchSend", []func(http.ResponseWriter){dingtalktest.JSONReply(403, `{"code":"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi","message":"too fast"}`)},
			func(*sender) bot.Destination { return user }, 2 * time.Second, false},
		"HTTP429": {"batchSend", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		}}, func(*sender) bot.Destination { return user }, 7 * time.Second, false},
		"IPBlocked": {"batchSend", []func(http.ResponseWriter){dingtalktest.JSONReply(200, `{"status":1111,"punish":"deny","msg":"blocked"}`)},
			func(*sender) bot.Destination { return user }, 5 * time.Minute, false},
		"FlowControlledUser": {"batchSend", []func(http.ResponseWriter){dingtalktest.JSONReply(200, `{"processQueryKey":"p","flowControlledStaffIdList":["staff1"]}`)},
			func(*sender) bot.Destination { return user }, time.Minute, false},
		"InvalidUser": {"batchSend", []func(http.ResponseWriter){dingtalktest.JSONReply(400, `{"code":"invalidParameter.userIds.invalid","message":"no such user"}`)},
			func(*sender) bot.Destination { return user }, 0, true},
		"InvalidStaffList": {"batchSend", []func(http.ResponseWriter){dingtalktest.JSONReply(200, `{"processQueryKey":"p","invalidStaffIdList":["staff1"]}`)},
			func(*sender) bot.Destination { return user }, 0, true},
		"InvalidConversation": {"groupSend", []func(http.ResponseWriter){dingtalktest.JSONReply(400, `{"code":"invalid.openConversationId","message":"无效的openConversationId"}`)},
			func(*sender) bot.Destination { return group }, 0, true},
		"RobotStopped": {"groupSend", []func(http.ResponseWriter){dingtalktest.JSONReply(400, `{"code":"bot.stopped","message":"群机器人已经停用"}`)},
			func(*sender) bot.Destination { return group }, 0, true},
		"ServerError": {"groupSend", []func(http.ResponseWriter){dingtalktest.JSONReply(502, `<html>bad gateway</html>`)},
			func(*sender) bot.Destination { return group }, 0, false},
		"SystemBusy": {"batchSend", []func(http.ResponseWriter){dingtalktest.JSONReply(200, `{"errcode":-1,"errmsg":"系统繁忙"}`)},
			func(*sender) bot.Destination { return user }, 0, false},
		"BadCredentials": {"token", []func(http.ResponseWriter){dingtalktest.JSONReply(400, `{"code":"invalidClientIdOrSecret","message":"bad"}`)},
			func(*sender) bot.Destination { return user }, 0, true},
	} {
		t.Run(name, func(t *testing.T) {
			s := newSender(t)
			for _, r := range tc.replies {
				s.f.Reply(tc.key, r)
			}
			_, err := s.send(tc.to(s), bot.Message{Text: "hello"})
			adaptertest.CheckDeliveryError(t, err, tc.retryAfter, tc.permanent)
			if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "tok-") {
				t.Fatalf("error leaks a secret: %v", err)
			}
		})
	}
}

// Ensure fallbacks: a session webhook that refuses the message (expired
// early, say) gives way to the robot API, and a group send refused for good
// goes to the person the message answers.
func TestSend_Fallbacks(t *testing.T) {
	s := newSender(t)
	s.f.Reply("session", dingtalktest.JSONReply(200, `{"errcode":300001,"errmsg":"session expired"}`))
	_, err := s.send(bot.Destination{ChatID: "cidGroup1==", ReplyHandle: s.handle("g1", testNow.Add(time.Hour))}, bot.Message{Text: "x"})
	if err != nil || len(s.f.Calls("groupSend")) != 1 {
		t.Fatalf("err %v, calls %+v", err, s.f.Calls(""))
	}

	s.f.Reply("groupSend", dingtalktest.JSONReply(400, `{"code":"invalid.openConversationId"}`))
	_, err = s.send(bot.Destination{ChatID: "cidMaybeDirect==", UserID: "staff1"}, bot.Message{Text: "x"})
	if err != nil || len(s.f.Calls("batchSend")) != 1 {
		t.Fatalf("err %v, calls %+v", err, s.f.Calls(""))
	}

	// A webhook that fails for DingTalk's own reasons is retried later, not
	// abandoned for the API.
	s.f.Reply("session", dingtalktest.JSONReply(503, `busy`))
	_, err = s.send(bot.Destination{ChatID: "cidGroup1==", ReplyHandle: s.handle("g1", testNow.Add(time.Hour))}, bot.Message{Text: "x"})
	if d, ok := bot.AsDeliveryError(err); err == nil || ok && (d.Permanent || d.RetryAfter > 0) || len(s.f.Calls("groupSend")) != 2 {
		t.Fatalf("err %v, calls %+v", err, s.f.Calls(""))
	}
}

// Ensure messages with nothing to send or nowhere to go are refused for good.
func TestSend_Invalid(t *testing.T) {
	s := newSender(t)
	s.send(bot.Destination{UserID: "staff1"}, bot.Message{Text: "warm up"}) // the body counter wants a call
	for name, tc := range map[string]struct {
		to bot.Destination
		m  bot.Message
	}{
		"ErrEmpty":    {bot.Destination{UserID: "staff1"}, bot.Message{}},
		"ErrNoTarget": {bot.Destination{}, bot.Message{Text: "x"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.send(tc.to, tc.m)
			if d, ok := bot.AsDeliveryError(err); !ok || !d.Permanent {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// Ensure a session webhook's URL, a credential (whoever holds it may post to
// the conversation), stays out of errors, and so out of the outbox's
// last_error, and out of the log: net/http's errors quote the URL in full.
func TestSend_SessionWebhookNotInErrors(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // every call is refused: a transport error
	logs := &adaptertest.LogBuffer{}
	in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
		return bot.Result{}, errors.New("disk full")
	}}
	a := MustNewAdapter(t, in, func(c *dingtalk.Config) {
		c.APIURL, c.OAPIURL = deadURL, deadURL
		c.Log = slog.New(slog.NewTextHandler(logs, nil))
	})
	const session = "s3cr3t-session-token"
	handle := deadURL + "/robot/sendBySession?session=" + session + "|" + strconv.FormatInt(testNow.Add(time.Hour).UnixMilli(), 10)
	_, err := a.Send(context.Background(), &bot.Outgoing{ID: 1, Key: "k",
		To: bot.Destination{Platform: bot.PlatformDingTalk, ChatID: "cidGroup1==", ReplyHandle: handle}, Msg: bot.Message{Text: "hi"}})
	if err == nil {
		t.Fatal("no error from an unreachable session webhook")
	}
	if strings.Contains(err.Error(), session) || strings.Contains(err.Error(), "sendBySession") {
		t.Fatalf("error quotes the session webhook: %v", err)
	}
	if !strings.Contains(err.Error(), strings.TrimPrefix(deadURL, "http://")) {
		t.Errorf("error does not name the host: %v", err)
	}

	// A message that could not be stored is apologized for through its
	// session webhook; that failing is logged without the URL.
	body := editJSON(t, fixture(t, "direct.json", deadURL), func(m map[string]any) {
		m["sessionWebhook"] = deadURL + "/robot/sendBySession?session=" + session
	})
	if w := serve(t, a, signedRequest(body, testNow)); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "could not tell the sender"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no log of the failed apology:\n%s", logs)
		}
	}
	if strings.Contains(logs.String(), session) {
		t.Fatalf("log quotes the session webhook:\n%s", logs)
	}
}
