// Command tandem runs the Tandem chat-ops bot and its tools.
//
//	tandem [--config FILE]            run the bot (console + configured platforms)
//	tandem chat --as NAME             talk to the bot from this terminal
//	tandem config check FILE          validate a configuration file
//	tandem slack manifest             print a Slack app manifest
//	tandem calendar DATE…             working day or day off, and why
//	tandem sla --policy P2 --opened T when a ticket's SLA targets and escalations fall
//	tandem backup DEST                copy the database, safely while it runs
//	tandem migrate --from sqlite:PATH --to postgres:ENV_VAR
//	                                  copy a SQLite database into PostgreSQL
//	tandem version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"
	// The zone database, built in (about 450 KB): people's zones, the work
	// calendar and schedules need it, and minimal hosts and images (scratch,
	// distroless without tzdata) have none. A host's /usr/share/zoneinfo
	// still wins when present.
	_ "time/tzdata"

	"github.com/tandemhq/tandem/adapters/draw"

	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/adapters/httpserver"
	"github.com/tandemhq/tandem/adapters/icsfeed"
	"github.com/tandemhq/tandem/adapters/prom"
	"github.com/tandemhq/tandem/adapters/xlsx"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/sheet"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/directory"
	"github.com/tandemhq/tandem/commands/features"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

func main() {
	// Tandem's live heap is small (tens of MB) while each command allocates
	// a few tens of KB, so the default GOGC=100 spends CPU on collections
	// that free little; 400 measured ~7% more commands per second under load
	// (docs/performance.md). An explicit GOGC still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "tandem:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "serve", "run":
			return runServe(ctx, args[1:], stderr)
		case "chat":
			return runChat(ctx, args[1:], stdin, stdout, stderr)
		case "calendar":
			return runCalendar(args[1:], stdout, stderr)
		case "sla":
			return runSLA(args[1:], time.Now(), stdout, stderr)
		case "config":
			return runConfig(args[1:], stdout)
		case "export":
			return runExport(ctx, args[1:], time.Now(), stdout, stderr)
		case "backup":
			return runBackup(ctx, args[1:], stdout, stderr)
		case "migrate":
			return runMigrate(ctx, args[1:], stdout, stderr)
		case "slack":
			return runSlack(args[1:], stdout, stderr)
		case "version", "--version":
			fmt.Fprintln(stdout, "tandem", version)
			return nil
		case "help", "-h", "--help":
			fmt.Fprint(stdout, usage)
			return nil
		}
		if !strings.HasPrefix(args[0], "-") {
			return fmt.Errorf("unknown command %q\n%s", args[0], usage)
		}
	}
	return runServe(ctx, args, stderr)
}

const usage = `Usage:
  tandem [serve] [--config FILE]      run the bot (SQLite + console by default)
  tandem chat --as NAME [--config FILE] [--url URL]
                                      talk to the bot from this terminal
  tandem config check FILE            validate a configuration file
  tandem slack manifest [--config FILE]
                                      print the Slack app manifest for this config
  tandem calendar [--config FILE] DATE|YYYY-MM...
                                      say which days are working days, and why
  tandem sla --policy NAME|P1..P4 [--dept DEPT] [--category CAT] [--opened "YYYY-MM-DD HH:MM"] [--config FILE]
                                      when a ticket's SLA targets and escalation steps fall
  tandem export KIND [--month YYYY-MM] [--format xlsx|csv] [--dept NAME] [--ask A-ID] --out FILE [--config FILE]
                                      write tasks, tickets, meetings, requests, a ledger or stats to a file
  tandem backup [--config FILE] DEST  copy the database to DEST, safely while a server runs (SQLite)
  tandem migrate --from sqlite:PATH --to postgres:ENV_VAR
                                      copy a SQLite database into an empty PostgreSQL one
  tandem version
`

