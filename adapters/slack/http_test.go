package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/bot"

	tslack "github.com/tandemhq/tandem/adapters/slack"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
)

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

func commandForm(edit func(url.Values)) []byte {
	v := url.Values{
		"team_id":      {"T1"},
		"channel_id":   {"C1"},
		"channel_name": {"general"},
		"user_id":      {"U1"},
		"user_name":    {"alice"},
		"command":      {"/tandem"},
		"text":         {"assign #3 to <@U2|bob> and @carol"},
		"response_url": {"https://hooks.slack.com/commands/T1/1/x"},
		"trigger_id":   {"111.222.abc"},
	}
	if edit != nil {
		edit(v)
	}
	return []byte(v.Encode())
}

func callback(eventID string, event map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": 1700000000, "event": event,
	})
	return b
}

func mention(text string) map[string]any {
	return map[string]any{
		"type": "app_mention", "user": "U1", "text": text, "ts": "1700000000.000100",
		"thread_ts": "1699999999.000001", "channel": "C1", "event_ts": "1700000000.000100",
	}
}

func directMessage(edit func(map[string]any)) map[string]any {
	m := map[string]any{
		"type": "message", "channel_type": "im", "user": "U1", "text": "tasks",
		"ts": "1700000000.000200", "channel": "D1", "event_ts": "1700000000.000200",
	}
	if edit != nil {
		edit(m)
	}
	return m
}

func blockActions(edit func(map[string]any)) []byte {
	p := map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": "T1", "domain": "x"},
		"user":         map[string]any{"id": "U1", "username": "alice", "name": "alice", "team_id": "T1"},
		"api_app_id":   "A1",
		"trigger_id":   "999.888.fff",
		"response_url": "https://hooks.slack.com/actions/T1/2/y",
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000300", "channel_id": "C1", "is_ephemeral": false},
		"channel":      map[string]any{"id": "C1", "name": "general"},
		"actions": []any{map[string]any{
			"action_id": "task.done", "block_id": "b1", "value": "42", "type": "button",
			"action_ts": "1700000001.000400", "text": map[string]any{"type": "plain_text", "text": "Done"},
		}},
	}
	if edit != nil {
		edit(p)
	}
	raw, _ := json.Marshal(p)
	return []byte(url.Values{"payload": {string(raw)}}.Encode())
}

// Ensure requests that are not authentic, too large, malformed or sent with
// the wrong method are refused with the right status before reaching Accept.
func TestRoutes_Rejections(t *testing.T) {
	valid := callback("Ev1", mention("<@UBOT> tasks"))
	huge := bytes.Repeat([]byte("a"), 1<<20+1)

	for name, tc := range map[string]struct {
		req  func() *http.Request
		want int
	}{
		"ErrForged": {func() *http.Request {
			r := signedRequest("/slack/events", jsonType, valid)
			r.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("ab", 32))
			return r
		}, http.StatusUnauthorized},
		"ErrBodyChanged": {func() *http.Request {
			r := signedRequest("/slack/events", jsonType, valid)
			r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(valid, []byte("tasks"), []byte("tasKs"), 1)))
			return r
		}, http.StatusUnauthorized},
		"ErrStale": {func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(valid))
			for k, v := range slacktest.Sign(testSecret, testNow.Add(-6*time.Minute), valid) {
				r.Header[k] = v
			}
			return r
		}, http.StatusUnauthorized},
		"ErrUnsigned": {func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(valid))
		}, http.StatusUnauthorized},
		"ErrUnsignedChallenge": {func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/slack/events",
				strings.NewReader(`{"token":"x","challenge":"c","type":"url_verification"}`))
		}, http.StatusUnauthorized},
		"ErrOversized": {func() *http.Request {
			return signedRequest("/slack/events", jsonType, huge)
		}, http.StatusRequestEntityTooLarge},
		"ErrOversizedChunked": {func() *http.Request {
			r := signedRequest("/slack/commands", formType, huge)
			r.ContentLength = -1
			return r
		}, http.StatusRequestEntityTooLarge},
		"ErrMalformedJSON": {func() *http.Request {
			return signedRequest("/slack/events", jsonType, []byte(`{"type":`))
		}, http.StatusBadRequest},
		"ErrCallbackWithoutEventID": {func() *http.Request {
			return signedRequest("/slack/events", jsonType, callback("", mention("hi")))
		}, http.StatusBadRequest},
		"ErrCommandWithoutTrigger": {func() *http.Request {
			return signedRequest("/slack/commands", formType, commandForm(func(v url.Values) { v.Del("trigger_id") }))
		}, http.StatusBadRequest},
		"ErrMalformedCommandForm": {func() *http.Request {
			return signedRequest("/slack/commands", formType, []byte("command=%2Ftandem&text=%zz"))
		}, http.StatusBadRequest},
		"ErrInteractionWithoutPayload": {func() *http.Request {
			return signedRequest("/slack/interactions", formType, []byte("foo=bar"))
		}, http.StatusBadRequest},
		"ErrInteractionBadJSON": {func() *http.Request {
			return signedRequest("/slack/interactions", formType, []byte("payload=%7B"))
		}, http.StatusBadRequest},
		"ErrMethod": {func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/slack/commands", nil)
		}, http.StatusMethodNotAllowed},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{}
			a := MustNewAdapter(t, in, nil)
			w := serve(t, a, tc.req())
			adaptertest.CheckRejected(t, w, in, tc.want, testSecret)
		})
	}
}

