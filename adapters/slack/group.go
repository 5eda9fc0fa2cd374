package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/bot"
)

// Group chats. The bot creates a private channel (conversations.create),
// invites the members (conversations.invite) and sets its topic and
// purpose. It is the channel's creator and a member, so Send posts into it
// like into any channel.

var _ bot.GroupCreator = (*Adapter)(nil)

const (
	// maxChannelName is Slack's limit on a channel name.
	maxChannelName = 80
	// ownChannelPages bounds the search among the bot's own private
	// channels for one a retry created (users.conversations, 200 a page).
	ownChannelPages = 25
)

// forbiddenErrors mean the app may not do what was asked: a scope is
// missing, or the workspace lets no app create channels.
var forbiddenErrors = map[string]bool{"missing_scope": true, "restricted_action": true, "no_permission": true, "not_allowed_token_type": true}

// groupForbidden names the scope a call needed.
func groupForbidden(scope string, err error) error {
	return fmt.Errorf("%w (%v)", bot.Errorf(bot.EFORBIDDEN,
		"Slack does not let this app create the war room channel. An admin must add the bot token scope %s to the Slack app and reinstall it (war rooms are private channels: they need groups:write and groups:read), and the workspace must allow apps to create channels.",
		"Slack 不允许本应用创建作战室频道。请管理员为 Slack 应用添加机器人令牌权限 %s 并重新安装（作战室是私有频道，需要 groups:write 和 groups:read），并确认工作区允许应用创建频道。",
		scope), err)
}

// CreateGroup implements bot.GroupCreator with a private channel. Slack has
// no owner for a channel other than its creator (the bot) and no
// idempotency key, but a channel name is unique in the workspace: the name
// is made from spec.Name and spec.Key, and when conversations.create says
// name_taken the channel is looked for among the bot's own private
// channels (users.conversations). Found, it is the one an earlier call with
// this key created before a crash, and its members are invited again (those
// already in are skipped by Slack); not found, the name belongs to someone
// else's channel, and the answer is ECONFLICT.
func (a *Adapter) CreateGroup(ctx context.Context, spec bot.GroupSpec) (bot.Destination, error) {
	name := channelName(spec.Name, spec.Key)
	if name == "" {
		return bot.Destination{}, bot.Errorf(bot.EINVALID, "A Slack channel needs a name.", "Slack 频道需要名称。")
	}
	var id string
	ch, err := a.api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name, IsPrivate: true})
	switch {
	case err == nil:
		id = ch.ID
	case slackError(err) == "name_taken":
		if id, err = a.ownChannel(ctx, name); err != nil {
			return bot.Destination{}, err
		}
		if id == "" {
			return bot.Destination{}, bot.Errorf(bot.ECONFLICT, "Slack already has a channel named #%s that this app did not create.",
				"Slack 上已有一个名为 #%s 的频道，且不是本应用创建的。", name)
		}
		a.log.Info("slack: channel exists already; using it", "channel", id, "name", name)
	default:
		return bot.Destination{}, groupError(err, "groups:write")
	}
	var users []string
	for _, m := range append([]bot.Account{spec.Owner}, spec.Members...) {
		if m.UserID != "" && m.UserID != a.botUserID() && !slices.Contains(users, m.UserID) {
			users = append(users, m.UserID)
		}
	}
	if len(users) > 0 {
		if _, err := a.api.InviteUsersToConversationContext(ctx, id, users...); err != nil && slackError(err) != "already_in_channel" {
			return bot.Destination{}, groupError(err, "groups:write")
		}
	}
	if spec.Topic != "" {
		if _, err := a.api.SetTopicOfConversationContext(ctx, id, spec.Topic); err != nil {
			return bot.Destination{}, groupError(err, "groups:write")
		}
		if _, err := a.api.SetPurposeOfConversationContext(ctx, id, spec.Topic); err != nil {
			return bot.Destination{}, groupError(err, "groups:write")
		}
	}
	return bot.Destination{Platform: bot.PlatformSlack, Workspace: firstNonEmpty(spec.Workspace, a.TeamID()), ChatID: id}, nil
}

// ownChannel finds the bot's private channel named name, "" if none.
func (a *Adapter) ownChannel(ctx context.Context, name string) (string, error) {
	cursor := ""
	for range ownChannelPages {
		chs, next, err := a.api.GetConversationsForUserContext(ctx, &slack.GetConversationsForUserParameters{
			Types: []string{"private_channel"}, Cursor: cursor, Limit: 200, ExcludeArchived: true})
		if err != nil {
			return "", groupError(err, "groups:read")
		}
		for _, ch := range chs {
			if ch.Name == name {
				return ch.ID, nil
			}
		}
		if next == "" {
			return "", nil
		}
		cursor = next
	}
	return "", fmt.Errorf("slack: more than %d pages of the bot's channels; #%s not found among them", ownChannelPages, name)
}

// groupError turns a refusal into the contract's errors: a missing scope
// or workspace restriction names the scope; a bad name or member is
// invalid; a rate limit waits (deliveryError).
func groupError(err error, scope string) error {
	code := slackError(err)
	switch {
	case forbiddenErrors[code]:
		return groupForbidden(scope, err)
	case strings.HasPrefix(code, "invalid_name"), code == "user_not_found", code == "cant_invite", code == "user_is_restricted":
		return fmt.Errorf("%w (%v)", bot.Errorf(bot.EINVALID, "Slack refused the channel's name or members (%s).",
			"Slack 不接受频道名称或成员（%s）。", code), err)
	}
	return deliveryError(err)
}

func slackError(err error) string {
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return se.Err
	}
	return ""
}

// channelName makes a Slack channel name from a name and a key: lower case
// letters, digits, "-" and "_" only (runs of anything else become one
// "-"), at most 80 characters, ending in the key so that one key always
// names one channel.
func channelName(name, key string) string {
	slug := func(s string) string {
		var b strings.Builder
		dash := false
		for _, r := range strings.ToLower(s) {
			if r < 128 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				b.WriteRune(r)
				dash = false
			} else if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
		return strings.Trim(b.String(), "-")
	}
	n, k := slug(name), slug(key)
	if k == "" {
		return n[:min(len(n), maxChannelName)]
	}
	n = strings.TrimRight(n[:min(len(n), maxChannelName-len(k)-1)], "-")
	if n == "" {
		return k[:min(len(k), maxChannelName)]
	}
	return n + "-" + k
}
