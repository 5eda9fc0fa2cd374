package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/tandemhq/tandem/bot"

	tslack "github.com/tandemhq/tandem/adapters/slack"
)

// envelope wraps payload in a Socket Mode message.
func envelope(typ, id string, payload any) string {
	raw, _ := json.Marshal(map[string]any{
		"type": typ, "envelope_id": id, "payload": payload, "accepts_response_payload": typ == "slash_commands",
	})
	return string(raw)
}

type ack struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
}

// Ensure Socket Mode envelopes go through the same normalization as HTTP,
// and each is acknowledged, a slash command with its inline answer. The
// Slack side is slack-go's slacktest server: apps.connections.open plus a
// websocket that relays what the test sends and reports what the client
// writes back.
func TestSocketMode(t *testing.T) {
	srv := slacktest.NewTestServer()
	srv.Start()
	defer srv.Stop()

	in := &Intake{AcceptFn: func(_ context.Context, ev *bot.Event, _ time.Duration) (bot.Result, error) {
		switch {
		case ev.Command != "":
			return bot.Result{Done: true, Replies: []bot.Message{{Text: "3 open tasks", Private: true}}}, nil
		case ev.Text == "fail":
			return bot.Result{}, errors.New("store down")
		}
		return bot.Result{}, nil
	}}
	a := MustNewAdapter(t, in, func(c *tslack.Config) {
		c.Mode = tslack.ModeSocket
		c.SigningSecret = ""
		c.AppToken = "xapp-1-test"
		c.APIURL = srv.GetAPIURL()
	})
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx) }()

	var cmd map[string]any
	json.Unmarshal(mustJSON(url.ParseQuery(string(commandForm(nil)))), &cmd)
	var action map[string]any
	form, _ := url.ParseQuery(string(blockActions(nil)))
	json.Unmarshal([]byte(form.Get("payload")), &action)
	var mentionEvent, failing, unknown map[string]any
	json.Unmarshal(callback("Ev1", mention("<@UBOT> list <@U2|bob>")), &mentionEvent)
	json.Unmarshal(callback("Ev2", directMessage(func(m map[string]any) { m["text"] = "fail" })), &failing)
	json.Unmarshal(callback("Ev3", map[string]any{"type": "brand_new_event", "user": map[string]any{"id": "U1"}}), &unknown)

	srv.SendToWebsocket(envelope("events_api", "env-mention", mentionEvent))
	srv.SendToWebsocket(envelope("slash_commands", "env-cmd", cmd))
	srv.SendToWebsocket(envelope("interactive", "env-click", action))
	srv.SendToWebsocket(envelope("events_api", "env-unknown", unknown))
	srv.SendToWebsocket(envelope("events_api", "env-fail", failing))

	acks := map[string]ack{}
	timeout := time.After(10 * time.Second)
	for len(acks) < 4 {
		select {
		case m := <-srv.SeenFeed:
			var k ack
			if json.Unmarshal([]byte(m), &k) == nil && k.EnvelopeID != "" {
				acks[k.EnvelopeID] = k
			}
		case <-timeout:
			t.Fatalf("acks so far: %v", acks)
		}
	}
	// The failing event reached Accept; give its (wrong) ack time to show.
	for deadline := time.Now().Add(5 * time.Second); !hasEvent(in, "Ev2"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the failing event never reached Accept")
		}
	}
	select {
	case m := <-srv.SeenFeed:
		t.Fatalf("unexpected message after the acks: %s", m)
	case <-time.After(200 * time.Millisecond):
	}
	if _, ok := acks["env-fail"]; ok {
		t.Fatal("an event that was not stored was acknowledged")
	}
	for _, id := range []string{"env-mention", "env-click", "env-unknown"} {
		if p := acks[id].Payload; len(p) != 0 && string(p) != "null" {
			t.Errorf("%s: unexpected payload %s", id, p)
		}
	}
	var answer struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(acks["env-cmd"].Payload, &answer); err != nil || answer.ResponseType != "ephemeral" || answer.Text != "3 open tasks" {
		t.Fatalf("command ack %s", acks["env-cmd"].Payload)
	}

	byKey := map[string]*bot.Event{}
	for _, ev := range in.Events() {
		byKey[ev.DedupKey] = ev
	}
	if ev := byKey["Ev1"]; ev == nil || ev.Text != "list <@U2>" || ev.Mentions[0].Name != "bob" {
		t.Fatalf("mention %+v", ev)
	}
	if ev := byKey["cmd:111.222.abc"]; ev == nil || ev.Text != "assign #3 to <@U2> and @carol" || ev.ReplyHandle == "" {
		t.Fatalf("command %+v", ev)
	}
	if ev := byKey["act:999.888.fff"]; ev == nil || ev.Action == nil || ev.Action.ID != "task.done" || ev.Action.Value != "42" {
		t.Fatalf("click %+v", ev)
	}
	if byKey["Ev3"] != nil {
		t.Fatal("unknown event type was passed on")
	}

	// Connected came before the envelopes; its handler runs on its own.
	for deadline := time.Now().Add(5 * time.Second); a.Connection().Check() != nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("connection state while envelopes flow: %v", a.Connection().Check())
		}
	}

	cancel()
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
	if a.Connection().Check() == nil {
		t.Error("connection state after Run returned: still up")
	}
}

func hasEvent(in *Intake, key string) bool {
	for _, ev := range in.Events() {
		if ev.DedupKey == key {
			return true
		}
	}
	return false
}

// Ensure Run in HTTP mode just waits for its context.
func TestRun_HTTPMode(t *testing.T) {
	a := MustNewAdapter(t, &Intake{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// mustJSON turns url.Values (as Slack sends a slash command over HTTP) into
// the JSON object Socket Mode carries instead.
func mustJSON(v url.Values, err error) []byte {
	m := map[string]string{}
	for k := range v {
		m[k] = v.Get(k)
	}
	raw, _ := json.Marshal(m)
	return raw
}
