package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// permanentErrors are Web API error codes that no retry can fix: the
// channel, user or token is gone, or the message itself is unacceptable.
// Anything else is retried by the outbox.
var permanentErrors = map[string]bool{
	"channel_not_found":   true,
	"not_in_channel":      true,
	"is_archived":         true,
	"invalid_auth":        true,
	"account_inactive":    true,
	"user_not_found":      true,
	"no_text":             true,
	"token_revoked":       true,
	"not_authed":          true,
	"invalid_blocks":      true,
	"msg_too_long":        true,
	"user_not_in_channel": true,
	"cannot_dm_bot":       true,
}

// defaultRetryAfter is used when Slack says 429 without saying how long.
const defaultRetryAfter = 30 * time.Second

var (
	errEmptyMessage = errors.New("slack: message has neither text nor card")
	errNoTarget     = errors.New("slack: destination has neither chat nor user")
	// errExpiredURL means a response_url can no longer be used (it lives 30
	// minutes and takes 5 posts); the message must go through the Web API.
	errExpiredURL = errors.New("slack: response_url expired")
)

// Send implements bot.Sender. A reply handle (a response_url) is preferred:
// it answers where the command was typed, even in channels the bot has not
// joined, and it can be ephemeral. Otherwise the message is posted to the
// chat, or to the user's direct-message channel.
//
// The id it returns names the channel and the message ("C123/1700000000.000100",
// see messageRef), so that the card in it can be edited later (Msg.Edit).
// A message with a picture or a file is one file share (sendImage).
func (a *Adapter) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	switch {
	case o.Msg.Edit != nil:
		return a.edit(ctx, o)
	case o.Msg.Attachment() != nil:
		return a.sendImage(ctx, o)
	}
	if o.Msg.Text == "" && o.Msg.Card == nil {
		return "", &bot.DeliveryError{Err: errEmptyMessage, Permanent: true}
	}
	to := o.To
	if to.ReplyHandle != "" {
		err := a.respond(ctx, to.ReplyHandle, messageResponse(o.Msg))
		if !errors.Is(err, errExpiredURL) {
			return "", err
		}
		a.log.Info("slack: response_url expired; posting through the Web API", "outbox_id", o.ID)
	}
	switch {
	case to.ChatID != "":
		ts, err := a.post(ctx, to.ChatID, to.UserID, to.ThreadID, o.Msg)
		if err != nil && to.ReplyHandle != "" && to.UserID != "" && isPermanent(err) {
			// The command came from a chat the bot cannot write to (a DM
			// between two people, a private channel): tell the user directly.
			return a.direct(ctx, to.UserID, o.Msg)
		}
		return ts, err
	case to.UserID != "":
		return a.direct(ctx, to.UserID, o.Msg)
	}
	return "", &bot.DeliveryError{Err: errNoTarget, Permanent: true}
}

// post sends m to a channel; a private message to a known user becomes
// ephemeral, which only that user sees.
// It returns the message's messageRef.
func (a *Adapter) post(ctx context.Context, channel, user, thread string, m bot.Message) (string, error) {
	opts := messageOptions(m)
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	if m.Private && user != "" {
		ts, err := a.api.PostEphemeralContext(ctx, channel, user, opts...)
		return messageRef{channel: channel, ts: ts, ephemeral: true}.String(), deliveryError(err)
	}
	ch, ts, err := a.api.PostMessageContext(ctx, channel, opts...)
	return messageRef{channel: firstNonEmpty(ch, channel), ts: ts}.String(), deliveryError(err)
}

// messageOptions are m's text and blocks, for chat.postMessage and
// chat.update alike.
func messageOptions(m bot.Message) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(fallbackText(m), false)}
	if bs := Blocks(m); len(bs) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(bs...))
	}
	return opts
}

// direct sends m to the user's DM channel. The channel id is cached, since
// conversations.open is rate-limited and the id never changes; a cached id
// that fails is forgotten and opened afresh once.
func (a *Adapter) direct(ctx context.Context, user string, m bot.Message) (string, error) {
	m.Private = false // a direct message is private already
	ch, cached, err := a.dmChannel(ctx, user)
	if err != nil {
		return "", err
	}
	ts, err := a.post(ctx, ch, "", "", m)
	if err != nil && cached {
		a.forgetDM(user)
		if ch, _, err = a.dmChannel(ctx, user); err != nil {
			return "", err
		}
		ts, err = a.post(ctx, ch, "", "", m)
	}
	return ts, err
}

