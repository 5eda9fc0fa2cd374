package feishu

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// This file turns Feishu's inbound payloads into *bot.Event. Both
// transports call it: HTTP after the signature, decryption and token
// checks, the long connection after the SDK has unwrapped the frame, so a
// fix here fixes both.

var errMalformed = bot.Errorf(bot.EINVALID, "The Feishu payload is malformed.", "飞书请求内容格式不正确。")

// Event types Tandem acts on.
const (
	eventMessage    = "im.message.receive_v1"
	eventCardAction = "card.action.trigger"
)

// payload is the (decrypted) body of a delivery, in any of the shapes Feishu
// uses: schema 2.0 events and callbacks (header + event), schema 1.0 events
// (token, uuid, event) and the url_verification handshake. It is decoded by
// hand rather than with the SDK's typed events so that an event type we do
// not use is acknowledged instead of failing to parse.
type payload struct {
	Schema    string          `json:"schema"`
	Header    *eventHeader    `json:"header"`
	Event     json.RawMessage `json:"event"`
	Type      string          `json:"type"`  // "url_verification"; "event_callback" in 1.0
	Token     string          `json:"token"` // 1.0 and url_verification
	Challenge string          `json:"challenge"`
	UUID      string          `json:"uuid"`    // 1.0's dedup key
	Encrypt   string          `json:"encrypt"` // the outer body when an Encrypt Key is set
}

type eventHeader struct {
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	CreateTime string `json:"create_time"`
	Token      string `json:"token"`
	AppID      string `json:"app_id"`
	TenantKey  string `json:"tenant_key"`
}

// token is the verification token wherever the schema puts it.
func (p *payload) token() string {
	if p.Header != nil {
		return p.Header.Token
	}
	return p.Token
}

func (p *payload) eventType() string {
	if p.Header != nil {
		return p.Header.EventType
	}
	return ""
}

func parsePayload(raw []byte) (*payload, error) {
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, errMalformed
	}
	return &p, nil
}

// ids are the three ids Feishu gives every user. open_id is per app,
// union_id per developer (stable across this developer's apps), user_id per
// tenant (and only with an extra scope). Tandem uses open_id as the
// account's UserID: it is always present, and it is what the send API
// (receive_id_type=open_id) and <at user_id="…"> take, so a reply needs no
// lookup. The cost is that the same person seen through another app of
// ours would be a different account; bot.Author has no field for union_id.
type ids struct {
	OpenID  string `json:"open_id"`
	UnionID string `json:"union_id"`
	UserID  string `json:"user_id"`
}

type mention struct {
	Key       string `json:"key"` // the placeholder in the text, "@_user_1"
	ID        ids    `json:"id"`
	Name      string `json:"name"`
	TenantKey string `json:"tenant_key"`
}

// messageBody is the event of im.message.receive_v1.
type messageBody struct {
	Sender struct {
		SenderID   ids    `json:"sender_id"`
		SenderType string `json:"sender_type"` // "user", "app", …
		TenantKey  string `json:"tenant_key"`
	} `json:"sender"`
	Message struct {
		MessageID   string    `json:"message_id"`
		RootID      string    `json:"root_id"`
		ParentID    string    `json:"parent_id"`
		ThreadID    string    `json:"thread_id"`
		ChatID      string    `json:"chat_id"`
		ChatType    string    `json:"chat_type"` // "p2p", "group", "topic_group"
		MessageType string    `json:"message_type"`
		Content     string    `json:"content"` // a JSON string: {"text":"@_user_1 hello"}
		Mentions    []mention `json:"mentions"`
	} `json:"message"`
}

