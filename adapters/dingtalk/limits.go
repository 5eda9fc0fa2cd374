package dingtalk

import (
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Limits implements bot.RateLimited with DingTalk's limits, so that the
// outbox paces itself instead of learning them from errcodes
// (shared/platforms.md §4.5, second-hand: DingTalk publishes no table):
//
//   - a robot may post 20 messages a minute into one chat; past that it
//     answers 130101 and is reportedly throttled for ten minutes;
//   - each API has a per-corp QPS of 20 on the smallest edition (90018).
//
// The outbox's buckets let a Rate{N, Per} burst N and then refill N per
// Per, so up to 2N-1 can pass within one Per (see scheduler.Limiter).
// Declaring {20, 1 min} would thus allow 39 messages in a minute and earn
// the ten-minute penalty. The rates below never exceed the platform's
// numbers in any window: a burst of 5 into a chat, then one every 4 s
// (5 + 15 = 20 a minute); a burst of 10 for the app, then one every 100 ms
// (10 + 10 = 20 a second).
//
// Direct messages have no documented per-user limit; they count against the
// app. Session-webhook replies are counted like the rest: they are robot
// messages into the same chat.
func (a *Adapter) Limits() bot.RateLimits {
	return bot.RateLimits{
		PerApp:  bot.Rate{N: 10, Per: time.Second},
		PerChat: bot.Rate{N: 5, Per: 20 * time.Second},
	}
}
