// Package commandstest is the test kit of the features' chat surfaces: a
// Harness that runs the real bot, every feature's module and a SQLite store
// in a temporary directory, with a clock the test sets. Feature tests embed
// it and add their own helpers.
package commandstest

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/adapters/draw"
	"github.com/tandemhq/tandem/adapters/xlsx"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/sheet"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/features"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// Shanghai is the zone of the harness's bot and clock.
var Shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// sharedPainter is the projects' painter every harness shares: it is
// safe for concurrent use, and parsing its font once keeps harnesses cheap.
var sharedPainter = sync.OnceValues(func() (*draw.Painter, error) { return draw.New(draw.Options{}) })

// Harness runs the real bot, router (every feature, as cmd/tandem builds
// it) and SQLite store with a settable clock.
type Harness struct {
	T   *testing.T
	DB  *sqlite.DB
	Bot *bot.Bot
	// Deps are what the features were built with.
	Deps features.Deps
	now  atomic.Pointer[time.Time]
	seq  int
}

// Friday10 is Friday 2026-11-20 10:00 in Shanghai, the harness's first now.
var Friday10 = time.Date(2026, 11, 20, 10, 0, 0, 0, Shanghai)

// New starts a harness at Friday10. Options change the features'
// dependencies before the router is built (a calendar, NextRun,
// directories); by default there is no calendar, no NextRun and no
// directory, and a date without a clock means 18:00.
func New(t *testing.T, options ...func(*features.Deps)) *Harness {
	t.Helper()
	h := &Harness{T: t}
	h.SetNow(Friday10)
	h.DB = sqlite.NewDB(filepath.Join(t.TempDir(), "t.db"))
	h.DB.Log = slog.New(slog.DiscardHandler)
	if err := h.DB.Open(); err != nil {
		t.Fatal(err)
	}
	painter, err := sharedPainter()
	if err != nil {
		t.Fatal(err)
	}
	deps := features.Deps{Store: h.DB, DueHour: 18, DefaultTZ: Shanghai, DefaultLang: bot.LangEN,
		Log: slog.New(slog.DiscardHandler), Painter: painter, SheetWriters: []sheet.Writer{xlsx.Writer{}}}
	for _, o := range options {
		o(&deps)
	}
	h.Deps = deps
	h.Bot = &bot.Bot{Store: h.DB, Router: commands.NewRouter(features.Modules(deps)...), DefaultLang: bot.LangEN, DefaultTZ: Shanghai,
		NotifyWindow: bot.DefaultNotifyWindow, Now: h.Now}
	if err := h.Bot.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Bot.Close(); h.DB.Close() })
	return h
}

// SetNow sets the harness's clock.
func (h *Harness) SetNow(t time.Time) { h.now.Store(&t) }

// Now is the harness's clock.
func (h *Harness) Now() time.Time { return *h.now.Load() }

// NextKey is a delivery id no event of the harness had: prefix and a
// number.
func (h *Harness) NextKey(prefix string) string {
	h.seq++
	return fmt.Sprint(prefix, h.seq)
}

// MustLoad loads a time zone or panics.
func MustLoad(name string) *time.Location { return mustLoad(name) }

// Send delivers an event and returns the rendered replies.
func (h *Harness) Send(user string, text string, action *bot.Action) string {
	h.T.Helper()
	return h.Deliver(&bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: h.NextKey("k"),
		ChatID: "dm:" + user, ChatType: bot.ChatDirect, Sender: bot.Author{UserID: user, Name: user}, Text: text, Action: action})
}

// Deliver runs an event through the bot, as an adapter does, and returns
// the replies as the console shows them.
func (h *Harness) Deliver(ev *bot.Event) string {
	h.T.Helper()
	res, err := h.Bot.Accept(context.Background(), ev, 10*time.Second)
	if err != nil {
		h.T.Fatal(err)
	}
	if !res.Done {
		h.T.Fatalf("%q: not processed in time", ev.Text)
	}
	var parts []string
	for _, m := range res.Replies {
		parts = append(parts, console.Render(m))
	}
	return strings.Join(parts, "\n")
}

// Say sends text as user and returns the replies.
func (h *Harness) Say(user, text string) string { h.T.Helper(); return h.Send(user, text, nil) }

// Meet has each console user talk to the bot once, so that others can name
// them: an @name that matches nobody is an error, not a new person.
func (h *Harness) Meet(users ...string) {
	h.T.Helper()
	for _, u := range users {
		h.Say(u, "whoami")
	}
}

// Expect sends text and fails unless every want appears in the reply.
func (h *Harness) Expect(user, text string, wants ...string) string {
	h.T.Helper()
	got := h.Say(user, text)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			h.T.Errorf("%s: %q\nreply:\n%s\nmissing %q", user, text, got, w)
		}
	}
	return got
}