func (a *Adapter) dmChannel(ctx context.Context, user string) (id string, cached bool, err error) {
	a.dmMu.Lock()
	id, ok := a.dms[user]
	a.dmMu.Unlock()
	if ok {
		return id, true, nil
	}
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", false, deliveryError(err)
	}
	a.dmMu.Lock()
	a.dms[user] = ch.ID
	a.dmMu.Unlock()
	return ch.ID, false, nil
}

func (a *Adapter) forgetDM(user string) {
	a.dmMu.Lock()
	delete(a.dms, user)
	a.dmMu.Unlock()
}

// deliveryError classifies a Web API error for the outbox.
func deliveryError(err error) error {
	if err == nil {
		return nil
	}
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return &bot.DeliveryError{Err: err, RetryAfter: rl.RetryAfter}
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok && sc.Code == http.StatusTooManyRequests {
		return &bot.DeliveryError{Err: err, RetryAfter: defaultRetryAfter}
	}
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok && permanentErrors[se.Err] {
		return &bot.DeliveryError{Err: err, Permanent: true}
	}
	return err
}

func isPermanent(err error) bool {
	d, ok := bot.AsDeliveryError(err)
	return ok && d.Permanent
}

// responseMessage is the JSON Slack takes both as an inline slash-command
// answer (HTTP body or Socket Mode ack payload) and on a response_url. Its
// blocks are slack-go's Block Kit types and encoding/json writes them, as
// slack-go does for chat.postMessage: a hand-written encoder saved about
// 2.5 µs per answer, which was not worth keeping a second encoder right.
type responseMessage struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
	// ReplaceOriginal is sent as false explicitly: after a button click
	// Slack would otherwise be free to overwrite the card that was clicked.
	ReplaceOriginal bool `json:"replace_original"`
}

func messageResponse(m bot.Message) *responseMessage {
	r := &responseMessage{ResponseType: "in_channel", Text: fallbackText(m), Blocks: Blocks(m)}
	if m.Private {
		r.ResponseType = "ephemeral"
	}
	return r
}

// inlineResponse merges the replies to a command into the one answer an
// HTTP response can carry. It is ephemeral if any reply is private, so that
// merging never shows a private reply to the whole channel.
func inlineResponse(replies []bot.Message) *responseMessage {
	switch len(replies) {
	case 0:
		return nil
	case 1:
		return messageResponse(replies[0])
	}
	r := &responseMessage{ResponseType: "in_channel"}
	texts := make([]string, 0, len(replies))
	for i, m := range replies {
		if m.Private {
			r.ResponseType = "ephemeral"
		}
		if i > 0 {
			r.Blocks = append(r.Blocks, slack.NewDividerBlock())
		}
		r.Blocks = append(r.Blocks, Blocks(m)...)
		texts = append(texts, fallbackText(m))
	}
	r.Blocks = capBlocks(r.Blocks)
	r.Text = strings.Join(texts, "\n\n")
	return r
}

// respond posts body to a response_url. Slack answers these with a status
// and a short body ("ok", or an error code as text or JSON) rather than the
// Web API's envelope, so the SDK's webhook helper cannot tell an expired URL
// from other failures; this does.
func (a *Adapter) respond(ctx context.Context, url string, body *responseMessage) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return &bot.DeliveryError{Err: err, Permanent: true}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return &bot.DeliveryError{Err: fmt.Errorf("slack: response_url: %w", webhook.RedactURL(err)), Permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		// The URL is a credential: whoever has it can post as the app.
		return fmt.Errorf("slack: response_url: %w", webhook.RedactURL(err))
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return responseURLError(resp, responseErrorCode(text))
}

func responseURLError(resp *http.Response, code string) error {
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return &bot.DeliveryError{Err: errors.New("slack: response_url rate limited"), RetryAfter: retryAfter(resp.Header)}
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone,
		code == "expired_url", code == "used_url":
		return errExpiredURL
	case resp.StatusCode/100 == 2 && code == "":
		return nil
	}
	err := fmt.Errorf("slack: response_url: %s %s", resp.Status, code)
	if resp.StatusCode/100 == 4 || permanentErrors[code] {
		return &bot.DeliveryError{Err: err, Permanent: true}
	}
	return err
}

// responseErrorCode extracts the error code from a response_url answer,
// which is plain text ("ok", "expired_url") or {"ok":false,"error":"…"}.
func responseErrorCode(body []byte) string {
	body = bytes.TrimSpace(body)
	var r struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &r) == nil {
		if r.OK {
			return ""
		}
		return r.Error
	}
	if s := string(body); s != "ok" && isErrorCode(s) {
		return s
	}
	return ""
}

// isErrorCode reports whether s looks like a Slack error code
// ("expired_url"), as opposed to arbitrary text such as an HTML error page.
func isErrorCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return defaultRetryAfter
}
