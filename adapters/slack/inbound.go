package slack

import (
	"encoding/json"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/bot"
)

// This file turns Slack's three kinds of inbound payload into *bot.Event.
// Both transports call it: HTTP after the signature check, Socket Mode after
// unwrapping the envelope, so a fix here fixes both.

var errMalformed = bot.Errorf(bot.EINVALID, "The Slack payload is malformed.", "Slack 请求内容格式不正确。")

// eventsPayload is the outer Events API body. It is decoded by hand rather
// than with slackevents.ParseEvent because ParseEvent fails on inner event
// types it has no struct for, which would turn an event we merely do not use
// into a 400 and a retry.
type eventsPayload struct {
	Type           string                     `json:"type"`
	Challenge      string                     `json:"challenge"`
	TeamID         string                     `json:"team_id"`
	EventID        string                     `json:"event_id"`
	Event          json.RawMessage            `json:"event"`
	Authorizations []slack.EventAuthorization `json:"authorizations"`
}

// innerEvent holds the fields of app_mention and message events that Tandem
// reads; the two share their names.
type innerEvent struct {
	Type        string          `json:"type"`
	SubType     string          `json:"subtype"`
	User        string          `json:"user"`
	BotID       string          `json:"bot_id"`
	Text        string          `json:"text"`
	TS          string          `json:"ts"`
	ThreadTS    string          `json:"thread_ts"`
	Channel     string          `json:"channel"`
	ChannelType string          `json:"channel_type"`
	Edited      json.RawMessage `json:"edited"`
	// Files come with a file_share message (and a mention that shares a
	// file); the permalink opens the file for the channel's members.
	Files []struct {
		Name      string `json:"name"`
		Title     string `json:"title"`
		Permalink string `json:"permalink"`
	} `json:"files"`
}

func parseEvents(raw []byte) (*eventsPayload, error) {
	var p eventsPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, errMalformed
	}
	return &p, nil
}