// Task reads task id.
func (h *Harness) Task(id int64) *task.Task {
	h.T.Helper()
	var tk *task.Task
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { tk, err = task.From(tx).FindTaskByID(id); return }); err != nil {
		h.T.Fatal(err)
	}
	return tk
}

// Person reads the one person called handle.
func (h *Harness) Person(handle string) *bot.Person {
	h.T.Helper()
	var ps []*bot.Person
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { ps, err = tx.FindPeopleByName(handle); return })
	if len(ps) != 1 {
		h.T.Fatalf("person %q: %v", handle, ps)
	}
	return ps[0]
}

// QueuedFor returns the texts of queued outgoing messages to a console user.
func (h *Harness) QueuedFor(user string) []string {
	var out []*bot.Outgoing
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return })
	var texts []string
	for _, o := range out {
		if o.To.UserID == user && o.To.ChatID == "" && o.Msg.Edit == nil {
			texts = append(texts, o.Msg.Text)
		}
	}
	return texts
}

// QueuedCards returns the queued direct messages to a console user as the
// console shows them, buttons included.
func (h *Harness) QueuedCards(user string) []string {
	var out []*bot.Outgoing
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return })
	var shown []string
	for _, o := range out {
		if o.To.Platform == bot.PlatformConsole && o.To.UserID == user && o.To.ChatID == "" && o.Msg.Edit == nil {
			shown = append(shown, console.Render(o.Msg))
		}
	}
	return shown
}

// Admin makes the console user handle an admin.
func (h *Harness) Admin(handle string) {
	h.Say(handle, "whoami")
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		ps, err := tx.FindPeopleByName(handle)
		if err != nil {
			return err
		}
		ps[0].Role = bot.RoleAdmin
		return tx.UpdatePerson(ps[0])
	})
	if err != nil {
		h.T.Fatal(err)
	}
}

// Jobs reads the jobs f selects.
func (h *Harness) Jobs(f bot.JobFilter) []*bot.Job {
	h.T.Helper()
	var js []*bot.Job
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { js, err = tx.FindJobs(f); return }); err != nil {
		h.T.Fatal(err)
	}
	return js
}

// NewScheduling is New with a NextRun that records every schedule it is
// asked about and answers an hour after the moment given.
func NewScheduling(t *testing.T) (*Harness, *[]string) {
	var asked []string
	h := New(t, func(d *features.Deps) {
		d.NextRun = func(schedule string, after time.Time, loc *time.Location) (time.Time, error) {
			asked = append(asked, schedule)
			return after.Add(time.Hour), nil
		}
	})
	return h, &asked
}

// WorkCalendar gives the features mainland China's work calendar in
// Shanghai, and the scheduler's NextRun over it.
func WorkCalendar(t *testing.T) func(*features.Deps) {
	cal, err := workcal.ChinaMainland(Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return func(d *features.Deps) {
		d.Calendar = cal
		d.NextRun = func(schedule string, after time.Time, loc *time.Location) (time.Time, error) {
			return scheduler.Next(schedule, after, loc, cal)
		}
	}
}

// SendOn delivers text written by user (called name) in a direct chat on
// platform's workspace, and returns the replies.
func (h *Harness) SendOn(platform, workspace, user, name, text string) string {
	h.T.Helper()
	return h.Deliver(&bot.Event{Platform: platform, Workspace: workspace, DedupKey: h.NextKey("k"), ChatID: "D" + user,
		ChatType: bot.ChatDirect, Sender: bot.Author{UserID: user, Name: name}, Text: text})
}

// PersonOf reads the person of account a.
func (h *Harness) PersonOf(a bot.Account) *bot.Person {
	h.T.Helper()
	var p *bot.Person
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { p, err = tx.FindPersonByAccount(a); return }); err != nil {
		h.T.Fatalf("%v: %v", a, err)
	}
	return p
}

// RunJob runs j's handler (the router's, for j's kind) in its own unit at
// the harness's now, as the scheduler does (a bot.JobFetcher's fetch
// first, outside the unit).
func (h *Harness) RunJob(j *bot.Job) {
	h.T.Helper()
	handler, ok := h.Bot.Router.(*commands.Router).JobHandlers()[j.Kind]
	if !ok {
		h.T.Fatalf("no handler for job kind %q", j.Kind)
	}
	run := h.jobUnit(handler, j)
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		return run(tx)
	})
	if err != nil {
		h.T.Fatal(err)
	}
}

// jobUnit is what j's unit runs: the handler's RunJob, or for a
// bot.JobFetcher what its FetchJob (run now, outside any unit, as the
// scheduler runs it) returned to apply.
func (h *Harness) jobUnit(handler bot.JobHandler, j *bot.Job) func(bot.Tx) error {
	h.T.Helper()
	f, ok := handler.(bot.JobFetcher)
	if !ok {
		return func(tx bot.Tx) error { return handler.RunJob(context.Background(), tx, j, h.Now()) }
	}
	apply, err := f.FetchJob(context.Background(), j, h.Now())
	if err != nil {
		h.T.Fatal(err)
	}
	return func(tx bot.Tx) error {
		if apply == nil {
			return nil
		}
		return apply(tx)
	}
}

