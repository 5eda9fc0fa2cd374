package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/adapters/wecom"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
)

// The credentials of the cross-platform test's apps.
const (
	xpWeComCorp    = "ww-xp-corp"
	xpWeComAgent   = 1000002
	xpWeComToken   = "xp-wecom-token"
	xpFeishuTenant = "tenant-xp"
	xpFeishuToken  = "xp-verification-token"
	xpFeishuKey    = "xp-encrypt-key"
)

// xpWeComAESKey is a 43-character EncodingAESKey: the base64 of a 32-byte
// key without its "=".
var xpWeComAESKey = strings.TrimSuffix(base64.StdEncoding.EncodeToString(
	[]byte("0123456789abcdef0123456789ABCDEF")), "=")

// xpFake is one platform's API: it records every call and answers with
// answer, which gets the call and how many calls came before it.
type xpFake struct {
	srv    *httptest.Server
	answer func(c xpCall, n int) string

	mu    sync.Mutex
	calls []xpCall
}

type xpCall struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
	JSON         map[string]any // the body, when it is a JSON object
	Answer       string         // what the fake answered
}

func newXPFake(t *testing.T, answer func(c xpCall, n int) string) *xpFake {
	t.Helper()
	f := &xpFake{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c := xpCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
		_ = json.Unmarshal(body, &c.JSON)
		f.mu.Lock()
		n := len(f.calls)
		c.Answer = f.answer(c, n)
		f.calls = append(f.calls, c)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, c.Answer)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *xpFake) matching(match func(xpCall) bool) []xpCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []xpCall
	for _, c := range f.calls {
		if match(c) {
			out = append(out, c)
		}
	}
	return out
}

// waitFor polls until at least want calls match (the outbox delivers in
// the background), for at most five seconds, and returns those that do.
func (f *xpFake) waitFor(want int, match func(xpCall) bool) []xpCall {
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := f.matching(match)
		if len(got) >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *xpFake) dump() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, c := range f.calls {
		fmt.Fprintf(&b, "  %s %s?%s %s\n", c.Method, c.Path, c.Query.Encode(), c.Body)
	}
	return b.String()
}

// newXPSlack answers Slack's Web API: the Slack test kit.
func newXPSlack(t *testing.T) *slacktest.Server { return slacktest.NewServer(t) }

// newXPFeishu is the Open API (feishutest): tenant tokens, bot info and
// messages.
func newXPFeishu(t *testing.T) *feishutest.Server { return feishutest.NewServer(t) }

// newXPDingTalk is the DingTalk test kit's fake, with the app credentials
// of the config below (nothing in this scenario is meant to reach it).
func newXPDingTalk(t *testing.T) *dingtalktest.Server {
	return dingtalktest.New(t, "ding-xp", "xp-ding-secret")
}

// xpWeComApp makes the WeCom app's callbacks (the kit encrypts and signs).
var xpWeComApp = wecomtest.App{CorpID: xpWeComCorp, AgentID: xpWeComAgent, Token: xpWeComToken, EncodingAESKey: xpWeComAESKey}

// xpWeComYAML is the config section of the WeCom app, its API at api.
func xpWeComYAML(api string) string {
	return fmt.Sprintf(`wecom:
  - corp_id: %s
    agent_id: %d
    secret: xp-wecom-secret
    token: %s
    encoding_aes_key: %s
    api_url: %s`, xpWeComCorp, xpWeComAgent, xpWeComToken, xpWeComAESKey, api)
}

// wecomCallback is a signed, encrypted POST callback of the app, made now.
func wecomCallback(t *testing.T, plainXML string) wecomtest.Callback {
	return xpWeComApp.Callback(t, plainXML, time.Now())
}

// wecomText is the decrypted XML of a member's text message to the app.
func wecomText(from, content string, msgID int64) string {
	return xpWeComApp.TextXML(from, content, strconv.FormatInt(msgID, 10), time.Now())
}

// postWeCom posts a callback to Tandem's WeCom route.
func postWeCom(t *testing.T, base string, c wecomtest.Callback) (int, string) {
	t.Helper()
	return post(t, base+wecom.CallbackPath+"?"+c.Query.Encode(), "text/xml", string(c.Body), nil)
}

// xpFeishuApp is the cross-platform test's Feishu app.
var xpFeishuApp = feishutest.App{AppID: "cli_xp", Tenant: xpFeishuTenant, Token: xpFeishuToken}

