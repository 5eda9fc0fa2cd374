package wecom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/silenceper/wechat/v2/work/message"

	"github.com/tandemhq/tandem/bot"
)

// Group chats the app creates (应用群聊, appchat). WeCom lets a self-built
// app whose visibility is the root department create groups
// (appchat/create) and post into them (appchat/send), and only into those:
// a group made by people is reached through a group robot instead.

var _ bot.GroupCreator = (*Adapter)(nil)

const (
	appchatCreatePath = "/cgi-bin/appchat/create"
	appchatGetPath    = "/cgi-bin/appchat/get"
	appchatSendPath   = "/cgi-bin/appchat/send"

	// maxChatName is appchat/create's limit (50 UTF-8 characters; WeCom
	// cuts a longer name itself, but at a byte, not at a word).
	maxChatName = 50
	// maxChatID is the longest chatid WeCom takes (letters and digits).
	maxChatID = 32
)

// groupPermission are the refusals that mean the app may not create or post
// into groups: no privilege (visibility not the root department), the API
// not permitted to this app, a member outside the app's visibility.
var groupPermission = map[int]bool{60011: true, 48002: true, 50002: true, 301002: true}

// errGroupForbidden says what a WeCom admin must change.
var errGroupForbidden = bot.Errorf(bot.EFORBIDDEN,
	"WeCom does not let this app create group chats. An admin must set the self-built app's visible range (可见范围) to the whole organization (the root department) in the WeCom admin console; only then may an app create groups and post into them.",
	"企业微信不允许本应用创建群聊。请管理员在企业微信管理后台把该自建应用的可见范围设为整个企业（根部门）；只有这样，应用才能创建群聊并在群里发消息。")

type chatInfo struct {
	ChatID   string   `json:"chatid"`
	Name     string   `json:"name"`
	Owner    string   `json:"owner"`
	UserList []string `json:"userlist"`
}

// CreateGroup implements bot.GroupCreator with appchat/create. The chatid is
// chosen here from spec.Key, so a second call with the same key (a retry
// after the group was made but before the caller recorded it) is refused
// by WeCom as a chatid that exists; appchat/get, which answers only for
// groups this app created, then confirms it is ours, and it is returned
// instead of a second group. WeCom needs two members at least (the app is
// not counted) and allows a corp 1,000 new groups a day.
func (a *Adapter) CreateGroup(ctx context.Context, spec bot.GroupSpec) (bot.Destination, error) {
	members := memberIDs(spec)
	if len(members) < 2 {
		return bot.Destination{}, bot.Errorf(bot.EINVALID, "A WeCom group chat needs at least two members; %d given.",
			"企业微信群聊至少需要两名成员，现有 %d 名。", len(members))
	}
	req := chatInfo{ChatID: groupChatID(spec.Key), Name: truncate(spec.Name, maxChatName), Owner: spec.Owner.UserID, UserList: members}
	var res struct {
		apiResult
		ChatID string `json:"chatid"`
	}
	err := a.call(ctx, appchatCreatePath, req, &res)
	if err != nil && req.ChatID != "" && !isAPICode(err, groupPermission) && !isRateLimit(err) {
		// Most likely the chatid exists (errcode 86215, reported): a group
		// this key made earlier, if appchat/get knows it as the app's own.
		if got, gerr := a.appchat(ctx, req.ChatID); gerr == nil {
			a.log.Info("wecom: group chat exists already; using it", "chatid", got.ChatID)
			return a.groupDest(got.ChatID), nil
		}
	}
	if err != nil {
		return bot.Destination{}, groupError(err)
	}
	return a.groupDest(firstNonEmpty(res.ChatID, req.ChatID)), nil
}

func (a *Adapter) groupDest(chatID string) bot.Destination {
	return bot.Destination{Platform: bot.PlatformWeCom, Workspace: a.cfg.CorpID, ChatID: chatID}
}