// Ensure the Events API endpoint answers the URL challenge with text.
func TestEvents_URLVerification(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest("/slack/events", jsonType,
		[]byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)))
	if w.Code != http.StatusOK || w.Body.String() != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("content type %q", ct)
	}
	if len(in.Events()) != 0 {
		t.Fatal("challenge reached Accept")
	}
}

// Ensure an app mention becomes an event with the bot's mention stripped,
// other mentions in canonical form, and the thread kept.
func TestEvents_AppMention(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest("/slack/events", jsonType,
		callback("Ev1", mention("<@UBOT> assign #3 to <@U2|bob> &amp; <@U3>, see <https://x.example/a|a>"))))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	evs := in.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events", len(evs))
	}
	want := &bot.Event{
		Platform: bot.PlatformSlack, Workspace: "T1", DedupKey: "Ev1", ChatID: "C1", ChatType: bot.ChatGroup,
		ThreadID: "1699999999.000001", MessageID: "1700000000.000100", Sender: bot.Author{UserID: "U1"},
		Text:     "assign #3 to <@U2> & <@U3>, see https://x.example/a",
		Mentions: []bot.Mention{{UserID: "U2", Name: "bob"}, {UserID: "U3"}},
	}
	if !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("event\n got %+v\nwant %+v", evs[0], want)
	}
	if w := in.Waits()[0]; w != 0 {
		t.Fatalf("events must not wait; wait=%s", w)
	}
}

// Ensure the bot's own mention is removed wherever it is known, and only
// the leading one is guessed when it is not.
func TestEvents_MentionText(t *testing.T) {
	for _, tc := range []struct {
		botID, text, want string
		authorizations    bool
	}{
		{testBotID, "<@UBOT>: list", "list", false},
		{testBotID, "hey <@UBOT> list", "hey list", false},
		{testBotID, "<@UBOT|tandem> a &lt;b&gt; &amp; c", "a <b> & c", false},
		{"", "<@UBOT> <@U2> done", "<@U2> done", false},
		{"", "<@U2> <@UBOT> done", "<@UBOT> done", false},
		{"", "<@U2> <@UBOT> done", "<@U2> done", true},
		{testBotID, "see <#C1|general> and <!here>", "see <#C1|general> and <!here>", false},
	} {
		in := &Intake{}
		a := MustNewAdapter(t, in, func(c *tslack.Config) { c.BotUserID = tc.botID })
		var payload map[string]any
		json.Unmarshal(callback("Ev1", mention(tc.text)), &payload)
		if tc.authorizations {
			payload["authorizations"] = []any{map[string]any{"team_id": "T1", "user_id": testBotID, "is_bot": true}}
		}
		body, _ := json.Marshal(payload)
		serve(t, a, signedRequest("/slack/events", jsonType, body))
		if evs := in.Events(); len(evs) != 1 || evs[0].Text != tc.want {
			t.Errorf("bot %q, %q: got %+v, want %q", tc.botID, tc.text, evs, tc.want)
		}
	}
}

