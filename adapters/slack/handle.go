package slack

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// The handle* methods are what both transports do once a payload is
// authentic: normalize it, hand it to the intake, and say what to answer.
// An error with code EINVALID means the payload is malformed; any other
// error means the event was not stored and Slack must not be told it was.

// handleCommand stores a slash command and returns the inline answer, or
// nil when the answer will come later through the response_url.
func (a *Adapter) handleCommand(ctx context.Context, cmd *slack.SlashCommand, start time.Time) (*responseMessage, error) {
	if cmd.Command != a.cfg.CommandName {
		return unknownCommand(cmd.Command, a.cfg.CommandName), nil
	}
	ev, err := a.commandEvent(cmd)
	if err != nil {
		return nil, err
	}
	wait := a.cfg.AckBudget - time.Since(start)
	res, onTime, err := a.acceptBy(ctx, ev, wait, start.Add(a.guardAfter()))
	if err != nil || !res.Done {
		return nil, err
	}
	if !onTime {
		// Stored, but too late for the answer to be sure to reach Slack in
		// time: it goes to the response_url instead.
		go a.respondLate(ev, inlineResponse(res.Replies))
		return nil, nil
	}
	return inlineResponse(res.Replies), nil
}

// handleEvents answers an Events API payload: the challenge of a
// url_verification, or "" once an event_callback is stored or ignored.
// Events are stored without waiting (replies go through the outbox), and
// without a deadline guard: if storing is slow Slack retries, and the retry
// is deduplicated on the event id.
func (a *Adapter) handleEvents(ctx context.Context, raw []byte) (challenge string, err error) {
	p, err := parseEvents(raw)
	if err != nil {
		return "", err
	}
	switch p.Type {
	case "url_verification":
		if p.Challenge == "" {
			return "", errMalformed
		}
		return p.Challenge, nil
	case "event_callback":
		ev, err := a.callbackEvent(p)
		if err != nil || ev == nil {
			return "", err
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), webhook.AcceptTimeout)
		defer cancel()
		if _, err := a.intake.Accept(ctx, ev, 0); err != nil {
			return "", fmt.Errorf("slack: accept event %s: %w", ev.DedupKey, err)
		}
	}
	return "", nil
}

// handleInteraction stores a button click. Slack does not retry
// interactions, so like a command it is answered by the deadline: 200 once
// stored, or an error status if it could not be stored in time.
func (a *Adapter) handleInteraction(ctx context.Context, ic *slack.InteractionCallback, start time.Time) error {
	ev, err := a.actionEvent(ic)
	if err != nil || ev == nil {
		return err
	}
	_, _, err = a.acceptBy(ctx, ev, 0, start.Add(a.guardAfter()))
	return err
}

// guardAfter is when, after a request arrived, AcceptBy gives up an event
// the intake has not stored: halfway between the budget and Slack's
// deadline.
func (a *Adapter) guardAfter() time.Duration {
	return a.cfg.AckBudget + (slackAckDeadline-a.cfg.AckBudget)/2
}

// acceptBy calls Accept through webhook.AcceptBy. Slack is answered 200 only
// for an event that is stored: one that could not be stored by the deadline
// is given up, and the EUNAVAILABLE error becomes a 503 (without
// X-Slack-No-Retry): Slack then tells the user that the command or click
// failed, and nothing was done, so trying again is safe. onTime false means
// the event was stored, but after the deadline.
func (a *Adapter) acceptBy(ctx context.Context, ev *bot.Event, wait time.Duration, deadline time.Time) (res bot.Result, onTime bool, err error) {
	res, onTime, err = webhook.AcceptBy(ctx, a.intake, ev, wait, deadline)
	if err != nil {
		return bot.Result{}, onTime, fmt.Errorf("slack: accept %s: %w", ev.DedupKey, err)
	}
	if !onTime {
		a.log.Warn("slack: intake is slow; stored after the deadline", "dedup_key", ev.DedupKey)
	}
	return res, onTime, nil
}

// respondLate posts the answer to a command that was stored too late to
// answer inline to its response_url. Like any response_url answer it is
// not in the outbox: best effort, logged when it fails.
func (a *Adapter) respondLate(ev *bot.Event, msg *responseMessage) {
	if msg == nil || ev.ReplyHandle == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), webhook.AcceptTimeout)
	defer cancel()
	if err := a.respond(ctx, ev.ReplyHandle, msg); err != nil {
		a.log.Error("slack: late answer not delivered", "dedup_key", ev.DedupKey, "err", err)
	}
}

// unknownCommand answers a slash command this adapter is not configured
// for (say a staging app's), without storing it.
func unknownCommand(got, want string) *responseMessage {
	return messageResponse(bot.Message{
		Text:    fmt.Sprintf("`%s` is not handled here; use `%s`. / 这里不处理 `%s`，请使用 `%s`。", got, want, got, want),
		Private: true,
	})
}
