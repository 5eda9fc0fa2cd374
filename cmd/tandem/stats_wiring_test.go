package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/workcal"
)

// Ensure a monthly report schedule the scheduler cannot read is refused at
// start, off is accepted, and the example's is the first working day.
func TestStatsConfig(t *testing.T) {
	_, err := ParseConfig(strings.NewReader("stats: {monthly_report: firstworkday:25:00}"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "stats.monthly_report: must be off or a schedule") {
		t.Fatalf("a bad schedule: %v", err)
	}
	if _, err := ParseConfig(strings.NewReader("stats: {monthly_report: \"off\"}"), env(nil)); err != nil {
		t.Errorf("off: %v", err)
	}
	if got := exampleConfig(t).Stats.deps().Report; got != "firstworkday:09:30" {
		t.Errorf("the example's report %q, want firstworkday:09:30", got)
	}
}

// Ensure the bot counts days in the work calendar's zone, the one the
// stats feature reads them in.
func TestUsageZone(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	cal, err := workcal.ChinaMainland(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := usageZone(cal, ny); got.String() != "Asia/Shanghai" {
		t.Errorf("with a calendar: %v, want its zone", got)
	}
	if got := usageZone(nil, ny); got != ny {
		t.Errorf("without: %v, want the default zone", got)
	}
}
