package slack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/bot"
)

func warRoom(key string, members ...string) bot.GroupSpec {
	return adaptertest.WarRoom(bot.PlatformSlack, "T1", key, members...)
}

// Ensure a private channel is created with a name made from the name and
// the key, the members invited, the topic and purpose set, and that the
// Sender posts into it.
func TestCreateGroup(t *testing.T) {
	a, f := newSender(t)
	dest, err := a.CreateGroup(context.Background(), warRoom("wr42", "U1", "U2"))
	if err != nil {
		t.Fatal(err)
	}
	chs := f.Channels()
	if len(chs) != 1 || dest != (bot.Destination{Platform: bot.PlatformSlack, Workspace: "T1", ChatID: chs[0].ID}) {
		t.Fatalf("destination %+v, channels %+v", dest, chs)
	}
	ch := chs[0]
	if ch.Name != "p1-42-batch-2611-labels-peel-off-wr42" || !ch.Private || strings.Join(ch.Members, ",") != "UBOT,U1,U2" ||
		ch.Topic != "War room for ticket #42" || ch.Purpose != ch.Topic {
		t.Fatalf("channel %+v", ch)
	}
	if _, err := a.Send(context.Background(), &bot.Outgoing{To: dest, Msg: bot.Message{Text: "Ticket #42 opened"}}); err != nil {
		t.Fatal(err)
	}
	if msgs := f.Messages(ch.ID); len(msgs) != 1 || msgs[0].Text != "Ticket #42 opened" {
		t.Fatalf("messages %+v", msgs)
	}
}

// Ensure a retry with the same key (after a crash between creating the
// channel and inviting the members: here the invite failed) finds the
// channel the first call created, invites the members into it, and creates
// no second one.
func TestCreateGroup_RetryFindsItsChannel(t *testing.T) {
	a, f := newSender(t)
	f.Reply("conversations.invite", slacktest.Status(500, "boom"))
	if _, err := a.CreateGroup(context.Background(), warRoom("wr7", "U1", "U2")); err == nil {
		t.Fatal("no error from a failed invite")
	}
	f.Reply("conversations.invite", nil)
	first, err := a.CreateGroup(context.Background(), warRoom("wr7", "U1", "U2"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.CreateGroup(context.Background(), warRoom("wr7", "U1", "U2"))
	if err != nil {
		t.Fatal(err)
	}
	chs := f.Channels()
	if len(chs) != 1 || first.ChatID != chs[0].ID || again != first || strings.Join(chs[0].Members, ",") != "UBOT,U1,U2" {
		t.Fatalf("first %+v, again %+v, channels %+v", first, again, chs)
	}
	if n := len(f.Calls("users.conversations")); n != 2 {
		t.Fatalf("%d users.conversations, want one per retry", n)
	}
}

// Ensure the refusals come back as the contract says.
func TestCreateGroup_Errors(t *testing.T) {
	t.Run("MissingScope", func(t *testing.T) {
		a, f := newSender(t)
		f.Reply("conversations.create", slacktest.Error("missing_scope"))
		_, err := a.CreateGroup(context.Background(), warRoom("wr1", "U1"))
		adaptertest.CheckForbidden(t, err, "groups:write", "groups:write")
	})
	t.Run("RateLimited", func(t *testing.T) {
		a, f := newSender(t)
		f.Reply("conversations.create", slacktest.RateLimited(12))
		_, err := a.CreateGroup(context.Background(), warRoom("wr1", "U1"))
		adaptertest.CheckDeliveryError(t, err, 12*time.Second, false)
	})
	t.Run("NameTakenBySomeoneElse", func(t *testing.T) {
		a, f := newSender(t)
		f.Reply("conversations.create", slacktest.Error("name_taken"))
		_, err := a.CreateGroup(context.Background(), warRoom("wr1", "U1"))
		if bot.ErrorCode(err) != bot.ECONFLICT || len(f.Calls("conversations.invite")) != 0 {
			t.Fatalf("got %v after %s", err, f.Dump())
		}
	})
}

// Ensure channel names keep to Slack's rules and always end in the key.
func TestChannelName(t *testing.T) {
	a, f := newSender(t)
	long := strings.Repeat("Very long title ", 10)
	for _, spec := range []bot.GroupSpec{
		{Name: "P1 #7 标签脱落 Labels", Key: "wr7"},
		{Name: long, Key: "wr8"},
		{Name: "紧急", Key: "wr9"},
	} {
		if _, err := a.CreateGroup(context.Background(), spec); err != nil {
			t.Fatalf("%q: %v", spec.Name, err)
		}
	}
	var names []string
	for _, ch := range f.Channels() {
		names = append(names, ch.Name)
		if len(ch.Name) > 80 {
			t.Fatalf("%q is longer than 80", ch.Name)
		}
	}
	if names[0] != "p1-7-labels-wr7" || !strings.HasSuffix(names[1], "-wr8") || names[2] != "wr9" {
		t.Fatalf("names %q", names)
	}
}