// Ensure the SDK's signed vector (an app_mention) goes through the whole
// handler; with no bot id configured, the leading mention is still stripped.
func TestEvents_SDKVector(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, func(c *tslack.Config) {
		c.SigningSecret = sdkVector.secret
		c.BotUserID = ""
		c.Now = func() time.Time { return time.Unix(sdkVector.ts, 0) }
	})
	r := httptest.NewRequest(http.MethodPost, "/slack/events", bytes.NewReader(mustReadFile(t, sdkVector.file)))
	r.Header = sdkVector.header()
	w := serve(t, a, r)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	evs := in.Events()
	if len(evs) != 1 || evs[0].DedupKey != "TvBP7LRED7" || evs[0].Text != "hello world" || evs[0].Workspace != "XXXXXXXXX" {
		t.Fatalf("events %+v", evs)
	}
}

// Ensure a redelivered event carries the same dedup key, so the core can
// drop it.
func TestEvents_Redelivery(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	body := callback("Ev7", directMessage(nil))
	serve(t, a, signedRequest("/slack/events", jsonType, body))
	r := signedRequest("/slack/events", jsonType, body)
	r.Header.Set("X-Slack-Retry-Num", "1")
	r.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	if w := serve(t, a, r); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	evs := in.Events()
	if len(evs) != 2 || evs[0].DedupKey != "Ev7" || evs[1].DedupKey != "Ev7" {
		t.Fatalf("events %+v", evs)
	}
	if evs[0].ChatType != bot.ChatDirect || evs[0].Text != "tasks" {
		t.Fatalf("direct message %+v", evs[0])
	}
}

// Ensure a file shared with a direct message comes with the message, as
// its title (else name) and permalink; a file without one is left out.
func TestEvents_FileShare(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	body := callback("Ev8", directMessage(func(m map[string]any) {
		m["subtype"], m["text"] = "file_share", "task link 12"
		m["files"] = []any{
			map[string]any{"id": "F1", "name": "q3-poster.pdf", "title": "Q3 poster", "permalink": "https://acme.slack.com/files/U1/F1/q3-poster.pdf"},
			map[string]any{"id": "F2", "name": "notes.txt", "permalink": "https://acme.slack.com/files/U1/F2/notes.txt"},
			map[string]any{"id": "F3", "name": "hidden.txt"},
		}
	}))
	if w := serve(t, a, signedRequest("/slack/events", jsonType, body)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	evs := in.Events()
	want := []bot.SharedFile{{Name: "Q3 poster", URL: "https://acme.slack.com/files/U1/F1/q3-poster.pdf"},
		{Name: "notes.txt", URL: "https://acme.slack.com/files/U1/F2/notes.txt"}}
	if len(evs) != 1 || evs[0].Text != "task link 12" || !reflect.DeepEqual(evs[0].Files, want) {
		t.Fatalf("events %+v, want the message with its two linked files", evs)
	}
}

// Ensure messages Tandem must not answer never reach Accept: bots (itself
// included), edits and deletions, and channel chatter.
func TestEvents_Ignored(t *testing.T) {
	for name, ev := range map[string]map[string]any{
		"BotID":          directMessage(func(m map[string]any) { m["bot_id"] = "B1" }),
		"BotMessage":     directMessage(func(m map[string]any) { m["subtype"] = "bot_message"; delete(m, "user") }),
		"OwnMessage":     directMessage(func(m map[string]any) { m["user"] = testBotID }),
		"MessageChanged": directMessage(func(m map[string]any) { m["subtype"] = "message_changed" }),
		"MessageDeleted": directMessage(func(m map[string]any) { m["subtype"] = "message_deleted" }),
		"FileWithoutText": directMessage(func(m map[string]any) {
			m["subtype"], m["text"] = "file_share", ""
			m["files"] = []any{map[string]any{"id": "F1", "name": "a.pdf", "permalink": "https://acme.slack.com/files/U1/F1/a.pdf"}}
		}),
		"ChannelMessage": directMessage(func(m map[string]any) { m["channel_type"] = "channel"; m["channel"] = "C1" }),
		"EditedMention":  func() map[string]any { m := mention("<@UBOT> hi"); m["edited"] = map[string]any{"ts": "1"}; return m }(),
		"BotMention":     func() map[string]any { m := mention("<@UBOT> hi"); m["bot_id"] = "B2"; return m }(),
		"OtherType":      {"type": "reaction_added", "user": "U1", "reaction": "+1", "item": map[string]any{"type": "message"}},
		"UnknownType":    {"type": "brand_new_event", "user": map[string]any{"id": "U1"}},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{}
			a := MustNewAdapter(t, in, nil)
			w := serve(t, a, signedRequest("/slack/events", jsonType, callback("Ev1", ev)))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if evs := in.Events(); len(evs) != 0 {
				t.Fatalf("passed %+v", evs[0])
			}
		})
	}
}

