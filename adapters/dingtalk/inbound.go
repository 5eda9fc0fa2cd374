package dingtalk

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
)

// This file turns DingTalk's inbound payloads into *bot.Event. Both
// transports call it: the HTTP handler after the signature check, the
// Stream loop after unwrapping a frame, so a fix here fixes both.

var errMalformed = bot.Errorf(bot.EINVALID, "The DingTalk payload is malformed.", "钉钉请求内容格式不正确。")

// Callback is a bot message as DingTalk delivers it, over HTTP and in the
// data of a Stream frame on /v1.0/im/bot/messages/get (the SDK's
// chatbot.BotCallbackDataModel, with robotCode, which v0.9.1 dropped).
type Callback struct {
	ConversationID            string          `json:"conversationId"`
	ConversationType          string          `json:"conversationType"` // "1" one-to-one, "2" group
	ConversationTitle         string          `json:"conversationTitle"`
	AtUsers                   []AtUser        `json:"atUsers"`
	ChatbotCorpID             string          `json:"chatbotCorpId"`
	ChatbotUserID             string          `json:"chatbotUserId"`
	MsgID                     string          `json:"msgId"`
	SenderNick                string          `json:"senderNick"`
	IsAdmin                   bool            `json:"isAdmin"`
	SenderStaffID             string          `json:"senderStaffId"` // the userid; internal users only
	SenderID                  string          `json:"senderId"`      // an opaque per-app id
	SenderCorpID              string          `json:"senderCorpId"`
	SessionWebhook            string          `json:"sessionWebhook"`
	SessionWebhookExpiredTime int64           `json:"sessionWebhookExpiredTime"` // ms
	CreateAt                  int64           `json:"createAt"`
	IsInAtList                bool            `json:"isInAtList"`
	RobotCode                 string          `json:"robotCode"`
	MsgType                   string          `json:"msgtype"`
	Text                      TextContent     `json:"text"`
	Content                   json.RawMessage `json:"content"`
}

// TextContent is the body of a text message. A reply to a message (引用回复)
// also carries isReplyMsg and repliedMsg: the message answered. DingTalk
// does not document these two fields (the official SDKs' structs drop
// them); their shape is what the robot callback delivers in practice, so
// they are read leniently and a reply without them is a plain message.
type TextContent struct {
	Content    string      `json:"content"`
	IsReplyMsg bool        `json:"isReplyMsg"`
	RepliedMsg *RepliedMsg `json:"repliedMsg"`
}

