package feishu_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
)

// Ensure the declared limits keep to Feishu's documented ones when the
// scheduler's limiter applies them: at most 5 messages into one chat (or to
// one user) in any second, at most 50 for the app in any second and 1000 in
// any minute.
func TestLimits(t *testing.T) {
	a, err := feishu.New(feishu.Config{AppID: "a", AppSecret: "s", Mode: feishu.ModeWS}, &Intake{})
	if err != nil {
		t.Fatal(err)
	}
	var rl bot.RateLimited = a
	l := rl.Limits()

	// maxIn counts how many sends the limiter lets through in the busiest
	// window of length win, when sending as fast as allowed for span.
	maxIn := func(to func(i int) bot.Destination, win, span time.Duration) int {
		var lm scheduler.Limiter
		start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		var sent []time.Time
		for now, i := start, 0; now.Before(start.Add(span)); now = now.Add(time.Millisecond) {
			app, lane := scheduler.LimitsFor(to(i), l)
			if ok, _ := lm.Allow(now, app, lane); ok {
				sent = append(sent, now)
				i++
			}
		}
		best := 0
		for i, j := 0, 0; i < len(sent); i++ {
			for sent[i].Sub(sent[j]) >= win {
				j++
			}
			best = max(best, i-j+1)
		}
		return best
	}
	oneChat := func(int) bot.Destination {
		return bot.Destination{Platform: "feishu", Workspace: "T", ChatID: "oc_1"}
	}
	oneUser := func(int) bot.Destination {
		return bot.Destination{Platform: "feishu", Workspace: "T", UserID: "ou_1"}
	}
	manyChats := func(i int) bot.Destination {
		return bot.Destination{Platform: "feishu", Workspace: "T", ChatID: "oc_" + string(rune('a'+i%26)) + string(rune('a'+i/26%26))}
	}
	if n := maxIn(oneChat, time.Second, 5*time.Second); n != 5 {
		t.Errorf("one chat: %d in a second, want 5", n)
	}
	if n := maxIn(oneUser, time.Second, 5*time.Second); n != 5 {
		t.Errorf("one user: %d in a second, want 5", n)
	}
	if n := maxIn(manyChats, time.Second, 5*time.Second); n > 50 || n < 10 {
		t.Errorf("app: %d in a second, want at most 50 (and not needlessly few)", n)
	}
	if n := maxIn(manyChats, time.Minute, 3*time.Minute); n > 1000 || n < 900 {
		t.Errorf("app: %d in a minute, want at most 1000 (and not needlessly few)", n)
	}
}
