// Package features lists Tandem's features in the order help shows them,
// each built from what it needs. cmd/tandem builds the router from it, and
// so does the test kit (commands/commandstest), so tests run the same set.
// Adding a feature is a line here (see docs/architecture.md).
package features

import (
	"log/slog"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
	"github.com/tandemhq/tandem/bot/sheet"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/admin"
	"github.com/tandemhq/tandem/commands/announce"
	"github.com/tandemhq/tandem/commands/asks"
	"github.com/tandemhq/tandem/commands/calendar"
	"github.com/tandemhq/tandem/commands/digest"
	"github.com/tandemhq/tandem/commands/directory"
	"github.com/tandemhq/tandem/commands/export"
	"github.com/tandemhq/tandem/commands/feedback"
	"github.com/tandemhq/tandem/commands/files"
	"github.com/tandemhq/tandem/commands/group"
	"github.com/tandemhq/tandem/commands/link"
	"github.com/tandemhq/tandem/commands/matrix"
	"github.com/tandemhq/tandem/commands/meeting"
	"github.com/tandemhq/tandem/commands/people"
	"github.com/tandemhq/tandem/commands/project"
	"github.com/tandemhq/tandem/commands/remind"
	"github.com/tandemhq/tandem/commands/request"
	"github.com/tandemhq/tandem/commands/standup"
	statscmd "github.com/tandemhq/tandem/commands/stats"
	"github.com/tandemhq/tandem/commands/task"
	"github.com/tandemhq/tandem/commands/ticket"
	"github.com/tandemhq/tandem/commands/vote"
	"github.com/tandemhq/tandem/commands/warroom"
)

// Deps are what the features need from the host, each passed on to the
// features that use it.
type Deps struct {
	// Store is read outside the writer by the digest sweep and the
	// tickets' weekly digest.
	Store bot.Store
	// DueHour and DueMinute are the time of day a date without a clock
	// means (bot.due_time, 18:00 by default).
	DueHour, DueMinute int
	// NextRun computes the next run of a recurring schedule (see bot.Job);
	// cmd wires it to the scheduler's calendar-aware implementation.
	NextRun func(schedule string, after time.Time, loc *time.Location) (time.Time, error)
	// Notifier tells people things for the job handlers (the bot's own).
	Notifier *bot.Notifier
	// GroupCreators finds the app that can create a group chat on a
	// platform and workspace (war rooms: commands/warroom); nil when no
	// platform is configured.
	GroupCreators bot.GroupCreators
	// Calendar is the work calendar; nil when none is configured.
	Calendar *workcal.Calendar
	// Directories are the platforms' directories; nil when none is
	// configured.
	Directories *directory.Directories
	// DefaultTZ and DefaultLang apply to people who have not chosen theirs.
	DefaultTZ   *time.Location
	DefaultLang bot.Lang
	Log         *slog.Logger
	// Tickets are the tickets' policies, routing, playbooks, groups and
	// digest (the config's tickets section).
	Tickets ticket.Config
	// FreeBusy reads attendees' busy time from the platforms' calendars
	// (Feishu, DingTalk) and their calendar_url, for the meetings' conflict
	// check in a prepare step (never inside a unit); nil when none is
	// configured, and then only Tandem's own meetings are checked.
	FreeBusy bot.BusyReader
	// MeetingReminders are how long before a meeting attendees are
	// reminded (meetings.reminders); nil: a day and 15 minutes.
	MeetingReminders []time.Duration
	// CalendarFeeds gives people their iCalendar links (adapters/icsfeed);
	// nil without the HTTP server.
	CalendarFeeds meeting.Feeds
	// Projects is the projects section (the weekly review's default time,
	// the daily risk check's time).
	Projects project.Config
	// Painter draws the projects' pictures and the collaboration matrix
	// (adapters/draw); nil: words only.
	Painter picture.Painter
	// AskRemindAt is the time of day, in the calendar's zone, asks'
	// reminders go out on working days (asks.remind_at); zero: 10:00.
	AskRemindAt time.Duration
	// AskReaders finds the read reporter of a platform's app (native read
	// receipts of asks' cards); nil: none.
	AskReaders func(platform, workspace string) bot.ReadReporter
	// AskEngine is the asks mechanism to use; nil: Modules builds one from
	// the fields above (askEngine). Tests give their own, with a kind of
	// theirs registered.
	AskEngine *asks.Engine
	// Announce is the announcements' review mode (the config's announce
	// section).
	Announce announce.Config
	// Requests are the approver chains and step deadline of requests (the
	// config's requests section).
	Requests request.Config
	// Stats is the usage analytics' section (the monthly report's
	// schedule).
	Stats statscmd.Config
	// SheetWriters write exports in the formats offered besides CSV
	// (adapters/xlsx), the default first; nil: CSV only.
	SheetWriters []sheet.Writer
	// ExportStats adds sheets of figures to `export stats`; nil: the usage
	// analytics' (commands/stats.ExportSheets).
	ExportStats export.StatsHook
	// Metrics counts what the features record for the dashboards (SLA
	// breaches); nil counts nothing.
	Metrics bot.Metrics
}

