package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
)

// nowhere is a platform API that answers nothing useful: the tests that use
// it look at what Tandem accepts, not at what it sends.
func nowhere(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not in this test", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// allPlatformsYAML configures every platform in http mode, two Feishu apps
// (the second without an Encrypt Key), all calling api.
func allPlatformsYAML(api string) string {
	return `
http: {addr: "127.0.0.1:0"}
slack: {signing_secret: ` + slackSecret + `, bot_token: xoxb-x, bot_user_id: UBOT, workspace: T1, api_url: "` + api + `/api/"}
feishu:
  - {name: main, workspace: tenant-a, app_id: cli_a, app_secret: sa, verification_token: va, encrypt_key: ka, host: "` + api + `"}
  - {name: lark, workspace: tenant-b, app_id: cli_b, app_secret: sb, verification_token: vb, host: "` + api + `"}
wecom:
  - {name: main, corp_id: wx5823bf96d3bd56c7, agent_id: 218, secret: s, token: QDG6eK, encoding_aes_key: jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C, api_url: "` + api + `"}
dingtalk:
  - {name: main, client_id: ding1, client_secret: ` + dingSecret + `, robot_code: ding1, mode: http, api_url: "` + api + `", oapi_url: "` + api + `"}
`
}

// runMain runs Tandem in this process on cfg (YAML), with its database at
// dbPath, and closes it when the test ends.
func runMain(t *testing.T, cfgYAML, dbPath string, log *slog.Logger) *Main {
	t.Helper()
	cfg, err := ParseConfig(strings.NewReader(cfgYAML), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Storage.Path = dbPath
	m := &Main{Config: cfg, Log: log}
	if err := m.Run(); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

const dingSecret = "edge-ding-secret"

// dingRobotPost posts body to the DingTalk robot callback with the given
// timestamp and sign headers.
func dingRobotPost(t *testing.T, base, body, timestamp, sign string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/dingtalk/robot", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("timestamp", timestamp)
	req.Header.Set("sign", sign)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func dingText(msgID, sender, text string) string {
	return `{"msgId":"` + msgID + `","conversationId":"cidE1==","conversationType":"1","senderStaffId":"` + sender +
		`","senderNick":"` + sender + `","chatbotCorpId":"dingcorpE","msgtype":"text","text":{"content":"` + text + `"}}`
}

// Ensure a DingTalk (timestamp, sign) pair stays bound to the body it first
// came with after a restart: replayed with a forged sender it gets 401, while
// the identical body is still accepted (and stored once).
func TestDingTalkSignatureBoundAcrossRestart(t *testing.T) {
	api := nowhere(t)
	cfg := `
http: {addr: "127.0.0.1:0"}
dingtalk:
  - {name: main, client_id: dingE, client_secret: ` + dingSecret + `, robot_code: dingE, mode: http, api_url: "` + api + `", oapi_url: "` + api + `"}
`
	db := filepath.Join(t.TempDir(), "tandem.db")
	quiet := slog.New(slog.DiscardHandler)
	ts, sign := dingtalktest.Sign(dingSecret, time.Now())
	body := dingText("msgE1==", "staff1", "help")

	m := runMain(t, cfg, db, quiet)
	if code := dingRobotPost(t, m.Server.URL(), body, ts, sign); code != http.StatusOK {
		t.Fatalf("first delivery: %d", code)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	m = runMain(t, cfg, db, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	forged := dingText("msgE2==", "boss", "admin outbox retry 1")
	if code := dingRobotPost(t, m.Server.URL(), forged, ts, sign); code != http.StatusUnauthorized {
		t.Fatalf("captured pair with a forged body after a restart: %d, want 401", code)
	}
	if !strings.Contains(logs.String(), "already used with another body") {
		t.Errorf("the refusal is not logged with its reason:\n%s", logs.String())
	}
	if code := dingRobotPost(t, m.Server.URL(), body, ts, sign); code != http.StatusOK {
		t.Fatalf("identical redelivery after a restart: %d, want 200", code)
	}
}

// consoleSecret reads the console secret a server made in dir/data.
func consoleSecret(t *testing.T, dir string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "data", "console.secret"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(raw))
}

// Ensure the console is refused on an address other machines reach unless
// the config says so explicitly, with an error that says what to do.
func TestParseConfig_ConsoleOnlyOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		ok   bool
	}{
		{`http: {addr: "127.0.0.1:8080"}`, true},
		{`http: {addr: "127.0.0.2:8080"}`, true},
		{`http: {addr: "localhost:8080"}`, true},
		{`http: {addr: "[::1]:8080"}`, true},
		{`http: {addr: "0.0.0.0:8080"}`, false},
		{`http: {addr: ":8080"}`, false},
		{`http: {addr: "[::]:8080"}`, false},
		{`http: {addr: "10.1.2.3:8080"}`, false},
		{`http: {addr: "tandem.internal:8080"}`, false},
		{"http: {addr: \"0.0.0.0:8080\"}\nconsole: {enabled: false}", true},
		{"http: {addr: \"0.0.0.0:8080\"}\nconsole: {allow_remote: true, hosts: [tandem.internal]}", true},
	} {
		_, err := ParseConfig(strings.NewReader(tc.yaml), env(nil))
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.yaml, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "console.allow_remote: the console is on and http.addr") ||
			!strings.Contains(err.Error(), "console.enabled: false")) {
			t.Errorf("%s: error %v, want one naming console.allow_remote and how to fix it", tc.yaml, err)
		}
	}
}

// take returns what was logged since the last take.
func (l *dirLogs) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.b.String()
	l.b.Reset()
	return out
}

