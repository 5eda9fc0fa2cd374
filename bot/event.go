package bot

import "time"

// Platform names. Adapters use these strings in Event.Platform and Account.Platform.
const (
	PlatformConsole  = "console"
	PlatformSlack    = "slack"
	PlatformFeishu   = "feishu"
	PlatformWeCom    = "wecom"
	PlatformDingTalk = "dingtalk"
)

// ChatType says whether a conversation is one-to-one with the bot or a group.
type ChatType string

// Chat types.
const (
	ChatDirect ChatType = "direct"
	ChatGroup  ChatType = "group"
)

// Account is one identity on one chat platform. Workspace is the Slack team,
// Feishu tenant, WeCom corp or DingTalk corp; UserID is the platform's own user id.
type Account struct {
	Platform  string `json:"platform"`
	Workspace string `json:"workspace"`
	UserID    string `json:"user_id"`
}

// String renders the account as platform:workspace:user.
func (a Account) String() string { return a.Platform + ":" + a.Workspace + ":" + a.UserID }

// Author is who wrote an inbound event, as far as the platform tells.
type Author struct {
	UserID string `json:"user_id"`
	Name   string `json:"name,omitempty"`
	Email  string `json:"email,omitempty"`
	IsBot  bool   `json:"is_bot,omitempty"`
	// ChatAdmin says the platform told us the sender administers the chat
	// the event came from. Only DingTalk does (isAdmin in its robot
	// callback); Slack, Feishu and WeCom events do not say, so there it is
	// always false and only Tandem's own roles count.
	ChatAdmin bool `json:"chat_admin,omitempty"`
}

// Mention is an account named in the text. Adapters rewrite the platform's
// mention markup in Event.Text into the canonical token "<@UserID>", so the
// command parser sees one syntax on every platform.
type Mention struct {
	UserID string `json:"user_id"`
	Name   string `json:"name,omitempty"`
}

// Action is a click on a card button.
type Action struct {
	ID    string `json:"id"`    // which button, e.g. "task.start"
	Value string `json:"value"` // what it acts on, e.g. "42"
	// MessageID is the platform's id of the message whose button was
	// clicked, in the form Sender.Send returns ids, so that the card can
	// be edited (Request.UpdateCards).
	MessageID string `json:"message_id,omitempty"`
	// EditCode is a single-use code that comes with a click for editing
	// the clicked card, where the platform works that way (WeCom's
	// ResponseCode): it becomes that card's remote id.
	EditCode string `json:"edit_code,omitempty"`
}

// Event is one inbound event, normalized from any platform. It is stored in the
// inbox before the platform is acknowledged.
type Event struct {
	ID        int64    `json:"-"` // inbox row id, set when stored
	Platform  string   `json:"platform"`
	Workspace string   `json:"workspace"`
	DedupKey  string   `json:"dedup_key"` // the platform's id for this delivery; redeliveries share it
	ChatID    string   `json:"chat_id"`
	ChatType  ChatType `json:"chat_type"`
	ThreadID  string   `json:"thread_id,omitempty"`
	MessageID string   `json:"message_id,omitempty"`
	Sender    Author   `json:"sender"`
	// Text is the command text with the bot's own mention and any slash
	// command removed, and mentions rewritten to "<@UserID>".
	Text     string    `json:"text"`
	Mentions []Mention `json:"mentions,omitempty"`
	Command  string    `json:"command,omitempty"` // the slash command that carried Text, if any
	Action   *Action   `json:"action,omitempty"`
	// ReplyHandle is adapter-private data needed to answer later, such as
	// Slack's response_url or DingTalk's session webhook.
	ReplyHandle string    `json:"reply_handle,omitempty"`
	ReceivedAt  time.Time `json:"received_at"`
	// Quoted is the message this event acts on or replies to, where the
	// platform says: a Slack message shortcut, a Feishu reply (parent_id),
	// a DingTalk reply (repliedMsg). Nil otherwise (WeCom never carries one).
	Quoted *QuotedMessage `json:"quoted,omitempty"`
	// Files are the files shared with the message that the platform gives
	// a lasting link to (Slack: a file's permalink). Platforms whose file
	// messages carry only a key to download with the bot's token (Feishu,
	// DingTalk, WeCom) leave it empty: such a key is no link for people.
	Files []SharedFile `json:"files,omitempty"`
}

// QuotedMessage is a chat message an event acts on, as the platform gave it.
type QuotedMessage struct {
	ID string `json:"id"` // the platform's message id
	// Text is the message's text with mentions as written; empty when the
	// platform gave only the id and reading it failed.
	Text string `json:"text,omitempty"`
	// AuthorID is the platform user id of who wrote it (same platform and
	// workspace as the event); empty when the platform does not say.
	AuthorID string `json:"author_id,omitempty"`
	// AuthorName is the author's display name where the platform gives it
	// with the message (DingTalk's senderNick); shown when AuthorID is
	// unknown to Tandem.
	AuthorName string `json:"author_name,omitempty"`
	// Link opens the message (or, where the platform has no message
	// links, its chat) in the platform's client; empty where none exists.
	Link string `json:"link,omitempty"`
}

// SharedFile is a file shared in a chat: its name and the link that opens
// it for the chat's members.
type SharedFile struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// SenderAccount returns the account that sent ev.
func (ev *Event) SenderAccount() Account {
	return Account{Platform: ev.Platform, Workspace: ev.Workspace, UserID: ev.Sender.UserID}
}

// ReplyDestination returns where replies to ev go when they cannot be given
// inline: the same chat and thread, with the adapter's reply handle.
func (ev *Event) ReplyDestination() Destination {
	return Destination{
		Platform:    ev.Platform,
		Workspace:   ev.Workspace,
		ChatID:      ev.ChatID,
		UserID:      ev.Sender.UserID,
		ThreadID:    ev.ThreadID,
		ReplyHandle: ev.ReplyHandle,
	}
}

// InboxState is the processing state of a stored inbound event.
type InboxState string

// Inbox states.
const (
	InboxPending InboxState = "pending" // stored and acknowledged, not yet processed
	InboxDone    InboxState = "done"    // processed; its effects and replies are committed
	InboxFailed  InboxState = "failed"  // gave up after repeated internal errors
	InboxIgnored InboxState = "ignored" // nothing to do (e.g. the bot's own message)
)