// RepliedMsg is the message a reply answers.
type RepliedMsg struct {
	MsgID         string `json:"msgId"`
	MsgType       string `json:"msgType"` // "text", "richText", …
	SenderID      string `json:"senderId"`
	SenderStaffID string `json:"senderStaffId"`
	SenderNick    string `json:"senderNick"`
	Content       struct {
		Text     string `json:"text"`
		RichText []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"richText"`
	} `json:"content"`
}

// quoted is the message cb replies to, or nil. DingTalk has no link to a
// message, so the quote has none. The author is kept as a userid only
// when DingTalk gives the staff id (senderId alone is an opaque per-app
// id that no account is linked by); the nickname is kept either way.
func quoted(cb *Callback) *bot.QuotedMessage {
	r := cb.Text.RepliedMsg
	if !cb.Text.IsReplyMsg || r == nil {
		return nil
	}
	text := r.Content.Text
	if text == "" {
		var parts []string
		for _, p := range r.Content.RichText {
			if (p.Type == "text" || p.Type == "") && p.Text != "" {
				parts = append(parts, p.Text)
			}
		}
		text = strings.Join(parts, "")
	}
	return &bot.QuotedMessage{ID: r.MsgID, Text: strings.TrimSpace(text), AuthorID: r.SenderStaffID, AuthorName: r.SenderNick}
}

// AtUser is one person @-mentioned in a message.
type AtUser struct {
	DingtalkID string `json:"dingtalkId"`
	StaffID    string `json:"staffId"`
}

// ParseCallback decodes a bot message. It fails only on bytes that are not
// a JSON object; what the object must contain is checked by normalization.
func ParseCallback(raw []byte) (*Callback, error) {
	var cb Callback
	if err := json.Unmarshal(raw, &cb); err != nil {
		return nil, errMalformed
	}
	return &cb, nil
}

// message normalizes a bot message. It returns nil for messages Tandem does
// not act on (pictures, files, …). A message without the ids every event
// needs is malformed.
func (a *Adapter) message(cb *Callback, frameID string) (*bot.Event, error) {
	sender := firstNonEmpty(cb.SenderStaffID, cb.SenderID)
	if cb.ConversationID == "" || sender == "" {
		return nil, errMalformed
	}
	key := cb.MsgID
	if key == "" {
		if frameID == "" {
			return nil, errMalformed
		}
		key = "frame:" + frameID
	}
	content, ok := messageText(cb)
	if !ok {
		return nil, nil
	}
	chatType := bot.ChatGroup
	if cb.ConversationType == "1" {
		chatType = bot.ChatDirect
		a.direct.remember(cb.ConversationID, cb.SenderStaffID)
	}
	text, mentions := normalizeText(content, cb, chatType == bot.ChatGroup)
	return &bot.Event{
		Platform:    bot.PlatformDingTalk,
		Workspace:   firstNonEmpty(cb.ChatbotCorpID, cb.SenderCorpID),
		DedupKey:    key,
		ChatID:      cb.ConversationID,
		ChatType:    chatType,
		MessageID:   cb.MsgID,
		Sender:      bot.Author{UserID: sender, Name: cb.SenderNick, ChatAdmin: cb.IsAdmin},
		Text:        text,
		Mentions:    mentions,
		ReplyHandle: a.replyHandle(cb.SessionWebhook, cb.SessionWebhookExpiredTime),
		Quoted:      quoted(cb),
	}, nil
}

// messageText returns the words of a message: the text of a text message,
// the text parts of a rich-text one, DingTalk's transcript of a voice
// message. Other kinds carry no command.
func messageText(cb *Callback) (string, bool) {
	switch cb.MsgType {
	case "text", "":
		return cb.Text.Content, cb.MsgType == "text" || cb.Text.Content != ""
	case "richText":
		var c struct {
			RichText []struct {
				Text string `json:"text"`
			} `json:"richText"`
		}
		if json.Unmarshal(cb.Content, &c) != nil {
			return "", false
		}
		var b strings.Builder
		for _, part := range c.RichText {
			b.WriteString(part.Text)
		}
		return b.String(), b.Len() > 0
	case "audio":
		var c struct {
			Recognition string `json:"recognition"`
		}
		if json.Unmarshal(cb.Content, &c) != nil || c.Recognition == "" {
			return "", false
		}
		return c.Recognition, true
	}
	return "", false
}

// normalizeText turns a message's text into what the command parser
// expects, with the mentioned people as "<@staffId>".
//
// DingTalk lists mentions structurally in atUsers (dingtalkId, and staffId
// for members of the bot's organization) and, in the payloads seen in the
// wild, deletes the "@name" words from text.content, the bot's own
// included ("@bot @bob hi" arrives as "  hi"). Some clients keep them. So:
//
//   - "@staffId" or "@dingtalkId" written out for a mentioned person becomes
//     "<@staffId>";
//   - in a group, a leading "@word" is the bot's own mention when it is the
//     one @-word more than the other mentioned people account for (as in
//     "@机器人 hello"), and is dropped;
//   - when no @-word is left although people were mentioned, DingTalk
//     deleted their names and where they stood is unknown: they are
//     appended as "<@staffId>", the place Tandem's commands read people
//     from in "assign #3 to @bob" or "task new fix login @bob";
//   - otherwise "@nick" words are kept as written, for the command layer to
//     resolve by display name: atUsers carries no names to match them with.
//
// Mentions lists every mentioned person with a staff id; people outside the
// organization have none and cannot be addressed.
func normalizeText(content string, cb *Callback, group bool) (string, []bot.Mention) {
	var mentions []bot.Mention
	botMentioned := cb.IsInAtList
	others := 0 // mentioned people other than the bot, with or without a staff id
	seen := map[string]bool{}
	matched := map[string]bool{}
	text := content
	for _, u := range cb.AtUsers {
		if u.DingtalkID != "" && u.DingtalkID == cb.ChatbotUserID {
			botMentioned = true
			continue
		}
		key := firstNonEmpty(u.StaffID, u.DingtalkID)
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		others++
		if u.StaffID == "" {
			continue
		}
		mentions = append(mentions, bot.Mention{UserID: u.StaffID})
		for _, id := range []string{u.StaffID, u.DingtalkID} {
			if id == "" {
				continue
			}
			if t, n := replaceMention(text, id, "<@"+u.StaffID+">"); n > 0 {
				text, matched[u.StaffID] = t, true
			}
		}
	}
	words := atWords(text)
	if group && botMentioned && len(words) > 0 && words[0] == 0 &&
		len(words) == others-len(matched)+1 {
		text = stripFirstWord(text)
		words = words[1:]
	}
	if len(words) == 0 {
		for _, m := range mentions {
			if !matched[m.UserID] {
				text = strings.TrimRightFunc(text, unicode.IsSpace) + " <@" + m.UserID + ">"
			}
		}
	}
	return strings.TrimSpace(text), mentions
}

// replaceMention replaces each "@id" standing as a word of its own.
func replaceMention(text, id, with string) (string, int) {
	needle := "@" + id
	var b strings.Builder
	n := 0
	for {
		i := strings.Index(text, needle)
		if i < 0 {
			break
		}
		end := i + len(needle)
		if wordStart(text, i) && wordEnd(text, end) {
			b.WriteString(text[:i] + with)
			n++
		} else {
			b.WriteString(text[:end])
		}
		text = text[end:]
	}
	b.WriteString(text)
	return b.String(), n
}

// atWords returns the byte offsets, in the trimmed text, of the words that
// start with "@" (not canonical "<@…>" tokens, not e-mail addresses).
func atWords(text string) []int {
	t := strings.TrimLeftFunc(text, unicode.IsSpace)
	var out []int
	for i := 0; i < len(t); i++ {
		if t[i] == '@' && wordStart(t, i) && i+1 < len(t) && !isSpaceByte(t[i+1]) {
			out = append(out, i)
		}
	}
	return out
}

// stripFirstWord drops the leading @-word and the separators after it.
func stripFirstWord(text string) string {
	t := strings.TrimLeftFunc(text, unicode.IsSpace)
	end := strings.IndexFunc(t, unicode.IsSpace)
	if end < 0 {
		return ""
	}
	return strings.TrimLeft(t[end:], " \t\n:：,，")
}

func wordStart(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r)
}

func wordEnd(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r) || unicode.IsPunct(r)
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// replyHandle encodes a session webhook and its expiry (ms) as the event's
// reply handle, "webhook|expiry". A webhook that is not on the configured
// classic API host is dropped: in http mode it comes from an unsigned body,
// and replies must not go wherever a forged body points.
func (a *Adapter) replyHandle(webhook string, expiresMS int64) string {
	if webhook == "" {
		return ""
	}
	if !a.trustedWebhook(webhook) {
		a.log.Warn("dingtalk: ignoring a session webhook on an unexpected host", "host", hostOf(webhook))
		return ""
	}
	return webhook + "|" + strconv.FormatInt(expiresMS, 10)
}

// parseReplyHandle splits a reply handle; ok is false for anything else
// (such as an empty handle).
func parseReplyHandle(h string) (webhook string, expiresMS int64, ok bool) {
	i := strings.LastIndexByte(h, '|')
	if i <= 0 {
		return "", 0, false
	}
	ms, err := strconv.ParseInt(h[i+1:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return h[:i], ms, true
}

func (a *Adapter) trustedWebhook(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == a.oapi.Scheme && u.Host == a.oapi.Host
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}

// CardCallback is the data of a Stream frame on
// /v1.0/card/instances/callback: a click on an interactive card (互动卡片).
// Content is itself JSON, holding the clicked component's private data.
type CardCallback struct {
	Content    string `json:"content"`
	CorpID     string `json:"corpId"`
	Extension  string `json:"extension"`
	OutTrackID string `json:"outTrackId"` // the card instance
	SpaceID    string `json:"spaceId"`
	SpaceType  string `json:"spaceType"`
	Type       string `json:"type"`
	UserID     string `json:"userId"`
	UserIDType int    `json:"userIdType"`
}

// cardAction is what Tandem's card buttons carry in their callback
// parameters (cardPrivateData.params): {"action":"task.start","value":"12"}
// (see the template contract in card.go). A template's button declares
// them in its callback request (回传请求); "action_id" is read as well, for
// templates made before. A button without an action parameter falls back
// to its component id (actionIds[0]) as the action id.
type cardAction struct {
	CardPrivateData struct {
		ActionIDs []string       `json:"actionIds"`
		Params    map[string]any `json:"params"`
	} `json:"cardPrivateData"`
}

// cardEvent normalizes a card click into an Action event. Card callbacks
// have no message id of their own; the frame's messageId is what a
// redelivery repeats, so it is the dedup key.
func (a *Adapter) cardEvent(raw []byte, frameID string) (*bot.Event, error) {
	var cb CardCallback
	if err := json.Unmarshal(raw, &cb); err != nil {
		return nil, errMalformed
	}
	var act cardAction
	if cb.Content == "" || json.Unmarshal([]byte(cb.Content), &act) != nil {
		return nil, errMalformed
	}
	p := act.CardPrivateData.Params
	id := firstNonEmpty(paramString(p["action"]), paramString(p["action_id"]))
	if id == "" && len(act.CardPrivateData.ActionIDs) > 0 {
		id = act.CardPrivateData.ActionIDs[0]
	}
	if frameID == "" || cb.UserID == "" || id == "" {
		return nil, errMalformed
	}
	chatType := bot.ChatGroup
	if _, ok := a.direct.user(cb.SpaceID); ok {
		chatType = bot.ChatDirect
	}
	return &bot.Event{
		Platform:  bot.PlatformDingTalk,
		Workspace: cb.CorpID,
		DedupKey:  "card:" + frameID,
		ChatID:    cb.SpaceID,
		ChatType:  chatType,
		MessageID: cb.OutTrackID,
		Sender:    bot.Author{UserID: cb.UserID},
		Action: &bot.Action{
			ID:        id,
			Value:     paramString(p["value"]),
			MessageID: cb.OutTrackID,
		},
	}, nil
}

// paramString renders a card parameter, which a template may give as a
// string or a number, as text.
func paramString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
