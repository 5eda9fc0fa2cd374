package slack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/bot"
)

// messageRef is how Tandem names a Slack message: chat.update needs the
// channel id as well as the ts (a direct message's channel is only known
// after conversations.open), so the remote id Send returns, and a click's
// Action.MessageID, is "C123/1700000000.000100". An ephemeral message, which
// no API can edit, is marked: "C123/1700000000.000100/ephemeral".
type messageRef struct {
	channel, ts string
	ephemeral   bool
}

const ephemeralSuffix = "/ephemeral"

func (r messageRef) String() string {
	if r.channel == "" || r.ts == "" {
		return ""
	}
	s := r.channel + "/" + r.ts
	if r.ephemeral {
		s += ephemeralSuffix
	}
	return s
}

func parseRef(s string) (messageRef, bool) {
	rest, eph := strings.CutSuffix(s, ephemeralSuffix)
	channel, ts, ok := strings.Cut(rest, "/")
	if !ok || channel == "" || ts == "" || strings.Contains(ts, "/") {
		return messageRef{}, false
	}
	return messageRef{channel: channel, ts: ts, ephemeral: eph}, true
}

// uneditable are chat.update errors after which the message will never be
// edited (gone, not the app's, too old): the reader gets a follow-up.
var uneditable = map[string]bool{
	"message_not_found":   true,
	"cant_update_message": true,
	"edit_window_closed":  true,
}

// responseURLLife is how long Slack accepts posts to a response_url.
const responseURLLife = 30 * time.Minute

// clickedURLs remembers, for a while, the response_url of the latest click
// on each ephemeral card: it is the only way to replace an ephemeral message
// (replace_original). It is a cache, not a promise: after a restart, or 30
// minutes on, an edit of that card becomes a follow-up message instead,
// which is what Sender documents for messages a platform cannot edit.
type clickedURLs struct {
	mu   sync.Mutex
	urls map[string]clickedURL
}

type clickedURL struct {
	url string
	at  time.Time
}

// maxClickedURLs bounds the cache; entries past their life go first.
const maxClickedURLs = 10000

func (c *clickedURLs) remember(ref, url string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.urls == nil {
		c.urls = map[string]clickedURL{}
	}
	if len(c.urls) >= maxClickedURLs {
		for k, v := range c.urls {
			if now.Sub(v.at) > responseURLLife {
				delete(c.urls, k)
			}
		}
		if len(c.urls) >= maxClickedURLs {
			return
		}
	}
	c.urls[ref] = clickedURL{url: url, at: now}
}

func (c *clickedURLs) lookup(ref string, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, ok := c.urls[ref]
	if !ok || now.Sub(u.at) >= responseURLLife {
		return ""
	}
	return u.url
}

// edit replaces the message o.Msg.Edit names with o.Msg's card: with
// chat.update for a posted message, through the clicked card's response_url
// for an ephemeral one (replace_original), or, where neither can be done,
// by posting o.Msg.Text as a follow-up to o.To.
//
// The edited message shows the card alone: o.Msg.Text says what changed,
// which belongs in a follow-up, not on top of the card for good.
func (a *Adapter) edit(ctx context.Context, o *bot.Outgoing) (string, error) {
	m := bot.Message{Card: o.Msg.Card, Private: o.Msg.Private}
	ref, ok := parseRef(o.Msg.Edit.RemoteID)
	switch {
	case !ok || m.Card == nil:
		a.log.Info("slack: no message id or no card to edit with; posting a follow-up", "outbox_id", o.ID)
	case ref.ephemeral:
		if url := a.clicked.lookup(ref.String(), a.now()); url != "" {
			r := messageResponse(m)
			r.ResponseType, r.ReplaceOriginal = "ephemeral", true
			err := a.respond(ctx, url, r)
			if err == nil {
				return ref.String(), nil
			}
			if !errors.Is(err, errExpiredURL) {
				return "", err
			}
		}
		m.Private = true // the card was for one reader; so is its follow-up
	default:
		_, _, _, err := a.api.UpdateMessageContext(ctx, ref.channel, ref.ts, messageOptions(m)...)
		if err == nil {
			return ref.String(), nil
		}
		se, isSlack := errors.AsType[slack.SlackErrorResponse](err)
		if !isSlack || !uneditable[se.Err] {
			return "", deliveryError(err)
		}
		a.log.Info("slack: card cannot be edited; posting a follow-up", "outbox_id", o.ID, "err", se.Err)
	}
	if strings.TrimSpace(o.Msg.Text) == "" {
		return o.Msg.Edit.RemoteID, nil // the reader is told of the change otherwise (bot.Sender)
	}
	followUp := *o
	followUp.Msg = bot.Message{Text: o.Msg.Text, Private: m.Private}
	return a.Send(ctx, &followUp)
}
