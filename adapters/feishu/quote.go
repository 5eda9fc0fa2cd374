package feishu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Feishu has no message action that reaches a bot (its "message shortcut"
// is not delivered as an event to a bot app), so a message becomes a task
// by replying to it: "@Tandem 转任务 @负责人". The reply's event carries only
// the parent's id (parent_id), not its text; the text is read with
// im/v1/messages/:message_id before the event is stored (readQuoted).

// quoteReadBudget bounds the read of a replied-to message, which stands
// between Feishu's delivery and our acknowledgement: Feishu waits 3 s
// before it redelivers, and a redelivery is deduplicated on the event id,
// so a slow read costs a duplicate delivery at worst, never a lost event.
const quoteReadBudget = time.Second

// chatLink opens a chat in the Feishu client (an AppLink). Feishu has no
// link to a single message, so a quote links to its chat.
func chatLink(chatID string) string {
	return "https://applink.feishu.cn/client/chat/open?openChatId=" + url.QueryEscape(chatID)
}

// quotedOf is the message a reply answers: its id and a link to its chat.
// The text is filled by readQuoted.
func quotedOf(parentID, chatID string) *bot.QuotedMessage {
	if parentID == "" {
		return nil
	}
	return &bot.QuotedMessage{ID: parentID, Link: chatLink(chatID)}
}

// storedMessage is an item of im/v1/messages/:message_id.
type storedMessage struct {
	MessageID string `json:"message_id"`
	MsgType   string `json:"msg_type"`
	Body      struct {
		Content string `json:"content"`
	} `json:"body"`
	Sender struct {
		ID     string `json:"id"`
		IDType string `json:"id_type"`
	} `json:"sender"`
	Mentions []struct {
		Key  string `json:"key"`
		ID   string `json:"id"` // open_id with the default user_id_type
		Name string `json:"name"`
	} `json:"mentions"`
}

// readQuoted fills q's text and author by reading the message. It does not
// fail the event: a message it cannot read (deleted, not visible to the
// bot, a kind without text, Feishu slow or down) leaves the text empty, and
// the command asks for it to be pasted instead.
func (a *Adapter) readQuoted(ctx context.Context, q *bot.QuotedMessage) {
	ctx, cancel := context.WithTimeout(ctx, quoteReadBudget)
	defer cancel()
	r, err := a.call(ctx, "im.message.get", http.MethodGet, fmt.Sprintf(pathPatch, url.PathEscape(q.ID)), nil, nil)
	if err != nil {
		a.log.Warn("feishu: could not read the replied-to message", "message_id", q.ID, "err", err)
		return
	}
	var d struct {
		Items []storedMessage `json:"items"`
	}
	if json.Unmarshal(r.Data, &d) != nil || len(d.Items) == 0 {
		return
	}
	m := d.Items[0]
	if m.Sender.IDType == "" || m.Sender.IDType == "open_id" {
		q.AuthorID = m.Sender.ID
	}
	ms := make([]mention, 0, len(m.Mentions))
	for _, x := range m.Mentions {
		ms = append(ms, mention{Key: x.Key, ID: ids{OpenID: x.ID}, Name: x.Name})
	}
	text := contentText(m.MsgType, m.Body.Content)
	q.Text, _ = normalizeText(text, ms, "", false)
}

// contentText is the plain text of a text or rich-text (post) message;
// other kinds have none.
func contentText(msgType, content string) string {
	switch msgType {
	case "text":
		var c struct {
			Text string `json:"text"`
		}
		_ = json.Unmarshal([]byte(content), &c)
		return c.Text
	case "post":
		// The API answers a post as {"title": …, "content": [[{tag, text}…]…]}.
		var c struct {
			Title   string `json:"title"`
			Content [][]struct {
				Tag  string `json:"tag"`
				Text string `json:"text"`
				Href string `json:"href"`
				Key  string `json:"user_id"`
			} `json:"content"`
		}
		_ = json.Unmarshal([]byte(content), &c)
		var lines []string
		if c.Title != "" {
			lines = append(lines, c.Title)
		}
		for _, para := range c.Content {
			var b strings.Builder
			for _, el := range para {
				switch el.Tag {
				case "text", "a", "md":
					b.WriteString(el.Text)
				case "at":
					b.WriteString(el.Key)
				}
			}
			lines = append(lines, b.String())
		}
		return strings.Join(lines, "\n")
	}
	return ""
}
