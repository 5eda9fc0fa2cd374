package wecom_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
)

// Ensure the declared limits, as the outbox applies them, never let more
// through than WeCom accepts: 30 a minute and 1000 an hour to one member
// (WeCom drops the excess silently), 20 a minute per group robot.
func TestLimits(t *testing.T) {
	a := MustNewAdapter(t, &Intake{}, nil)
	var rl bot.RateLimited = a
	l := rl.Limits()
	if l.PerApp.N <= 0 || l.PerApp.Per <= 0 {
		t.Fatalf("no app limit: %+v", l.PerApp)
	}
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		to                 bot.Destination
		perMinute, perHour int
	}{
		"Member": {bot.Destination{Platform: "wecom", Workspace: testCorp, UserID: testUser}, 30, 1000},
		"Robot":  {bot.Destination{Platform: "wecom", Workspace: testCorp, ChatID: "robot:ops"}, 20, 20 * 60},
	} {
		t.Run(name, func(t *testing.T) {
			_, lane := scheduler.LimitsFor(tc.to, l)
			var lm scheduler.Limiter
			// Send as fast as the lane allows for two hours, checking at
			// every second.
			var sent []time.Time
			for now := start; now.Before(start.Add(2 * time.Hour)); now = now.Add(time.Second) {
				for {
					ok, _ := lm.Allow(now, lane)
					if !ok {
						break
					}
					sent = append(sent, now)
				}
			}
			maxIn := func(window time.Duration) int {
				best, j := 0, 0
				for i := range sent {
					for sent[i].Sub(sent[j]) >= window {
						j++
					}
					best = max(best, i-j+1)
				}
				return best
			}
			t.Logf("max %d a minute, %d an hour", maxIn(time.Minute), maxIn(time.Hour))
			if n := maxIn(time.Minute); n > tc.perMinute || n < tc.perMinute/2 {
				t.Fatalf("%d in one minute, want at most %d (and not far below)", n, tc.perMinute)
			}
			if n := maxIn(time.Hour); n > tc.perHour {
				t.Fatalf("%d in one hour, want at most %d", n, tc.perHour)
			}
		})
	}
}
