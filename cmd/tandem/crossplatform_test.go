package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/wecom"
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

// newXPSlack answers Slack's Web API.
func newXPSlack(t *testing.T) *xpFake {
	return newXPFake(t, func(c xpCall, n int) string {
		switch strings.TrimPrefix(c.Path, "/api/") {
		case "auth.test":
			return `{"ok":true,"user_id":"UBOT","team_id":"T1"}`
		case "conversations.open":
			return `{"ok":true,"channel":{"id":"D1"}}`
		case "chat.postMessage", "chat.postEphemeral":
			return fmt.Sprintf(`{"ok":true,"channel":"D1","ts":"1700000000.%06d"}`, n)
		}
		return `{"ok":true}`
	})
}

// newXPFeishu is the Open API (feishutest): tenant tokens, bot info and
// messages.
func newXPFeishu(t *testing.T) *feishutest.Server { return feishutest.NewServer(t) }

// newXPWeCom answers the WeCom API: access tokens, app messages and card
// updates.
func newXPWeCom(t *testing.T) *xpFake {
	return newXPFake(t, func(c xpCall, n int) string {
		switch c.Path {
		case "/cgi-bin/gettoken":
			return fmt.Sprintf(`{"errcode":0,"errmsg":"ok","access_token":"wx-xp-%d","expires_in":7200}`, n)
		case "/cgi-bin/message/send":
			return fmt.Sprintf(`{"errcode":0,"errmsg":"ok","invaliduser":"","msgid":"wxmsg-%d"}`, n)
		}
		return `{"errcode":0,"errmsg":"ok"}`
	})
}

// newXPDingTalk answers DingTalk's APIs (nothing in this scenario is meant
// to reach it).
func newXPDingTalk(t *testing.T) *xpFake {
	return newXPFake(t, func(c xpCall, n int) string {
		switch c.Path {
		case "/v1.0/oauth2/accessToken":
			return `{"accessToken":"ding-xp","expireIn":7200}`
		case "/robot/sendBySession":
			return `{"errcode":0,"errmsg":"ok"}`
		}
		return fmt.Sprintf(`{"processQueryKey":"pqk-%d"}`, n)
	})
}

// wecomEncrypt encrypts msg as WeCom does (WXBizMsgCrypt): 16 random bytes,
// the message length (4 bytes, big-endian), the message and the corp id,
// padded with PKCS#7 to 32 bytes, AES-256-CBC with IV = key[:16], base64.
func wecomEncrypt(t *testing.T, encodingAESKey, corpID string, msg []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		t.Fatalf("bad EncodingAESKey: %v", err)
	}
	var plain bytes.Buffer
	random := make([]byte, 16)
	rand.Read(random)
	plain.Write(random)
	n := len(msg)
	plain.Write([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}) // big-endian length
	plain.Write(msg)
	plain.WriteString(corpID)
	pad := 32 - plain.Len()%32
	plain.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, plain.Len())
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(out, plain.Bytes())
	return base64.StdEncoding.EncodeToString(out)
}

