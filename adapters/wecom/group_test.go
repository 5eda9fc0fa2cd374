package wecom_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot"
)

func warRoom(key string, members ...string) bot.GroupSpec {
	return adaptertest.WarRoom(bot.PlatformWeCom, testCorp, key, members...)
}

// Ensure a group is created with the members, the owner and a chatid from
// the key, and that the Sender posts into it (appchat/send).
func TestCreateGroup(t *testing.T) {
	a, f := newSender(t, nil)
	dest, err := a.CreateGroup(context.Background(), warRoom("wr42", "zhangsan", "lisi"))
	if err != nil {
		t.Fatal(err)
	}
	want := bot.Destination{Platform: bot.PlatformWeCom, Workspace: testCorp, ChatID: "tandemwr42"}
	if dest != want {
		t.Fatalf("destination %+v, want %+v", dest, want)
	}
	groups := f.Groups()
	if len(groups) != 1 || groups[0].Owner != "zhangsan" || strings.Join(groups[0].Members, ",") != "zhangsan,lisi" ||
		groups[0].Name != "P1 #42 Batch 2611 labels peel off" {
		t.Fatalf("groups %+v", groups)
	}
	if _, err := send(a, dest, bot.Message{Text: "Ticket #42 opened", Card: &bot.Card{Title: "#42", Buttons: []bot.Button{{ActionID: "t.ack", Value: "42", Label: "Ack", Typed: "ticket ack 42"}}}}); err != nil {
		t.Fatal(err)
	}
	posts := f.Groups()[0].Posts
	if len(posts) != 1 || !strings.Contains(posts[0], "#42") || !strings.Contains(posts[0], "ticket ack 42") {
		t.Fatalf("posts %q", posts)
	}
}

// Ensure a second call with the same key (a retry after a crash that came
// after WeCom created the group) returns the group the first call made and
// creates no other.
func TestCreateGroup_SameKeyOnce(t *testing.T) {
	a, f := newSender(t, nil)
	first, err := a.CreateGroup(context.Background(), warRoom("wr7", "zhangsan", "lisi"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.CreateGroup(context.Background(), warRoom("wr7", "zhangsan", "lisi"))
	if err != nil {
		t.Fatal(err)
	}
	if again != first || len(f.Groups()) != 1 {
		t.Fatalf("first %+v, again %+v, groups %d", first, again, len(f.Groups()))
	}
	if n := len(f.CallsTo(wecomtest.PathAppchatCreate)); n != 2 {
		t.Fatalf("%d creates, want 2 (the second refused as existing)", n)
	}
}

// Ensure the refusals come back as the contract says: a missing permission
// as a bilingual forbidden error naming the visible range, a rate limit as
// a wait, too few members as invalid without calling WeCom.
func TestCreateGroup_Errors(t *testing.T) {
	t.Run("NoPrivilege", func(t *testing.T) {
		a, f := newSender(t, nil)
		f.Reply(wecomtest.PathAppchatCreate, wecomtest.Errcode(wecomtest.ErrCodeNoPrivilege, "no privilege to access/modify contact/party/agent"))
		_, err := a.CreateGroup(context.Background(), warRoom("wr1", "zhangsan", "lisi"))
		adaptertest.CheckForbidden(t, err, "root department", "可见范围")
		if len(f.Groups()) != 0 || len(f.CallsTo(wecomtest.PathAppchatGet)) != 0 {
			t.Fatalf("groups %d, paths %s", len(f.Groups()), f.Paths())
		}
	})
	t.Run("RateLimited", func(t *testing.T) {
		a, f := newSender(t, nil)
		f.Reply(wecomtest.PathAppchatCreate, wecomtest.Errcode(45009, "api freq out of limit"))
		_, err := a.CreateGroup(context.Background(), warRoom("wr1", "zhangsan", "lisi"))
		adaptertest.CheckDeliveryError(t, err, time.Minute, false)
	})
	t.Run("TooFewMembers", func(t *testing.T) {
		a, f := newSender(t, nil)
		_, err := a.CreateGroup(context.Background(), warRoom("wr1", "zhangsan"))
		if bot.ErrorCode(err) != bot.EINVALID || len(f.Calls()) != 0 {
			t.Fatalf("got %v after %s", err, f.Paths())
		}
	})
	t.Run("PostIntoUnknownGroup", func(t *testing.T) {
		a, _ := newSender(t, nil)
		_, err := send(a, bot.Destination{ChatID: "nosuchchat"}, bot.Message{Text: "hi"})
		adaptertest.CheckDeliveryError(t, err, 0, true)
	})
}