// Tickets gives the ticket feature cfg (policies, routing, playbooks,
// groups, digest), as the config's tickets section does.
func Tickets(cfg ticketcmd.Config) func(*features.Deps) {
	return func(d *features.Deps) { d.Tickets = cfg }
}

// CompleteJob runs j as the scheduler does and records its completion in
// the same unit: the handler's writes and the job's done state commit
// together.
func (h *Harness) CompleteJob(j *bot.Job) {
	h.T.Helper()
	handler, ok := h.Bot.Router.(*commands.Router).JobHandlers()[j.Kind]
	if !ok {
		h.T.Fatalf("no handler for job kind %q", j.Kind)
	}
	run := h.jobUnit(handler, j)
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		if err := run(tx); err != nil {
			return err
		}
		return completeUnlessEnded(tx, j, h.Now())
	})
	if err != nil {
		h.T.Fatal(err)
	}
}

// GroupCreators gives the features gc, the apps that create war rooms'
// group chats.
func GroupCreators(gc bot.GroupCreators) func(*features.Deps) {
	return func(d *features.Deps) { d.GroupCreators = gc }
}

// FetchJob runs the fetcher j as the scheduler does: its fetch outside
// any unit, then its apply and the job's completion in one unit.
func (h *Harness) FetchJob(j *bot.Job) {
	h.T.Helper()
	handler, ok := h.Bot.Router.(*commands.Router).JobHandlers()[j.Kind].(bot.JobFetcher)
	if !ok {
		h.T.Fatalf("no fetcher for job kind %q", j.Kind)
	}
	apply, err := handler.FetchJob(context.Background(), j, h.Now())
	if err != nil {
		h.T.Fatal(err)
	}
	err = h.DB.Update(context.Background(), func(tx bot.Tx) error {
		if apply != nil {
			if err := apply(tx); err != nil {
				return err
			}
		}
		return completeUnlessEnded(tx, j, h.Now())
	})
	if err != nil {
		h.T.Fatal(err)
	}
}

// Org sets up departments: for each, its head (the first user) and members
// (console users, met here), so that permissions and audiences are real
// people.
func (h *Harness) Org(depts map[string][]string) {
	h.T.Helper()
	for _, users := range depts {
		h.Meet(users...)
	}
	h.Depts(depts)
}

// Depts puts people already met (on any platform, found by name) into new
// departments, the first of each its head.
func (h *Harness) Depts(depts map[string][]string) {
	h.T.Helper()
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		for name, users := range depts {
			d := &bot.Department{Name: name}
			if err := tx.CreateDepartment(d); err != nil {
				return err
			}
			for i, u := range users {
				ps, err := tx.FindPeopleByName(u)
				if err != nil {
					return err
				}
				p := ps[0]
				p.DeptID = d.ID
				if err := tx.UpdatePerson(p); err != nil {
					return err
				}
				if i == 0 {
					d.HeadID = p.ID
					if err := tx.UpdateDepartment(d); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		h.T.Fatal(err)
	}
}

// SayIn sends text as a console user in a group chat and returns the
// replies.
func (h *Harness) SayIn(chat, user, text string) string {
	h.T.Helper()
	return h.Deliver(&bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: h.NextKey("k"),
		ChatID: chat, ChatType: bot.ChatGroup, Sender: bot.Author{UserID: user, Name: user}, Text: text})
}

// Click clicks a card's button as user, in their direct chat.
func (h *Harness) Click(user string, b bot.Button) string {
	h.T.Helper()
	return h.Send(user, "", &bot.Action{ID: b.ActionID, Value: b.Value})
}

// QueuedTo returns the queued messages (edits excluded) to dest's chat, or
// to its user when it has no chat.
func (h *Harness) QueuedTo(dest bot.Destination) []bot.Message {
	var out []*bot.Outgoing
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return })
	var msgs []bot.Message
	for _, o := range out {
		if o.To.Platform == dest.Platform && o.To.ChatID == dest.ChatID && (dest.ChatID != "" || o.To.UserID == dest.UserID) && o.Msg.Edit == nil {
			msgs = append(msgs, o.Msg)
		}
	}
	return msgs
}

// completeUnlessEnded records j's completion, as the scheduler does, unless
// its handler ended the job itself in this unit (cancelled it: a deadline
// that closes what it belongs to).
func completeUnlessEnded(tx bot.Tx, j *bot.Job, now time.Time) error {
	cur, err := tx.FindJobByID(j.ID)
	if err != nil {
		return err
	}
	if cur.State != bot.JobPending {
		return nil
	}
	return tx.CompleteJob(j.ID, time.Time{}, now)
}
