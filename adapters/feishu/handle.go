package feishu

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// The handle* methods are what both transports do once a payload is
// authentic: normalize it, hand it to the intake, and say what to answer.
// An error with code EINVALID means the payload is malformed; any other
// error means the event was not stored and Feishu must not be told it was.

// cardResponse is the answer to card.action.trigger: an optional toast
// shown to the person who clicked and an optional card that replaces the
// clicked one (https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-callback-communication).
type cardResponse struct {
	Toast *toast   `json:"toast,omitempty"`
	Card  *rawCard `json:"card,omitempty"`
}

type toast struct {
	Type    string `json:"type"` // "info", "success", "error", "warning"
	Content string `json:"content"`
}

type rawCard struct {
	Type string         `json:"type"` // "raw": Data is card JSON
	Data map[string]any `json:"data"`
}

// handle answers a schema 2.0 event or callback: nil for an empty
// acknowledgement, or a *cardResponse.
//
// Messages are stored without waiting (replies go through the outbox) and
// without a deadline guard: if storing is slow Feishu redelivers, and the
// redelivery is deduplicated on the event id. Card clicks are answered
// inline when the intake is quick enough, within Feishu's 3 s.
func (a *Adapter) handle(ctx context.Context, p *payload, start time.Time) (any, error) {
	switch p.eventType() {
	case eventMessage:
		ev, err := a.messageEvent(p)
		if err != nil || ev == nil {
			return nil, err
		}
		if ev.Quoted != nil {
			a.readQuoted(ctx, ev.Quoted) // quote.go: why before Accept
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), webhook.AcceptTimeout)
		defer cancel()
		if _, err := a.intake.Accept(ctx, ev, 0); err != nil {
			return nil, fmt.Errorf("feishu: accept event %s: %w", ev.DedupKey, err)
		}
		return nil, nil
	case eventCardAction:
		ev, err := a.actionEvent(p)
		if err != nil || ev == nil {
			return nil, err
		}
		res, onTime, err := a.acceptBy(ctx, ev, a.cfg.AckBudget-time.Since(start), start.Add(a.guardAfter()))
		if err != nil || !res.Done {
			return nil, err
		}
		if !onTime {
			// Stored, but too late for an answer to be sure to reach
			// Feishu in time: the replies go as messages.
			a.sendLater(ev, res.Replies, "late")
			return nil, nil
		}
		resp, rest := inlineAnswer(res.Replies)
		a.sendLater(ev, rest, "rest")
		if resp == nil {
			return nil, nil
		}
		return resp, nil
	}
	return nil, nil
}

// guardAfter is when, after a request arrived, its answer must leave
// whatever the intake is doing: halfway between the budget and Feishu's
// deadline.
func (a *Adapter) guardAfter() time.Duration {
	return a.cfg.AckBudget + (feishuAckDeadline-a.cfg.AckBudget)/2
}

// acceptBy calls Accept through webhook.AcceptBy. Feishu is answered 200
// only for a click that is stored: one that could not be stored by the
// deadline is given up, and the EUNAVAILABLE error becomes a 503. onTime
// false means the click was stored, but after the deadline.
func (a *Adapter) acceptBy(ctx context.Context, ev *bot.Event, wait time.Duration, deadline time.Time) (res bot.Result, onTime bool, err error) {
	res, onTime, err = webhook.AcceptBy(ctx, a.intake, ev, wait, deadline)
	if err != nil {
		return bot.Result{}, onTime, fmt.Errorf("feishu: accept %s: %w", ev.DedupKey, err)
	}
	if !onTime {
		a.log.Warn("feishu: intake is slow; stored after the deadline", "dedup_key", ev.DedupKey)
	}
	return res, onTime, nil
}

// sendLater sends replies that could not be given inline, in the
// background. Like Slack's response_url answers they are not in the outbox,
// so this is best effort; each has a stable key, so Feishu's uuid dedup
// still keeps a repeated click's answer from being sent twice.
func (a *Adapter) sendLater(ev *bot.Event, ms []bot.Message, kind string) {
	if len(ms) == 0 {
		return
	}
	to := ev.ReplyDestination()
	go func() {
		for i, m := range ms {
			ctx, cancel := context.WithTimeout(context.Background(), webhook.AcceptTimeout)
			o := &bot.Outgoing{Key: "feishu/" + ev.DedupKey + "/" + kind + strconv.Itoa(i), To: to, Msg: m}
			if _, err := a.Send(ctx, o); err != nil {
				a.log.Error("feishu: answer to a card click not delivered", "dedup_key", ev.DedupKey, "err", err)
			}
			cancel()
		}
	}()
}

// inlineAnswer fits the replies to a click into the callback's answer: the
// first reply card that is not private replaces the clicked card (it is
// shared, so a private one would show to everyone), and a short text reply
// becomes the toast, shown only to the person who clicked (else the card
// reply's own text). Whatever does not fit is returned in rest, to be sent
// as messages.
func inlineAnswer(replies []bot.Message) (resp *cardResponse, rest []bot.Message) {
	cardAt, toastAt := -1, -1
	for i, m := range replies {
		if m.Card != nil && !m.Private {
			cardAt = i
			break
		}
	}
	for i, m := range replies {
		if m.Card == nil && fitsToast(m.Text) {
			toastAt = i
			break
		}
	}
	if cardAt < 0 && toastAt < 0 {
		return nil, replies
	}
	resp = &cardResponse{}
	if cardAt >= 0 {
		resp.Card = &rawCard{Type: "raw", Data: Card(replies[cardAt])}
	}
	switch {
	case toastAt >= 0:
		resp.Toast = &toast{Type: "info", Content: plainText(strings.TrimSpace(replies[toastAt].Text))}
	case fitsToast(replies[cardAt].Text):
		resp.Toast = &toast{Type: "success", Content: plainText(strings.TrimSpace(replies[cardAt].Text))}
	}
	for i, m := range replies {
		if i != cardAt && i != toastAt {
			rest = append(rest, m)
		}
	}
	return resp, rest
}

func fitsToast(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && !strings.Contains(s, "\n") && len([]rune(s)) <= maxToast
}