// messageEvent normalizes im.message.receive_v1. It returns nil for
// messages Tandem does not act on: anything not sent by a user (the bot
// itself included, which would otherwise let two bots answer each other
// forever), messages that are not text (images, files, rich-text posts),
// and group messages that do not mention the bot.
func (a *Adapter) messageEvent(p *payload) (*bot.Event, error) {
	if p.Header == nil || p.Header.EventID == "" || len(p.Event) == 0 {
		return nil, errMalformed
	}
	var e messageBody
	if err := json.Unmarshal(p.Event, &e); err != nil {
		return nil, errMalformed
	}
	m := &e.Message
	if m.MessageID == "" || m.ChatID == "" {
		return nil, errMalformed
	}
	self := a.botOpenID()
	sender := e.Sender.SenderID.OpenID
	if (e.Sender.SenderType != "user" && e.Sender.SenderType != "") || sender == "" || sender == self {
		return nil, nil
	}
	if m.MessageType != "text" {
		return nil, nil
	}
	var content struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(m.Content), &content); err != nil {
		return nil, errMalformed
	}
	direct := m.ChatType == "p2p"
	if !direct && !addressed(content.Text, m.Mentions, self) {
		return nil, nil
	}
	// With the bot's id unknown, a group message's leading mention is taken
	// to be the bot's: with the default scope Feishu only delivers group
	// messages that mention the bot.
	text, mentions := normalizeText(content.Text, m.Mentions, self, !direct && self == "")
	ct := bot.ChatGroup
	if direct {
		ct = bot.ChatDirect
	}
	return &bot.Event{
		Platform:    bot.PlatformFeishu,
		Workspace:   firstNonEmpty(p.Header.TenantKey, e.Sender.TenantKey),
		DedupKey:    p.Header.EventID,
		ChatID:      m.ChatID,
		ChatType:    ct,
		ThreadID:    m.RootID,
		MessageID:   m.MessageID,
		Sender:      bot.Author{UserID: sender},
		Text:        text,
		Mentions:    mentions,
		ReplyHandle: m.MessageID,
		Quoted:      quotedOf(m.ParentID, m.ChatID),
	}, nil
}

// addressed reports whether a group message is for the bot: it mentions the
// bot's open_id, or, when that is unknown, it starts with a mention.
func addressed(text string, ms []mention, self string) bool {
	if self != "" {
		for _, m := range ms {
			if m.ID.OpenID == self {
				return true
			}
		}
		return false
	}
	t := strings.TrimSpace(text)
	for _, m := range ms {
		if m.Key != "" && strings.HasPrefix(t, m.Key) {
			return true
		}
	}
	return false
}

// normalizeText rewrites Feishu's mention placeholders ("@_user_1", keyed
// in mentions[]) into the canonical "<@open_id>", returning the people
// named. The bot's own mention is dropped wherever it is; when the bot's id
// is unknown, stripLeading drops a leading mention instead. Placeholders
// without an entry (such as "@_all") are kept as written.
func normalizeText(text string, ms []mention, self string, stripLeading bool) (string, []bot.Mention) {
	var b strings.Builder
	var out []bot.Mention
	rest := text
	for {
		at := strings.IndexByte(rest, '@')
		if at < 0 {
			break
		}
		m, ok := mentionAt(rest[at:], ms)
		if !ok {
			b.WriteString(rest[:at+1])
			rest = rest[at+1:]
			continue
		}
		b.WriteString(rest[:at])
		rest = rest[at+len(m.Key):]
		leading := strings.TrimSpace(b.String()) == ""
		isBot := (self != "" && m.ID.OpenID == self) || (self == "" && stripLeading && leading)
		if isBot {
			stripLeading = false
			switch {
			case leading:
				rest = strings.TrimLeft(rest, " :,，：")
			case strings.HasSuffix(b.String(), " "):
				rest = strings.TrimLeft(rest, " ")
			}
			continue
		}
		if m.ID.OpenID == "" {
			b.WriteString("@" + m.Name) // nobody we can address; keep the name
			continue
		}
		b.WriteString("<@" + m.ID.OpenID + ">")
		out = addMention(out, m.ID.OpenID, m.Name)
	}
	b.WriteString(rest)
	return strings.TrimSpace(b.String()), out
}

