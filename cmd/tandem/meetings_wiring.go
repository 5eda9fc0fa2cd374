package main

import (
	"time"
)

// MeetingsConfig is the meetings' part of the configuration.
type MeetingsConfig struct {
	// Reminders are how long before each occurrence attendees are reminded
	// (Go durations); empty: 24h and 15m.
	Reminders []string `yaml:"reminders"`
}

// check reports reminders that are not positive durations of at most 30
// days.
func (c MeetingsConfig) check(bad func(path, format string, args ...any)) {
	for _, r := range c.Reminders {
		d, err := time.ParseDuration(r)
		if err != nil || d <= 0 || d > 30*24*time.Hour {
			bad("meetings.reminders", "%q is not a duration between 1m and 720h (e.g. 24h, 15m)", r)
		}
	}
}

// reminders are the configured reminder offsets (checked by Validate).
func (c MeetingsConfig) reminders() []time.Duration {
	var out []time.Duration
	for _, r := range c.Reminders {
		if d, err := time.ParseDuration(r); err == nil && d > 0 {
			out = append(out, d)
		}
	}
	return out
}
