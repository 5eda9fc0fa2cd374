package slack_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	tslack "github.com/tandemhq/tandem/adapters/slack"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
)

func newSender(tb testing.TB) (*tslack.Adapter, *slacktest.Server) {
	f := slacktest.NewServer(tb)
	a := MustNewAdapter(tb, &Intake{}, func(c *tslack.Config) {
		c.APIURL = f.APIURL()
		c.HTTPClient = f.Client()
	})
	return a, f
}

var taskCard = bot.Message{
	Text: "Task #42 created",
	Card: &bot.Card{
		Title:  "#42 Fix login",
		Fields: []bot.Field{{Label: "Owner", Value: "<@U2>"}, {Label: "Due", Value: "Fri"}},
		Buttons: []bot.Button{
			{ActionID: "task.start", Value: "42", Label: "Start", Style: "primary"},
			{ActionID: "task.cancel", Value: "42", Label: "Cancel", Style: "danger"},
		},
		Footer: "created by <@U1>",
	},
}

func send(a *tslack.Adapter, to bot.Destination, m bot.Message) (string, error) {
	to.Platform, to.Workspace = bot.PlatformSlack, "T1"
	return a.Send(context.Background(), &bot.Outgoing{ID: 1, Key: "k", To: to, Msg: m})
}

// Ensure a message to a chat is one chat.postMessage in the thread, with
// the fallback text and the card's buttons in the blocks.
func TestSend_PostMessage(t *testing.T) {
	a, f := newSender(t)
	ts, err := send(a, bot.Destination{ChatID: "C1", ThreadID: "1699999999.000001", UserID: "U1"}, taskCard)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()
	if len(calls) != 1 || calls[0].Method != "chat.postMessage" {
		t.Fatalf("calls %+v", calls)
	}
	form := calls[0].Form
	if form.Get("channel") != "C1" || form.Get("thread_ts") != "1699999999.000001" || form.Get("text") != "Task #42 created" {
		t.Fatalf("form %v", form)
	}
	if calls[0].Header.Get("Authorization") != "Bearer xoxb-test" && form.Get("token") != "xoxb-test" {
		t.Fatalf("no bot token: auth %q", calls[0].Header.Get("Authorization"))
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(form.Get("blocks")), &blocks); err != nil {
		t.Fatalf("blocks %q: %v", form.Get("blocks"), err)
	}
	for _, id := range []string{`"action_id":"task.start"`, `"action_id":"task.cancel"`, `"style":"primary"`, `"type":"header"`} {
		if !strings.Contains(form.Get("blocks"), id) {
			t.Errorf("blocks lack %s: %s", id, form.Get("blocks"))
		}
	}
	if ts != "C1/1700000000.000001" {
		t.Fatalf("remote id %q", ts)
	}
}

// Ensure a private message in a chat is ephemeral to its user.
func TestSend_Ephemeral(t *testing.T) {
	a, f := newSender(t)
	m := taskCard
	m.Private = true
	ts, err := send(a, bot.Destination{ChatID: "C1", UserID: "U1"}, m)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.Calls()
	if len(calls) != 1 || calls[0].Method != "chat.postEphemeral" || calls[0].Form.Get("user") != "U1" || calls[0].Form.Get("channel") != "C1" {
		t.Fatalf("calls %+v", calls)
	}
	if ts == "" {
		t.Fatal("no remote id")
	}
}

// Ensure a message to a user alone opens the DM once and posts there.
func TestSend_DirectMessage(t *testing.T) {
	a, f := newSender(t)
	for range 2 {
		if _, err := send(a, bot.Destination{UserID: "U9"}, bot.Message{Text: "Reminder: #42 is due", Private: true}); err != nil {
			t.Fatal(err)
		}
	}
	var methods []string
	for _, c := range f.Calls() {
		methods = append(methods, c.Method)
	}
	if strings.Join(methods, ",") != "conversations.open,chat.postMessage,chat.postMessage" {
		t.Fatalf("calls %v", methods)
	}
	calls := f.Calls()
	if calls[0].Form.Get("users") != "U9" || calls[1].Form.Get("channel") != "DU9" || calls[2].Form.Get("channel") != "DU9" {
		t.Fatalf("calls %+v", calls)
	}
}