// Ensure every rejection on every webhook route, the console's included
// (wrong method, oversized, malformed and unsigned requests), is answered
// with its status and logged exactly once at warn with the platform, path,
// remote address, status and reason, as docs/operations.md says; and that
// no line holds a secret.
func TestRejectedWebhooksAreLogged(t *testing.T) {
	api := nowhere(t)
	cfg := allPlatformsYAML(api)
	logs := &dirLogs{}
	dir := t.TempDir()
	m := runMain(t, cfg, filepath.Join(dir, "data", "tandem.db"), slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	secret := consoleSecret(t, dir)
	huge := strings.Repeat("x", 1<<20+1)
	now := time.Now().Unix()
	slackSigned := func(body string) map[string]string {
		h := sign(body, now)
		return map[string]string{"X-Slack-Request-Timestamp": h.Get("X-Slack-Request-Timestamp"), "X-Slack-Signature": h.Get("X-Slack-Signature")}
	}
	dingTS, dingSig := dingtalktest.Sign(dingSecret, time.Now())
	dingSigned := map[string]string{"timestamp": dingTS, "sign": dingSig}
	console := map[string]string{"Authorization": "Bearer " + secret, "Content-Type": "application/json"}
	wecomQuery := "?msg_signature=0&timestamp=" + strconv.FormatInt(now, 10) + "&nonce=n"

	type request struct {
		platform, method, path, body string
		header                       map[string]string
		want                         int
	}
	var requests []request
	for _, route := range []struct {
		platform, path string
		signed         func(body string) map[string]string
		malformed      string
	}{
		{"slack", "/slack/commands", slackSigned, "text=%zz"},
		{"slack", "/slack/events", slackSigned, "{"},
		{"slack", "/slack/interactions", slackSigned, "payload=%7B"},
		{"feishu", "/feishu/events", nil, ""},
		{"feishu", "/feishu/lark/events", func(string) map[string]string { return nil }, "{"},
		{"wecom", "/wecom/callback" + wecomQuery, func(string) map[string]string { return nil }, "<xml"},
		{"dingtalk", "/dingtalk/robot", func(string) map[string]string { return dingSigned }, "{"},
		{"console", "/console/messages", func(string) map[string]string { return console }, "{"},
	} {
		wrong := "GET"
		if route.platform == "wecom" {
			wrong = "PUT"
		}
		requests = append(requests, request{route.platform, wrong, route.path, "", nil, http.StatusMethodNotAllowed})
		if route.signed != nil {
			requests = append(requests,
				request{route.platform, "POST", route.path, huge, route.signed(huge), http.StatusRequestEntityTooLarge},
				request{route.platform, "POST", route.path, route.malformed, route.signed(route.malformed), http.StatusBadRequest})
		}
		if route.platform != "feishu" || route.path == "/feishu/events" { // the lark app has no Encrypt Key: nothing to sign
			unsigned := `{"type":"event_callback","event_id":"E1"}`
			requests = append(requests, request{route.platform, "POST", strings.TrimSuffix(route.path, wecomQuery), unsigned,
				map[string]string{"Content-Type": "application/json"}, http.StatusUnauthorized})
		}
	}
	requests = append(requests,
		request{"console", "POST", "/console/inbox?user=alice", "", map[string]string{"Authorization": "Bearer " + secret}, http.StatusMethodNotAllowed},
		request{"console", "GET", "/console/inbox?user=alice", "", nil, http.StatusUnauthorized},
		request{"console", "POST", "/console/messages", `{"user":"alice","text":"help"}`,
			map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example"}, http.StatusForbidden})

	logs.take()
	for _, rq := range requests {
		name := fmt.Sprintf("%s %s %.40q", rq.method, rq.path, rq.body)
		if got := consoleRequest(t, rq.method, m.Server.URL()+rq.path, rq.body, rq.header); got != rq.want {
			t.Errorf("%s: status %d, want %d", name, got, rq.want)
			continue
		}
		var lines []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(logs.take()), "\n") {
			var v map[string]any
			if json.Unmarshal([]byte(l), &v) == nil && strings.HasSuffix(fmt.Sprint(v["msg"]), "rejected request") {
				lines = append(lines, v)
			}
			if strings.Contains(l, secret) || strings.Contains(l, dingSecret) || strings.Contains(l, slackSecret) {
				t.Errorf("%s: a log line holds a secret: %s", name, l)
			}
		}
		if len(lines) != 1 {
			t.Errorf("%s: %d rejection lines, want 1", name, len(lines))
			continue
		}
		l := lines[0]
		path, _, _ := strings.Cut(rq.path, "?")
		if l["level"] != "WARN" || l["platform"] != rq.platform || l["path"] != path || l["status"] != float64(rq.want) ||
			!strings.HasPrefix(fmt.Sprint(l["remote"]), "127.0.0.1:") || fmt.Sprint(l["reason"]) == "" {
			t.Errorf("%s: log line %v", name, l)
		}
	}
	if len(requests) < 30 {
		t.Fatalf("only %d requests", len(requests))
	}
}
