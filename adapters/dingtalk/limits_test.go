package dingtalk_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
)

// Ensure the declared limits, as the outbox applies them, never let more
// than 20 messages a minute into one chat (DingTalk's robot limit, past
// which it throttles the robot for ten minutes) nor 20 a second out of the
// app (the smallest per-corp QPS), even when messages queue up.
func TestLimits(t *testing.T) {
	var rl bot.RateLimited = MustNewAdapter(t, &Intake{}, nil)
	l := rl.Limits()

	count := func(to bot.Destination, window time.Duration, span time.Duration) int {
		var lm scheduler.Limiter
		start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		var sent []time.Time
		for now := start; now.Before(start.Add(span)); now = now.Add(10 * time.Millisecond) {
			app, lane := scheduler.LimitsFor(to, l)
			if ok, _ := lm.Allow(now, app, lane); ok {
				sent = append(sent, now)
			}
		}
		most := 0
		for i := range sent {
			n := 0
			for j := i; j < len(sent) && sent[j].Sub(sent[i]) < window; j++ {
				n++
			}
			most = max(most, n)
		}
		return most
	}
	if n := count(bot.Destination{Platform: "dingtalk", Workspace: "corp", ChatID: "cid1"}, time.Minute, 3*time.Minute); n > 20 || n < 15 {
		t.Fatalf("%d messages into one chat within a minute, want 15..20", n)
	}
	if n := count(bot.Destination{Platform: "dingtalk", Workspace: "corp", UserID: "u1"}, time.Second, 5*time.Second); n > 20 || n < 10 {
		t.Fatalf("%d messages from the app within a second, want 10..20", n)
	}
}
