package dingtalk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
)

// Group chats. DingTalk lets an app create a scene group (场景群) from a
// group template (Config.GroupTemplateID) through the classic API; the
// template's robot, which must be this app's robot, is in every group made
// from it, so Send posts into the group through the robot API
// (groupMessages/send to its open_conversation_id) like into any group the
// robot is in.

var _ bot.GroupCreator = (*Adapter)(nil)

const (
	pathSceneGroupCreate = "/topapi/im/chat/scenegroup/create"
	// maxGroupTitle is the create API's limit on a group's name.
	maxGroupTitle = 30
)

// groupForbiddenCodes mean the app may not create scene groups: the
// interface permission is missing (60011 "没有调用该接口的权限"), or the
// app is not authorized for it (88 with a permission sub-code, 60020 IP).
var groupForbiddenCodes = map[int]bool{60011: true, 60020: true, 88: true}

var (
	errGroupForbidden = bot.Errorf(bot.EFORBIDDEN,
		"DingTalk does not let this app create group chats. An admin must grant the app the permission \"qyapi_chat_manage\" (群会话管理权限) in the DingTalk developer console and publish the app.",
		"钉钉不允许本应用创建群聊。请管理员在钉钉开发者后台为应用开通“群会话管理权限”（qyapi_chat_manage），并发布应用。")
	errNoGroupTemplate = bot.Errorf(bot.EINVALID,
		"DingTalk creates group chats only from a group template: set group_template_id in this DingTalk app's configuration to a scene group template whose robot is this app's robot.",
		"钉钉只能基于群模板创建群聊：请在本钉钉应用的配置中设置 group_template_id，填写一个机器人为本应用机器人的场景群模板。")
)

type sceneGroupRequest struct {
	Title       string `json:"title"`
	TemplateID  string `json:"template_id"`
	OwnerUserID string `json:"owner_user_id"`
	UserIDs     string `json:"user_ids,omitempty"` // comma-separated
	UUID        string `json:"uuid,omitempty"`
}

// CreateGroup implements bot.GroupCreator with a scene group. The owner is
// spec.Owner, or the first member (DingTalk requires one). The request's
// uuid (建群去重的业务ID, DingTalk's key for deduplicating group creation)
// is derived from spec.Key, so a retry after a crash that came after the
// group was created is answered with that group instead of a second one.
func (a *Adapter) CreateGroup(ctx context.Context, spec bot.GroupSpec) (bot.Destination, error) {
	if a.cfg.GroupTemplateID == "" {
		return bot.Destination{}, errNoGroupTemplate
	}
	var ids []string
	for _, m := range append([]bot.Account{spec.Owner}, spec.Members...) {
		if m.UserID != "" && !slices.Contains(ids, m.UserID) {
			ids = append(ids, m.UserID)
		}
	}
	if len(ids) == 0 {
		return bot.Destination{}, bot.Errorf(bot.EINVALID, "A DingTalk group chat needs an owner.", "钉钉群聊需要一位群主。")
	}
	req := sceneGroupRequest{Title: clip(spec.Name, maxGroupTitle), TemplateID: a.cfg.GroupTemplateID, OwnerUserID: ids[0],
		UserIDs: strings.Join(ids[1:], ","), UUID: groupUUID(spec.Key)}
	var out struct {
		OpenConversationID string `json:"open_conversation_id"`
		ChatID             string `json:"chat_id"`
	}
	if err := a.topapi(ctx, pathSceneGroupCreate, req, &out); err != nil {
		return bot.Destination{}, groupError(err)
	}
	if out.OpenConversationID == "" {
		return bot.Destination{}, errors.New("dingtalk: scenegroup/create: no open_conversation_id in the answer")
	}
	return bot.Destination{Platform: bot.PlatformDingTalk, Workspace: spec.Workspace, ChatID: out.OpenConversationID}, nil
}

// groupUUID is the deduplication id for key ("" without one).
func groupUUID(key string) string {
	if key == "" {
		return ""
	}
	return "tandem-group-" + key
}

// groupError turns a refusal into the contract's errors: a missing
// permission names it, a rate limit waits, anything else is as it came.
func groupError(err error) error {
	var e *apiError
	if !errors.As(err, &e) {
		return err
	}
	switch {
	case e.wait() > 0:
		return &bot.DeliveryError{Err: err, RetryAfter: e.wait()}
	case groupForbiddenCodes[e.errcode]:
		return fmt.Errorf("%w (%v)", errGroupForbidden, err)
	}
	return err
}

// clip shortens s to n characters, without a space left at the end.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n]))
}
