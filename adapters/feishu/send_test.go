package feishu_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/feishu"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
)

var taskCard = bot.Message{
	Text: "Task #42 created for <@ou_u2>",
	Card: &bot.Card{
		Title:  "#42 Fix login",
		Fields: []bot.Field{{Label: "Owner", Value: "<@ou_u2>"}, {Label: "Due", Value: "Fri"}},
		Buttons: []bot.Button{
			{ActionID: "task.start", Value: "42", Label: "Start", Style: "primary"},
			{ActionID: "task.cancel", Value: "42", Label: "Cancel", Style: "danger"},
		},
		Footer: "created by <@ou_u1>",
	},
}

func send(a *feishu.Adapter, key string, to bot.Destination, m bot.Message) (string, error) {
	to.Platform, to.Workspace = bot.PlatformFeishu, testTenant
	return a.Send(context.Background(), &bot.Outgoing{ID: 1, Key: key, To: to, Msg: m})
}

// Ensure a text message to a chat is one create call with the tenant token,
// receive_id_type=chat_id, mentions as <at>, and a uuid.
func TestSend_TextToChat(t *testing.T) {
	a, f := newSender(t, nil, nil)
	id, err := send(a, "in1/r0", bot.Destination{ChatID: "oc_1", UserID: "ou_u1"}, bot.Message{Text: "Assigned #3 to <@ou_u2>."})
	if err != nil {
		t.Fatal(err)
	}
	if id != "om_sent1" {
		t.Fatalf("remote id %q", id)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Path != "/open-apis/auth/v3/tenant_access_token/internal" {
		t.Fatalf("calls %+v", calls)
	}
	if calls[0].Body["app_id"] != "cli_test" || calls[0].Body["app_secret"] != "test-app-secret" {
		t.Fatalf("token request %v", calls[0].Body)
	}
	c := calls[1]
	if c.Method != http.MethodPost || c.Path != "/open-apis/im/v1/messages" || c.Query.Get("receive_id_type") != "chat_id" || c.Auth != "Bearer t-1" {
		t.Fatalf("send %+v", c)
	}
	if c.Body["receive_id"] != "oc_1" || c.Body["msg_type"] != "text" {
		t.Fatalf("body %v", c.Body)
	}
	if got := c.Content()["text"]; got != `Assigned #3 to <at user_id="ou_u2"></at>.` {
		t.Fatalf("text %q", got)
	}
	if u, _ := c.Body["uuid"].(string); len(u) != 32 {
		t.Fatalf("uuid %q", c.Body["uuid"])
	}
}

// Ensure a card to a user alone goes to their open_id as an interactive
// message whose buttons carry our value objects.
func TestSend_CardToUser(t *testing.T) {
	a, f := newSender(t, nil, nil)
	if _, err := send(a, "k", bot.Destination{UserID: "ou_u9"}, taskCard); err != nil {
		t.Fatal(err)
	}
	c := f.Sends()[0]
	if c.Query.Get("receive_id_type") != "open_id" || c.Body["receive_id"] != "ou_u9" || c.Body["msg_type"] != "interactive" {
		t.Fatalf("send %+v", c)
	}
	card := c.Content()
	if title := card["header"].(map[string]any)["title"].(map[string]any)["content"]; title != "#42 Fix login" {
		t.Fatalf("title %v", title)
	}
	raw, _ := json.Marshal(card)
	for _, want := range []string{
		`"value":{"action_id":"task.start","value":"42"}`,
		`"value":{"action_id":"task.cancel","value":"42"}`,
		`Task #42 created for \u003cat id=ou_u2\u003e\u003c/at\u003e`,
	} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("card lacks %s:\n%s", want, raw)
		}
	}
}

