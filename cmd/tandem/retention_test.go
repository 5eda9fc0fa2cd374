package main

import (
	"strings"
	"testing"
	"time"
)

// Ensure how long finished rows are kept is configurable, with durations,
// and that the inbox (which deduplicates redeliveries) cannot be pruned
// sooner than 24 hours (issue 12, item 10).
func TestParseConfig_Retention(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("storage: {retention: {inbox: 48h, dead: 4320h}}"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Storage.Retention
	if r.Inbox != 48*time.Hour || r.Dead != 4320*time.Hour || r.Sent != 7*24*time.Hour || r.Jobs != 30*24*time.Hour {
		t.Fatalf("retention = %+v, want inbox and dead as set, the rest by default", r)
	}
	_, err = ParseConfig(strings.NewReader("storage: {retention: {inbox: 12h, sent: 1h, jobs: 0s}}"), env(nil))
	for _, want := range []string{
		"storage.retention.inbox: must be at least 24h",
		"storage.retention.sent: must be at least 24h",
		"storage.retention.jobs: must be at least 1h",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if _, err := ParseConfig(strings.NewReader("storage: {retention: {inbox: 3 days}}"), env(nil)); err == nil {
		t.Error(`"3 days" accepted as a duration`)
	}
}
