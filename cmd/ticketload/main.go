// Command ticketload measures tickets at scale (issue 13, item 10: "100,000
// open tickets with live clocks: escalation checks cost what is due, not
// what is open; command latency unchanged"), with the real storage
// (SQLite, synchronous=FULL as shipped) on temporary database files:
//
//	go run ./cmd/ticketload [-tickets 100000] [-baseline 1000] [-reps 200]
//
// For each size (the baseline and -tickets) it fills a fresh database
// with that many active tickets, each with its clock's start event, a
// timeline entry and one pending escalation job (kind "ticket.escalate", a
// bot.Job row as the escalation ladder stores them), 1 % of them due and
// the rest due over the next month. Then it times, -reps times each:
//
//   - list pages as commands read them: "mine" (an owner's active tickets),
//     a department's, the breached ones, first page and page 3;
//   - FindTicketByID (a read), and a command's unit: find, UpdateTicket,
//     a timeline entry and a clock event, timed inside the writer (the
//     store's work) and around Update (with the commit and its fsync);
//   - the scheduler's escalation check: claiming the due jobs in batches of
//     200 (ClaimJobs, one unit each, as the scheduler claims), and its
//     idle tick when nothing is due (ClaimJobs finding none, NextJobAt);
//   - stats: TicketStats for one department over 7 days and for all ten
//     over 30 days (the reads of `ticket stats` and of the weekly digest,
//     in a view), the whole `ticket stats month` command through the bot
//     (its prepare step, its unit and the commit), and, for reference,
//     the read stats made before (every department's active tickets and
//     its archive newest first, 500 a page, up to 2,000 each).
//
// Beside the active tickets each database holds half as many resolved
// and closed ones, resolved over the 60 days before Now (the archive the
// stats' windows are cut from).
//
// The two databases are measured in turn, repetition by repetition, so that
// whatever else the machine does falls on both alike. It prints the median
// and the range (min–max) of each at both sizes and their ratio. Claims are
// repeated on the same due set: each round claims at a moment one lease
// later, when the previous claims have lapsed and no other job has fallen
// due. It exits non-zero only on errors, never on a figure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/features"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// EscalateKind is the job kind of an escalation step.
const EscalateKind = "ticket.escalate"

func main() {
	n := flag.Int("tickets", 100_000, "active tickets in the large database")
	baseline := flag.Int("baseline", 1_000, "active tickets in the small database it is compared with")
	reps := flag.Int("reps", 200, "repetitions of each read and unit (claims: reps/10, at least 5)")
	syncMode := flag.String("synchronous", "full", "SQLite synchronous mode: full (as shipped) or normal")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()
	if err := run(*baseline, *n, *reps, *syncMode, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "ticketload:", err)
		os.Exit(1)
	}
}