// appchat reads a group the app created.
func (a *Adapter) appchat(ctx context.Context, chatID string) (chatInfo, error) {
	var res struct {
		apiResult
		ChatInfo chatInfo `json:"chat_info"`
	}
	err := a.callWith(ctx, appchatGetPath, url.Values{"chatid": {chatID}}, func(u string) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	}, &res)
	if err == nil && res.ChatInfo.ChatID != chatID {
		err = fmt.Errorf("wecom: appchat/get: answered for %q", res.ChatInfo.ChatID)
	}
	return res.ChatInfo, err
}

// memberIDs are the members' user ids, the owner's included, each once.
func memberIDs(spec bot.GroupSpec) []string {
	var ids []string
	seen := map[string]bool{}
	for _, acc := range append([]bot.Account{spec.Owner}, spec.Members...) {
		if acc.UserID != "" && !seen[acc.UserID] {
			seen[acc.UserID] = true
			ids = append(ids, acc.UserID)
		}
	}
	return ids
}

// groupChatID is the chatid for key: its letters and digits after "tandem",
// at most 32; "" (WeCom chooses) without a key.
func groupChatID(key string) string {
	var b strings.Builder
	for _, r := range key {
		if r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	id := "tandem" + b.String()
	return id[:min(len(id), maxChatID)]
}

// groupError turns a refusal of a group call into the contract's errors.
func groupError(err error) error {
	switch {
	case isAPICode(err, groupPermission):
		return fmt.Errorf("%w (%v)", errGroupForbidden, err)
	case isAPICode(err, map[int]bool{86006: true, 86007: true, 86216: true, 40031: true, 60111: true, 46004: true}):
		return fmt.Errorf("%w (%v)", bot.Errorf(bot.EINVALID, "WeCom refused the group's members: each must be a member of the corp the app can see, and there must be 2 to 2,000 of them.",
			"企业微信不接受群成员：每位成员都须是本企业中应用可见的成员，人数须在 2 到 2000 之间。"), err)
	}
	return err
}

func isRateLimit(err error) bool {
	d, ok := bot.AsDeliveryError(err)
	return ok && d.RetryAfter > 0
}

// sendAppchat posts m into a group the app created (appchat/send): its text
// (a card shown as text with its buttons as commands: appchat has no
// interactive cards), then its picture. appchat/send has no duplicate
// check and returns no message id: a retry after a crash that came after
// the post may post again, and the remote id is the chat's.
func (a *Adapter) sendAppchat(ctx context.Context, chatID string, m bot.Message) (string, error) {
	type appchatMessage struct {
		ChatID  string              `json:"chatid"`
		MsgType string              `json:"msgtype"`
		Text    *message.TextField  `json:"text,omitempty"`
		Image   *message.ImageField `json:"image,omitempty"`
		File    *fileField          `json:"file,omitempty"`
	}
	sent := false
	if text := plainText(m); strings.TrimSpace(text) != "" {
		for _, chunk := range splitText(text, maxTextBytes) {
			if err := a.call(ctx, appchatSendPath, appchatMessage{ChatID: chatID, MsgType: "text", Text: &message.TextField{Content: chunk}}, &apiResult{}); err != nil {
				return "", err
			}
			sent = true
		}
	}
	if m.Image != nil {
		key := m.Image.Key
		if key == "" || key == robotImageKey {
			var err error
			if key, _, err = a.UploadImage(ctx, bot.Destination{ChatID: chatID}, m.Image); err != nil {
				return "", err
			}
		}
		if err := a.call(ctx, appchatSendPath, appchatMessage{ChatID: chatID, MsgType: "image", Image: &message.ImageField{MediaID: key}}, &apiResult{}); err != nil {
			return "", err
		}
		sent = true
	}
	if m.File != nil {
		key, err := a.appFileKey(ctx, m.File)
		if err != nil {
			return "", err
		}
		if err := a.call(ctx, appchatSendPath, appchatMessage{ChatID: chatID, MsgType: "file", File: &fileField{MediaID: key}}, &apiResult{}); err != nil {
			return "", err
		}
		sent = true
	}
	if !sent {
		return "", &bot.DeliveryError{Err: errors.New("wecom: nothing to post into the group"), Permanent: true}
	}
	return chatID, nil
}
