// Command askload measures an announcement's fan-out at scale, with the real
// storage (SQLite, synchronous=FULL as shipped), the asks mechanism
// (commands/asks) and the outbox dispatcher (scheduler) in one process:
//
//		go run ./cmd/askload [-people 10000] [-depts 4] [-runs 5]
//
//	 1. Database: -people people with one account each, spread evenly over
//	    Slack, Feishu, WeCom and DingTalk, in -depts departments (each with a
//	    head). It is built once per invocation and each run works on a copy.
//	 2. Enqueue (each run): one unit creates an announcement to every
//	    department and calls Engine.Send; the scheduler then runs the
//	    fan-out job as it would in tandem. The time from that commit until
//	    every person's card is a queued outbox row is the enqueue time;
//	    the command prints each run's and their median and range.
//	 3. Drain (after the last run): one outbox dispatcher per platform sends
//	    the queued rows to a fake sender that declares the real adapter's
//	    limits (Limits of adapters/slack, feishu, wecom, dingtalk), under a
//	    virtual clock: when nothing is due the clock jumps to the next due
//	    row, so the minutes a platform's limit spreads the sends over cost no
//	    wall time. Every send is recorded at its virtual time, and the
//	    command checks, per platform, every window of each limit the
//	    platform documents (see documented) against the sends: the largest
//	    count seen in any window of that length, and whether it is over.
//
// The exit status is 1 when a person's card was not queued, a row was not
// sent, or any window was over its platform's limit.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk"
	"github.com/tandemhq/tandem/adapters/feishu"
	"github.com/tandemhq/tandem/adapters/slack"
	"github.com/tandemhq/tandem/adapters/wecom"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands/asks"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
	_ "modernc.org/sqlite"
)

func main() {
	people := flag.Int("people", 10_000, "people in the announcement's audience")
	depts := flag.Int("depts", 4, "departments the people are in; the announcement goes to all of them")
	runs := flag.Int("runs", 5, "enqueue runs, each on a fresh copy of the database")
	timeout := flag.Duration("timeout", 2*time.Minute, "longest an enqueue run may take before it is reported unfinished")
	flag.Parse()
	if err := run(os.Stdout, *people, *depts, *runs, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "askload:", err)
		os.Exit(1)
	}
}

// Platforms are the four platforms people are spread over, in order.
var Platforms = []string{bot.PlatformSlack, bot.PlatformFeishu, bot.PlatformWeCom, bot.PlatformDingTalk}

// Workspace is every account's workspace.
const Workspace = "load"

func run(out io.Writer, nPeople, nDepts, runs int, timeout time.Duration) error {
	dir, err := os.MkdirTemp("", "askload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "template.db")
	start := time.Now()
	w, err := Populate(src, nPeople, nDepts, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "built %d people in %d departments over %d platforms in %s\n", nPeople, nDepts, len(Platforms), time.Since(start).Round(time.Millisecond))

	var times []time.Duration
	var last *sqlite.DB
	for r := range runs {
		path := filepath.Join(dir, fmt.Sprintf("run%d.db", r))
		if err := copyFile(src, path); err != nil {
			return err
		}
		db, err := openDB(path)
		if err != nil {
			return err
		}
		took, queued, err := Enqueue(db, path, w, time.Now(), timeout)
		if err != nil {
			db.Close()
			return err
		}
		fmt.Fprintf(out, "run %d: %d of %d cards queued in %s\n", r+1, queued, nPeople, took.Round(time.Millisecond))
		if queued < nPeople {
			db.Close()
			return fmt.Errorf("run %d: only %d of %d cards were queued within %s", r+1, queued, nPeople, timeout)
		}
		times = append(times, took)
		if r < runs-1 {
			db.Close()
			os.Remove(path)
		} else {
			last = db
		}
	}
	slices.Sort(times)
	fmt.Fprintf(out, "enqueue: median %s, range %s–%s over %d runs\n", times[len(times)/2].Round(time.Millisecond),
		times[0].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), len(times))
	defer last.Close()

	start = time.Now()
	report, err := Drain(last, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "drain: %d messages in %s of wall time\n", report.Total(), time.Since(start).Round(time.Millisecond))
	report.Print(out)
	if report.Total() != nPeople {
		return fmt.Errorf("%d messages sent, want %d", report.Total(), nPeople)
	}
	if report.Over() {
		return errors.New("a window was over its platform's limit")
	}
	return nil
}