func run(baseline, n, reps int, syncMode string, keep bool) error {
	dir, err := os.MkdirTemp("", "ticketload")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	fmt.Printf("ticketload: %d cores, GOMAXPROCS %d, SQLite synchronous=%s, %d repetitions\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), syncMode, reps)
	var dbs []*sqlite.DB
	var worlds []World
	defer func() {
		for _, db := range dbs {
			db.Close()
		}
	}()
	for _, size := range []int{baseline, n} {
		db := sqlite.NewDB(filepath.Join(dir, "tickets-"+strconv.Itoa(size)+".db"))
		db.Synchronous, db.Log = syncMode, slog.New(slog.DiscardHandler)
		if err := db.Open(); err != nil {
			return err
		}
		dbs = append(dbs, db)
		start := time.Now()
		w, err := Populate(db, size, Now)
		if err != nil {
			return err
		}
		worlds = append(worlds, w)
		fmt.Printf("%d tickets stored in %s\n", size, time.Since(start).Round(time.Millisecond))
	}
	// The two databases are measured in turn, repetition by repetition, so
	// that whatever else the machine does falls on both alike.
	results := []*Figures{NewFigures(worlds[0]), NewFigures(worlds[1])}
	for r := range reps {
		for i, db := range dbs {
			if err := MeasureCommands(db, worlds[i], r, results[i]); err != nil {
				return err
			}
		}
	}
	for r := range max(reps/10, 5) {
		for i, db := range dbs {
			if err := MeasureEscalations(db, r, results[i]); err != nil {
				return err
			}
		}
	}
	var bots []*bot.Bot
	for _, db := range dbs {
		b, err := StatsBot(db)
		if err != nil {
			return err
		}
		defer b.Close()
		bots = append(bots, b)
	}
	for r := range max(reps/4, 5) {
		for i, db := range dbs {
			if err := MeasureStats(db, bots[i], worlds[i], r, results[i]); err != nil {
				return err
			}
		}
	}
	printFigures(*results[0], *results[1])
	return nil
}

// Now is the load's clock: tickets open before it, 1 % of the escalations
// are due at it.
var Now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// World is what Populate made: its people and departments, how many
// escalations are due at Now, how many tickets it resolved (the archive)
// and how many of those the first department resolved in the 7 days
// before Now.
type World struct {
	Tickets, Due       int
	Resolved, WeekDept int
	People             []int64
	Depts              []int64
}

// Populate stores n active tickets spread over 10 people, 10 departments
// and 10 categories, P1–P4, 10 % of them breached; few people and
// departments, so that at 1,000 tickets too every list timed has a third
// page (a page costs its offset and size, not the list's length);
// each with its clock's start, an "opened" timeline entry and one pending
// escalation job, every 100th due at now and the others over the month
// after now. It writes in units of 5,000 tickets.
func Populate(db *sqlite.DB, n int, now time.Time) (World, error) {
	w := World{Tickets: n}
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	ctx := context.Background()
	err := db.Update(ctx, func(tx bot.Tx) error {
		for i := range 10 {
			p := &bot.Person{Name: "Person " + strconv.Itoa(i), Handle: "p" + strconv.Itoa(i)}
			if err := tx.CreatePerson(p, now); err != nil {
				return err
			}
			w.People = append(w.People, p.ID)
		}
		for i := range 10 {
			d := &bot.Department{Name: "Dept " + strconv.Itoa(i)}
			if err := tx.CreateDepartment(d); err != nil {
				return err
			}
			w.Depts = append(w.Depts, d.ID)
		}
		return nil
	})
	if err != nil {
		return w, err
	}
	statuses := []ticket.Status{ticket.Open, ticket.Acked, ticket.InProgress, ticket.Waiting}
	const unit = 5000
	for done := 0; done < n; done += unit {
		err := db.Update(ctx, func(tx bot.Tx) error {
			st := ticket.From(tx)
			for i := done; i < min(n, done+unit); i++ {
				opened := now.Add(-time.Duration(rng.IntN(30*24*60)) * time.Minute)
				tk := &ticket.Ticket{Title: "Batch " + strconv.Itoa(i) + " labels peel off", Category: "cat" + strconv.Itoa(i%10),
					Priority: ticket.Priority(1 + rng.IntN(4)), Status: statuses[rng.IntN(len(statuses))],
					DeptID: w.Depts[rng.IntN(len(w.Depts))], OwnerID: w.People[rng.IntN(len(w.People))],
					RequesterID: w.People[rng.IntN(len(w.People))], Cycle: 1, ResolutionBreached: rng.IntN(10) == 0,
					Policy:   ticket.Policy{Name: "std", Priority: ticket.P2, FirstResponse: 4 * time.Hour, Resolution: 72 * time.Hour, Clock: ticket.Business},
					Origin:   bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"},
					OpenedAt: opened, CreatedAt: opened, UpdatedAt: opened}
				if err := st.CreateTicket(tk); err != nil {
					return err
				}
				if err := st.AddClockEvent(&ticket.ClockEvent{TicketID: tk.ID, Cycle: 1, Kind: ticket.ClockStart, At: opened}); err != nil {
					return err
				}
				if err := st.AddTicketEvent(&ticket.Event{TicketID: tk.ID, ActorID: tk.RequesterID, Kind: ticket.Opened, At: opened}); err != nil {
					return err
				}
				runAt := now.Add(24*time.Hour + time.Duration(rng.IntN(30*24*60))*time.Minute)
				if i%100 == 0 {
					runAt = now.Add(-time.Duration(rng.IntN(60)) * time.Minute)
					w.Due++
				}
				j := &bot.Job{Kind: EscalateKind, RunAt: runAt, DedupKey: fmt.Sprintf("ticket/%d/1/1", tk.ID),
					Payload: fmt.Appendf(nil, `{"ticket":%d,"cycle":1,"step":1}`, tk.ID)}
				if _, err := tx.ScheduleJob(j, opened); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return w, fmt.Errorf("store tickets from %d: %w", done, err)
		}
	}
	return w, populateArchive(db, &w, rng, now)
}

// populateArchive stores w.Tickets/2 resolved tickets (every fourth one
// closed since), resolved at random over the 60 days before now, with
// their times to acknowledge and resolve as the lifecycle keeps them.
func populateArchive(db *sqlite.DB, w *World, rng *rand.Rand, now time.Time) error {
	w.Resolved = w.Tickets / 2
	const unit = 5000
	for done := 0; done < w.Resolved; done += unit {
		err := db.Update(context.Background(), func(tx bot.Tx) error {
			for i := done; i < min(w.Resolved, done+unit); i++ {
				resolved := now.Add(-time.Duration(1+rng.IntN(60*24*60)) * time.Minute)
				took := time.Duration(30+rng.IntN(72*60)) * time.Minute
				ack := time.Duration(rng.IntN(int(took/time.Minute))) * time.Minute
				opened := resolved.Add(-took)
				tk := &ticket.Ticket{Title: "Old batch " + strconv.Itoa(i), Category: "cat" + strconv.Itoa(i%10),
					Priority: ticket.Priority(1 + rng.IntN(4)), Status: ticket.Resolved,
					DeptID: w.Depts[rng.IntN(len(w.Depts))], OwnerID: w.People[rng.IntN(len(w.People))],
					RequesterID: w.People[rng.IntN(len(w.People))], Cycle: 1, ResolutionBreached: rng.IntN(10) == 0,
					Policy:   ticket.Policy{Name: "std", Priority: ticket.P2, FirstResponse: 4 * time.Hour, Resolution: 72 * time.Hour, Clock: ticket.Business},
					OpenedAt: opened, AckedAt: opened.Add(ack), ResolvedAt: resolved, CreatedAt: opened, UpdatedAt: resolved,
					AckWall: ack, AckBusiness: ack / 3, ResolveWall: took, ResolveBusiness: took / 3}
				if i%4 == 0 {
					tk.Status, tk.ClosedAt = ticket.Closed, resolved.Add(time.Hour)
				}
				if tk.DeptID == w.Depts[0] && !resolved.Before(now.AddDate(0, 0, -7)) {
					w.WeekDept++
				}
				if err := ticket.From(tx).CreateTicket(tk); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store resolved tickets from %d: %w", done, err)
		}
	}
	return nil
}

// StatsBot is the bot with every feature on db, its clock at Now, for
// timing `ticket stats` as a command.
func StatsBot(db *sqlite.DB) (*bot.Bot, error) {
	quiet := slog.New(slog.DiscardHandler)
	r := commands.NewRouter(features.Modules(features.Deps{Store: db, DefaultTZ: time.UTC, DefaultLang: bot.LangEN, Log: quiet})...)
	b := &bot.Bot{Store: db, Router: r, DefaultLang: bot.LangEN, DefaultTZ: time.UTC, Log: quiet,
		Now: func() time.Time { return Now }}
	return b, b.Open()
}

// MeasureStats times repetition r of the stats' reads and of the stats
// command on a database Populate filled (see the package comment).
func MeasureStats(db *sqlite.DB, b *bot.Bot, w World, r int, f *Figures) error {
	ctx := context.Background()
	week, month := Now.AddDate(0, 0, -7), Now.AddDate(0, 0, -30)
	err := db.View(ctx, func(tx bot.Tx) error {
		start := time.Now()
		s, err := ticket.From(tx).TicketStats(w.Depts[0], week, Now)
		f.add("stats: 1 department, 7 days", time.Since(start))
		f.Stats = s
		return err
	})
	if err != nil {
		return err
	}
	err = db.View(ctx, func(tx bot.Tx) error {
		start := time.Now()
		for _, d := range w.Depts {
			if _, err := ticket.From(tx).TicketStats(d, month, Now); err != nil {
				return err
			}
		}
		f.add("stats: 10 departments, 30 days", time.Since(start))
		return nil
	})
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := b.Accept(ctx, &bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: "stats" + strconv.Itoa(r),
		ChatID: "dm:head", ChatType: bot.ChatDirect, Sender: bot.Author{UserID: "head", Name: "head"}, Text: "ticket stats month"}, 10*time.Second)
	if err != nil {
		return err
	}
	f.add("`ticket stats month`, the command", time.Since(start))
	if len(res.Replies) > 0 {
		f.StatsReply = res.Replies[0].Text
	}
	return db.View(ctx, func(tx bot.Tx) error {
		start := time.Now()
		for _, d := range w.Depts {
			if err := oldStatsRead(tx, d, week); err != nil {
				return err
			}
		}
		f.add("reference: the old read, 10 depts, 7 days", time.Since(start))
		return nil
	})
}

// oldStatsRead is what stats read before TicketStats, inside a unit: a
// department's active tickets and its archive newest first, 500 a page,
// stopping at the window's start or at 2,000 tickets. (It also counted
// each ticket's business time on the calendar, left out here.)
func oldStatsRead(tx bot.Tx, dept int64, since time.Time) error {
	st := ticket.From(tx)
	for _, active := range []bool{true, false} {
		for off := 0; off < 2000; off += 500 {
			tks, err := st.FindTickets(ticket.Filter{Active: active, DeptID: dept, Offset: off, Limit: 500})
			if err != nil {
				return err
			}
			if len(tks) < 500 || !active && tks[len(tks)-1].ResolvedAt.Before(since) {
				break
			}
		}
	}
	return nil
}

// Figures are the timings of one database, by what was timed.
type Figures struct {
	Tickets int
	Names   []string // in the order measured
	Times   map[string][]time.Duration
	// Claimed is how many jobs each claim round took, Pages how many
	// tickets each list page held (first repetition): for the checks of
	// the sanity test.
	Claimed []int
	Pages   map[string][]*ticket.Ticket
	// Stats are the first department's over 7 days, StatsReply the
	// command's answer (last repetition).
	Stats      ticket.Stats
	StatsReply string
}

func (f *Figures) add(name string, d time.Duration) {
	if _, ok := f.Times[name]; !ok {
		f.Names = append(f.Names, name)
	}
	f.Times[name] = append(f.Times[name], d)
}

// lists are the pages timed: a person's and a department's active tickets
// and the breached ones, first page and page 3 (20 a page).
func lists(w World) []struct {
	name string
	f    ticket.Filter
} {
	return []struct {
		name string
		f    ticket.Filter
	}{
		{"list mine, page 1", ticket.Filter{Active: true, OwnerID: w.People[0], Limit: 21}},
		{"list mine, page 3", ticket.Filter{Active: true, OwnerID: w.People[0], Limit: 21, Offset: 40}},
		{"list department, page 1", ticket.Filter{Active: true, DeptID: w.Depts[0], Limit: 21}},
		{"list department, page 3", ticket.Filter{Active: true, DeptID: w.Depts[0], Limit: 21, Offset: 40}},
		{"list breached, page 1", ticket.Filter{Active: true, Breached: true, Limit: 21}},
		{"list breached, page 3", ticket.Filter{Active: true, Breached: true, Limit: 21, Offset: 40}},
	}
}

// NewFigures starts the figures of a database Populate filled.
func NewFigures(w World) *Figures {
	return &Figures{Tickets: w.Tickets, Times: map[string][]time.Duration{}, Pages: map[string][]*ticket.Ticket{}}
}

// MeasureCommands times repetition r of the reads and the command unit on
// a database Populate filled (see the package comment).
func MeasureCommands(db *sqlite.DB, w World, r int, f *Figures) error {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2, uint64(r)))
	for _, l := range lists(w) {
		err := db.View(ctx, func(tx bot.Tx) error {
			start := time.Now()
			page, err := ticket.From(tx).FindTickets(l.f)
			f.add(l.name, time.Since(start))
			if r == 0 {
				f.Pages[l.name] = page
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	id := int64(1 + rng.IntN(w.Tickets))
	err := db.View(ctx, func(tx bot.Tx) error {
		start := time.Now()
		_, err := ticket.From(tx).FindTicketByID(id)
		f.add("FindTicketByID", time.Since(start))
		return err
	})
	if err != nil {
		return err
	}
	at := Now.Add(time.Duration(r+1) * time.Second)
	var inside time.Duration
	start := time.Now()
	err = db.Update(ctx, func(tx bot.Tx) error {
		t0 := time.Now()
		err := commandUnit(tx, id, w.People[rng.IntN(len(w.People))], at)
		inside = time.Since(t0)
		return err
	})
	if err != nil {
		return err
	}
	f.add("command unit, in the writer", inside)
	f.add("command unit, with its commit", time.Since(start))
	return nil
}

// MeasureEscalations times round r of the scheduler's work on escalations:
// its idle tick, before anything is due and while nothing is leased, and
// the claim of every due escalation in batches of 200. Round r claims at
// Now + r leases: the claims of round r-1 have lapsed, and the next job not
// yet due is a day away, so every round claims the same 1 %.
func MeasureEscalations(db *sqlite.DB, r int, f *Figures) error {
	const lease, batch = time.Minute, 200
	ctx := context.Background()
	if r == 0 {
		// The idle tick is timed before any claim: afterwards the claimed
		// jobs stay leased (here, where nothing completes them), and
		// NextJobAt steps over them.
		for range 20 {
			start := time.Now()
			err := db.Update(ctx, func(tx bot.Tx) error {
				js, err := tx.ClaimJobs(Now.Add(-2*time.Hour), lease, "ticketload", batch)
				if err == nil && len(js) > 0 {
					err = fmt.Errorf("%d jobs claimed before any was due", len(js))
				}
				if err != nil {
					return err
				}
				_, err = tx.NextJobAt()
				return err
			})
			if err != nil {
				return err
			}
			f.add("idle tick: claim none + NextJobAt", time.Since(start))
		}
	}
	now := Now.Add(time.Duration(r)*lease + time.Millisecond)
	claimed, start := 0, time.Now()
	for {
		var js []*bot.Job
		t0 := time.Now()
		err := db.Update(ctx, func(tx bot.Tx) (err error) {
			js, err = tx.ClaimJobs(now, lease, "ticketload", batch)
			return err
		})
		if err != nil {
			return err
		}
		if len(js) > 0 {
			f.add("claim a batch of due escalations", time.Since(t0))
		}
		claimed += len(js)
		if len(js) < batch {
			break
		}
	}
	f.Claimed = append(f.Claimed, claimed)
	f.add("claim every due escalation (1 %)", time.Since(start))
	f.add("per due escalation claimed", time.Since(start)/time.Duration(max(claimed, 1)))
	return nil
}

// commandUnit is what a ticket command does in its unit: find the ticket,
// change it, and add a timeline entry and a clock event.
func commandUnit(tx bot.Tx, id, actor int64, now time.Time) error {
	st := ticket.From(tx)
	tk, err := st.FindTicketByID(id)
	if err != nil {
		return err
	}
	kind := ticket.ClockPause
	if tk.Status == ticket.Waiting {
		tk.Status, kind = ticket.InProgress, ticket.ClockResume
	} else {
		tk.Status = ticket.Waiting
	}
	tk.UpdatedAt = now
	return errors.Join(st.UpdateTicket(tk),
		st.AddTicketEvent(&ticket.Event{TicketID: id, ActorID: actor, Kind: ticket.StatusSet, To: string(tk.Status), At: now}),
		st.AddClockEvent(&ticket.ClockEvent{TicketID: id, Cycle: tk.Cycle, Kind: kind, At: now}))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func printFigures(small, large Figures) {
	r := func(d time.Duration) string {
		if d < time.Millisecond {
			return d.Round(time.Microsecond).String()
		}
		return d.Round(10 * time.Microsecond).String()
	}
	fmt.Printf("\n%-36s %28s %28s %7s\n", "median (min–max)", fmt.Sprintf("%d tickets", small.Tickets),
		fmt.Sprintf("%d tickets", large.Tickets), "ratio")
	for _, name := range large.Names {
		a, b := small.Times[name], large.Times[name]
		if len(a) == 0 || len(b) == 0 {
			continue
		}
		cell := func(ds []time.Duration) string {
			return fmt.Sprintf("%s (%s–%s)", r(median(ds)), r(slices.Min(ds)), r(slices.Max(ds)))
		}
		fmt.Printf("%-36s %28s %28s %7.2f\n", name, cell(a), cell(b), float64(median(b))/float64(median(a)))
	}
	fmt.Printf("\ndue escalations claimed per round: %d of %d tickets, %d of %d tickets\n",
		small.Claimed[0], small.Tickets, large.Claimed[0], large.Tickets)
}
