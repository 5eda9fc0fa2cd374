package dingtalk_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/dingtalk"
	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
)

// runStream starts a stream-mode adapter against f and returns a stop
// function that cancels Run and checks that it returns in time.
func runStream(t *testing.T, f *dingtalktest.Server, in bot.Intake, edit func(*dingtalk.Config)) (*dingtalk.Adapter, func()) {
	t.Helper()
	a := MustNewAdapter(t, in, func(c *dingtalk.Config) {
		c.Mode = dingtalk.ModeStream
		c.APIURL, c.OAPIURL, c.HTTPClient = f.URL, f.URL, f.Client()
		c.ReconnectWait = 10 * time.Millisecond
		if edit != nil {
			edit(c)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stopped := false
	stop := func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after its context was cancelled")
		}
	}
	t.Cleanup(stop)
	return a, stop
}

// Ensure the Stream client opens a connection with the app's credentials
// and topics, stores a bot message normalized like the HTTP callback and
// acks it with the frame's messageId only after Accept returned, answers
// pings, turns card clicks into actions, and closes the socket and returns
// when its context ends.
func TestStream(t *testing.T) {
	f := newFake(t)
	in := &Intake{}
	_, stop := runStream(t, f, in, nil)
	g := f.NextConn(t)

	open := f.Calls("open")[0].JSON
	subs := dingtalktest.MustJSON(open["subscriptions"])
	if open["clientId"] != testClientID || open["clientSecret"] != testSecret ||
		subs != `[{"topic":"/v1.0/im/bot/messages/get","type":"CALLBACK"},{"topic":"/v1.0/card/instances/callback","type":"CALLBACK"}]` {
		t.Fatalf("connections/open %v", open)
	}

	g.Send(t, "CALLBACK", dingtalk.TopicBotMessage, "frame-1", string(fixture(t, "group_at.json", f.URL)))
	ack := g.NextAck(t, 5*time.Second)
	if ack == nil || ack.Code != 200 || ack.Headers["messageId"] != "frame-1" || ack.Headers["contentType"] != "application/json" {
		t.Fatalf("ack %+v", ack)
	}
	ev := in.WaitEvent(t, "msgGroup1==") // Accept ran before the ack
	if ev.ChatType != bot.ChatGroup || ev.Text != "task assign #3 to <@staff2>" || ev.Sender.UserID != "staff1" ||
		ev.ReplyHandle != f.URL+"/robot/sendBySession?session=group1|1700005400000" {
		t.Fatalf("event %+v", ev)
	}

	g.Send(t, "SYSTEM", "ping", "ping-1", `{"opaque":"abc-123"}`)
	if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 || ack.Headers["messageId"] != "ping-1" || ack.Data != `{"opaque":"abc-123"}` {
		t.Fatalf("pong %+v", ack)
	}

	g.Send(t, "CALLBACK", dingtalk.TopicCardCallback, "frame-2", string(fixture(t, "card_callback.json", f.URL)))
	if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 || ack.Headers["messageId"] != "frame-2" {
		t.Fatalf("card ack %+v", ack)
	}
	click := in.WaitEvent(t, "card:frame-2")
	if click.Action == nil || *click.Action != (bot.Action{ID: "task.start", Value: "12", MessageID: "card-42"}) ||
		click.Sender.UserID != "staff1" || click.ChatID != "cidGroup1==" || click.Workspace != "dingcorp1" {
		t.Fatalf("click %+v / %+v", click, click.Action)
	}

	g.Send(t, "CALLBACK", "/v1.0/graph/api/invoke", "frame-3", `{}`)
	if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 404 || ack.Headers["messageId"] != "frame-3" {
		t.Fatalf("unknown topic ack %+v", ack)
	}

	stop()
	if !g.Closed(5 * time.Second) {
		t.Fatal("the socket stayed open after Run returned")
	}
}

// Ensure a frame whose event could not be stored gets no success ack (a
// 500, which asks DingTalk to deliver it again), while a malformed one is
// acked so that it is not.
func TestStream_AcceptFails(t *testing.T) {
	f := newFake(t)
	in := &Intake{AcceptFn: func(_ context.Context, ev *bot.Event, _ time.Duration) (bot.Result, error) {
		return bot.Result{}, errors.New("store down")
	}}
	runStream(t, f, in, nil)
	g := f.NextConn(t)

	g.Send(t, "CALLBACK", dingtalk.TopicBotMessage, "frame-1", string(fixture(t, "direct.json", f.URL)))
	ack := g.NextAck(t, 5*time.Second)
	if ack == nil || ack.Headers["messageId"] != "frame-1" {
		t.Fatalf("ack %+v", ack)
	}
	if ack.Code == 200 {
		t.Fatal("an event that was not stored was acknowledged as a success")
	}
	if len(in.Events()) != 1 {
		t.Fatal("the event never reached Accept")
	}
	if c := f.WaitCall(t, "session"); c.Query.Get("session") != "direct1" {
		t.Fatalf("apology %+v", c)
	}

	g.Send(t, "CALLBACK", dingtalk.TopicBotMessage, "frame-2", `{"msgId":`)
	if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 || ack.Headers["messageId"] != "frame-2" {
		t.Fatalf("malformed frame ack %+v", ack)
	}
}

// Ensure a dropped connection, garbage on the wire and a failing
// connections/open are survived: the client opens a new connection (with a
// fresh ticket) and goes on acking, without panicking.
func TestStream_Reconnect(t *testing.T) {
	f := newFake(t)
	in := &Intake{}
	runStream(t, f, in, nil)
	g := f.NextConn(t)

	g.Send(t, "CALLBACK", dingtalk.TopicBotMessage, "frame-1", "not json at all")
	if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 {
		t.Fatalf("ack %+v", ack)
	}
	g.SendRaw(t, []byte("{{{ not a frame"))
	g.SendData(t, "CALLBACK", dingtalk.TopicBotMessage, "frame-obj", json.RawMessage(fixture(t, "group_at.json", f.URL)))
	if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 || ack.Headers["messageId"] != "frame-obj" {
		t.Fatalf("ack %+v", ack)
	}
	in.WaitEvent(t, "msgGroup1==")

	f.Reply("open", dingtalktest.JSONReply(500, `{"code":"ServiceUnavailable","message":"try later"}`))
	g.Drop()
	g2 := f.NextConn(t)
	if g2.Ticket == g.Ticket {
		t.Fatal("a ticket was used twice")
	}
	if n := len(f.Calls("open")); n != 3 {
		t.Fatalf("%d connections/open calls, want 3 (first, failed, second)", n)
	}
	g2.Send(t, "CALLBACK", dingtalk.TopicBotMessage, "frame-2", string(fixture(t, "direct.json", f.URL)))
	if ack := g2.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 || ack.Headers["messageId"] != "frame-2" {
		t.Fatalf("ack after reconnecting %+v", ack)
	}
	in.WaitEvent(t, "msgDirect1==")
}

// Ensure the gateway's disconnect opens the next connection at once, with
// no backoff, while the old one still acks the frames it got.
func TestStream_Disconnect(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	in := &Intake{AcceptFn: func(_ context.Context, ev *bot.Event, _ time.Duration) (bot.Result, error) {
		<-release
		return bot.Result{}, nil
	}}
	runStream(t, f, in, func(c *dingtalk.Config) { c.ReconnectWait = time.Hour })
	g := f.NextConn(t)

	g.Send(t, "CALLBACK", dingtalk.TopicBotMessage, "frame-1", string(fixture(t, "direct.json", f.URL)))
	in.WaitEvent(t, "msgDirect1==")
	g.Send(t, "SYSTEM", "disconnect", "sys-1", `{"reason":"connection is expired"}`)
	g2 := f.NextConn(t)
	if ack := g.NextAck(t, 100*time.Millisecond); ack != nil {
		t.Fatalf("acked before Accept returned: %+v", ack)
	}
	close(release)
	if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 || ack.Headers["messageId"] != "frame-1" {
		t.Fatalf("the old connection did not ack its frame: %+v", ack)
	}
	g2.Send(t, "SYSTEM", "ping", "ping-1", `{"opaque":"x"}`)
	if ack := g2.NextAck(t, 5*time.Second); ack == nil || ack.Headers["messageId"] != "ping-1" {
		t.Fatalf("pong on the new connection %+v", ack)
	}
}

// Ensure Run in http mode just waits for its context.
func TestRun_HTTPMode(t *testing.T) {
	a := MustNewAdapter(t, &Intake{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(a.Routes()) != 1 {
		t.Fatal("http mode has no route")
	}
}

// Ensure stream mode mounts no route and New checks its config.
func TestNew_Config(t *testing.T) {
	a := MustNewAdapter(t, &Intake{}, func(c *dingtalk.Config) { c.Mode = "" })
	if len(a.Routes()) != 0 {
		t.Fatal("stream mode (the default) mounts a route")
	}
	for name, edit := range map[string]func(*dingtalk.Config){
		"ErrNoSecret": func(c *dingtalk.Config) { c.ClientSecret = "" },
		"ErrNoID":     func(c *dingtalk.Config) { c.ClientID = "" },
		"ErrMode":     func(c *dingtalk.Config) { c.Mode = "webhook" },
		"ErrOAPIURL":  func(c *dingtalk.Config) { c.OAPIURL = "oapi.dingtalk.com" },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := dingtalk.Config{ClientID: testClientID, ClientSecret: testSecret}
			edit(&cfg)
			if _, err := dingtalk.New(cfg, &Intake{}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := dingtalk.New(dingtalk.Config{ClientID: "x", ClientSecret: "y"}, nil); err == nil {
		t.Fatal("accepted a nil intake")
	}
}
