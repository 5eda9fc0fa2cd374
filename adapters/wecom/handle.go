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
// hangs up after 5 s, is answered by then. WeCom is answered 200 only for an
// event that is stored (a duplicate, or an event whose processing failed and
// will be retried, is stored too; replies follow from the outbox). One that
// could not be stored by the deadline is given up, and the EUNAVAILABLE
// error becomes a 503, so that WeCom delivers it again.
func (a *Adapter) acceptBy(ctx context.Context, ev *bot.Event, deadline time.Time) error {
	_, onTime, err := webhook.AcceptBy(ctx, a.intake, ev, 0, deadline)
	if err != nil {
		return fmt.Errorf("wecom: accept %s: %w", ev.DedupKey, err)
	}
	if !onTime {
		a.log.Warn("wecom: intake is slow; stored after the deadline", "dedup_key", ev.DedupKey)
	}
	return nil
}
