package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/slack/slacktest"
)

const slackSecret = "e2e-signing-secret"

// newFakeSlack is the Slack test kit's fake Web API and response_urls.
func newFakeSlack(t *testing.T) *slacktest.Server { return slacktest.NewServer(t) }

// sign is Slack's signature of body at ts (Unix seconds) with the test
// apps' signing secret.
func sign(body string, ts int64) http.Header {
	return slacktest.Sign(slackSecret, time.Unix(ts, 0), []byte(body))
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

// postNoFatal is post for goroutines and for servers that may die under a
// request (the kill and restart tests): a failed request is a 0 status,
// and none waits longer than 10 s.
func postNoFatal(u, contentType, body string, h http.Header) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := noFatalClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err.Error()
	}
	return resp.StatusCode, string(b)
}

var noFatalClient = &http.Client{Timeout: 10 * time.Second}

// deliverSlash delivers a signed slash command's body to base, as postNoFatal.
func deliverSlash(base, body string) (int, string) {
	return postNoFatal(base+"/slack/commands", "application/x-www-form-urlencoded", body, sign(body, time.Now().Unix()))
}

func slash(text, trigger, user, userName string) string {
	return string(slacktest.Command{Text: text, Trigger: trigger, User: user, UserName: userName}.Body())
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
`, addr, filepath.Join(dir, "tandem.db"), fake.URL)), 0o644)
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
	dms := fake.WaitCalls("chat.postMessage", 1, 5*time.Second)
	if len(dms) == 0 || dms[0].Form.Get("channel") != "DU2" || !strings.Contains(dms[0].Form.Get("blocks"), `"action_id":"task.start"`) {
		t.Fatalf("notification to bob: %+v", dms)
	}

	// bob clicks Start on that card.
	click := string(slacktest.Click{User: "U2", UserName: "bob", Channel: "DU2", MessageTS: fake.Messages("DU2")[0].TS,
		ActionID: "task.start", Value: "1", Trigger: "trig-5", ResponseURL: fake.URL + "/response/1"}.Body())
	if code, resp := post(t, srv.url+"/slack/interactions", form, click, sign(click, now)); code != 200 {
		t.Fatalf("button click: %d %s", code, resp)
	}
	replies := fake.WaitCalls(slacktest.Hook, 1, 5*time.Second)
	if len(replies) != 1 || replies[0].Path != "/response/1" || !strings.Contains(fmt.Sprint(replies[0].JSON["text"]), "#1 is now in progress") {
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
	for _, c := range append(fake.WaitCalls("chat.postMessage", 1, 5*time.Second), fake.WaitCalls("chat.postEphemeral", 2, 5*time.Second)...) {
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
