package feishu

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// edit replaces the card o.Msg.Edit.RemoteID (a message_id Send returned, or
// a click's open_message_id, which is the same id) with o.Msg's card through
// the message patch API (PATCH /open-apis/im/v1/messages/:message_id; the
// SDK's Im.V1.Message.Patch). Feishu patches a card for everyone only when
// it is shared, "update_multi": true before and after (Card sets it on every
// card Tandem sends), was sent by this app, is not recalled, and was sent
// within the last 14 days.
//
// When Feishu refuses to patch that message (see cannotEdit), the one-line
// o.Msg.Text is posted to o.To instead as a follow-up, with o.Key's uuid, so
// a retry does not post it twice within Feishu's hour of deduplication.
func (a *Adapter) edit(ctx context.Context, o *bot.Outgoing) (string, error) {
	id := o.Msg.Edit.RemoteID
	if img := o.Msg.Image; img != nil {
		if err := a.ensureUploaded(ctx, o.To, img); err != nil {
			return "", err
		}
	}
	_, content, err := messageContent(bot.Message{Text: o.Msg.Text, Card: o.Msg.Card, Image: o.Msg.Image})
	if err != nil {
		return "", &bot.DeliveryError{Err: err, Permanent: true}
	}
	_, err = a.call(ctx, "im.message.patch", http.MethodPatch, fmt.Sprintf(pathPatch, url.PathEscape(id)), nil,
		map[string]string{"content": content})
	if err == nil {
		return id, nil
	}
	if !cannotEdit(err) {
		return "", err
	}
	a.log.Info("feishu: cannot edit the card; posting a follow-up", "outbox_id", o.ID, "message_id", id, "err", err)
	if strings.TrimSpace(o.Msg.Text) == "" {
		return id, nil // the reader is told of the change otherwise (bot.Sender)
	}
	_, content, err = messageContent(bot.Message{Text: o.Msg.Text})
	if err != nil {
		return "", &bot.DeliveryError{Err: err, Permanent: true}
	}
	return a.post(ctx, o, "text", content, dedupUUID(o.Key))
}

// cannotEdit says whether a failed patch means that this message cannot be
// patched: a permanent code (recalled, no permission, not the bot's), or any
// other answer of Feishu's about the request itself (HTTP 4xx with a
// business code) that is neither a rate limit nor a token to renew. The
// patch page lists codes for a card older than 14 days, one not shared, one
// edited too often and more; rather than trust a list of those that may be
// incomplete, every such refusal is taken to be final for this message, and
// the change is said in a follow-up instead. Server errors and network
// failures are retried as usual.
func cannotEdit(err error) bool {
	if isPermanent(err) {
		return true
	}
	ae, ok := errors.AsType[*apiError](err)
	return ok && ae.Status/100 == 4 && ae.Status != http.StatusTooManyRequests && ae.Code > 0 &&
		!rateLimitCodes[ae.Code] && !tokenCodes[ae.Code]
}