// Ensure an event that could not be stored is answered 500, so Slack
// delivers it again.
func TestEvents_AcceptFails(t *testing.T) {
	in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
		return bot.Result{}, errors.New("disk full")
	}}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest("/slack/events", jsonType, callback("Ev1", directMessage(nil))))
	if w.Code != http.StatusInternalServerError || w.Header().Get("X-Slack-No-Retry") != "" {
		t.Fatalf("status %d, no-retry %q", w.Code, w.Header().Get("X-Slack-No-Retry"))
	}
	if strings.Contains(w.Body.String(), "disk full") {
		t.Fatal("internal error leaked")
	}
}

// Ensure a slash command answered in time comes back inline, ephemeral when
// private, and is normalized like other events.
func TestCommand_Inline(t *testing.T) {
	in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
		return bot.Result{Done: true, Replies: []bot.Message{{
			Text: "Task #3 assigned", Private: true,
			Card: &bot.Card{Title: "#3 Fix login", Buttons: []bot.Button{{ActionID: "task.start", Value: "3", Label: "Start"}}},
		}}}, nil
	}}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest("/slack/commands", formType, commandForm(nil)))
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("status %d %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	var resp struct {
		ResponseType string           `json:"response_type"`
		Text         string           `json:"text"`
		Blocks       []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.ResponseType != "ephemeral" || resp.Text != "Task #3 assigned" || len(resp.Blocks) != 3 {
		t.Fatalf("response %s", w.Body)
	}
	if !strings.Contains(w.Body.String(), `"action_id":"task.start"`) {
		t.Fatalf("no button in %s", w.Body)
	}

	ev := in.Events()[0]
	want := &bot.Event{
		Platform: bot.PlatformSlack, Workspace: "T1", DedupKey: "cmd:111.222.abc", ChatID: "C1", ChatType: bot.ChatGroup,
		Sender: bot.Author{UserID: "U1", Name: "alice"}, Text: "assign #3 to <@U2> and @carol",
		Mentions: []bot.Mention{{UserID: "U2", Name: "bob"}}, Command: "/tandem",
		ReplyHandle: "https://hooks.slack.com/commands/T1/1/x",
	}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("event\n got %+v\nwant %+v", ev, want)
	}
	if wait := in.Waits()[0]; wait <= 0 || wait > tslack.DefaultAckBudget {
		t.Fatalf("wait %s", wait)
	}
}

// Ensure a command is read from its signed body alone: fields added to the
// URL's query, which the signature does not cover, are ignored.
func TestCommand_OnlySignedFields(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	r := signedRequest("/slack/commands", formType, commandForm(nil))
	r.URL.RawQuery = url.Values{"text": {"task done #1"}, "user_id": {"UEVE"}, "command": {"/other"}}.Encode()
	if w := serve(t, a, r); w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	evs := in.Events()
	if len(evs) != 1 || evs[0].Text != "assign #3 to <@U2> and @carol" || evs[0].Sender.UserID != "U1" || evs[0].Command != "/tandem" {
		t.Fatalf("events %+v", evs)
	}
}

// Ensure the official signing vector, a slash command, goes through the
// handler when its command is the configured one.
func TestCommand_DocVector(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, func(c *tslack.Config) {
		c.SigningSecret = docVector.secret
		c.CommandName = "/webhook-collect"
		c.Now = func() time.Time { return time.Unix(docVector.ts+60, 0) }
	})
	r := httptest.NewRequest(http.MethodPost, "/slack/commands", bytes.NewReader(mustReadFile(t, docVector.file)))
	r.Header = docVector.header()
	r.Header.Set("Content-Type", formType)
	w := serve(t, a, r)
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	evs := in.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events", len(evs))
	}
	ev := evs[0]
	if ev.DedupKey != "cmd:398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c" || ev.Workspace != "T1DC2JH3J" ||
		ev.ChatID != "G8PSS9T3V" || ev.Sender != (bot.Author{UserID: "U2CERLKJA", Name: "roadrunner"}) ||
		ev.ReplyHandle != "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN" {
		t.Fatalf("event %+v", ev)
	}
}