// Ensure a reply handle is answered with the reply API, and a thread with
// a reply to its root, without receive_id.
func TestSend_Reply(t *testing.T) {
	a, f := newSender(t, nil, nil)
	id, err := send(a, "k1", bot.Destination{ChatID: "oc_1", UserID: "ou_u1", ThreadID: "om_root", ReplyHandle: "om_asked"}, bot.Message{Text: "done"})
	if err != nil || id != "om_sent1" {
		t.Fatalf("id %q err %v", id, err)
	}
	if _, err := send(a, "k2", bot.Destination{ChatID: "oc_1", ThreadID: "om_root"}, taskCard); err != nil {
		t.Fatal(err)
	}
	s := f.Sends()
	if len(s) != 2 || s[0].Path != "/open-apis/im/v1/messages/om_asked/reply" || s[1].Path != "/open-apis/im/v1/messages/om_root/reply" {
		t.Fatalf("sends %+v", s)
	}
	if _, ok := s[0].Body["receive_id"]; ok || s[0].Body["msg_type"] != "text" || s[0].Body["uuid"] == "" {
		t.Fatalf("reply body %v", s[0].Body)
	}
	if s[1].Body["msg_type"] != "interactive" {
		t.Fatalf("reply body %v", s[1].Body)
	}
}

// Ensure a reply to a message that cannot be answered (recalled) falls
// back to the chat, and a transient failure does not.
func TestSend_ReplyFallback(t *testing.T) {
	a, f := newSender(t, nil, nil)
	f.Reply("/open-apis/im/v1/messages/om_gone/reply", feishutest.Error(400, 230011, nil))
	id, err := send(a, "k", bot.Destination{ChatID: "oc_1", ReplyHandle: "om_gone"}, bot.Message{Text: "hi"})
	if err != nil || id != "om_sent1" {
		t.Fatalf("id %q err %v", id, err)
	}
	s := f.Sends()
	if len(s) != 2 || s[1].Path != "/open-apis/im/v1/messages" || s[1].Body["receive_id"] != "oc_1" || s[1].Body["uuid"] != s[0].Body["uuid"] {
		t.Fatalf("sends %+v", s)
	}

	f.Reply("/open-apis/im/v1/messages/om_busy/reply", feishutest.Error(500, 1500, nil))
	if _, err := send(a, "k2", bot.Destination{ChatID: "oc_1", ReplyHandle: "om_busy"}, bot.Message{Text: "hi"}); err == nil {
		t.Fatal("no error")
	}
	if n := len(f.Sends()); n != 3 {
		t.Fatalf("%d sends, want 3 (no fallback on a transient error)", n)
	}
}

// Ensure the uuid is a function of the outbox key: the same on every retry
// of one message, different between messages.
func TestSend_UUIDStable(t *testing.T) {
	a, f := newSender(t, nil, nil)
	to := bot.Destination{ChatID: "oc_1"}
	send(a, "in7/r0", to, bot.Message{Text: "a"})
	send(a, "in7/r0", to, bot.Message{Text: "a"})
	send(a, "in7/r1", to, bot.Message{Text: "b"})
	send(a, "in7/r0", bot.Destination{ChatID: "oc_1", ReplyHandle: "om_1"}, bot.Message{Text: "a"})
	s := f.Sends()
	u := func(i int) string { v, _ := s[i].Body["uuid"].(string); return v }
	if u(0) == "" || u(0) != u(1) || u(0) == u(2) || u(0) != u(3) {
		t.Fatalf("uuids %q %q %q %q", u(0), u(1), u(2), u(3))
	}
	for i := range s {
		if len(u(i)) > 50 {
			t.Fatalf("uuid %q longer than Feishu's 50", u(i))
		}
	}
}