// Ensure a cached DM channel that stops working is opened again.
func TestSend_DirectMessageReopens(t *testing.T) {
	a, f := newSender(t)
	send(a, bot.Destination{UserID: "U9"}, bot.Message{Text: "one"})
	f.Reply("chat.postMessage", func(w http.ResponseWriter, _ slacktest.Call) {
		if len(f.Calls()) == 3 {
			slacktest.Error("channel_not_found")(w, slacktest.Call{})
			return
		}
		io.WriteString(w, `{"ok":true,"ts":"2.0"}`)
	})
	ts, err := send(a, bot.Destination{UserID: "U9"}, bot.Message{Text: "two"})
	if err != nil || ts != "DU9/2.0" {
		t.Fatalf("ts %q err %v", ts, err)
	}
	if n := len(f.Calls()); n != 5 { // open, post, post (fails), open, post
		t.Fatalf("%d calls", n)
	}
}

// Ensure a reply handle is used first: ephemeral when private, in_channel
// otherwise, without touching the Web API.
func TestSend_ResponseURL(t *testing.T) {
	a, f := newSender(t)
	for _, private := range []bool{false, true} {
		m := taskCard
		m.Private = private
		ts, err := send(a, bot.Destination{ChatID: "C1", UserID: "U1", ReplyHandle: f.URL + "/hook/1"}, m)
		if err != nil || ts != "" {
			t.Fatalf("ts %q err %v", ts, err)
		}
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Path != "/hook/1" {
		t.Fatalf("calls %+v", calls)
	}
	if calls[0].JSON["response_type"] != "in_channel" || calls[1].JSON["response_type"] != "ephemeral" {
		t.Fatalf("response types %v / %v", calls[0].JSON["response_type"], calls[1].JSON["response_type"])
	}
	if calls[0].JSON["text"] != "Task #42 created" || calls[0].JSON["replace_original"] != false {
		t.Fatalf("body %v", calls[0].JSON)
	}
	if blocks, _ := json.Marshal(calls[0].JSON["blocks"]); !strings.Contains(string(blocks), "task.start") {
		t.Fatalf("blocks %s", blocks)
	}
}

// Ensure an expired response_url falls back to the Web API: the chat, or a
// DM when the bot cannot write to that chat.
func TestSend_ResponseURLExpired(t *testing.T) {
	expired := map[string]slacktest.Handler{
		"404":  slacktest.Status(http.StatusNotFound, ""),
		"410":  slacktest.Status(http.StatusGone, ""),
		"text": slacktest.Status(http.StatusBadRequest, "expired_url"),
		"json": slacktest.Error("expired_url"),
	}
	for name, reply := range expired {
		t.Run(name, func(t *testing.T) {
			a, f := newSender(t)
			f.Reply("hook", reply)
			ts, err := send(a, bot.Destination{ChatID: "C1", UserID: "U1", ThreadID: "9.9", ReplyHandle: f.URL + "/hook"}, bot.Message{Text: "hi"})
			if err != nil || ts == "" {
				t.Fatalf("ts %q err %v", ts, err)
			}
			calls := f.Calls()
			if len(calls) != 2 || calls[1].Method != "chat.postMessage" || calls[1].Form.Get("channel") != "C1" || calls[1].Form.Get("thread_ts") != "9.9" {
				t.Fatalf("calls %+v", calls)
			}
		})
	}
	t.Run("ToDM", func(t *testing.T) {
		a, f := newSender(t)
		f.Reply("hook", expired["404"])
		f.Reply("chat.postMessage", func(w http.ResponseWriter, _ slacktest.Call) {
			if len(f.Calls()) == 2 {
				slacktest.Error("channel_not_found")(w, slacktest.Call{})
				return
			}
			io.WriteString(w, `{"ok":true,"ts":"3.0"}`)
		})
		ts, err := send(a, bot.Destination{ChatID: "Dother", UserID: "U1", ReplyHandle: f.URL + "/hook"}, bot.Message{Text: "hi"})
		if err != nil || ts != "DU1/3.0" {
			t.Fatalf("ts %q err %v", ts, err)
		}
		if calls := f.Calls(); len(calls) != 4 || calls[2].Method != "conversations.open" || calls[3].Form.Get("channel") != "DU1" {
			t.Fatalf("calls %+v", calls)
		}
	})
}

// Ensure errors are classified for the outbox: rate limits carry the wait,
// dead channels and tokens are permanent, the rest is transient.
func TestSend_Errors(t *testing.T) {
	rateLimited := slacktest.RateLimited(7)
	for name, tc := range map[string]struct {
		method     string
		reply      slacktest.Handler
		to         bot.Destination
		retryAfter time.Duration
		permanent  bool
	}{
		"RateLimited":       {"chat.postMessage", rateLimited, bot.Destination{ChatID: "C1"}, 7 * time.Second, false},
		"HookRateLimited":   {"hook", rateLimited, bot.Destination{ReplyHandle: "hook"}, 7 * time.Second, false},
		"ChannelNotFound":   {"chat.postMessage", slacktest.Error("channel_not_found"), bot.Destination{ChatID: "C1"}, 0, true},
		"NotInChannel":      {"chat.postMessage", slacktest.Error("not_in_channel"), bot.Destination{ChatID: "C1"}, 0, true},
		"InvalidAuth":       {"chat.postMessage", slacktest.Error("invalid_auth"), bot.Destination{ChatID: "C1"}, 0, true},
		"UserNotFound":      {"conversations.open", slacktest.Error("user_not_found"), bot.Destination{UserID: "U1"}, 0, true},
		"EphemeralArchived": {"chat.postEphemeral", slacktest.Error("is_archived"), bot.Destination{ChatID: "C1", UserID: "U1"}, 0, true},
		"HookInvalidBlocks": {"hook", slacktest.Status(400, "invalid_blocks"), bot.Destination{ReplyHandle: "hook"}, 0, true},
		"TransientInternal": {"chat.postMessage", slacktest.Error("internal_error"), bot.Destination{ChatID: "C1"}, 0, false},
		"TransientHTTP500":  {"chat.postMessage", slacktest.Status(500, ""), bot.Destination{ChatID: "C1"}, 0, false},
		"TransientHook503":  {"hook", slacktest.Status(503, ""), bot.Destination{ReplyHandle: "hook"}, 0, false},
	} {
		t.Run(name, func(t *testing.T) {
			a, f := newSender(t)
			f.Reply(tc.method, tc.reply)
			if tc.to.ReplyHandle != "" {
				tc.to.ReplyHandle = f.URL + "/hook"
			}
			m := bot.Message{Text: "hi", Private: tc.to.UserID != "" && tc.to.ChatID != ""}
			_, err := send(a, tc.to, m)
			adaptertest.CheckDeliveryError(t, err, tc.retryAfter, tc.permanent)
		})
	}
}

// Ensure messages that cannot be sent at all fail permanently without a call.
func TestSend_Invalid(t *testing.T) {
	a, f := newSender(t)
	for _, tc := range []struct {
		to bot.Destination
		m  bot.Message
	}{
		{bot.Destination{ChatID: "C1"}, bot.Message{}},
		{bot.Destination{}, bot.Message{Text: "hi"}},
	} {
		_, err := send(a, tc.to, tc.m)
		if d, ok := bot.AsDeliveryError(err); !ok || !d.Permanent {
			t.Fatalf("%+v: got %v", tc, err)
		}
	}
	if len(f.Calls()) != 0 {
		t.Fatal("called Slack")
	}
	if a.Platform() != bot.PlatformSlack {
		t.Fatal("platform")
	}
	var _ bot.Sender = a
}

// Ensure a response_url that cannot be reached fails without quoting the
// URL: it is a credential, and the error becomes the outbox's last_error,
// which admins read in chat.
func TestSend_ResponseURLNotInErrors(t *testing.T) {
	a, _ := newSender(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // nothing listens there any more
	_, err := send(a, bot.Destination{ChatID: "C1", UserID: "U1", ReplyHandle: dead.URL + "/actions/T1/s3cr3t"}, bot.Message{Text: "hi"})
	if err == nil {
		t.Fatal("a send to a closed server succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("the error quotes the response_url: %v", err)
	}
}
