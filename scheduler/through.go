package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// updateThrough runs fn in a unit of st, and runs it again, with backoff,
// while the store fails it (an internal error or unavailable, not a domain
// answer such as not_found, nor a claim found lost), until the time until
// (real time) and while ctx lasts: a database restarting or failing
// over breaks every connection and then refuses new ones for a few seconds,
// and an outcome that could not be stored then (a message sent, a job run)
// would otherwise be redone when its lease ends. fn must be replayable, as
// every unit is.
func updateThrough(ctx context.Context, until time.Time, st bot.Store, log *slog.Logger, fn func(bot.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := st.Update(ctx, fn)
		code := bot.ErrorCode(err)
		if code != bot.EINTERNAL && code != bot.EUNAVAILABLE || errors.Is(err, bot.ErrClaimLost) || ctx.Err() != nil {
			return err
		}
		wait := Backoff(attempt, 100*time.Millisecond, 2*time.Second)
		if time.Now().Add(wait).After(until) {
			return err
		}
		log.Warn("store: outcome not stored; trying again", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}
