// Package stats is the chat surface of usage analytics (数据监控,
// bot/stats): `stats [week|month:2026-11|from:… to:…] [dept:Sales]` answers
// with the period's figures in words and a chart of messages and commands
// per day, read and drawn in a prepare step outside the unit; and a
// monthly report tells every admin last month's figures on the first
// working day of each month.
//
// Who may see what: admins see every department and the whole
// organisation; everyone else sees their own department's figures (heads
// and members alike: they are counts of the department's work, never
// anyone's own), and nothing when they are in no department.
package stats

import (
	"log/slog"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
)

// JobMonthly is the kind of the monthly report to admins.
const JobMonthly = "stats.monthly"

// DefaultReport is when the monthly report goes out: the first working
// day of each month at 09:30, in the calendar's zone.
const DefaultReport = "firstworkday:09:30"

// Config is the stats section of the configuration.
type Config struct {
	// Report is the monthly report's schedule (stats.monthly_report); "off"
	// stops it, "" is DefaultReport.
	Report string
}

// Deps are what the stats feature needs from the host.
type Deps struct {
	Config Config
	// Calendar is the work calendar: its zone is the day the counters
	// count in, and its days off are shaded on the chart; nil: DefaultTZ
	// and weekends.
	Calendar *workcal.Calendar
	// Painter draws the chart; nil: words only.
	Painter picture.Painter
	// NextRun computes a schedule's next run (the scheduler's); it places
	// a new install's first report.
	NextRun     func(schedule string, after time.Time, loc *time.Location) (time.Time, error)
	Notifier    *bot.Notifier
	Store       bot.Store
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
	Log         *slog.Logger
}

// Module is the stats feature.
func Module(d Deps) commands.Module {
	f := &feature{Deps: d}
	m := commands.Module{
		Name:     "stats",
		Commands: []*commands.Command{f.command()},
		Jobs:     map[string]bot.JobHandler{JobMonthly: monthly{f}},
	}
	schedule := d.Config.Report
	switch schedule {
	case "":
		schedule = DefaultReport
	case "off":
		schedule = "" // EnsureSystemJobs cancels it
	}
	m.SystemJobs = []commands.SystemJob{{Kind: JobMonthly, Schedule: schedule, TZ: f.zone().String(), Key: "system/stats-monthly",
		// A new install waits for the first occurrence rather than greet
		// the admins at once with a month it did not count.
		First: f.firstReport(schedule)}}
	return m
}

type feature struct{ Deps }

// zone is the zone the counters count days in: the calendar's, else the
// default (cmd/tandem gives the bot the same, Bot.UsageZone).
func (f *feature) zone() *time.Location { return commands.ZoneOf(f.Calendar, f.DefaultTZ) }

// firstReport places a newly stored report job at its first occurrence;
// nil (at once) without NextRun or with the report off.
func (f *feature) firstReport(schedule string) func(time.Time) time.Time {
	if f.NextRun == nil || schedule == "" {
		return nil
	}
	return func(now time.Time) time.Time {
		if at, err := f.NextRun(schedule, now, f.zone()); err == nil && !at.IsZero() {
			return at
		}
		return now
	}
}

func (f *feature) logWarn(msg string, args ...any) {
	if f.Log != nil {
		f.Log.Warn(msg, args...)
	}
}
