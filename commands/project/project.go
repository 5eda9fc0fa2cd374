// Package project is the chat surface of projects (bot/project): creating
// a project with a SMART goal, its members and roles, milestones and the
// work attached to it; its status in words and pictures (kanban, Gantt,
// burndown); the daily delay-risk check that warns the lead and the
// project's groups; the weekly review; and the close-out report.
package project

import (
	"log/slog"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
)

// Config is the projects section of the configuration.
type Config struct {
	// Review is when each project's weekly review is posted by default
	// (projects.review, "fri 16:00"); a project can change its own.
	Review project.Weekly
	// CheckAt is the time of day, on working days, the delay-risk check
	// runs (projects.check_at, 09:30).
	CheckAt time.Duration
}

// Deps are what the projects feature needs from the host.
type Deps struct {
	Config Config
	// Calendar is the work calendar; nil: weekends only.
	Calendar *workcal.Calendar
	// Painter draws the pictures; nil: status is words only.
	Painter     picture.Painter
	Notifier    *bot.Notifier
	Store       bot.Store
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
	Log         *slog.Logger
	// OnClosed, when set, runs in the unit that closes a project, with its
	// subject ("project/<key>"), its name, the people who took part (the
	// lead and the members) and the time: the feedback forms
	// (commands/feedback) hang on it without the packages importing each
	// other.
	OnClosed func(tx bot.Tx, subject, title string, participants []int64, now time.Time) error
}

// DefaultConfig is the projects section when none is given (tests, a
// host without one): reviews on Fridays at 16:00, the check at 09:30, as
// the config file's defaults.
func DefaultConfig() Config {
	return Config{Review: project.Weekly{Weekday: time.Friday, Clock: 16 * time.Hour}, CheckAt: 9*time.Hour + 30*time.Minute}
}

// Module is the projects feature.
func Module(d Deps) commands.Module {
	if d.Config == (Config{}) {
		d.Config = DefaultConfig()
	}
	f := &feature{Deps: d}
	return commands.Module{
		Name:     "project",
		Commands: []*commands.Command{f.command()},
		Jobs:     f.jobs(),
	}
}

type feature struct{ Deps }
