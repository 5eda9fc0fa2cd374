package main

import (
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
)

// AsksConfig is the asks mechanism's part of the configuration (requests,
// announcements, feedback forms, votes: commands/asks).
type AsksConfig struct {
	// RemindAt is the time of day, in the work calendar's zone, those who
	// have not answered are reminded on working days; "" is 10:00.
	RemindAt string `yaml:"remind_at"`
}

// check reports a remind_at that is not HH:MM.
func (c AsksConfig) check(bad func(path, format string, args ...any)) {
	if _, err := c.remindAt(); err != nil {
		bad("asks.remind_at", "must be HH:MM, such as 10:00, not %q", c.RemindAt)
	}
}

// remindAt is the reminders' time of day since midnight.
func (c AsksConfig) remindAt() (time.Duration, error) {
	if c.RemindAt == "" {
		return 10 * time.Hour, nil
	}
	t, err := time.Parse("15:04", c.RemindAt)
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// readReporters finds, among the outbox senders (read when asked: the
// platforms open after the features are built), the app of a platform and
// workspace that reports reads (bot.ReadReporter: Feishu, DingTalk).
func readReporters(d *scheduler.Dispatcher) func(platform, workspace string) bot.ReadReporter {
	return func(platform, workspace string) bot.ReadReporter {
		rr, ok := platformApp[bot.ReadReporter](d, platform, workspace)
		if !ok {
			return nil
		}
		return rr
	}
}
