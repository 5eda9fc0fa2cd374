package webhook

import (
	"context"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// AcceptTimeout bounds an Accept that runs on after its acknowledgement.
const AcceptTimeout = 30 * time.Second

// AcceptBy calls intake.Accept with wait, but returns by deadline even if
// Accept has not. Accept honours wait, but once processing has begun it
// waits for it to finish, and a slow store has no bound at all; the
// platform would then give up on the request (Slack and Feishu show the
// user an error, WeCom may drop a card click) although it may well succeed.
//
// onTime says whether Accept finished before the deadline; then res and err
// are its outcome. Otherwise the request is to be acknowledged as received,
// and late is called, in its own goroutine, with the outcome when it comes:
// inline replies it holds were never queued in the outbox, and an error
// means an acknowledged event was not stored, which the sender must be told.
// Accept runs without ctx's cancellation (but with its values), so a client
// hanging up does not abandon a unit of work half way.
func AcceptBy(ctx context.Context, intake bot.Intake, ev *bot.Event, wait time.Duration, deadline time.Time,
	late func(res bot.Result, err error)) (res bot.Result, onTime bool, err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), AcceptTimeout)
	outcome := acceptAsync(ctx, intake, ev, max(wait, 0))
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case o := <-outcome:
		cancel()
		return o.Result, true, o.Err
	case <-timer.C:
		go func() {
			o := <-outcome
			cancel()
			late(o.Result, o.Err)
		}()
		return bot.Result{}, false, nil
	}
}

// acceptAsync starts Accept and returns where its outcome will come. The
// bot accepts asynchronously itself (its store's writer hands the outcome
// on); any other Intake, such as a test's, gets a goroutine.
func acceptAsync(ctx context.Context, intake bot.Intake, ev *bot.Event, wait time.Duration) <-chan bot.Outcome {
	if ai, ok := intake.(bot.AsyncIntake); ok {
		return ai.AcceptAsync(ctx, ev, wait)
	}
	out := make(chan bot.Outcome, 1)
	go func() {
		res, err := intake.Accept(ctx, ev, wait)
		out <- bot.Outcome{Result: res, Err: err}
	}()
	return out
}
