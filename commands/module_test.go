package commands_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/storage/sqlite"
)

func nopJob(context.Context, bot.Tx, *bot.Job, time.Time) error { return nil }

// Ensure the router is built from modules only: their commands answer in
// order, their job handlers are collected, and a bare id runs the sub a
// command names in ByID, for any command (not only tasks).
func TestRouter_FromModules(t *testing.T) {
	var shown []string
	show := &commands.Sub{Name: "show", Run: func(c *commands.Ctx) error {
		shown = append(shown, commands.JoinRaw(c.Args))
		return nil
	}}
	ticket := commands.Module{Name: "ticket",
		Commands: []*commands.Command{{Name: "ticket", Subs: []*commands.Sub{{Name: "list", Run: func(*commands.Ctx) error { return nil }}, show}, ByID: "show"}},
		Jobs:     map[string]bot.JobHandler{"sla": bot.JobHandlerFunc(nopJob)},
	}
	plain := commands.Module{Name: "plain",
		Commands: []*commands.Command{{Name: "plain", Subs: []*commands.Sub{{Name: "list", Run: func(*commands.Ctx) error { return nil }}}}},
		Jobs:     map[string]bot.JobHandler{"ping": bot.JobHandlerFunc(nopJob)},
	}
	r := commands.NewRouter(ticket, plain)
	if got := len(r.JobHandlers()); got != 2 {
		t.Errorf("job handlers = %d, want 2 (sla, ping)", got)
	}
	var names []string
	for _, c := range r.Commands() {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "help ticket plain" {
		t.Errorf("commands = %q", got)
	}
	route := func(text string) error {
		return r.Route(context.Background(), &bot.Request{Event: &bot.Event{Text: text}, Lang: bot.LangEN, Loc: time.UTC, Now: time.Now()})
	}
	if err := route("ticket #7"); err != nil {
		t.Fatal(err)
	}
	if len(shown) != 1 || shown[0] != "#7" {
		t.Errorf("ticket #7 ran show with %q", shown)
	}
	// Without ByID a number is an unknown sub-command, not a show.
	if err := route("plain 7"); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("plain 7: %v, want EINVALID", err)
	}
}

// Ensure two modules claiming one job kind stop the start, rather than one
// silently replacing the other's handler.
func TestRouter_JobKindClash(t *testing.T) {
	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), `"sla"`) {
			t.Errorf("panic = %v, want one naming the kind", p)
		}
	}()
	m := func(name string) commands.Module {
		return commands.Module{Name: name, Jobs: map[string]bot.JobHandler{"sla": bot.JobHandlerFunc(nopJob)}}
	}
	commands.NewRouter(m("a"), m("b"))
}

// Ensure system jobs are kept in step at start: stored once, replaced when
// their schedule changes, cancelled when a module switches one off.
func TestEnsureSystemJobs(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "t.db"))
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ensure := func(schedule string) []*bot.Job {
		t.Helper()
		m := commands.Module{Name: "sync", SystemJobs: []commands.SystemJob{{Kind: "sync", Schedule: schedule, Key: "system/sync"}}}
		var pending []*bot.Job
		err := db.Update(context.Background(), func(tx bot.Tx) error {
			if err := commands.EnsureSystemJobs(tx, now, m); err != nil {
				return err
			}
			var err error
			pending, err = tx.FindJobs(bot.JobFilter{Kind: "sync", State: bot.JobPending})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return pending
	}
	if js := ensure("cron:0 3 * * *"); len(js) != 1 || js[0].Schedule != "cron:0 3 * * *" {
		t.Fatalf("first start: %+v", js)
	}
	first := ensure("cron:0 3 * * *")
	if len(first) != 1 {
		t.Fatalf("second start with the same schedule: %d jobs", len(first))
	}
	if js := ensure("cron:0 4 * * *"); len(js) != 1 || js[0].Schedule != "cron:0 4 * * *" || js[0].ID == first[0].ID {
		t.Fatalf("changed schedule: %+v", js)
	}
	if js := ensure(""); len(js) != 0 {
		t.Fatalf("switched off: %d jobs still pending", len(js))
	}
}

// Ensure a sub-command's prepare step runs before its unit, outside it and
// once, with the arguments the command gets, and that the command finds what
// it read; commands without one prepare nothing.
func TestRouter_PrepareStep(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "p.db"))
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var fetches []string
	busy := &commands.Sub{Name: "busy",
		Prepare: func(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
			who := commands.JoinRaw(args)
			return func(ctx context.Context, view bot.Viewer) (any, error) {
				fetches = append(fetches, who) // the network, in a real feature
				return who + " is busy 14:00-15:00", nil
			}
		},
		Run: func(c *commands.Ctx) error {
			if c.PrepareErr != nil {
				return c.PrepareErr
			}
			c.ReplyText(bot.T(c.Prepared.(string), c.Prepared.(string)))
			return nil
		}}
	plain := &commands.Sub{Name: "plain", Run: func(c *commands.Ctx) error {
		c.ReplyText(bot.T("plain", "plain"))
		return nil
	}}
	r := commands.NewRouter(commands.Module{Name: "meet", Commands: []*commands.Command{{Name: "meet", Subs: []*commands.Sub{plain, busy}}}})
	b := &bot.Bot{Store: db, Router: r, Log: slog.New(slog.DiscardHandler)}
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	say := func(key, text string) string {
		res, err := b.Accept(context.Background(), &bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: key,
			ChatID: "dm:ann", ChatType: bot.ChatDirect, Sender: bot.Author{UserID: "ann", Name: "ann"}, Text: text}, 5*time.Second)
		if err != nil || len(res.Replies) != 1 {
			t.Fatalf("%s: %+v, %v", text, res, err)
		}
		return res.Replies[0].Text
	}
	if got := say("k1", "meet busy @bob"); got != "@bob is busy 14:00-15:00" {
		t.Errorf("reply = %q", got)
	}
	if got := say("k2", "meet plain"); got != "plain" {
		t.Errorf("reply = %q", got)
	}
	if len(fetches) != 1 || fetches[0] != "@bob" {
		t.Errorf("fetches = %q, want one for @bob", fetches)
	}
}

