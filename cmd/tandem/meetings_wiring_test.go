package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMeetingsConfig(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("meetings:\n  reminders: [48h, 30m]\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Meetings.reminders(); !slices.Equal(got, []time.Duration{48 * time.Hour, 30 * time.Minute}) {
		t.Errorf("reminders %v", got)
	}
	_, err = ParseConfig(strings.NewReader("meetings:\n  reminders: [soon, -5m]\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), `meetings.reminders: "soon"`) || !strings.Contains(err.Error(), `"-5m"`) {
		t.Errorf("bad reminders: %v", err)
	}
}
