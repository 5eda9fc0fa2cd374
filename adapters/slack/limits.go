package slack

import (
	"time"

	"github.com/tandemhq/tandem/bot"
)

var _ bot.RateLimited = (*Adapter)(nil)

// Limits implements bot.RateLimited with Slack's documented limits for
// chat.postMessage, so that the outbox paces itself instead of learning
// them from 429s (https://docs.slack.dev/apis/web-api/rate-limits):
//
//   - PerChat: "generally allows posting one message per second per
//     channel". Slack tolerates short bursts but does not say how long, so
//     none are relied on: one message a second, no burst.
//   - PerUser: a direct message is posted into the user's DM channel, which
//     is a channel like any other, so the same one a second.
//   - PerApp: chat.postMessage also has a workspace-wide limit whose number
//     Slack does not publish. 100 a minute is the floor of Tier 4, the most
//     generous documented tier, and well under what Slack lets through in
//     practice; it can burst 100 at once (to different channels), as Tier 4
//     allows "generous burst behavior".
//
// Replies through a response_url are not chat.postMessage calls, but they
// are counted against their chat as well: that only makes them more polite.
// A 429 that still happens is honoured through its Retry-After (see
// deliveryError), and blocks only the chat it was answered for.
func (a *Adapter) Limits() bot.RateLimits {
	return bot.RateLimits{
		PerApp:  bot.Rate{N: 100, Per: time.Minute},
		PerChat: bot.Rate{N: 1, Per: time.Second},
		PerUser: bot.Rate{N: 1, Per: time.Second},
	}
}