// loadConfig reads path, or returns the defaults when path is "".
func loadConfig(path string) (Config, error) {
	if path == "" {
		cfg := DefaultConfig()
		return cfg, cfg.Validate()
	}
	return ReadConfigFile(path)
}

func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevels[cfg.Level]}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("tandem", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML); defaults are used when empty")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file until shutdown (for performance work)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.Log, stderr)}
	if err := m.Run(); err != nil {
		m.Close()
		return err
	}
	fmt.Fprintln(stderr, m.readyLine(*path))
	<-ctx.Done()
	m.Log.Info("shutting down")
	return m.Close()
}

// runBackup copies the config's database to a new file with SQLite's
// VACUUM INTO: a consistent snapshot taken in a read transaction, so it is
// safe while a server runs (it does not take the database lock).
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tandem backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file (YAML); defaults are used when empty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: tandem backup [--config FILE] DEST")
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	if cfg.Storage.Driver != "sqlite" {
		return fmt.Errorf("tandem backup copies a SQLite file, and storage.driver is %s: back PostgreSQL up with its own tools "+
			"(pg_dump, or the server's base backups and WAL archive; docs/postgres.md)", cfg.Storage.Driver)
	}
	start := time.Now()
	if err := sqlite.Backup(ctx, cfg.Storage.Path, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s in %s\n", cfg.Storage.Path, fs.Arg(0), time.Since(start).Round(time.Millisecond))
	return nil
}