// Ensure one token serves many sends, concurrent ones included, and a new
// one is fetched shortly before it expires.
func TestSend_TokenCached(t *testing.T) {
	clk := adaptertest.NewClock(testNow)
	a, f := newSender(t, nil, func(c *feishu.Config) { c.Now = clk.Now })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := send(a, "k", bot.Destination{ChatID: "oc_1"}, bot.Message{Text: "hi"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	send(a, "k", bot.Destination{UserID: "ou_1"}, bot.Message{Text: "hi"})
	if n := f.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests for 9 sends", n)
	}
	clk.Add(7200*time.Second - 6*time.Minute) // still valid, not yet in the margin
	send(a, "k", bot.Destination{UserID: "ou_1"}, bot.Message{Text: "hi"})
	if n := f.TokenRequests(); n != 1 {
		t.Fatalf("%d token requests before the margin", n)
	}
	clk.Add(2 * time.Minute) // within five minutes of expiry
	send(a, "k", bot.Destination{UserID: "ou_1"}, bot.Message{Text: "hi"})
	s := f.Sends()
	if n := f.TokenRequests(); n != 2 || s[len(s)-1].Auth != "Bearer t-2" {
		t.Fatalf("%d token requests, last auth %q", n, s[len(s)-1].Auth)
	}
}

// Ensure a token Feishu refuses is replaced and the call made once more,
// and only once.
func TestSend_TokenRefresh(t *testing.T) {
	for _, code := range []int{99991663, 99991661, 99991668} {
		a, f := newSender(t, nil, nil)
		f.Reply("/open-apis/im/v1/messages", func(w http.ResponseWriter, n int) {
			if n == 1 {
				feishutest.Error(400, code, nil)(w, n)
				return
			}
			io.WriteString(w, `{"code":0,"data":{"message_id":"om_ok"}}`)
		})
		id, err := send(a, "k", bot.Destination{ChatID: "oc_1"}, bot.Message{Text: "hi"})
		if err != nil || id != "om_ok" {
			t.Fatalf("code %d: id %q err %v", code, id, err)
		}
		s := f.Sends()
		if f.TokenRequests() != 2 || len(s) != 2 || s[0].Auth != "Bearer t-1" || s[1].Auth != "Bearer t-2" {
			t.Fatalf("code %d: %d token requests, sends %+v", code, f.TokenRequests(), s)
		}
	}

	a, f := newSender(t, nil, nil)
	f.Reply("/open-apis/im/v1/messages", feishutest.Error(400, 99991663, nil))
	_, err := send(a, "k", bot.Destination{ChatID: "oc_1"}, bot.Message{Text: "hi"})
	adaptertest.CheckDeliveryError(t, err, 0, false)
	if n := len(f.Sends()); n != 2 {
		t.Fatalf("%d sends, want 2", n)
	}
}

// Ensure errors are classified for the outbox: rate limits carry the wait,
// unreachable chats and users and missing permissions are permanent, the
// rest is transient.
func TestSend_Errors(t *testing.T) {
	for name, tc := range map[string]struct {
		path       string
		reply      func(http.ResponseWriter, int)
		retryAfter time.Duration
		permanent  bool
	}{
		"RateLimited429":      {"/open-apis/im/v1/messages", feishutest.Error(429, 99991400, map[string]string{"x-ogw-ratelimit-reset": "7"}), 7 * time.Second, false},
		"RateLimitedCode":     {"/open-apis/im/v1/messages", feishutest.Error(400, 99991400, nil), time.Second, false},
		"RateLimitedNoBody":   {"/open-apis/im/v1/messages", func(w http.ResponseWriter, _ int) { w.WriteHeader(429) }, time.Second, false},
		"ChatRateLimited":     {"/open-apis/im/v1/messages", feishutest.Error(400, 230020, map[string]string{"X-Ogw-Ratelimit-Reset": "2"}), 2 * time.Second, false},
		"BotNotInChat":        {"/open-apis/im/v1/messages", feishutest.Error(400, 230002, nil), 0, true},
		"UserOutOfReach":      {"/open-apis/im/v1/messages", feishutest.Error(400, 230013, nil), 0, true},
		"NoScope":             {"/open-apis/im/v1/messages", feishutest.Error(400, 99991672, nil), 0, true},
		"BadCard":             {"/open-apis/im/v1/messages", feishutest.Error(400, 230099, nil), 0, true},
		"BadAppSecret":        {"/open-apis/auth/v3/tenant_access_token/internal", feishutest.Error(400, 10014, nil), 0, true},
		"TransientUnknown":    {"/open-apis/im/v1/messages", feishutest.Error(400, 123456, nil), 0, false},
		"TransientHTTP500":    {"/open-apis/im/v1/messages", func(w http.ResponseWriter, _ int) { w.WriteHeader(500) }, 0, false},
		"TransientTokenFetch": {"/open-apis/auth/v3/tenant_access_token/internal", func(w http.ResponseWriter, _ int) { w.WriteHeader(502) }, 0, false},
	} {
		t.Run(name, func(t *testing.T) {
			a, f := newSender(t, nil, nil)
			f.Reply(tc.path, tc.reply)
			_, err := send(a, "k", bot.Destination{ChatID: "oc_1"}, bot.Message{Text: "hi"})
			adaptertest.CheckDeliveryError(t, err, tc.retryAfter, tc.permanent)
			if strings.Contains(err.Error(), "test-app-secret") {
				t.Fatal("error leaks the secret")
			}
		})
	}
}

// Ensure messages that cannot be sent at all fail permanently without a call.
func TestSend_Invalid(t *testing.T) {
	a, f := newSender(t, nil, nil)
	for _, tc := range []struct {
		to bot.Destination
		m  bot.Message
	}{
		{bot.Destination{ChatID: "oc_1"}, bot.Message{}},
		{bot.Destination{ChatID: "oc_1"}, bot.Message{Text: "  "}},
		{bot.Destination{}, bot.Message{Text: "hi"}},
	} {
		_, err := send(a, "k", tc.to, tc.m)
		if d, ok := bot.AsDeliveryError(err); !ok || !d.Permanent {
			t.Fatalf("%+v: got %v", tc, err)
		}
	}
	if n := len(f.Sends()); n != 0 {
		t.Fatalf("%d sends", n)
	}
	if a.Platform() != bot.PlatformFeishu {
		t.Fatal("platform")
	}
	var _ bot.Sender = a
}

// redirect sends every request to the fake, recording the host it was for.
type redirect struct {
	to    string
	mu    sync.Mutex
	hosts []string
}

func (rd *redirect) RoundTrip(r *http.Request) (*http.Response, error) {
	rd.mu.Lock()
	rd.hosts = append(rd.hosts, r.URL.Scheme+"://"+r.URL.Host)
	rd.mu.Unlock()
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = "http", strings.TrimPrefix(rd.to, "http://")
	return http.DefaultTransport.RoundTrip(r)
}

// Ensure Host selects Feishu or Lark for every call, token included.
func TestSend_Hosts(t *testing.T) {
	for host, want := range map[string]string{
		"":                            "https://open.feishu.cn",
		"feishu":                      "https://open.feishu.cn",
		"Lark":                        "https://open.larksuite.com",
		"https://open.larksuite.com/": "https://open.larksuite.com",
	} {
		f := feishutest.NewServer(t)
		rd := &redirect{to: f.URL}
		a := MustNewAdapter(t, &Intake{}, func(c *feishu.Config) {
			c.Host = host
			c.HTTPClient = &http.Client{Transport: rd}
		})
		if a.BaseURL() != want {
			t.Fatalf("host %q: base %q", host, a.BaseURL())
		}
		if _, err := send(a, "k", bot.Destination{ChatID: "oc_1"}, bot.Message{Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		if len(rd.hosts) != 2 || rd.hosts[0] != want || rd.hosts[1] != want {
			t.Fatalf("host %q: requests went to %v", host, rd.hosts)
		}
	}
	if _, err := feishu.New(feishu.Config{AppID: "a", AppSecret: "s", VerificationToken: "t", Host: "open.feishu.cn"}, &Intake{}); err == nil {
		t.Fatal("a bare host name must be refused")
	}
}

// Ensure Open learns the bot's open_id, and in HTTP mode shrugs off an
// unreachable Feishu.
func TestOpen(t *testing.T) {
	in := &Intake{}
	a, f := newSender(t, in, func(c *feishu.Config) { c.BotOpenID = "" })
	f.BotID = "ou_bot2"
	if err := a.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := message("ev1", "@_user_1 tasks", func(m, _ map[string]any) {
		m["chat_type"] = "group"
		m["mentions"] = []any{mentionOf("@_user_1", "ou_bot2", "Tandem")}
	})
	serve(t, a, signedRequest(p))
	if evs := in.Events(); len(evs) != 1 || evs[0].Text != "tasks" {
		t.Fatalf("events %+v", evs)
	}

	down := MustNewAdapter(t, in, func(c *feishu.Config) { c.BotOpenID = ""; c.Host = "http://127.0.0.1:1" })
	if err := down.Open(context.Background()); err != nil {
		t.Fatalf("http mode must not fail: %v", err)
	}
	ws := MustNewAdapter(t, in, func(c *feishu.Config) { c.BotOpenID = ""; c.Host = "http://127.0.0.1:1"; c.Mode = feishu.ModeWS })
	if err := ws.Open(context.Background()); err == nil {
		t.Fatal("ws mode must fail without Feishu")
	}
}
