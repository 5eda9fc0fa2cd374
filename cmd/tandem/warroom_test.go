package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/slack"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/warroom"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// nopIntake takes no inbound events: these tests only send.
type nopIntake struct{}

func (nopIntake) Accept(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
	return bot.Result{}, nil
}

func newFeishuApp(t *testing.T, f *feishutest.Server) *feishu.Adapter {
	a, err := feishu.New(feishu.Config{AppID: "cli_" + f.URL, AppSecret: "s", VerificationToken: "v", Host: f.URL, HTTPClient: f.Client(),
		Log: slog.New(slog.DiscardHandler)}, nopIntake{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Ensure the war rooms' GroupCreators finds, like the outbox, the app of a
// platform's workspace among several (multiSender), and the one app of a
// platform that has one, and nothing on a platform not configured.
func TestGroupCreators_PerWorkspace(t *testing.T) {
	fa, fb, fs := feishutest.NewServer(t), feishutest.NewServer(t), slacktest.NewServer(t)
	feishus := &multiSender{platform: bot.PlatformFeishu}
	feishus.add("tA", newFeishuApp(t, fa))
	feishus.add("tB", newFeishuApp(t, fb))
	sl, err := slack.New(slack.Config{SigningSecret: "x", BotToken: "xoxb-1", BotUserID: "UBOT", APIURL: fs.APIURL(), HTTPClient: fs.Client(),
		Log: slog.New(slog.DiscardHandler)}, nopIntake{})
	if err != nil {
		t.Fatal(err)
	}
	g := groupCreators{&scheduler.Dispatcher{Senders: []bot.Sender{sl, feishus}}}
	spec := bot.GroupSpec{Workspace: "tB", Name: "P1 #1", Key: "k1", Members: []bot.Account{{Platform: bot.PlatformFeishu, Workspace: "tB", UserID: "ou_x"}}}
	gc, ok := g.GroupCreator(bot.PlatformFeishu, "tB")
	if !ok {
		t.Fatal("no Feishu group creator for tB")
	}
	if _, err := gc.CreateGroup(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if len(fb.Chats()) != 1 || len(fa.Chats()) != 0 {
		t.Fatalf("chats on A %d, on B %d", len(fa.Chats()), len(fb.Chats()))
	}
	if gc, ok := g.GroupCreator(bot.PlatformSlack, "T1"); !ok || gc != bot.GroupCreator(sl) {
		t.Fatalf("slack: %v %v", gc, ok)
	}
	if _, ok := g.GroupCreator(bot.PlatformWeCom, "corp"); ok {
		t.Fatal("a WeCom group creator without a WeCom app")
	}
}

// Ensure a war room job run by the real scheduler creates the group on the
// platform's fake, records it, and that what the record queues for the
// group is posted into it by the real outbox.
func TestWarRoom_ThroughSchedulerAndOutbox(t *testing.T) {
	f := feishutest.NewServer(t)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "t.db"))
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hooks := &bot.Hooks{}
	store := bot.Hooked(db, hooks)
	feishus := &multiSender{platform: bot.PlatformFeishu}
	feishus.add("tenant1", newFeishuApp(t, f))
	d := &scheduler.Dispatcher{Store: store, Senders: []bot.Sender{feishus}, Log: slog.New(slog.DiscardHandler)}
	hooks.OnQueued(d.Trigger)
	m := warroom.Module(warroom.Deps{Creators: groupCreators{d}, Store: store,
		OnCreated: func(tx bot.Tx, ticket int64, to bot.Destination, _ time.Time) error {
			_, err := tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("ticket%d/warroom", ticket), To: to,
				Msg: bot.Message{Text: "Ticket #42: war room"}}, time.Now())
			return err
		}})
	s := &scheduler.Scheduler{Store: store, Handlers: m.Jobs, Log: slog.New(slog.DiscardHandler)}
	hooks.OnScheduled(s.Trigger)
	if err := d.Open(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err := store.Update(context.Background(), func(tx bot.Tx) error {
		_, err := warroom.Schedule(tx, warroom.Request{TicketID: 42, Platform: bot.PlatformFeishu, Workspace: "tenant1",
			Name: "P1 #42 Labels peel off", Members: []string{"ou_a", "ou_b"}, Owner: "ou_a"}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !feishutest.WaitFor(10*time.Second, func() bool { return len(f.Messages()) > 0 }) {
		t.Fatalf("nothing posted:\n%s", f.Dump())
	}
	chats, msgs := f.Chats(), f.Messages()
	if len(chats) != 1 || chats[0].OwnerID != "ou_a" || len(msgs) != 1 || msgs[0].ReceiveID != chats[0].ID {
		t.Fatalf("chats %+v, messages %+v", chats, msgs)
	}
}
