package main

import (
	"strings"
	"testing"
	"time"
)

func TestAsksConfig(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("asks:\n  remind_at: \"09:30\"\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := cfg.Asks.remindAt(); got != 9*time.Hour+30*time.Minute {
		t.Errorf("remind_at %v", got)
	}
	if got, _ := (AsksConfig{}).remindAt(); got != 10*time.Hour {
		t.Errorf("default remind_at %v, want 10:00", got)
	}
	_, err = ParseConfig(strings.NewReader("asks:\n  remind_at: soon\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "asks.remind_at") {
		t.Errorf("bad remind_at: %v", err)
	}
}