// wecomSignature is msg_signature: the hex SHA-1 of the sorted, joined
// token, timestamp, nonce and ciphertext.
func wecomSignature(token, timestamp, nonce, encrypt string) string {
	parts := []string{token, timestamp, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// wecomCallback is a signed, encrypted POST callback: the query string and
// the XML body.
type wecomCallback struct {
	query url.Values
	body  string
}

func newWeComCallback(t *testing.T, plainXML string) wecomCallback {
	t.Helper()
	enc := wecomEncrypt(t, xpWeComAESKey, xpWeComCorp, []byte(plainXML))
	// Sanity: the adapter's own Decrypt opens what we made.
	if got, err := wecom.Decrypt(xpWeComAESKey, xpWeComCorp, enc); err != nil || string(got) != plainXML {
		t.Fatalf("wecom.Decrypt of our ciphertext: %q, %v", got, err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := fmt.Sprintf("n%d", time.Now().UnixNano())
	body := fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><AgentID><![CDATA[%d]]></AgentID><Encrypt><![CDATA[%s]]></Encrypt></xml>`,
		xpWeComCorp, xpWeComAgent, enc)
	return wecomCallback{
		query: url.Values{"msg_signature": {wecomSignature(xpWeComToken, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}},
		body:  body,
	}
}

// wecomText is the decrypted XML of a member's text message to the app.
func wecomText(from, content string, msgID int64) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content>`+
		`<MsgId>%d</MsgId><AgentID>%d</AgentID></xml>`,
		xpWeComCorp, from, time.Now().Unix(), content, msgID, xpWeComAgent)
}

func (c wecomCallback) post(t *testing.T, base string) (int, string) {
	t.Helper()
	return post(t, base+"/wecom/callback?"+c.query.Encode(), "text/xml", c.body, nil)
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

// wecomSendTo matches message/send calls to one member.
func wecomSendTo(user string) func(xpCall) bool {
	return func(c xpCall) bool { return c.Path == "/cgi-bin/message/send" && c.JSON["touser"] == user }
}

// wecomShown returns what a message/send shows: a text message's content,
// or a template card's title, description and sub-title.
func wecomShown(c xpCall) string {
	if txt, ok := c.JSON["text"].(map[string]any); ok {
		return fmt.Sprint(txt["content"])
	}
	card, _ := c.JSON["template_card"].(map[string]any)
	title, _ := card["main_title"].(map[string]any)
	return fmt.Sprint(title["title"], "\n", title["desc"], "\n", card["sub_title_text"])
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
	slackAPI, feishuAPI, wecomAPI, dingAPI := newXPSlack(t), newXPFeishu(t), newXPWeCom(t), newXPDingTalk(t)
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
wecom:
  - corp_id: %s
    agent_id: %d
    secret: xp-wecom-secret
    token: %s
    encoding_aes_key: %s
    api_url: %s
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
`, addr, filepath.Join(dir, "tandem.db"), slackAPI.srv.URL,
		xpFeishuToken, xpFeishuKey, feishuAPI.URL,
		xpWeComCorp, xpWeComAgent, xpWeComToken, xpWeComAESKey, wecomAPI.srv.URL,
		dingAPI.srv.URL, dingAPI.srv.URL,
		xpWeComCorp, xpFeishuTenant)), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, cfg, addr)
	defer func() {
		if t.Failed() {
			t.Logf("tandem logs:\n%s\nfeishu calls:\n%swecom calls:\n%s", srv.logs, feishuAPI.Dump(), wecomAPI.dump())
		}
	}()

	// carol, on WeCom, gives dave a task.
	create := newWeComCallback(t, wecomText("carol", `task new "Quarterly report" @dave due:tomorrow 5pm`, 7300000000000000001))
	if code, resp := create.post(t, srv.url); code != 200 {
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
	toCarol := wecomAPI.waitFor(1, wecomSendTo("carol"))
	if len(toCarol) != 1 {
		t.Fatalf("replies to carol on WeCom: %d, want 1", len(toCarol))
	}
	mustContain(t, wecomShown(toCarol[0]), "Created #1 for @dave.", "#1 Quarterly report")
	if got := toCarol[0].Query.Get("access_token"); !strings.HasPrefix(got, "wx-xp-") {
		t.Errorf("message/send with access_token %q, want the one from gettoken", got)
	}
	if agent, _ := toCarol[0].JSON["agentid"].(float64); agent != xpWeComAgent {
		t.Errorf("message/send agentid %v, want %d", toCarol[0].JSON["agentid"], xpWeComAgent)
	}

	// WeCom redelivers carol's message: it creates nothing new.
	if code, resp := create.post(t, srv.url); code != 200 {
		t.Fatalf("redelivered message: %d %s", code, resp)
	}
	out := chat(t, dir, []string{"--as", "alice", "--config", cfg}, "task list all")
	mustContain(t, out, "All open tasks (1):", "#1 [to do] Quarterly report")
	if strings.Contains(out, "#2") {
		t.Errorf("the redelivery created a second task:\n%s", out)
	}

	// Forgeries are refused before anything is stored.
	forged := newWeComCallback(t, wecomText("carol", `task new "Forged"`, 7300000000000000002))
	forged.query.Set("msg_signature", wecomSignature(xpWeComToken, forged.query.Get("timestamp"), forged.query.Get("nonce"), "something else"))
	if code, resp := forged.post(t, srv.url); code != http.StatusUnauthorized {
		t.Errorf("forged WeCom callback: %d %s, want 401", code, resp)
	}
	body, h := feishuEvent(t, feishuClick("ev-xp-forged", "wrong-token", "ou_dave", "task.cancel", "1", cardMsgID))
	if code, resp := post(t, srv.url+"/feishu/events", "application/json", body, h); code != http.StatusUnauthorized {
		t.Errorf("Feishu event with a wrong verification token: %d %s, want 401", code, resp)
	}

	// dave clicks Start, then Done, on the card.
	for _, step := range []struct{ action, status, next string }{
		{"task.start", "in progress", "task.done"},
		{"task.done", "done", "task.reopen"},
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
			return strings.Contains(c, `**Status**\n`+step.status) && strings.Contains(c, `"action_id":"`+step.next+`"`)
		}) {
			t.Errorf("dave's card after the %s click: %s", step.action, feishuAPI.Messages()[0].Content)
		}

		// carol, who gave the task, is told on WeCom, in English.
		want := "@dave moved #1 Quarterly report to " + step.status + "."
		told := wecomAPI.waitFor(1, func(c xpCall) bool { return wecomSendTo("carol")(c) && strings.Contains(wecomShown(c), want) })
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
	if n := len(wecomAPI.matching(wecomSendTo("carol"))); n != 3 {
		t.Errorf("messages to carol on WeCom: %d, want 3 (created, in progress, done)", n)
	}
	for name, f := range map[string]*xpFake{"slack": slackAPI, "dingtalk": dingAPI} {
		if sends := f.matching(func(c xpCall) bool { return !strings.Contains(c.Path, "token") && c.Path != "/api/auth.test" }); len(sends) > 0 {
			t.Errorf("%s got messages: %+v", name, sends)
		}
	}
	out = chat(t, dir, []string{"--as", "alice", "--config", cfg}, "task show 1")
	mustContain(t, out, "@dave changed status to do → in progress", "@dave changed status in progress → done")
	srv.stop(t)
}
