package slack_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	tslack "github.com/tandemhq/tandem/adapters/slack"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
)

// doneCard is the task card after Done: no buttons left.
var doneCard = bot.Message{
	Text: "@bob marked #42 Fix login done.",
	Card: &bot.Card{Title: "#42 Fix login", Fields: []bot.Field{{Label: "Status", Value: "done"}}, Subject: "task/42"},
}

func editOf(remoteID string) bot.Message {
	m := doneCard
	m.Edit = &bot.Edit{CopyID: 1, RemoteID: remoteID}
	return m
}

// Ensure an edit of a card posted to a channel or a DM is a chat.update of
// that very message, in the channel Send named in its id: the card shows
// done, its buttons are gone, and nothing new is posted.
func TestEdit_UpdatesInPlace(t *testing.T) {
	for name, to := range map[string]bot.Destination{"channel": {ChatID: "C1"}, "DM": {UserID: "U9"}} {
		t.Run(name, func(t *testing.T) {
			a, f := newSender(t)
			id, err := send(a, to, taskCard)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := send(a, to, editOf(id)); err != nil {
				t.Fatal(err)
			}
			msgs := f.Messages("")
			if len(msgs) != 1 {
				t.Fatalf("messages %+v, want the one card", msgs)
			}
			m := msgs[0]
			if id != m.Channel+"/"+m.TS || m.Edits != 1 {
				t.Fatalf("remote id %q, message %+v", id, m)
			}
			if !strings.Contains(m.Blocks, "done") || strings.Contains(m.Blocks, `"type":"actions"`) || strings.Contains(m.Blocks, "marked") {
				t.Errorf("edited card: %s", m.Blocks)
			}
			if up := f.Calls("chat.update"); len(up) != 1 || up[0].Form.Get("channel") != m.Channel || up[0].Form.Get("ts") != m.TS {
				t.Errorf("chat.update calls %+v", up)
			}
		})
	}
}

// Ensure a card Slack will not edit (gone, not ours, too old), or one
// without a usable id, gets the one-line follow-up instead, and that other
// failures are left to the outbox to retry.
func TestEdit_FollowUp(t *testing.T) {
	for name, tc := range map[string]struct {
		remote string
		reply  slacktest.Handler
	}{
		"NotFound":     {"C1/1.000001", nil}, // the fake never posted it
		"CantUpdate":   {"C1/1.000001", slacktest.Error("cant_update_message")},
		"WindowClosed": {"C1/1.000001", slacktest.Error("edit_window_closed")},
		"NoID":         {"", nil},
		"NotAnID":      {"1700000000.000100", nil},
		"EmptyChannel": {"/1700000000.000100", nil},
	} {
		t.Run(name, func(t *testing.T) {
			a, f := newSender(t)
			f.Reply("chat.update", tc.reply)
			if _, err := send(a, bot.Destination{ChatID: "C1"}, editOf(tc.remote)); err != nil {
				t.Fatal(err)
			}
			posts := f.Calls("chat.postMessage")
			if len(posts) != 1 || posts[0].Form.Get("text") != doneCard.Text || strings.Contains(posts[0].Form.Get("blocks"), "header") {
				t.Fatalf("follow-ups %+v, want the text alone", posts)
			}
		})
	}
	t.Run("RateLimited", func(t *testing.T) {
		a, f := newSender(t)
		id, _ := send(a, bot.Destination{ChatID: "C1"}, taskCard)
		f.Reply("chat.update", slacktest.RateLimited(9))
		_, err := send(a, bot.Destination{ChatID: "C1"}, editOf(id))
		if d, ok := bot.AsDeliveryError(err); !ok || d.RetryAfter != 9*time.Second {
			t.Fatalf("got %v, want a retry in 9 s", err)
		}
		if n := len(f.Calls("chat.postMessage")); n != 1 {
			t.Fatalf("%d posts, want only the card", n)
		}
	})
}

