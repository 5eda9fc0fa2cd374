package bot

import "context"

// GroupSpec says what group chat to create: a war room for an urgent
// ticket, say.
type GroupSpec struct {
	// Workspace is the app (Slack team, Feishu tenant, WeCom corp, DingTalk
	// corp) to create the group in; Members and Owner are accounts there.
	Workspace string
	// Name is the group's name as people should see it. Each platform has
	// rules of its own (Slack: lower case, no spaces, 80 characters; WeCom
	// 50 characters; DingTalk 30): the adapter makes the name fit them.
	Name string
	// Members are the accounts to invite; the bot is always a member too.
	Members []Account
	// Owner is the account to make the group's owner, where the platform has
	// one (Feishu, WeCom, DingTalk); zero: the platform's default (the bot on
	// Feishu, the first member on WeCom and DingTalk). Slack has no owner:
	// the bot creates the channel.
	Owner Account
	// Topic is a line shown with the group (Slack topic and purpose, Feishu
	// description); platforms without one ignore it.
	Topic string
	// Key identifies this creation, so that asking again (a retry after a
	// crash that came after the platform created the group but before the
	// caller recorded it) finds the group the first call created instead of
	// creating a second one. Letters and digits, at most 32 (WeCom's chatid
	// limit). How long each platform honours it is on GroupCreator.
	Key string
}

// GroupCreator is a Sender whose app can create group chats. The group it
// returns is a Destination for the same Sender: posting into it works.
//
// Errors: a *Error with EFORBIDDEN when the platform refuses because the app
// lacks a permission (its text, in both languages, names what the admin
// must grant); ECONFLICT when the name is taken by a group that is not this
// Key's; EINVALID for a spec the platform cannot take (no members, an
// unknown member); a *DeliveryError with RetryAfter when rate limited; any
// other error is transient and may be retried.
//
// What each platform can do, and what it guarantees for a repeated Key:
//
//   - Slack: conversations.create (a private channel, scope groups:write),
//     conversations.invite of the members' user ids, then topic and
//     purpose. Slack takes no idempotency key, but channel names are unique
//     in a workspace: the name is made from Name and Key, and a retry that
//     is answered name_taken finds the channel among the bot's own
//     (users.conversations, scope groups:read) and invites again. No owner.
//   - Feishu: POST im/v1/chats with the members (user_id_list), owner_id and
//     the bot as a member (scope im:chat:create or im:chat). The request's
//     uuid is the Key: Feishu creates at most one group per uuid within 10
//     hours, so a retry within them gets the same group; after that a
//     retry could create a second one.
//   - DingTalk: a scene group (场景群, topapi/im/chat/scenegroup/create)
//     from a group template (the app's group_template_id) whose robot is
//     this app's robot, so the bot is in the group and can post into it
//     through the robot API (permission qyapi_chat_manage). The request's
//     uuid (建群去重的业务ID, DingTalk's deduplication id) is the Key.
//   - WeCom: appchat/create (a self-built app whose visibility is the root
//     department; only such groups are ones an app may post into, through
//     appchat/send). The chatid is chosen by the caller and derived from the
//     Key, so a retry is answered "chatid exists" and appchat/get confirms
//     the group is the app's own: never a second group. WeCom needs at
//     least two members, and allows 1,000 new groups a day per corp.
type GroupCreator interface {
	CreateGroup(ctx context.Context, spec GroupSpec) (Destination, error)
}

// GroupCreators finds the GroupCreator of an app: cmd/tandem implements it
// over the configured platforms.
type GroupCreators interface {
	// GroupCreator returns the app of platform and workspace that can create
	// groups, or false when there is none.
	GroupCreator(platform, workspace string) (GroupCreator, bool)
}