// World is what Populate built.
type World struct {
	People  int
	DeptIDs []int64
	HeadIDs []int64
	// AuthorID is the head of the first department, who announces.
	AuthorID int64
}

// Populate builds the database at path: nPeople people, person i on
// Platforms[i%4], in department i%nDepts; the first person of each
// department is its head. People are written 500 to a unit.
func Populate(path string, nPeople, nDepts int, now time.Time) (World, error) {
	db, err := openDB(path)
	if err != nil {
		return World{}, err
	}
	defer db.Close()
	ctx := context.Background()
	w := World{People: nPeople}
	err = db.Update(ctx, func(tx bot.Tx) error {
		for d := range nDepts {
			dept := &bot.Department{Name: fmt.Sprintf("Dept %d", d+1)}
			if err := tx.CreateDepartment(dept); err != nil {
				return err
			}
			w.DeptIDs = append(w.DeptIDs, dept.ID)
		}
		return nil
	})
	if err != nil {
		return w, err
	}
	const batch = 500
	for lo := 0; lo < nPeople; lo += batch {
		err := db.Update(ctx, func(tx bot.Tx) error {
			for i := lo; i < min(lo+batch, nPeople); i++ {
				p := &bot.Person{Name: fmt.Sprintf("Person %d", i), Handle: fmt.Sprintf("p%d", i), DeptID: w.DeptIDs[i%nDepts]}
				if err := tx.CreatePerson(p, now); err != nil {
					return err
				}
				a := bot.Account{Platform: Platforms[i%len(Platforms)], Workspace: Workspace, UserID: fmt.Sprintf("u%d", i)}
				if err := tx.LinkAccount(p.ID, a, p.Name, now); err != nil {
					return err
				}
				if i < nDepts {
					w.HeadIDs = append(w.HeadIDs, p.ID)
				}
			}
			return nil
		})
		if err != nil {
			return w, err
		}
	}
	err = db.Update(ctx, func(tx bot.Tx) error {
		for d, id := range w.DeptIDs {
			if d < len(w.HeadIDs) {
				if err := tx.UpdateDepartment(&bot.Department{ID: id, Name: fmt.Sprintf("Dept %d", d+1), HeadID: w.HeadIDs[d]}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if len(w.HeadIDs) > 0 {
		w.AuthorID = w.HeadIDs[0]
	}
	return w, err
}

// Enqueue announces to every department of w and runs the scheduler until
// every person's ledger line has its card queued in the outbox (the line's
// OutboxID is set in the unit that queues the card), or timeout. It returns the
// time from the announcing unit's commit until then, and how many rows were
// queued.
func Enqueue(db *sqlite.DB, path string, w World, now time.Time, timeout time.Duration) (took time.Duration, queued int, err error) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return 0, 0, err
	}
	notifier := &bot.Notifier{DefaultLang: bot.LangEN, DefaultTZ: shanghai, Platforms: Platforms}
	engine := asks.New(asks.Deps{Notifier: notifier, Store: db, DefaultLang: bot.LangEN, DefaultTZ: shanghai,
		Log: slog.New(slog.DiscardHandler), RemindAt: 10 * time.Hour})
	engine.Register(ask.Announcement, loadKind{})
	sched := &scheduler.Scheduler{Store: db, Handlers: engine.Module().Jobs, Log: slog.New(slog.DiscardHandler)}
	count, err := outboxCounter(path)
	if err != nil {
		return 0, 0, err
	}
	defer count.Close()

	err = db.Update(context.Background(), func(tx bot.Tx) error {
		a := &ask.Ask{Kind: ask.Announcement, Title: "Office move", Body: "We move to the new office on Monday.",
			AuthorID: w.AuthorID, Status: ask.Draft, Audience: ask.Audience{DeptIDs: w.DeptIDs},
			Deadline: now.Add(7 * 24 * time.Hour), CreatedAt: now}
		if err := ask.From(tx).CreateAsk(a); err != nil {
			return err
		}
		return engine.Send(tx, a, now)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("announce: %w", err)
	}
	start := time.Now()
	if err := sched.Open(); err != nil {
		return 0, 0, err
	}
	defer sched.Close()
	for time.Since(start) < timeout {
		if queued, err = count.queued(); err != nil {
			return 0, 0, err
		}
		if queued >= w.People {
			return time.Since(start), queued, nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start), queued, nil
}

// loadKind is the announcement's words, the least a Kind needs: the load
// measures the mechanism, not the feature's text.
type loadKind struct{}

func (loadKind) Card(a *ask.Ask, _ *ask.Recipient, _ bot.Lang, _ *time.Location) bot.Card {
	return bot.Card{Title: a.Title, Fields: []bot.Field{{Label: "", Value: a.Body}}, Buttons: []bot.Button{{ActionID: "ask.ack", Value: fmt.Sprint(a.ID), Label: "I've read it"}}}
}

func (loadKind) Reminder(a *ask.Ask, _ *ask.Recipient, _ bot.Lang, _ *time.Location) string {
	return "Please acknowledge " + a.Ref()
}

func (loadKind) Expired(bot.Tx, *ask.Ask, time.Time) error { return nil }

// counter reads the outbox from a connection of its own, outside the
// writer, as a watcher would.
type counter struct{ db *sql.DB }

func outboxCounter(path string) (*counter, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	return &counter{db}, nil
}

// queued counts the ledger lines whose card is queued (their OutboxID
// set): the fan-out's progress.
func (c *counter) queued() (n int, err error) {
	err = c.db.QueryRow(`SELECT COUNT(*) FROM ask_recipients WHERE outbox_id IS NOT NULL`).Scan(&n)
	return n, err
}

func (c *counter) Close() error { return c.db.Close() }

func openDB(path string) (*sqlite.DB, error) {
	db := sqlite.NewDB(path)
	db.Log = slog.New(slog.DiscardHandler)
	return db, db.Open()
}

func copyFile(from, to string) error {
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(from + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return err
		}
		outF, err := os.Create(to + suffix)
		if err == nil {
			_, err = io.Copy(outF, in)
			if cerr := outF.Close(); err == nil {
				err = cerr
			}
		}
		in.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// limitsOf are the limits each platform's adapter declares to the outbox,
// read from the adapters themselves so that the load drains at what tandem
// would. Limits reads nothing of its adapter, so a zero one serves.
var limitsOf = map[string]bot.RateLimits{
	bot.PlatformSlack:    (&slack.Adapter{}).Limits(),
	bot.PlatformFeishu:   (&feishu.Adapter{}).Limits(),
	bot.PlatformWeCom:    (&wecom.Adapter{}).Limits(),
	bot.PlatformDingTalk: (&dingtalk.Adapter{}).Limits(),
}

// Window is a platform's documented limit: at most N sends in any window of
// length Per, in one bucket of Scope (scheduler.ScopeApp, ScopeChat,
// ScopeUser).
type Window struct {
	Scope  string
	N      int
	Per    time.Duration
	Source string
}

// documented are the platforms' own limits (shared/platforms.md and the
// adapters' limits.go), against which the drain is checked: the outbox is
// paced by the adapters' declared rates, which must keep every window of
// these under its number. Slack publishes no number for chat.postMessage
// across a workspace (Tier 4 is "100+ per minute" with bursts allowed), so
// only its per-channel limit is checked; the largest minute is printed.
var documented = map[string][]Window{
	bot.PlatformSlack: {
		{scheduler.ScopeChat, 1, time.Second, "chat.postMessage: one a second per channel"},
		{scheduler.ScopeUser, 1, time.Second, "a direct message's channel is a channel"},
	},
	bot.PlatformFeishu: {
		{scheduler.ScopeUser, 5, time.Second, "5 QPS to one user"},
		{scheduler.ScopeChat, 5, time.Second, "5 QPS into one group"},
		{scheduler.ScopeApp, 50, time.Second, "message APIs: 50 a second per app"},
		{scheduler.ScopeApp, 1000, time.Minute, "message APIs: 1000 a minute per app"},
	},
	bot.PlatformWeCom: {
		{scheduler.ScopeUser, 30, time.Minute, "30 a minute to one member"},
		{scheduler.ScopeUser, 1000, time.Hour, "1000 an hour to one member"},
		{scheduler.ScopeChat, 20, time.Minute, "a group robot: 20 a minute"},
		{scheduler.ScopeApp, 10000, time.Minute, "10,000 calls a minute per API per corp"},
	},
	bot.PlatformDingTalk: {
		{scheduler.ScopeChat, 20, time.Minute, "a robot: 20 a minute into one chat"},
		{scheduler.ScopeApp, 20, time.Second, "20 QPS per API per corp (smallest edition)"},
	},
}

// Send is one message a fake sender was given, at its virtual time.
type Send struct {
	To bot.Destination
	At time.Time
}

// fakeSender accepts everything at once and records when, on its
// dispatcher's virtual clock.
type fakeSender struct {
	platform string
	clock    *virtualClock
	mu       sync.Mutex
	sends    []Send
}

func (f *fakeSender) Platform() string       { return f.platform }
func (f *fakeSender) Limits() bot.RateLimits { return limitsOf[f.platform] }
func (f *fakeSender) recorded() []Send {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sends)
}
func (f *fakeSender) count() int            { f.mu.Lock(); defer f.mu.Unlock(); return len(f.sends) }
func (f *fakeSender) remoteID(n int) string { return fmt.Sprintf("%s-m%d", f.platform, n) }
func (f *fakeSender) Send(_ context.Context, o *bot.Outgoing) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sends = append(f.sends, Send{To: o.To, At: f.clock.Now()})
	return f.remoteID(len(f.sends)), nil
}

// virtualClock is a dispatcher's clock: it moves only when told.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *virtualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *virtualClock) advanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

// Drain delivers every queued row, one dispatcher per platform running
// concurrently, each on its own virtual clock starting at start (the
// platforms' buckets are independent, so their clocks may be too), and
// returns what each sent when.
func Drain(db bot.Store, start time.Time) (*Report, error) {
	ctx := context.Background()
	rep := &Report{Sends: map[string][]Send{}, Took: map[string]time.Duration{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(Platforms))
	for i, p := range Platforms {
		wg.Go(func() {
			clock := &virtualClock{now: start}
			s := &fakeSender{platform: p, clock: clock}
			d := &scheduler.Dispatcher{Store: db, Senders: []bot.Sender{s}, Now: clock.Now,
				Log: slog.New(slog.DiscardHandler), Owner: "askload/" + p}
			errs[i] = drainOne(ctx, db, d, s, clock)
			mu.Lock()
			rep.Sends[p] = s.recorded()
			rep.Took[p] = clock.Now().Sub(start)
			mu.Unlock()
		})
	}
	wg.Wait()
	return rep, errors.Join(errs...)
}

// drainOne runs d for one platform until nothing is queued: whatever is
// due is delivered (or deferred by the limits), then the clock jumps to the
// next due row.
func drainOne(ctx context.Context, db bot.Store, d *scheduler.Dispatcher, s *fakeSender, clock *virtualClock) error {
	platform := s.Platform()
	for stuck := 0; ; {
		before := s.count()
		n, err := d.DeliverDue(ctx, s)
		if err != nil {
			return fmt.Errorf("%s: %w", platform, err)
		}
		var next time.Time
		if err := db.View(ctx, func(tx bot.Tx) (err error) {
			next, err = tx.NextOutgoingAt(platform)
			return err
		}); err != nil {
			return err
		}
		if next.IsZero() {
			return nil
		}
		if n > 0 && s.count() > before {
			stuck = 0
			continue // there may be more due at this instant
		}
		if !next.After(clock.Now()) {
			// Due now, yet nothing was sent: deferred to a time the
			// stored millisecond rounds down to. A millisecond on.
			if stuck++; stuck > 1000 {
				return fmt.Errorf("%s: nothing sent for 1000 rounds at %s", platform, clock.Now())
			}
			next = clock.Now().Add(time.Millisecond)
		}
		clock.advanceTo(next)
	}
}

// Report is what the drain sent, per platform.
type Report struct {
	Sends map[string][]Send
	Took  map[string]time.Duration // virtual time from the start to the last send
}

// Total counts the sends.
func (r *Report) Total() int {
	n := 0
	for _, s := range r.Sends {
		n += len(s)
	}
	return n
}

// Check is one documented window's verdict on one platform.
type Check struct {
	Window
	Max int    // the most sends seen in any window of that length in one bucket
	Key string // the bucket where Max was seen
}

// Over reports whether the window was exceeded.
func (c Check) Over() bool { return c.Max > c.N }

// Checks returns every documented window's verdict for platform.
func (r *Report) Checks(platform string) []Check {
	var out []Check
	for _, w := range documented[platform] {
		byKey := map[string][]time.Time{}
		for _, s := range r.Sends[platform] {
			app, lane := scheduler.LimitsFor(s.To, limitsOf[platform])
			k := app.Key
			if w.Scope != scheduler.ScopeApp {
				k = lane.Key
			}
			if k.Scope == w.Scope {
				id := k.Scope + ":" + k.ID
				byKey[id] = append(byKey[id], s.At)
			}
		}
		c := Check{Window: w}
		for id, ts := range byKey {
			if m := MaxInWindow(ts, w.Per); m > c.Max {
				c.Max, c.Key = m, id
			}
		}
		out = append(out, c)
	}
	return out
}

// Over reports whether any window of any platform was exceeded.
func (r *Report) Over() bool {
	for _, p := range Platforms {
		for _, c := range r.Checks(p) {
			if c.Over() {
				return true
			}
		}
	}
	return false
}

// Print writes a table: per platform, the sends, the virtual time they
// took, the ideal time at the declared app rate, and every window's largest
// count against its limit.
func (r *Report) Print(w io.Writer) {
	for _, p := range Platforms {
		sends := r.Sends[p]
		app := limitsOf[p].PerApp
		ideal := time.Duration(0)
		if app.N > 0 && len(sends) > app.N {
			ideal = time.Duration(len(sends)-app.N) * app.Per / time.Duration(app.N)
		}
		fmt.Fprintf(w, "%-8s %5d sent over %s of platform time (declared app rate %d per %s: %s at best)\n",
			p, len(sends), r.Took[p].Round(time.Millisecond), app.N, app.Per, ideal.Round(time.Millisecond))
		for _, c := range r.Checks(p) {
			verdict := "ok"
			if c.Over() {
				verdict = "OVER"
			}
			fmt.Fprintf(w, "    %-4s at most %5d per %-6s: largest window %5d  %s  (%s)\n", c.Scope, c.N, c.Per, c.Max, verdict, c.Source)
		}
		var ts []time.Time
		for _, s := range sends {
			ts = append(ts, s.At)
		}
		fmt.Fprintf(w, "    app  largest minute %d, largest second %d\n", MaxInWindow(ts, time.Minute), MaxInWindow(ts, time.Second))
	}
}

// MaxInWindow returns the most times in any half-open window [t, t+per).
func MaxInWindow(ts []time.Time, per time.Duration) int {
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range ts {
		for !ts[hi].Before(ts[lo].Add(per)) {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}
