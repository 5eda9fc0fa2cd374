package slack_test

import (
	"testing"
	"time"

	tslack "github.com/tandemhq/tandem/adapters/slack"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
)

// Ensure the declared limits pace chat.postMessage as Slack documents it:
// one message a second into a channel (a DM channel included), channels
// independent of each other, and a workspace-wide ceiling.
func TestLimits(t *testing.T) {
	a, err := tslack.New(tslack.Config{BotToken: "xoxb", Mode: tslack.ModeSocket, AppToken: "xapp-1"}, &Intake{})
	if err != nil {
		t.Fatal(err)
	}
	var rl bot.RateLimited = a
	l := rl.Limits()
	if l.PerChat != (bot.Rate{N: 1, Per: time.Second}) || l.PerUser != l.PerChat {
		t.Fatalf("per-channel limit = %+v / %+v, want 1 per second", l.PerChat, l.PerUser)
	}
	// Slack publishes no number for the workspace-wide limit; stay at or
	// under Tier 4's floor of 100 a minute.
	if perMinute := float64(l.PerApp.N) * float64(time.Minute) / float64(l.PerApp.Per); l.PerApp.Per <= 0 || perMinute <= 0 || perMinute > 100 {
		t.Fatalf("workspace limit %+v is missing or not conservative", l.PerApp)
	}

	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var lm scheduler.Limiter
	send := func(to bot.Destination) time.Duration {
		app, lane := scheduler.LimitsFor(to, l)
		ok, wait := lm.Allow(now, app, lane)
		if ok {
			return 0
		}
		return wait
	}
	c1 := bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"}
	dm := bot.Destination{Platform: "slack", Workspace: "T1", UserID: "U1"}
	if send(c1) != 0 || send(dm) != 0 {
		t.Fatal("first messages should go at once")
	}
	if w := send(c1); w != time.Second {
		t.Fatalf("second message into C1 waits %v, want 1s", w)
	}
	if w := send(dm); w != time.Second {
		t.Fatalf("second DM to U1 waits %v, want 1s", w)
	}
	if w := send(bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C2"}); w != 0 {
		t.Fatalf("another channel waits %v", w)
	}
}
