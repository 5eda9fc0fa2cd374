package feishu_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
)

func warRoom(key string, members ...string) bot.GroupSpec {
	return adaptertest.WarRoom(bot.PlatformFeishu, "tenant1", key, members...)
}

// Ensure a group is created with the members' open_ids, the owner, the bot
// as manager and a uuid from the key, and that the Sender posts into it.
func TestCreateGroup(t *testing.T) {
	a, f := newSender(t, nil, nil)
	dest, err := a.CreateGroup(context.Background(), warRoom("wr42", "ou_alice", "ou_bob"))
	if err != nil {
		t.Fatal(err)
	}
	if dest != (bot.Destination{Platform: bot.PlatformFeishu, Workspace: "tenant1", ChatID: "oc_chat1"}) {
		t.Fatalf("destination %+v", dest)
	}
	chats := f.Chats()
	if len(chats) != 1 || chats[0].OwnerID != "ou_alice" || strings.Join(chats[0].Members, ",") != "ou_alice,ou_bob" ||
		chats[0].UserIDType != "open_id" || !chats[0].BotManager || chats[0].UUID == "" || chats[0].Description != "War room for ticket #42" {
		t.Fatalf("chats %+v", chats)
	}
	if _, err := a.Send(context.Background(), &bot.Outgoing{Key: "k1", To: dest, Msg: bot.Message{Text: "Ticket #42 opened"}}); err != nil {
		t.Fatal(err)
	}
	msgs := f.Messages()
	if len(msgs) != 1 || msgs[0].ReceiveIDType != "chat_id" || msgs[0].ReceiveID != "oc_chat1" {
		t.Fatalf("messages %+v", msgs)
	}
}

// Ensure a repeated key (a retry after a crash that came after Feishu
// created the group) sends the same uuid and gets the same group.
func TestCreateGroup_SameKeyOnce(t *testing.T) {
	a, f := newSender(t, nil, nil)
	first, err := a.CreateGroup(context.Background(), warRoom("wr7", "ou_alice", "ou_bob"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.CreateGroup(context.Background(), warRoom("wr7", "ou_alice", "ou_bob"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.CreateGroup(context.Background(), warRoom("wr8", "ou_alice", "ou_bob"))
	if err != nil {
		t.Fatal(err)
	}
	if again != first || other == first || len(f.Chats()) != 2 {
		t.Fatalf("first %+v, again %+v, other %+v, chats %d", first, again, other, len(f.Chats()))
	}
}

// Ensure a missing scope is a bilingual forbidden error naming the scope,
// and a rate limit a wait of as long as Feishu says.
func TestCreateGroup_Errors(t *testing.T) {
	t.Run("NoScope", func(t *testing.T) {
		a, f := newSender(t, nil, nil)
		f.Reply(feishutest.PathChats, feishutest.Error(http.StatusBadRequest, 99991672, nil))
		_, err := a.CreateGroup(context.Background(), warRoom("wr1", "ou_alice"))
		adaptertest.CheckForbidden(t, err, "im:chat:create", "im:chat:create")
	})
	t.Run("RateLimited", func(t *testing.T) {
		a, f := newSender(t, nil, nil)
		f.Reply(feishutest.PathChats, feishutest.Error(http.StatusTooManyRequests, 99991400, map[string]string{"x-ogw-ratelimit-reset": "9"}))
		_, err := a.CreateGroup(context.Background(), warRoom("wr1", "ou_alice"))
		adaptertest.CheckDeliveryError(t, err, 9*time.Second, false)
	})
}
