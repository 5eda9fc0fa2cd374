package wecom

import (
	"time"

	"github.com/tandemhq/tandem/bot"
)

var _ bot.RateLimited = (*Adapter)(nil)

// Limits implements bot.RateLimited with WeCom's documented limits
// (developer.work.weixin.qq.com/document/path/90454), so that the outbox
// paces itself:
//
//   - PerUser: an app may send one member at most 30 messages a minute and
//     1000 an hour; WeCom silently drops the excess, so nothing ever tells
//     us to slow down. The outbox's buckets let a burst of N through and
//     then N per Per, which is up to 2N-1 in a minute; Rate{15, 1 min}
//     therefore keeps every minute at 30 or under (a burst of 15, then one
//     every 4 s) and every hour at 915 or under.
//   - PerChat: chats are group robots (ChatID "robot:<name>"), 20 messages
//     a minute each; Rate{10, 1 min} keeps every minute at 20 or under. The
//     adapter also counts per robot itself (see sendRobot).
//   - PerApp: each API allows a corp 10,000 calls a minute; the app
//     message quota per day depends on the corp's size and is not known
//     here. 300 a minute (at most 600 in any minute) is far below the
//     per-minute limit and plenty for a chat-ops bot.
//
// A 45009/45033 that still happens is honoured as RetryAfter 60 s.
func (a *Adapter) Limits() bot.RateLimits {
	return bot.RateLimits{
		PerApp:  bot.Rate{N: 300, Per: time.Minute},
		PerChat: bot.Rate{N: 10, Per: time.Minute},
		PerUser: bot.Rate{N: 15, Per: time.Minute},
	}
}
