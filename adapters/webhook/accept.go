package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// AcceptTimeout bounds an Accept that the platform's deadline does not
// bound: one that is already being committed when the deadline comes, or
// one through an intake that cannot give an event up.
const AcceptTimeout = 30 * time.Second

// AcceptBy calls intake.Accept with wait and returns its outcome, deciding
// by deadline whether the event was stored. A platform is acknowledged only
// for an event that is stored, so when the outcome is not known by the
// deadline, AcceptBy gives the event up if it can (AsyncIntake's abandon):
// it is then certain never to be stored, and AcceptBy returns an error with
// code EUNAVAILABLE, which the adapter answers with a status that makes the
// platform deliver the event again (503) rather than 200. If the event is
// already being committed, AcceptBy waits for that commit, which is at most
// one batch away, and returns its outcome with onTime false: the answer is
// late, and replies meant for the HTTP response must take another way (a
// response_url, a message).
//
// An intake that cannot give events up (a plain Intake, a store without a
// queue) is always waited for, up to AcceptTimeout. Accept runs without
// ctx's cancellation (but with its values), so a client hanging up does not
// abandon a unit of work half way.
func AcceptBy(ctx context.Context, intake bot.Intake, ev *bot.Event, wait time.Duration, deadline time.Time) (res bot.Result, onTime bool, err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), AcceptTimeout)
	defer cancel()
	outcome, abandon := acceptAsync(ctx, intake, ev, max(wait, 0))
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case o := <-outcome:
		return o.Result, true, o.Err
	case <-timer.C:
	}
	if abandon() {
		return bot.Result{}, false, fmt.Errorf("not stored by the deadline: %w", bot.ErrUnavailable)
	}
	o := <-outcome
	return o.Result, false, o.Err
}

// acceptAsync starts Accept and returns where its outcome will come. The
// bot accepts asynchronously itself (its store's writer hands the outcome
// on); any other Intake, such as a test's, gets a goroutine, and cannot be
// given up.
func acceptAsync(ctx context.Context, intake bot.Intake, ev *bot.Event, wait time.Duration) (<-chan bot.Outcome, func() bool) {
	if ai, ok := intake.(bot.AsyncIntake); ok {
		return ai.AcceptAsync(ctx, ev, wait)
	}
	out := make(chan bot.Outcome, 1)
	go func() {
		res, err := intake.Accept(ctx, ev, wait)
		out <- bot.Outcome{Result: res, Err: err}
	}()
	return out, func() bool { return false }
}
