package main

import (
	"time"

	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
	statscmd "github.com/tandemhq/tandem/commands/stats"
	"github.com/tandemhq/tandem/scheduler"
)

// StatsConfig is the usage analytics' part of the configuration
// (commands/stats).
type StatsConfig struct {
	// MonthlyReport is when admins get last month's figures: a schedule
	// (firstworkday:09:30 by default, in the calendar's zone), or "off".
	MonthlyReport string `yaml:"monthly_report"`
}

// check reports a schedule the scheduler cannot read.
func (c StatsConfig) check(bad func(path, format string, args ...any)) {
	if c.MonthlyReport == "" || c.MonthlyReport == "off" {
		return
	}
	if err := scheduler.Validate(c.MonthlyReport); err != nil {
		bad("stats.monthly_report", "must be off or a schedule such as firstworkday:09:30: %v", err)
	}
}

// deps is the stats configuration for the feature.
func (c StatsConfig) deps() statscmd.Config { return statscmd.Config{Report: c.MonthlyReport} }

// usageZone is the zone whose days the usage counters count: the work
// calendar's, the same the stats feature reads them in.
func usageZone(cal *workcal.Calendar, loc *time.Location) *time.Location {
	return commands.ZoneOf(cal, loc)
}