// callbackEvent normalizes an event_callback. It returns nil for events
// Tandem does not act on: other event types, edits and deletions, and
// anything written by a bot (including this one), which would otherwise let
// two bots answer each other forever.
func (a *Adapter) callbackEvent(p *eventsPayload) (*bot.Event, error) {
	if p.EventID == "" || len(p.Event) == 0 {
		return nil, errMalformed
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(p.Event, &head); err != nil {
		return nil, errMalformed
	}
	if head.Type != "app_mention" && head.Type != "message" {
		return nil, nil
	}
	var in innerEvent
	if err := json.Unmarshal(p.Event, &in); err != nil {
		return nil, errMalformed
	}
	self := a.selfID(p)
	if !wanted(&in, self) {
		return nil, nil
	}
	text, mentions := normalizeText(in.Text, self, in.Type == "app_mention")
	return &bot.Event{
		Platform:  bot.PlatformSlack,
		Workspace: p.TeamID,
		DedupKey:  p.EventID,
		ChatID:    in.Channel,
		ChatType:  chatType(in.ChannelType, in.Channel),
		ThreadID:  in.ThreadTS,
		MessageID: in.TS,
		Sender:    bot.Author{UserID: in.User},
		Text:      text,
		Mentions:  mentions,
		Files:     sharedFiles(&in),
	}, nil
}

// sharedFiles are the event's files that have a permalink, named by their
// title (what the sharer called it), else their file name.
func sharedFiles(in *innerEvent) []bot.SharedFile {
	var out []bot.SharedFile
	for _, f := range in.Files {
		if f.Permalink == "" {
			continue
		}
		name := f.Title
		if name == "" {
			name = f.Name
		}
		out = append(out, bot.SharedFile{Name: name, URL: f.Permalink})
	}
	return out
}

func wanted(in *innerEvent, self string) bool {
	// A file_share message is a person's message with files: "task link
	// 12" typed as the upload's comment. A file sent without a word is
	// no command.
	fileShare := in.SubType == "file_share" && strings.TrimSpace(in.Text) != ""
	if in.BotID != "" || in.SubType != "" && !fileShare || in.User == "" || in.User == self || len(in.Edited) > 0 {
		return false
	}
	switch in.Type {
	case "app_mention":
		return true
	case "message":
		return in.ChannelType == "im"
	}
	return false
}

// selfID is the bot's own user id: configured or learned by Open, else the
// bot authorization Slack attaches to every event.
func (a *Adapter) selfID(p *eventsPayload) string {
	if id := a.botUserID(); id != "" {
		return id
	}
	for _, au := range p.Authorizations {
		if au.IsBot && au.UserID != "" {
			return au.UserID
		}
	}
	return ""
}

// commandEvent normalizes a slash command. Commands have no event id; the
// trigger id is unique per invocation, so it serves as the dedup key.
func (a *Adapter) commandEvent(c *slack.SlashCommand) (*bot.Event, error) {
	if c.TriggerID == "" || c.TeamID == "" || c.UserID == "" || c.ChannelID == "" {
		return nil, errMalformed
	}
	text, mentions := normalizeText(c.Text, a.botUserID(), false)
	return &bot.Event{
		Platform:    bot.PlatformSlack,
		Workspace:   c.TeamID,
		DedupKey:    "cmd:" + c.TriggerID,
		ChatID:      c.ChannelID,
		ChatType:    chatType("", c.ChannelID),
		Sender:      bot.Author{UserID: c.UserID, Name: c.UserName},
		Text:        text,
		Mentions:    mentions,
		Command:     c.Command,
		ReplyHandle: c.ResponseURL,
	}, nil
}

// actionEvent normalizes a button click (block_actions) and the "Make a
// task" message shortcut. It returns nil for other interactions (modals,
// other shortcuts), which Tandem does not use.
func (a *Adapter) actionEvent(ic *slack.InteractionCallback) (*bot.Event, error) {
	if ic.Type == slack.InteractionTypeMessageAction {
		return a.shortcutEvent(ic)
	}
	if ic.Type != slack.InteractionTypeBlockActions || len(ic.ActionCallback.BlockActions) == 0 {
		return nil, nil
	}
	act := ic.ActionCallback.BlockActions[0]
	key := firstNonEmpty(ic.TriggerID, act.ActionTs, ic.ActionTs)
	if key == "" || ic.User.ID == "" || act.ActionID == "" {
		return nil, errMalformed
	}
	chat := firstNonEmpty(ic.Channel.ID, ic.Container.ChannelID)
	// The clicked message in the form Send returns for it, so the card's
	// copy is found (and an inline answer's card becomes one).
	clicked := messageRef{channel: firstNonEmpty(ic.Container.ChannelID, chat), ts: ic.Container.MessageTs,
		ephemeral: ic.Container.IsEphemeral}.String()
	if ic.Container.IsEphemeral && ic.ResponseURL != "" && clicked != "" {
		a.clicked.remember(clicked, ic.ResponseURL, a.now())
	}
	return &bot.Event{
		Platform:  bot.PlatformSlack,
		Workspace: firstNonEmpty(ic.Team.ID, ic.User.TeamID),
		DedupKey:  "act:" + key,
		ChatID:    chat,
		ChatType:  chatType("", chat),
		ThreadID:  ic.Container.ThreadTs,
		MessageID: ic.Container.MessageTs,
		Sender:    bot.Author{UserID: ic.User.ID, Name: firstNonEmpty(ic.User.Name, ic.User.Username)},
		Action: &bot.Action{
			ID:        act.ActionID,
			Value:     firstNonEmpty(act.Value, act.SelectedOption.Value),
			MessageID: clicked,
		},
		ReplyHandle: ic.ResponseURL,
	}, nil
}

// MessageShortcutID is the callback_id of the "Make a task" message
// shortcut the manifest declares.
const MessageShortcutID = "tandem_task_from"

// shortcutText is the command a "Make a task" shortcut stands for.
const shortcutText = "task from this"

// shortcutEvent turns the "Make a task" message shortcut into "task from
// this" by the person who used it, quoting the message it was used on. The
// answer goes to response_url, as a slash command's does.
func (a *Adapter) shortcutEvent(ic *slack.InteractionCallback) (*bot.Event, error) {
	if ic.CallbackID != MessageShortcutID {
		return nil, nil
	}
	msgTS := firstNonEmpty(ic.Message.Timestamp, ic.MessageTs)
	if ic.TriggerID == "" || ic.User.ID == "" || ic.Channel.ID == "" || msgTS == "" {
		return nil, errMalformed
	}
	text, _ := normalizeText(ic.Message.Text, a.botUserID(), false)
	return &bot.Event{
		Platform:    bot.PlatformSlack,
		Workspace:   firstNonEmpty(ic.Team.ID, ic.User.TeamID),
		DedupKey:    "sc:" + ic.TriggerID,
		ChatID:      ic.Channel.ID,
		ChatType:    chatType("", ic.Channel.ID),
		ThreadID:    ic.Message.ThreadTimestamp,
		Sender:      bot.Author{UserID: ic.User.ID, Name: firstNonEmpty(ic.User.Name, ic.User.Username)},
		Text:        shortcutText,
		ReplyHandle: ic.ResponseURL,
		Quoted: &bot.QuotedMessage{ID: msgTS, Text: text, AuthorID: ic.Message.User,
			Link: permalink(ic.Team.Domain, ic.Channel.ID, msgTS, ic.Message.ThreadTimestamp)},
	}, nil
}

// permalink is the message's link in Slack's documented archive form
// (https://<domain>.slack.com/archives/<channel>/p<ts without the dot>),
// built from what the shortcut payload carries. It is written by hand
// rather than asked with chat.getPermalink because that is a network call,
// which must not stand between Slack's 3 s deadline and storing the event;
// the archive form is what chat.getPermalink returns for a workspace.
// Without the team's domain there is no link.
func permalink(domain, channel, ts, threadTS string) string {
	if domain == "" || channel == "" || ts == "" {
		return ""
	}
	u := "https://" + domain + ".slack.com/archives/" + channel + "/p" + strings.Replace(ts, ".", "", 1)
	if threadTS != "" && threadTS != ts {
		u += "?thread_ts=" + threadTS + "&cid=" + channel
	}
	return u
}

func parseInteraction(payload []byte) (*slack.InteractionCallback, error) {
	if len(payload) == 0 {
		return nil, errMalformed
	}
	var ic slack.InteractionCallback
	if err := json.Unmarshal(payload, &ic); err != nil {
		return nil, errMalformed
	}
	return &ic, nil
}

// chatType tells a direct message from a group: Slack says "im" in message
// events, and direct-message channel ids always start with "D" elsewhere.
func chatType(channelType, channelID string) bot.ChatType {
	if channelType == "im" || strings.HasPrefix(channelID, "D") {
		return bot.ChatDirect
	}
	return bot.ChatGroup
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// normalizeText rewrites Slack's message markup into what the command parser
// expects: user mentions become "<@ID>" (the escaped "<@ID|name>" form
// included, its name kept in the returned mentions), links become their URL,
// and the HTML entities Slack puts in text are decoded. The bot's own mention
// is dropped; when the bot's id is unknown, stripLeading drops a leading
// mention instead, because an app_mention always addresses the bot. Other
// markup (<#C…>, <!here>) is kept as written.
func normalizeText(text, self string, stripLeading bool) (string, []bot.Mention) {
	n := normalizer{self: self, stripLeading: stripLeading}
	rest := text
	for {
		before, tok, after, ok := nextMarkup(rest)
		if !ok {
			break
		}
		n.b.WriteString(unescape(before))
		rest = n.markup(tok, after)
	}
	n.b.WriteString(unescape(rest))
	return strings.TrimSpace(n.b.String()), n.mentions
}

// nextMarkup splits s around its first <…> markup.
func nextMarkup(s string) (before, tok, after string, ok bool) {
	open := strings.IndexByte(s, '<')
	if open < 0 {
		return "", "", "", false
	}
	end := strings.IndexByte(s[open:], '>')
	if end < 0 {
		return "", "", "", false
	}
	return s[:open], s[open+1 : open+end], s[open+end+1:], true
}

type normalizer struct {
	self         string
	stripLeading bool // drop the first leading mention (once)
	b            strings.Builder
	mentions     []bot.Mention
}

// markup writes the normalized form of one <tok> and returns the text after
// it, trimmed where a dropped bot mention leaves a gap.
func (n *normalizer) markup(tok, after string) string {
	id, name, ok := userMention(tok)
	if !ok {
		n.b.WriteString(linkOrMarkup(tok))
		return after
	}
	leading := strings.TrimSpace(n.b.String()) == ""
	isBot := id == n.self || (n.self == "" && n.stripLeading && leading)
	if isBot && n.self == "" {
		n.stripLeading = false
	}
	switch {
	case !isBot:
		n.b.WriteString("<@" + id + ">")
		n.mentions = addMention(n.mentions, id, name)
		return after
	case leading:
		return strings.TrimLeft(after, " :,") // "<@bot>: do this"
	case strings.HasSuffix(n.b.String(), " "):
		return strings.TrimLeft(after, " ")
	}
	return after
}

func userMention(tok string) (id, name string, ok bool) {
	id, ok = strings.CutPrefix(tok, "@")
	if !ok || id == "" {
		return "", "", false
	}
	id, name, _ = strings.Cut(id, "|")
	return id, name, true
}

func linkOrMarkup(tok string) string {
	if strings.HasPrefix(tok, "http://") || strings.HasPrefix(tok, "https://") || strings.HasPrefix(tok, "mailto:") {
		url, _, _ := strings.Cut(tok, "|")
		return url
	}
	return "<" + tok + ">"
}

func addMention(ms []bot.Mention, id, name string) []bot.Mention {
	for i := range ms {
		if ms[i].UserID == id {
			if ms[i].Name == "" {
				ms[i].Name = name
			}
			return ms
		}
	}
	return append(ms, bot.Mention{UserID: id, Name: name})
}

var entityReplacer = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func unescape(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	return entityReplacer.Replace(s)
}