func runConfig(args []string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "check" {
		return fmt.Errorf("usage: tandem config check FILE")
	}
	cfg, err := ReadConfigFile(args[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: OK\n", args[1])
	if cfg.Storage.Driver == "postgres" {
		// Checked here, not by Validate: a file is often checked where it
		// will not run (CI), without the server's environment.
		if _, err := cfg.Storage.dsn(); err != nil {
			fmt.Fprintf(stdout, "note: %v (tandem needs it to start)\n", err)
		}
	}
	fmt.Fprint(stdout, cfg.Redacted())
	return nil
}

// Main is the running program: it owns every component and closes them in
// order. Tests run it in-process with a temporary directory.
type Main struct {
	Config Config
	Log    *slog.Logger
	// NoHTTP runs without the HTTP server (the embedded `tandem chat`).
	NoHTTP bool
	// Now is the clock of everything that decides by time: the bot (the
	// time of commands), the job scheduler (which jobs are due, and the
	// time job handlers see), the outbox dispatcher (which messages are
	// due, leases, rate limits), the console, and the seeding and system
	// jobs at start. It defaults to time.Now; end-to-end tests set a
	// virtual clock to walk a ticket through days of its SLA in seconds.
	// The adapters keep real time (signature windows, tokens), as do the
	// store's stall watch (/readyz) and measured durations.
	Now func() time.Time
	// ConnLease is how long a replica holds the lease of a platform's long
	// connection (scheduler.Leader): the longest the connection stays down
	// after the replica holding it dies. It defaults to
	// storage.leases.connection; in-process tests shorten it.
	ConnLease time.Duration

	// DB is the store storage.driver chose.
	DB     Database
	Bot    *bot.Bot
	Router *commands.Router
	// Directories are the platforms' directories, which the platforms add
	// to as they open.
	Directories *directory.Directories
	// FreeBusy is the free/busy registry the meeting feature reads
	// attendees' calendars through.
	FreeBusy   *bot.FreeBusyRegistry
	Dispatcher *scheduler.Dispatcher
	Scheduler  *scheduler.Scheduler
	Console    *console.Adapter
	Server     *httpserver.Server
	// CalendarFeed serves each person's meetings as iCalendar; its URL
	// method gives a person their link. Nil without the HTTP server.
	CalendarFeed *icsfeed.Feed
	// Metrics counts for /metrics (http.metrics).
	Metrics *prom.Metrics

	closers []func() error // intake first, storage last
	// checks are /readyz's checks of the platform connections, added as the
	// platforms open.
	checks []httpserver.Check
}

// Run opens storage, seeds people from the config, starts the bot, the
// outbox and the adapters, and finally opens the HTTP server.
func (m *Main) Run() error {
	cfg := m.Config
	if m.Log == nil {
		m.Log = slog.Default()
	}
	if m.Now == nil {
		m.Now = time.Now
	}
	lang, _ := bot.ParseLang(cfg.Bot.DefaultLang)
	loc, err := time.LoadLocation(cfg.Bot.DefaultTZ)
	if err != nil {
		return err
	}
	dueH, dueM, _ := parseClock(cfg.Bot.DueTime)

	// One bot per SQLite file: released last, after storage closed.
	if cfg.Storage.Driver == "sqlite" {
		role := "server"
		if m.NoHTTP {
			role = "chat"
		}
		unlock, err := lockDatabase(cfg.Storage.Path, role)
		if err != nil {
			return err
		}
		m.closers = append(m.closers, unlock)
	}

	if m.DB, err = openDatabase(cfg.Storage, m.Log); err != nil {
		return err
	}
	m.closers = append(m.closers, m.DB.Close)
	if err := seed(context.Background(), m.DB, cfg, m.Now()); err != nil {
		return fmt.Errorf("apply people and departments from config: %w", err)
	}

	cal, err := newCalendar(cfg)
	if err != nil {
		return err
	}
	m.Directories = newDirectories(cfg, m.Log)
	// One set of commit hooks for every unit of the process: what a unit
	// queues wakes the senders, what it schedules wakes the scheduler, once
	// it has committed. The store runs them (bot.Hooked), so commands and job
	// handlers only write.
	hooks := &bot.Hooks{}
	store := bot.Hooked(m.DB, hooks)
	// One notifier for commands and job handlers; its Platforms are filled
	// in once the platforms are open, before any event arrives.
	notifyWindow, _ := time.ParseDuration(cfg.Bot.NotifyWindow) // checked by Validate
	quiet, _ := bot.ParseQuietHours(cfg.Bot.QuietHours)         // checked by Validate
	notifier := &bot.Notifier{DefaultLang: lang, DefaultTZ: loc, Window: notifyWindow, Quiet: quiet}
	// The platforms are the notifier's, filled in below before the HTTP
	// server, the only scraper, starts.
	m.Metrics = prom.New(func(ctx context.Context) ([]prom.Queue, error) {
		return outboxQueues(ctx, m.DB, notifier.Platforms)
	}, m.Now, m.Log)
	// Replicas on PostgreSQL keep the platforms' limits together, in the
	// database; SQLite's one process keeps them in memory.
	m.Dispatcher = &scheduler.Dispatcher{Store: store, Log: m.Log, Now: m.Now, Metrics: m.Metrics,
		SharedLimits: cfg.Storage.Driver == "postgres",
		Lease:        cfg.Storage.Leases.Work, SendTimeout: sendTimeout(cfg.Storage.Leases.Work), Idle: min(5*time.Second, cfg.Storage.Leases.Work)}
	hooks.OnQueued(m.Dispatcher.Trigger)
	m.FreeBusy = newFreeBusy(cfg, m.Dispatcher, loc)
	askRemindAt, _ := cfg.Asks.remindAt() // checked by Validate
	pruner := &scheduler.Pruner{Store: store, Steps: scheduler.PruneSteps(cfg.Storage.Retention.retention())}
	painter, err := draw.New(draw.Options{})
	if err != nil {
		return err
	}
	modules := append(features.Modules(features.Deps{
		Store: store, DueHour: dueH, DueMinute: dueM, Calendar: cal, Directories: m.Directories,
		NextRun: func(schedule string, after time.Time, l *time.Location) (time.Time, error) {
			return scheduler.Next(schedule, after, l, cal)
		},
		Notifier:         notifier,
		GroupCreators:    groupCreators{m.Dispatcher},
		DefaultTZ:        loc,
		DefaultLang:      lang,
		Log:              m.Log,
		Tickets:          ticketsDeps(cfg),
		FreeBusy:         m.FreeBusy,
		MeetingReminders: cfg.Meetings.reminders(),
		CalendarFeeds:    feedLinks{m},
		Projects:         cfg.Projects.deps(),
		Painter:          painter,
		SheetWriters:     []sheet.Writer{xlsx.Writer{}},
		AskRemindAt:      askRemindAt,
		Requests:         cfg.Requests.config(),
		AskReaders:       readReporters(m.Dispatcher),
		Announce:         cfg.Announce.deps(),
		Stats:            cfg.Stats.deps(),
		Metrics:          m.Metrics,
	}), pruneModule(pruner))
	m.Router = commands.NewRouter(modules...)
	m.Scheduler = &scheduler.Scheduler{Store: store, Handlers: m.Router.JobHandlers(), Calendar: cal, Log: m.Log, Now: m.Now,
		Metrics: m.Metrics, Lease: cfg.Storage.Leases.Work,
		// Another replica's claims, and the work it adds, wake nothing
		// here: polling at least once a lease is what lets this replica
		// take over a dead one's claims within a lease of their end.
		Idle: min(30*time.Second, cfg.Storage.Leases.Work)}
	if w, ok := m.DB.(interface{ JobWorkers() int }); ok {
		m.Scheduler.Workers = w.JobWorkers() // PostgreSQL: units on connections of their own
	}
	hooks.OnScheduled(m.Scheduler.Trigger)
	if err := store.Update(context.Background(), func(tx bot.Tx) error {
		return commands.EnsureSystemJobs(tx, m.Now(), modules...)
	}); err != nil {
		return fmt.Errorf("schedule system jobs: %w", err)
	}
	m.Bot = &bot.Bot{Store: store, Router: m.Router, Log: m.Log, Now: m.Now, DefaultLang: lang, DefaultTZ: loc,
		Notifier: notifier, OnNewAccount: m.Directories.OnNewAccount, UsageZone: usageZone(cal, loc),
		Approval: cfg.Bot.Registration == "approval", Metrics: m.Metrics}

	routes := map[string]http.Handler{}
	if cfg.Console.Enabled || m.NoHTTP {
		m.Console = console.New(m.Bot, store)
		m.Console.Now = m.Now
		m.Console.PictureDir = filepath.Join(dataDir(cfg), "pictures")
		m.Console.FileDir = filepath.Join(dataDir(cfg), "files")
		hooks.OnQueued(m.Console.Wake)
		if !m.NoHTTP {
			if err := m.guardConsole(); err != nil {
				return err
			}
			maps.Copy(routes, m.Console.Routes())
		}
	}
	if !m.NoHTTP {
		if err := m.openCalendarFeed(store, cal, loc, routes); err != nil {
			return err
		}
	}
	intake, err := m.openPlatforms(routes)
	if err != nil {
		return err
	}
	for _, s := range m.Dispatcher.Senders {
		notifier.Platforms = append(notifier.Platforms, s.Platform())
	}
	if m.Console != nil {
		notifier.Platforms = append(notifier.Platforms, bot.PlatformConsole)
	}

	if err := m.Dispatcher.Open(); err != nil {
		return err
	}
	m.closers = append(m.closers, m.Dispatcher.Close)
	if err := m.Scheduler.Open(); err != nil {
		return err
	}
	m.closers = append(m.closers, m.Scheduler.Close)
	if err := m.Bot.Open(); err != nil {
		return err
	}
	m.closers = append(m.closers, m.Bot.Close)
	// Connections that receive events (Socket Mode) start only now that the
	// bot can take them, and are closed before it.
	for _, start := range intake {
		stop, err := start()
		if err != nil {
			return err
		}
		m.closers = append(m.closers, stop)
	}

	if !m.NoHTTP && cfg.HTTP.Metrics.Enabled {
		routes["GET /metrics"] = m.Metrics.Handler(cfg.HTTP.Metrics.Token)
	}
	if !m.NoHTTP {
		m.Server = &httpserver.Server{Addr: cfg.HTTP.Addr, Routes: routes, Log: m.Log, Checks: m.readyChecks(), Drain: cfg.HTTP.Drain}
		if err := m.Server.Open(); err != nil {
			return err
		}
		m.closers = append(m.closers, m.Server.Close)
		m.setFeedBase()
		if m.Console != nil {
			if err := m.publishConsole(); err != nil {
				return err
			}
		}
	}
	m.Log.Info("tandem started", "version", version, "driver", cfg.Storage.Driver, "db", cfg.Storage.where(), "console", m.Console != nil)
	return nil
}

// outboxQueues reads the outbox queues for the metrics scrape. The store
// has a row only for a platform with something queued; each platform Tandem
// sends for gets one too, with nothing queued, so that its gauges read 0
// when its queue is empty rather than vanish (a graph would show a gap,
// and the last value seen would stand).
func outboxQueues(ctx context.Context, db Database, platforms []string) ([]prom.Queue, error) {
	qs, err := db.OutboxQueues(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]prom.Queue, 0, len(qs)+len(platforms))
	for _, q := range qs {
		out = append(out, prom.Queue{Platform: q.Platform, Depth: q.Depth, Oldest: q.Oldest})
	}
	for _, p := range platforms {
		if !slices.ContainsFunc(out, func(q prom.Queue) bool { return q.Platform == p }) {
			out = append(out, prom.Queue{Platform: p})
		}
	}
	return out, nil
}

// pruneModule is the core's own module: the pruning job, a system job every
// hour.
func pruneModule(p *scheduler.Pruner) commands.Module {
	j := p.Job(time.Time{})
	return commands.Module{Name: "prune", Jobs: map[string]bot.JobHandler{scheduler.JobPrune: p},
		SystemJobs: []commands.SystemJob{{Kind: j.Kind, Schedule: j.Schedule, TZ: j.TZ, Key: j.DedupKey}}}
}

// newDirectories turns the directory config into the directory jobs'
// settings; the apps' directories are added as the platforms open.
func newDirectories(cfg Config, log *slog.Logger) *directory.Directories {
	d := &directory.Directories{Sync: cfg.Directory.Sync, Log: log}
	if d.Sync == "off" {
		d.Sync = ""
	}
	for _, m := range cfg.Directory.Match {
		d.MatchEmail = d.MatchEmail || m == "email"
		d.MatchMobile = d.MatchMobile || m == "mobile"
	}
	for _, dc := range cfg.Departments {
		for _, ref := range dc.Directory {
			if platform, app, r, ok := parseDeptRef(ref); ok {
				d.Depts = append(d.Depts, directory.DeptMapping{Dept: dc.Name, Platform: platform, App: app, Ref: r})
			}
		}
	}
	return d
}

// readyChecks are /readyz's: the store takes writes (a writer stalled for
// seconds, or failing its commits, makes every webhook wait and then be
// refused) and answers reads; the job scheduler's loop is alive; and each
// platform's connection is up (long connections) or configured (webhooks).
// They run on real time, whatever Main.Now is.
func (m *Main) readyChecks() []httpserver.Check {
	store := storeReady(m.DB)
	scheduler := func(context.Context) error { return m.Scheduler.Stalled(time.Now()) }
	return append([]httpserver.Check{{Name: "store", Run: store}, {Name: "scheduler", Run: scheduler}}, m.checks...)
}

// Close stops intake first (HTTP server, platform connections), then the
// bot's retries, then the scheduler, then the outbox, then storage, so that
// everything acknowledged is either processed or left pending in the
// database, and every job either completed or handed back.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}
