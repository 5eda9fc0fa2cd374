package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
)

const slackSecret = "e2e-signing-secret"

// fakeSlack stands in for Slack's Web API and for response_url.
type fakeSlack struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []slackCall
}

type slackCall struct {
	Method string
	Form   url.Values
	JSON   map[string]any
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		call := slackCall{Method: strings.TrimPrefix(r.URL.Path, "/api/")}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			json.Unmarshal(body, &call.JSON)
		} else {
			call.Form, _ = url.ParseQuery(string(body))
		}
		f.mu.Lock()
		f.calls = append(f.calls, call)
		n := len(f.calls)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch call.Method {
		case "auth.test":
			fmt.Fprint(w, `{"ok":true,"user_id":"UBOT","team_id":"T1"}`)
		case "conversations.open":
			fmt.Fprintf(w, `{"ok":true,"channel":{"id":"D%s"}}`, call.Form.Get("users"))
		case "chat.postMessage", "chat.postEphemeral":
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.%06d"}`, call.Form.Get("channel"), n)
		default: // response_url
			fmt.Fprint(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// posted returns the calls of one method, waiting briefly for want of them.
func (f *fakeSlack) posted(method string, want int) []slackCall {
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		var out []slackCall
		for _, c := range f.calls {
			if c.Method == method {
				out = append(out, c)
			}
		}
		f.mu.Unlock()
		if len(out) >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func sign(body string, ts int64) http.Header {
	mac := hmac.New(sha256.New, []byte(slackSecret))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

func post(t *testing.T, u, contentType, body string, h http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func slash(text, trigger, user, userName string) string {
	return url.Values{"command": {"/tandem"}, "text": {text}, "team_id": {"T1"}, "channel_id": {"C1"},
		"user_id": {user}, "user_name": {userName}, "trigger_id": {trigger}, "response_url": {""}}.Encode()
}

// Ensure the Slack adapter works inside the real program: signed requests
// are processed once, forged/stale/unsigned/malformed ones are refused, and
// replies and notifications are posted to Slack's Web API.
func TestSlackEndToEnd(t *testing.T) {
	fake := newFakeSlack(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "tandem.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
http: {addr: "%s"}
storage: {path: "%s"}
bot: {notify_window: 0s}  # each notification at once: the test reads them straight away
slack:
  signing_secret: ${E2E_SLACK_SECRET}
  bot_token: xoxb-e2e
  bot_user_id: UBOT
  api_url: %s/api/
`, addr, filepath.Join(dir, "tandem.db"), fake.srv.URL)), 0o644)
	t.Setenv("E2E_SLACK_SECRET", slackSecret)
	srv := startServer(t, cfg, addr)
	commands := srv.url + "/slack/commands"
	form := "application/x-www-form-urlencoded"
	now := time.Now().Unix()

	body := slash(`task new "Poster for the Q3 launch" <@U2|bob> due:tomorrow 5pm p:high`, "trig-1", "U1", "ann")
	code, resp := post(t, commands, form, body, sign(body, now))
	if code != 200 || !strings.Contains(resp, `"response_type":"in_channel"`) || !strings.Contains(resp, "Created #1 for @bob") {
		t.Fatalf("slash command: %d %s", code, resp)
	}
	// The same delivery again (a retry) creates nothing new.
	if code, _ := post(t, commands, form, body, sign(body, now)); code != 200 {
		t.Fatalf("replayed slash command: %d", code)
	}
	// Refused before anything is parsed or stored.
	forged := slash(`task new "forged"`, "trig-2", "U1", "ann")
	stale := slash(`task new "stale"`, "trig-3", "U1", "ann")
	for name, c := range map[string]struct {
		body string
		h    http.Header
		want int
	}{
		"forged":   {forged, sign(strings.Replace(forged, "forged", "honest", 1), now), 401},
		"stale":    {stale, sign(stale, now-6*60), 401},
		"unsigned": {forged, http.Header{}, 401},
		"garbled":  {"%zz%", sign("%zz%", now), 400},
		"huge":     {strings.Repeat("a", 2<<20), sign(strings.Repeat("a", 2<<20), now), 413},
	} {
		if code, resp := post(t, commands, form, c.body, c.h); code != c.want {
			t.Errorf("%s request: %d %s, want %d", name, code, resp, c.want)
		}
	}
	list := slash("task list all", "trig-4", "U1", "ann")
	_, resp = post(t, commands, form, list, sign(list, now))
	if !strings.Contains(resp, "All open tasks (1)") || strings.Contains(resp, "forged") || strings.Contains(resp, "stale") {
		t.Fatalf("after replays and forgeries the list is: %s", resp)
	}

	// bob is told by direct message, with buttons that work in Slack.
	dms := fake.posted("chat.postMessage", 1)
	if len(dms) == 0 || dms[0].Form.Get("channel") != "DU2" || !strings.Contains(dms[0].Form.Get("blocks"), `"action_id":"task.start"`) {
		t.Fatalf("notification to bob: %+v", dms)
	}

	// bob clicks Start on that card.
	payload := fmt.Sprintf(`{"type":"block_actions","trigger_id":"trig-5","team":{"id":"T1"},"user":{"id":"U2","name":"bob"},
		"channel":{"id":"DU2"},"container":{"message_ts":"1700000000.000001"},"response_url":%q,
		"actions":[{"action_id":"task.start","block_id":"b1","value":"1","type":"button"}]}`, fake.srv.URL+"/response/1")
	click := url.Values{"payload": {payload}}.Encode()
	if code, resp := post(t, srv.url+"/slack/interactions", form, click, sign(click, now)); code != 200 {
		t.Fatalf("button click: %d %s", code, resp)
	}
	replies := fake.posted("/response/1", 1)
	if len(replies) != 1 || !strings.Contains(fmt.Sprint(replies[0].JSON["text"]), "#1 is now in progress") {
		t.Fatalf("reply to the click: %+v", replies)
	}

	// An @-mention in a channel, delivered twice (Slack retry), answered once.
	event := `{"type":"event_callback","team_id":"T1","event_id":"Ev42","event":{"type":"app_mention","user":"U1","channel":"C9",
		"text":"<@UBOT> task show 1","ts":"1700000001.000100"}}`
	h := sign(event, now)
	post(t, srv.url+"/slack/events", "application/json", event, h)
	h.Set("X-Slack-Retry-Num", "1")
	h.Set("X-Slack-Retry-Reason", "http_timeout")
	post(t, srv.url+"/slack/events", "application/json", event, h)
	// The bot's own message must not trigger anything.
	own := `{"type":"event_callback","team_id":"T1","event_id":"Ev43","event":{"type":"message","channel_type":"im","user":"UBOT","bot_id":"B1","channel":"D1","text":"task list","ts":"1.2"}}`
	post(t, srv.url+"/slack/events", "application/json", own, sign(own, now))
	time.Sleep(300 * time.Millisecond)
	var inC9 []string
	// "task show" answers privately, with ephemeral messages to the asker:
	// the card, then the history.
	for _, c := range append(fake.posted("chat.postMessage", 1), fake.posted("chat.postEphemeral", 2)...) {
		if c.Form.Get("channel") == "C9" {
			inC9 = append(inC9, c.Form.Get("text"))
			if c.Method != "chat.postEphemeral" || c.Form.Get("user") != "U1" {
				t.Errorf("mention reply: %v", c.Form.Get("text"))
			}
		}
		if c.Form.Get("channel") == "D1" {
			t.Errorf("answered its own message: %+v", c)
		}
	}
	if len(inC9) != 2 || !strings.Contains(inC9[0], "#1 Poster for the Q3 launch") || !strings.Contains(inC9[1], "History") {
		t.Fatalf("mention answered with %q, want the card, then the history", inC9)
	}

	challenge := `{"type":"url_verification","token":"x","challenge":"abc123"}`
	if code, resp := post(t, srv.url+"/slack/events", "application/json", challenge, sign(challenge, now)); code != 200 || strings.TrimSpace(resp) != "abc123" {
		t.Fatalf("url_verification: %d %q", code, resp)
	}
	srv.stop(t)
}