// Ensure a command this app is not configured for is answered, not stored.
func TestCommand_Unknown(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest("/slack/commands", formType, commandForm(func(v url.Values) { v.Set("command", "/other") })))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"ephemeral"`) || len(in.Events()) != 0 {
		t.Fatalf("got %d %s, %d events", w.Code, w.Body, len(in.Events()))
	}
}

// Ensure a duplicate or still-running command is acknowledged with an empty
// body, and a command that could not be stored with 500.
func TestCommand_NotDone(t *testing.T) {
	for name, tc := range map[string]struct {
		res  bot.Result
		err  error
		want int
	}{
		"Pending":   {bot.Result{}, nil, http.StatusOK},
		"Duplicate": {bot.Result{Duplicate: true}, nil, http.StatusOK},
		"ErrStore":  {bot.Result{}, errors.New("locked"), http.StatusInternalServerError},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) { return tc.res, tc.err }}
			a := MustNewAdapter(t, in, nil)
			w := serve(t, a, signedRequest("/slack/commands", formType, commandForm(nil)))
			if w.Code != tc.want || (tc.want == http.StatusOK && w.Body.Len() != 0) {
				t.Fatalf("got %d %q", w.Code, w.Body)
			}
		})
	}
}

// Ensure a slash command or click that the intake has not stored by the
// deadline is given up and answered 503 within Slack's 3 s, never 200, and
// without X-Slack-No-Retry: nothing was done. This is a deadline check, not
// a benchmark.
func TestSlowIntakeRefusedInTime(t *testing.T) {
	in := adaptertest.StuckIntake(t)
	a := MustNewAdapter(t, in, nil)
	for name, req := range map[string]func() *http.Request{
		"Command": func() *http.Request { return signedRequest("/slack/commands", formType, commandForm(nil)) },
		"Click":   func() *http.Request { return signedRequest("/slack/interactions", formType, blockActions(nil)) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			w := serve(t, a, req())
			if elapsed := time.Since(start); elapsed >= 3*time.Second {
				t.Fatalf("answered after %s", elapsed)
			}
			if w.Code != http.StatusServiceUnavailable || w.Header().Get("X-Slack-No-Retry") != "" {
				t.Fatalf("got %d %q (X-Slack-No-Retry %q), want 503 without it", w.Code, w.Body, w.Header().Get("X-Slack-No-Retry"))
			}
		})
	}
}

// Ensure a command that is already being stored when the deadline comes
// (the intake cannot give it up) is waited for and answered 200 once stored,
// with its replies posted to the response_url, since the answer may reach
// Slack too late; and that one whose storing then fails is answered 500.
func TestCommand_StoredLate(t *testing.T) {
	var mu sync.Mutex
	var posted []map[string]any
	got := make(chan struct{}, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		posted = append(posted, m)
		mu.Unlock()
		w.Write([]byte("ok"))
		got <- struct{}{}
	}))
	defer hook.Close()

	for name, fail := range map[string]bool{"OK": false, "ErrStore": true} {
		t.Run(name, func(t *testing.T) {
			// Past the deadline the unit is committing: it cannot be
			// given up, and its outcome follows.
			in := adaptertest.LateIntake(bot.Result{Done: true, Replies: []bot.Message{{Text: "late but here"}}}, nil)
			if fail {
				in = adaptertest.LateIntake(bot.Result{}, errors.New("disk I/O error"))
			}
			a := MustNewAdapter(t, in, func(c *tslack.Config) { c.AckBudget = 100 * time.Millisecond })
			w := serve(t, a, signedRequest("/slack/commands", formType,
				commandForm(func(v url.Values) { v.Set("response_url", hook.URL+"/commands/1") })))
			if fail {
				if w.Code != http.StatusInternalServerError {
					t.Fatalf("got %d %q, want 500", w.Code, w.Body)
				}
				return
			}
			if w.Code != http.StatusOK || w.Body.Len() != 0 {
				t.Fatalf("got %d %q", w.Code, w.Body)
			}
			select {
			case <-got:
			case <-time.After(5 * time.Second):
				t.Fatal("late reply not posted")
			}
			mu.Lock()
			defer mu.Unlock()
			if len(posted) != 1 || posted[0]["text"] != "late but here" || posted[0]["response_type"] != "in_channel" {
				t.Fatalf("posted %v", posted)
			}
		})
	}
}

// Ensure a button click becomes an Action event, acknowledged at once.
func TestInteraction_BlockActions(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest("/slack/interactions", formType, blockActions(nil)))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	want := &bot.Event{
		Platform: bot.PlatformSlack, Workspace: "T1", DedupKey: "act:999.888.fff", ChatID: "C1", ChatType: bot.ChatGroup,
		MessageID: "1700000000.000300", Sender: bot.Author{UserID: "U1", Name: "alice"},
		Action:      &bot.Action{ID: "task.done", Value: "42", MessageID: "C1/1700000000.000300"},
		ReplyHandle: "https://hooks.slack.com/actions/T1/2/y",
	}
	evs := in.Events()
	if len(evs) != 1 || !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("events %+v", evs)
	}
	if in.Waits()[0] != 0 {
		t.Fatalf("wait %s", in.Waits()[0])
	}
}

// Ensure a click without a trigger id is keyed on its action timestamp, and
// other interaction types are acknowledged and ignored.
func TestInteraction_Variants(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	serve(t, a, signedRequest("/slack/interactions", formType, blockActions(func(p map[string]any) { delete(p, "trigger_id") })))
	if evs := in.Events(); len(evs) != 1 || evs[0].DedupKey != "act:1700000001.000400" {
		t.Fatalf("events %+v", evs)
	}
	w := serve(t, a, signedRequest("/slack/interactions", formType, blockActions(func(p map[string]any) { p["type"] = "view_submission" })))
	if w.Code != http.StatusOK || len(in.Events()) != 1 {
		t.Fatalf("view_submission: %d, %d events", w.Code, len(in.Events()))
	}
}

// Ensure Open learns the bot's user id from auth.test, and in HTTP mode
// shrugs off an unreachable Slack.
func TestOpen(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true,"user_id":"UBOT2","team_id":"T1","bot_id":"B1"}`))
	}))
	defer api.Close()
	in := &Intake{}
	a := MustNewAdapter(t, in, func(c *tslack.Config) { c.BotUserID = ""; c.APIURL = api.URL + "/" })
	if err := a.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	serve(t, a, signedRequest("/slack/events", jsonType, callback("Ev1", mention("hey <@UBOT2> tasks"))))
	if evs := in.Events(); len(evs) != 1 || evs[0].Text != "hey tasks" || len(evs[0].Mentions) != 0 {
		t.Fatalf("events %+v", evs)
	}

	down := MustNewAdapter(t, in, func(c *tslack.Config) { c.BotUserID = ""; c.APIURL = "http://127.0.0.1:1/" })
	if err := down.Open(context.Background()); err != nil {
		t.Fatalf("http mode must not fail: %v", err)
	}
}

