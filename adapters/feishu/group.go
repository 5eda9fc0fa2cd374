package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/tandemhq/tandem/bot"
)

// Group chats. The bot creates a group (POST im/v1/chats) with the members
// and an owner; it is a member itself, so Send posts into it by chat_id like
// into any group it was added to.

var _ bot.GroupCreator = (*Adapter)(nil)

const (
	pathChats = "/open-apis/im/v1/chats"
	// maxGroupName and maxGroupDescription are the create API's limits
	// (name 60 characters, description 100).
	maxGroupName        = 60
	maxGroupDescription = 100
)

// groupForbiddenCodes mean the app may not create groups: it lacks the
// scope (im:chat:create or im:chat), the user's authorization, or the bot
// ability.
var groupForbiddenCodes = map[int]bool{99991672: true, 99991679: true, 230006: true, 232025: true}

var errGroupForbidden = bot.Errorf(bot.EFORBIDDEN,
	"Feishu does not let this app create group chats. An admin must grant the app the permission \"im:chat:create\" (创建群) or \"im:chat\" in the Feishu developer console, enable its bot ability and publish a new version.",
	"飞书不允许本应用创建群聊。请管理员在飞书开发者后台为应用开通“创建群”（im:chat:create）或“获取与更新群组信息”（im:chat）权限，启用机器人能力，并发布新版本。")

type createChatRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	OwnerID     string   `json:"owner_id,omitempty"`
	UserIDList  []string `json:"user_id_list,omitempty"`
	ChatMode    string   `json:"chat_mode"`
	ChatType    string   `json:"chat_type"`
}

// CreateGroup implements bot.GroupCreator. The members and owner are
// open_ids, as the adapter's accounts are; the bot is made a manager of the
// group it creates (set_bot_manager), and the group is private.
//
// The request's uuid is derived from spec.Key: Feishu creates at most one
// group per uuid within 10 hours and answers a repeated request with that
// group, so a retry after a crash that came after the group was created
// gets the same chat_id. Past those 10 hours a repeat would create a second
// group. Feishu does not refuse a name that another group has.
func (a *Adapter) CreateGroup(ctx context.Context, spec bot.GroupSpec) (bot.Destination, error) {
	q := url.Values{"user_id_type": {"open_id"}, "set_bot_manager": {"true"}}
	if spec.Key != "" {
		q.Set("uuid", dedupUUID("group/"+spec.Key))
	}
	req := createChatRequest{Name: truncate(spec.Name, maxGroupName), Description: truncate(spec.Topic, maxGroupDescription),
		OwnerID: spec.Owner.UserID, ChatMode: "group", ChatType: "private"}
	seen := map[string]bool{}
	for _, m := range spec.Members {
		if m.UserID != "" && !seen[m.UserID] {
			seen[m.UserID] = true
			req.UserIDList = append(req.UserIDList, m.UserID)
		}
	}
	r, err := a.call(ctx, "im.chat.create", http.MethodPost, pathChats, q, req)
	if err != nil {
		return bot.Destination{}, groupError(err)
	}
	var d struct {
		ChatID string `json:"chat_id"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || d.ChatID == "" {
		return bot.Destination{}, errors.New("feishu: im.chat.create: no chat_id in the answer")
	}
	return bot.Destination{Platform: bot.PlatformFeishu, Workspace: spec.Workspace, ChatID: d.ChatID}, nil
}

// groupError names the permission when Feishu refuses for the want of one.
func groupError(err error) error {
	if ae, ok := errors.AsType[*apiError](err); ok && groupForbiddenCodes[ae.Code] {
		return fmt.Errorf("%w (%v)", errGroupForbidden, err)
	}
	return err
}