// askEngine builds the asks mechanism (commands/asks) once for Modules:
// the ask features (announce, request, feedback, vote) get this one Engine
// and Register their kinds with it; registering after Module is fine (the
// kinds are looked up when a job or command runs).
func askEngine(d Deps) *asks.Engine {
	if d.AskEngine != nil {
		return d.AskEngine
	}
	return asks.New(asks.Deps{Notifier: d.Notifier, Calendar: d.Calendar, Store: d.Store, DefaultLang: d.DefaultLang,
		DefaultTZ: d.DefaultTZ, Log: d.Log, RemindAt: d.AskRemindAt, Readers: d.AskReaders})
}

// exportStats is the stats export's hook: the one given, else the usage
// analytics' sheets.
func exportStats(d Deps) export.StatsHook {
	if d.ExportStats != nil {
		return d.ExportStats
	}
	return statscmd.ExportSheets
}

// Modules returns every feature's module, in the order help lists their
// commands.
func Modules(d Deps) []commands.Module {
	// The one asks mechanism; the ask features take it (see askEngine).
	engine := askEngine(d)
	// Feedback forms hang on the closes of tickets and projects through a
	// hook of each feature's Deps (OnClosed: forms.Closed), so that neither
	// imports the other.
	forms := feedback.New(feedback.Deps{Engine: engine, Calendar: d.Calendar, DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ,
		DueHour: d.DueHour, DueMinute: d.DueMinute})
	tickets := ticket.Deps{Config: d.Tickets, Calendar: d.Calendar, NextRun: d.NextRun, Notifier: d.Notifier,
		DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ, GroupCreators: d.GroupCreators, Store: d.Store, Log: d.Log,
		OnClosed: forms.Closed, Metrics: d.Metrics}
	ms := []commands.Module{
		task.Module(task.Deps{DueHour: d.DueHour, DueMinute: d.DueMinute, Notifier: d.Notifier,
			DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ}),
		ticket.Module(tickets),
		meeting.Module(meeting.Deps{Store: d.Store, Calendars: d.FreeBusy, Calendar: d.Calendar,
			Reminders: d.MeetingReminders, Feeds: d.CalendarFeeds, Notifier: d.Notifier, DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ,
			DueHour: d.DueHour, DueMinute: d.DueMinute, Log: d.Log}),
		project.Module(project.Deps{Config: d.Projects, Calendar: d.Calendar, Painter: d.Painter, Notifier: d.Notifier,
			Store: d.Store, DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ, Log: d.Log, OnClosed: forms.Closed}),
		files.Module(),
		group.Module(),
		standup.Module(standup.Deps{Calendar: d.Calendar, Notifier: d.Notifier, DefaultTZ: d.DefaultTZ, DefaultLang: d.DefaultLang}),
		people.Module(people.Deps{NextRun: d.NextRun}),
		calendar.Module(d.Calendar),
		remind.Module(remind.Deps{NextRun: d.NextRun, DueHour: d.DueHour, DueMinute: d.DueMinute,
			DefaultLang: d.DefaultLang, Notifier: d.Notifier}),
		digest.Module(digest.Deps{Store: d.Store, NextRun: d.NextRun, DefaultTZ: d.DefaultTZ, DefaultLang: d.DefaultLang, Notifier: d.Notifier, Log: d.Log}),
		announce.Module(announce.Deps{Engine: engine, Config: d.Announce, DueHour: d.DueHour, DueMinute: d.DueMinute,
			Notifier: d.Notifier, DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ}),
		engine.Module(),
		forms.Module(),
		vote.Module(vote.Deps{Engine: engine, Notifier: d.Notifier, DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ,
			DueHour: d.DueHour, DueMinute: d.DueMinute}),
		request.Module(request.Deps{Config: d.Requests, Engine: engine, Calendar: d.Calendar, Notifier: d.Notifier,
			DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ}),
		statscmd.Module(statscmd.Deps{Config: d.Stats, Calendar: d.Calendar, Painter: d.Painter, NextRun: d.NextRun,
			Notifier: d.Notifier, Store: d.Store, DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ, Log: d.Log}),
		matrix.Module(matrix.Deps{Painter: d.Painter, DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ, Log: d.Log}),
		export.Module(export.Deps{Writers: d.SheetWriters, Stats: exportStats(d), DefaultLang: d.DefaultLang, DefaultTZ: d.DefaultTZ}),
		link.Module(),
		admin.Module(admin.Deps{Directories: d.Directories}),
		// The war room job (no commands), recording through the tickets.
		warroom.Module(ticket.WarRoomDeps(tickets)),
	}
	if d.Directories != nil {
		ms = append(ms, d.Directories.Module())
	}
	return ms
}