// mentionAt returns the mention whose key starts s, preferring the longest
// key, and never matching "@_user_1" inside "@_user_10".
func mentionAt(s string, ms []mention) (mention, bool) {
	var best mention
	for _, m := range ms {
		if m.Key == "" || len(m.Key) <= len(best.Key) || !strings.HasPrefix(s, m.Key) {
			continue
		}
		if len(s) > len(m.Key) && isDigit(s[len(m.Key)]) && isDigit(m.Key[len(m.Key)-1]) {
			continue
		}
		best = m
	}
	return best, best.Key != ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

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

// actionBody is the event of card.action.trigger. The context fields moved
// between versions of the callback; both places are read.
type actionBody struct {
	Operator struct {
		TenantKey string `json:"tenant_key"`
		UserID    string `json:"user_id"`
		OpenID    string `json:"open_id"`
		UnionID   string `json:"union_id"`
	} `json:"operator"`
	Token  string `json:"token"` // for a delayed card update; unused
	Action struct {
		Value json.RawMessage `json:"value"`
		Tag   string          `json:"tag"`
		Name  string          `json:"name"`
	} `json:"action"`
	Host    string `json:"host"`
	Context struct {
		OpenMessageID string `json:"open_message_id"`
		OpenChatID    string `json:"open_chat_id"`
	} `json:"context"`
	OpenMessageID string `json:"open_message_id"`
	OpenChatID    string `json:"open_chat_id"`
}

// ButtonValue is the value object Card puts on every button and a click
// brings back: {"action_id": "task.start", "value": "12"}.
type ButtonValue struct {
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
}

// actionEvent normalizes card.action.trigger. It returns nil for clicks on
// buttons that are not Tandem's (no action_id in their value).
func (a *Adapter) actionEvent(p *payload) (*bot.Event, error) {
	if p.Header == nil || p.Header.EventID == "" || len(p.Event) == 0 {
		return nil, errMalformed
	}
	var e actionBody
	if err := json.Unmarshal(p.Event, &e); err != nil {
		return nil, errMalformed
	}
	if e.Operator.OpenID == "" {
		return nil, errMalformed
	}
	v, ok := buttonValue(e.Action.Value)
	if !ok {
		a.log.Info("feishu: click on a button that is not Tandem's", "tag", e.Action.Tag, "event_id", p.Header.EventID)
		return nil, nil
	}
	msgID := firstNonEmpty(e.Context.OpenMessageID, e.OpenMessageID)
	return &bot.Event{
		Platform:  bot.PlatformFeishu,
		Workspace: firstNonEmpty(p.Header.TenantKey, e.Operator.TenantKey),
		DedupKey:  p.Header.EventID,
		ChatID:    firstNonEmpty(e.Context.OpenChatID, e.OpenChatID),
		// The callback does not say whether the card is in a direct chat;
		// treating it as shared never assumes a reply is private.
		ChatType:    bot.ChatGroup,
		MessageID:   msgID,
		Sender:      bot.Author{UserID: e.Operator.OpenID},
		Action:      &bot.Action{ID: v.ActionID, Value: v.Value, MessageID: msgID},
		ReplyHandle: msgID,
	}, nil
}

// buttonValue reads a button's value object. A non-string value (a number
// from a hand-written card) is accepted in its JSON form.
func buttonValue(raw json.RawMessage) (ButtonValue, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ButtonValue{}, false
	}
	var v ButtonValue
	if json.Unmarshal(m["action_id"], &v.ActionID) != nil || v.ActionID == "" {
		return ButtonValue{}, false
	}
	if s := m["value"]; len(s) > 0 && string(s) != "null" {
		if json.Unmarshal(s, &v.Value) != nil {
			v.Value = strings.Trim(string(s), `"`)
			if f, err := strconv.ParseFloat(v.Value, 64); err == nil {
				v.Value = strconv.FormatFloat(f, 'f', -1, 64)
			}
		}
	}
	return v, true
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