// Ensure bad configurations are refused at New.
func TestNew_Config(t *testing.T) {
	for name, cfg := range map[string]tslack.Config{
		"ErrNoSecret":   {BotToken: "xoxb"},
		"ErrNoToken":    {SigningSecret: "s"},
		"ErrMode":       {SigningSecret: "s", BotToken: "xoxb", Mode: "carrier-pigeon"},
		"ErrAppToken":   {BotToken: "xoxb", Mode: tslack.ModeSocket, AppToken: "xoxb-not-app"},
		"ErrLongBudget": {SigningSecret: "s", BotToken: "xoxb", AckBudget: 3 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tslack.New(cfg, &Intake{}); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := tslack.New(tslack.Config{BotToken: "xoxb", Mode: tslack.ModeSocket, AppToken: "xapp-1"}, &Intake{}); err != nil {
		t.Fatalf("socket mode needs no signing secret: %v", err)
	}
}

// BenchmarkSlashCommand measures the signed slash-command path: verify,
// parse, Accept (answered inline) and the JSON response.
func BenchmarkSlashCommand(b *testing.B) {
	in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
		return bot.Result{Done: true, Replies: []bot.Message{{Text: "Task #3 assigned to <@U2>"}}}, nil
	}}
	a := MustNewAdapter(b, in, nil)
	h := a.Routes()["/slack/commands"]
	body := commandForm(nil)
	header := slacktest.Sign(testSecret, testNow, body)
	header.Set("Content-Type", formType)
	b.ReportAllocs()
	for b.Loop() {
		in.Reset()
		r := httptest.NewRequest(http.MethodPost, "/slack/commands", bytes.NewReader(body))
		r.Header = header
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
