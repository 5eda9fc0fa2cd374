package feishu

import (
	"time"

	"github.com/tandemhq/tandem/bot"
)

var _ bot.RateLimited = (*Adapter)(nil)

// Limits implements bot.RateLimited with Feishu's documented limits for
// sending messages (platforms.md §2.5; the create and reply pages), so that
// the outbox paces itself instead of learning them from 99991400:
//
//   - PerChat, PerUser: "向同一用户发送消息的限频为 5 QPS、向同一群组发送消息的
//     限频为群内机器人共享 5 QPS". Declared as one message every 200 ms,
//     without a burst: the scheduler's bucket of N lets up to 2N-1 through in
//     one window of Per, and Feishu counts per second.
//   - PerApp: the message APIs allow "1000 次/分钟、50 次/秒" per app and
//     tenant, and either bound trips. A steady 50 a second would be 3000 a
//     minute, so the minute bound decides: 16 a second with a burst of 16
//     keeps every one-second window under 50 (at most 31) and every minute
//     under 1000 (at most 976).
//
// A limit that still trips is honoured through x-ogw-ratelimit-reset (see
// classify) and blocks only the chat it was answered for.
func (a *Adapter) Limits() bot.RateLimits {
	return bot.RateLimits{
		PerApp:  bot.Rate{N: 16, Per: time.Second},
		PerChat: bot.Rate{N: 1, Per: 200 * time.Millisecond},
		PerUser: bot.Rate{N: 1, Per: 200 * time.Millisecond},
	}
}