// Ensure a click's Action.MessageID is the id Send returned for the
// clicked message, for a posted card and for an ephemeral one, so the card's
// copy is found.
func TestEdit_ClickNamesTheMessage(t *testing.T) {
	for _, private := range []bool{false, true} {
		in := &Intake{}
		f := slacktest.NewServer(t)
		a := MustNewAdapter(t, in, func(c *tslack.Config) { c.APIURL, c.HTTPClient = f.APIURL(), f.Client() })
		m := taskCard
		m.Private = private
		id, err := send(a, bot.Destination{ChatID: "C1", UserID: "U1"}, m)
		if err != nil {
			t.Fatal(err)
		}
		posted := f.Messages("C1")[0]
		click := slacktest.Click{User: "U1", Channel: "C1", MessageTS: posted.TS, Ephemeral: private,
			ActionID: "task.done", Value: "42", Trigger: "t1", ResponseURL: f.HookURL("click")}
		serve(t, a, signedRequest("/slack/interactions", formType, click.Body()))
		evs := in.Events()
		if len(evs) != 1 || evs[0].Action.MessageID != id {
			t.Fatalf("private %v: Send returned %q, the click says %+v", private, id, evs[0].Action)
		}
	}
}

// Ensure an ephemeral card, which chat.update cannot touch, is replaced
// through the response_url of a click on it (replace_original) while that
// URL lives, and gets a private follow-up otherwise.
func TestEdit_Ephemeral(t *testing.T) {
	now := testNow
	in := &Intake{}
	f := slacktest.NewServer(t)
	a := MustNewAdapter(t, in, func(c *tslack.Config) {
		c.APIURL, c.HTTPClient = f.APIURL(), f.Client()
		c.Now = func() time.Time { return now }
	})
	to := bot.Destination{ChatID: "C1", UserID: "U1"}
	m := taskCard
	m.Private = true
	id, err := send(a, to, m)
	if err != nil || !strings.HasSuffix(id, "/ephemeral") {
		t.Fatalf("id %q err %v", id, err)
	}
	// Not clicked: a follow-up, ephemeral like the card.
	if _, err := send(a, to, editOf(id)); err != nil {
		t.Fatal(err)
	}
	if fu := f.Calls("chat.postEphemeral"); len(fu) != 2 || fu[1].Form.Get("user") != "U1" || fu[1].Form.Get("text") != doneCard.Text {
		t.Fatalf("follow-up %+v", fu)
	}
	// Clicked: the click's response_url replaces it.
	click := slacktest.Click{User: "U1", Channel: "C1", MessageTS: f.Messages("C1")[0].TS, Ephemeral: true,
		ActionID: "task.done", Value: "42", Trigger: "t1", ResponseURL: f.HookURL("eph")}
	serve(t, a, signedRequest("/slack/interactions", formType, click.Body()))
	if _, err := send(a, to, editOf(id)); err != nil {
		t.Fatal(err)
	}
	hooks := f.Calls(slacktest.Hook)
	if len(hooks) != 1 || hooks[0].Path != "/hook/eph" || hooks[0].JSON["replace_original"] != true ||
		hooks[0].JSON["response_type"] != "ephemeral" || !strings.Contains(string(hooks[0].Body), "done") {
		t.Fatalf("hooks %+v", hooks)
	}
	if n := len(f.Calls("chat.postEphemeral", "chat.update")); n != 2 {
		t.Fatalf("%d ephemeral posts and updates, want the card and the first follow-up", n)
	}
	// Expired (Slack says so, or 30 minutes passed): a follow-up again.
	f.Reply(slacktest.Hook, slacktest.Status(http.StatusNotFound, "expired_url"))
	send(a, to, editOf(id))
	f.Reply(slacktest.Hook, nil)
	now = now.Add(31 * time.Minute)
	send(a, to, editOf(id))
	if n, h := len(f.Calls("chat.postEphemeral")), len(f.Calls(slacktest.Hook)); n != 4 || h != 2 {
		t.Fatalf("%d ephemeral posts, %d hooks; want the card and three follow-ups, and one more hook (the expired one)", n, h)
	}
}