// feishuEvent encrypts and signs a schema 2.0 payload as Feishu does: the
// body {"encrypt": …} and the X-Lark-* headers.
func feishuEvent(t *testing.T, payload any) (string, http.Header) {
	t.Helper()
	body, h := feishutest.Signed(xpFeishuKey, time.Now(), payload)
	return string(body), h
}

// feishuClick is a card.action.trigger callback carrying token: openID
// clicked the button whose value is {"action_id": actionID, "value": value}
// on message msgID.
func feishuClick(eventID, token, openID, actionID, value, msgID string) map[string]any {
	app := xpFeishuApp
	app.Token = token
	return app.Click(eventID, openID, "oc_dave", msgID, actionID, value, time.Now())
}

// feishuCreateTo matches messages sent directly to an open_id.
func feishuCreateTo(openID string) func(feishutest.Call) bool {
	return func(c feishutest.Call) bool {
		return c.Path == feishutest.PathMessages && c.Query.Get("receive_id_type") == "open_id" && c.Body["receive_id"] == openID
	}
}

// Ensure the platforms work together in one process: a WeCom user gives a
// Feishu user a task; the Feishu user moves it to done from the card's
// buttons; the WeCom user is told. Everything is asserted at the fakes.
func TestCrossPlatform(t *testing.T) {
	slackAPI, feishuAPI, wecomAPI, dingAPI := newXPSlack(t), newXPFeishu(t), wecomtest.New(t), newXPDingTalk(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "tandem.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`
http: {addr: "%s"}
storage: {path: "%s"}
bot: {notify_window: 0s}  # each notification at once: the test reads them straight away
log: {level: info}
console: {enabled: true}
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
%s
dingtalk:
  - client_id: ding-xp
    client_secret: xp-ding-secret
    robot_code: ding-xp
    mode: http
    api_url: %s
    oapi_url: %s
people:
  - {name: Alice, handle: alice, role: admin, accounts: ["console:alice"]}
  - {name: Carol, handle: carol, accounts: ["wecom:%s:carol"]}
  - {name: Dave, handle: dave, accounts: ["feishu:%s:ou_dave"]}
`, addr, filepath.Join(dir, "tandem.db"), slackAPI.URL,
		xpFeishuToken, xpFeishuKey, feishuAPI.URL,
		xpWeComYAML(wecomAPI.URL),
		dingAPI.URL, dingAPI.URL,
		xpWeComCorp, xpFeishuTenant)), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, cfg, addr)
	defer func() {
		if t.Failed() {
			t.Logf("tandem logs:\n%s\nfeishu calls:\n%swecom calls:\n%s", srv.logs, feishuAPI.Dump(), wecomAPI.Dump())
		}
	}()

	// carol, on WeCom, gives dave a task.
	create := wecomCallback(t, wecomText("carol", `task new "Quarterly report" @dave due:tomorrow 5pm`, 7300000000000000001))
	if code, resp := postWeCom(t, srv.url, create); code != 200 {
		t.Fatalf("carol's message: %d %s", code, resp)
	}

	// dave is told on Feishu, by direct message, with the task's card.
	var toDave []feishutest.Call
	feishutest.WaitFor(5*time.Second, func() bool { toDave = feishuAPI.Matching(feishuCreateTo("ou_dave")); return len(toDave) > 0 })
	if len(toDave) != 1 {
		t.Fatalf("notifications to dave on Feishu: %d, want 1", len(toDave))
	}
	if toDave[0].Body["msg_type"] != "interactive" {
		t.Fatalf("notification to dave is %v, want an interactive card", toDave[0].Body["msg_type"])
	}
	cardJSON, _ := toDave[0].Body["content"].(string)
	mustContain(t, cardJSON, "#1 Quarterly report", "@carol gave you a task",
		`"value":{"action_id":"task.start","value":"1"}`, `"value":{"action_id":"task.cancel","value":"1"}`)
	if auth := toDave[0].Auth; !strings.HasPrefix(auth, "Bearer t-") {
		t.Errorf("notification sent with Authorization %q, want the tenant token", auth)
	}
	cardMsgID := feishuAPI.Messages()[0].ID

	// carol is told on WeCom that the task was created.
	toCarol := wecomAPI.WaitFor(1, 5*time.Second, wecomtest.SendTo("carol"))
	if len(toCarol) != 1 {
		t.Fatalf("replies to carol on WeCom: %d, want 1", len(toCarol))
	}
	mustContain(t, wecomtest.Shown(toCarol[0]), "Created #1 for @dave.", "#1 Quarterly report")
	if got := toCarol[0].Query.Get("access_token"); !strings.HasPrefix(got, "tok") {
		t.Errorf("message/send with access_token %q, want the one from gettoken", got)
	}
	if agent := toCarol[0].JSON["agentid"]; agent != strconv.Itoa(xpWeComAgent) {
		t.Errorf("message/send agentid %v, want %d", toCarol[0].JSON["agentid"], xpWeComAgent)
	}

	// WeCom redelivers carol's message: it creates nothing new.
	if code, resp := postWeCom(t, srv.url, create); code != 200 {
		t.Fatalf("redelivered message: %d %s", code, resp)
	}
	out := chat(t, dir, []string{"--as", "alice", "--config", cfg}, "task list all")
	mustContain(t, out, "All open tasks (1):", "#1 [to do] Quarterly report")
	if strings.Contains(out, "#2") {
		t.Errorf("the redelivery created a second task:\n%s", out)
	}

	// Forgeries are refused before anything is stored.
	forged := wecomCallback(t, wecomText("carol", `task new "Forged"`, 7300000000000000002))
	forged.Query = xpWeComApp.Sign(time.Now(), "n-forged", "something else")
	if code, resp := postWeCom(t, srv.url, forged); code != http.StatusUnauthorized {
		t.Errorf("forged WeCom callback: %d %s, want 401", code, resp)
	}
	body, h := feishuEvent(t, feishuClick("ev-xp-forged", "wrong-token", "ou_dave", "task.cancel", "1", cardMsgID))
	if code, resp := post(t, srv.url+"/feishu/events", "application/json", body, h); code != http.StatusUnauthorized {
		t.Errorf("Feishu event with a wrong verification token: %d %s, want 401", code, resp)
	}

	// dave clicks Start, then Done, on the card.
	for _, step := range []struct{ action, status, next string }{
		{"task.start", "in progress", "task.done"},
		{"task.done", "done", ""}, // a closed task's card has no buttons
	} {
		body, h := feishuEvent(t, feishuClick("ev-xp-"+step.action, xpFeishuToken, "ou_dave", step.action, "1", cardMsgID))
		code, resp := post(t, srv.url+"/feishu/events", "application/json", body, h)
		if code != 200 {
			t.Fatalf("dave's %s click: %d %s", step.action, code, resp)
		}
		// The answer says what happened; the card changes in place (a
		// patch of the message), with the buttons of the new state.
		if !strings.Contains(resp, `"content":"#1 is now `+step.status+`."`) {
			t.Errorf("toast for the %s click: %s", step.action, resp)
		}
		if !feishutest.WaitFor(5*time.Second, func() bool {
			c := feishuAPI.Messages()[0].Content
			if step.next == "" {
				return strings.Contains(c, `**Status**\n`+step.status) && !strings.Contains(c, `"action_id"`)
			}
			return strings.Contains(c, `**Status**\n`+step.status) && strings.Contains(c, `"action_id":"`+step.next+`"`)
		}) {
			t.Errorf("dave's card after the %s click: %s", step.action, feishuAPI.Messages()[0].Content)
		}

		// carol, who gave the task, is told on WeCom, in English.
		want := "@dave moved #1 Quarterly report to " + step.status + "."
		told := wecomAPI.WaitFor(1, 5*time.Second, func(c wecomtest.Call) bool {
			return wecomtest.SendTo("carol")(c) && strings.Contains(wecomtest.Shown(c), want)
		})
		if len(told) != 1 {
			t.Errorf("WeCom messages to carol saying %q: %d, want 1", want, len(told))
		}
	}

	// dave was notified once, and not about his own clicks; nothing went to
	// Slack or DingTalk.
	time.Sleep(100 * time.Millisecond)
	if n := len(feishuAPI.Matching(feishuCreateTo("ou_dave"))); n != 1 {
		t.Errorf("messages to dave on Feishu: %d, want 1", n)
	}
	if n := len(wecomAPI.Matching(wecomtest.SendTo("carol"))); n != 3 {
		t.Errorf("messages to carol on WeCom: %d, want 3 (created, in progress, done)", n)
	}
	if sends := slackAPI.Calls("chat.postMessage", "chat.postEphemeral", "chat.update", "files.completeUploadExternal"); len(sends) > 0 {
		t.Errorf("slack got messages: %+v", sends)
	}
	for _, c := range dingAPI.Calls("") {
		if c.Key != "token" {
			t.Errorf("dingtalk got a call: %s %s %s", c.Method, c.Key, c.Body)
		}
	}
	out = chat(t, dir, []string{"--as", "alice", "--config", cfg}, "task show 1")
	mustContain(t, out, "@dave changed status to do → in progress", "@dave changed status in progress → done")
	srv.stop(t)
}
