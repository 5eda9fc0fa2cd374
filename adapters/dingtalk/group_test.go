package dingtalk_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/dingtalk"
	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/bot"
)

func warRoom(key string, members ...string) bot.GroupSpec {
	return adaptertest.WarRoom(bot.PlatformDingTalk, "corp1", key, members...)
}

func newGroupSender(tb testing.TB) *sender {
	return newSenderWith(tb, func(c *dingtalk.Config) { c.GroupTemplateID = dingtalktest.DefaultGroupTemplate })
}

// Ensure a scene group is created from the configured template with the
// owner, the members and a uuid from the key, and that the Sender posts
// into it through the robot API.
func TestCreateGroup(t *testing.T) {
	s := newGroupSender(t)
	dest, err := s.CreateGroup(context.Background(), warRoom("wr42", "staff1", "staff2", "staff3"))
	if err != nil {
		t.Fatal(err)
	}
	if dest != (bot.Destination{Platform: bot.PlatformDingTalk, Workspace: "corp1", ChatID: "cidGroup1=="}) {
		t.Fatalf("destination %+v", dest)
	}
	g := s.f.Groups()
	if len(g) != 1 || g[0].Owner != "staff1" || strings.Join(g[0].Members, ",") != "staff1,staff2,staff3" ||
		g[0].TemplateID != dingtalktest.DefaultGroupTemplate || g[0].UUID == "" || g[0].Title != "P1 #42 Batch 2611 labels peel" /* 30 characters at most */ {
		t.Fatalf("groups %+v", g)
	}
	if _, err := s.Send(context.Background(), &bot.Outgoing{To: dest, Msg: bot.Message{Text: "Ticket #42 opened"}}); err != nil {
		t.Fatal(err)
	}
	sends := s.f.Calls("groupSend")
	if len(sends) != 1 || sends[0].JSON["openConversationId"] != "cidGroup1==" {
		t.Fatalf("group sends %+v", sends)
	}
}

// Ensure a repeated key sends the same uuid and gets the same group.
func TestCreateGroup_SameKeyOnce(t *testing.T) {
	s := newGroupSender(t)
	first, err := s.CreateGroup(context.Background(), warRoom("wr7", "staff1", "staff2"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateGroup(context.Background(), warRoom("wr7", "staff1", "staff2"))
	if err != nil {
		t.Fatal(err)
	}
	if again != first || len(s.f.Groups()) != 1 {
		t.Fatalf("first %+v, again %+v, groups %d", first, again, len(s.f.Groups()))
	}
}

// Ensure the refusals come back as the contract says.
func TestCreateGroup_Errors(t *testing.T) {
	t.Run("NoTemplateConfigured", func(t *testing.T) {
		s := newSender(t)
		_, err := s.CreateGroup(context.Background(), warRoom("wr1", "staff1", "staff2"))
		if bot.ErrorCode(err) != bot.EINVALID || !strings.Contains(bot.ErrorText(err).EN, "group_template_id") {
			t.Fatalf("got %v", err)
		}
		if len(s.f.Calls("sceneGroupCreate")) != 0 {
			t.Fatal("called DingTalk")
		}
		s.Send(context.Background(), &bot.Outgoing{To: bot.Destination{UserID: "staff1"}, Msg: bot.Message{Text: "hi"}}) // the body check wants a call
	})
	t.Run("NoPermission", func(t *testing.T) {
		s := newGroupSender(t)
		s.f.Reply("sceneGroupCreate", dingtalktest.JSONReply(http.StatusOK, `{"errcode":60011,"errmsg":"没有调用该接口的权限"}`))
		_, err := s.CreateGroup(context.Background(), warRoom("wr1", "staff1", "staff2"))
		adaptertest.CheckForbidden(t, err, "qyapi_chat_manage", "群会话管理权限")
	})
	t.Run("RateLimited", func(t *testing.T) {
		s := newGroupSender(t)
		s.f.Reply("sceneGroupCreate", dingtalktest.JSONReply(http.StatusOK, `{"errcode":90018,"errmsg":"当前企业调用该接口超过限制"}`))
		_, err := s.CreateGroup(context.Background(), warRoom("wr1", "staff1", "staff2"))
		if d, ok := bot.AsDeliveryError(err); !ok || d.RetryAfter <= 0 || d.RetryAfter > time.Minute {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("UnknownMember", func(t *testing.T) {
		s := newGroupSender(t)
		_, err := s.CreateGroup(context.Background(), warRoom("wr1", "staff1", "nobody"))
		if err == nil || bot.ErrorCode(err) == bot.EFORBIDDEN {
			t.Fatalf("got %v", err)
		}
	})
}