// Ensure a system job with First waits for its first occurrence, and one
// without runs at once.
func TestEnsureSystemJobs_First(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "t.db"))
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	monday := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	m := commands.Module{Name: "weekly", SystemJobs: []commands.SystemJob{
		{Kind: "weekly", Schedule: "cron:0 9 * * 1", Key: "system/weekly", First: func(time.Time) time.Time { return monday }},
		{Kind: "minutely", Schedule: "cron:* * * * *", Key: "system/minutely"},
	}}
	var jobs []*bot.Job
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		if err := commands.EnsureSystemJobs(tx, now, m); err != nil {
			return err
		}
		var err error
		jobs, err = tx.FindJobs(bot.JobFilter{State: bot.JobPending, Limit: 10})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	due := map[string]time.Time{}
	for _, j := range jobs {
		due[j.Kind] = j.RunAt
	}
	if !due["weekly"].Equal(monday) || !due["minutely"].Equal(now) {
		t.Errorf("first runs = %v, want the weekly one on Monday and the other now", due)
	}
}

// Ensure a module's listener is offered only typed messages that name no
// command: free text goes to it, a command word (even with an unknown
// sub-command) and a button never do, and what it declines gets the
// usual "I don't know" reply.
func TestRouter_ListenTakesOnlyMessagesThatNameNoCommand(t *testing.T) {
	var offered []string
	listener := commands.Module{Name: "listener",
		Commands: []*commands.Command{{Name: "plain", Subs: []*commands.Sub{{Name: "list", Run: func(*commands.Ctx) error { return nil }}}}},
		Listen: func(c *commands.Ctx) (bool, error) {
			offered = append(offered, c.Event.Text)
			return !strings.HasPrefix(c.Event.Text, "decline"), nil
		},
	}
	r := commands.NewRouter(listener)
	route := func(ev *bot.Event) error {
		return r.Route(context.Background(), &bot.Request{Event: ev, Lang: bot.LangEN, Loc: time.UTC, Now: time.Now()})
	}
	if err := route(&bot.Event{Text: "Fixed the login; today tests"}); err != nil {
		t.Errorf("free text: %v", err)
	}
	if err := route(&bot.Event{Text: "plain lsit"}); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("a mistyped sub-command: %v, want EINVALID", err)
	}
	if err := route(&bot.Event{Text: "/plain list"}); err != nil {
		t.Errorf("a command: %v", err)
	}
	if err := route(&bot.Event{Action: &bot.Action{ID: "nothing.here"}}); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("a stale button: %v, want EINVALID", err)
	}
	if err := route(&bot.Event{Text: "decline this"}); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("declined free text: %v, want the unknown-command reply", err)
	}
	if want := []string{"Fixed the login; today tests", "decline this"}; strings.Join(offered, "|") != strings.Join(want, "|") {
		t.Errorf("offered %q, want %q", offered, want)
	}
}
