package wecom

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// handle stores an authentic callback and returns once WeCom may be
// acknowledged. An error with code EINVALID means the payload is malformed;
// any other error means the event was not stored.
//
// The intake is called with wait 0, so every reply goes through the outbox.
// WeCom does allow a passive reply in the HTTP response, but Accept's inline
// mode hands the replies back instead of queueing them, a passive reply
// carries one text and no button card, and it is lost with the response; the
// outbox is durable, paced and retried.
func (a *Adapter) handle(ctx context.Context, c *callback, start time.Time) error {
	ev, err := a.event(c)
	if err != nil || ev == nil {
		return err
	}
	return a.acceptBy(ctx, ev, start.Add(a.cfg.AckBudget))
}

// acceptBy calls Accept through webhook.AcceptBy, so that WeCom, which
// hangs up after 5 s, is always answered: it would redeliver a message
// (deduplicated by its key) but reportedly drops a card click. A duplicate
// or an event whose processing failed (Done false) is acknowledged like any
// other: it is stored, and replies follow from the outbox.
//
// When the deadline wins, replies are queued in the outbox as usual, but an
// event that then fails to be stored is lost, since WeCom was told it
// arrived: watchLate tells its sender so.
func (a *Adapter) acceptBy(ctx context.Context, ev *bot.Event, deadline time.Time) error {
	_, onTime, err := webhook.AcceptBy(ctx, a.intake, ev, 0, deadline, func(_ bot.Result, err error) { a.watchLate(ev, err) })
	if !onTime {
		a.log.Warn("wecom: intake is slow; acknowledged before it finished", "dedup_key", ev.DedupKey)
	}
	if err != nil {
		return fmt.Errorf("wecom: accept %s: %w", ev.DedupKey, err)
	}
	return nil
}

func (a *Adapter) watchLate(ev *bot.Event, err error) {
	if err == nil {
		return
	}
	a.log.Error("wecom: event not stored after it was acknowledged", "dedup_key", ev.DedupKey, "err", err)
	lang := bot.LangEN
	if bot.ContainsHan(ev.Text) {
		lang = bot.LangZH
	}
	ctx, cancel := context.WithTimeout(context.Background(), webhook.AcceptTimeout)
	defer cancel()
	msg := bot.Message{Text: bot.ErrorText(err).In(lang), Private: true}
	if _, err := a.sendApp(ctx, nil, ev.Sender.UserID, msg); err != nil {
		a.log.Error("wecom: late failure not reported to the sender", "dedup_key", ev.DedupKey, "err", err)
	}
}
