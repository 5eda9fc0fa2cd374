package ticket_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/features"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

// unitsWithoutTickets is a store whose write units cannot reach the
// tickets' store (ticket.From fails in them) while its views can: what
// reads tickets inside a unit fails there.
type unitsWithoutTickets struct{ bot.Store }

// bareTx is a unit's bot.Tx with every feature's contract hidden.
type bareTx struct{ bot.Tx }

func (s unitsWithoutTickets) Update(ctx context.Context, fn func(bot.Tx) error) error {
	return s.Store.Update(ctx, func(tx bot.Tx) error { return fn(bareTx{tx}) })
}

// statsOrg is QA with one ticket resolved on Monday 23 November 2026
// (acknowledged after 30 minutes, resolved after 2 hours, within working
// hours) and one open, and the time set to the next morning.
func statsOrg(t *testing.T) *commandstest.Harness {
	h := newOrg(t, ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}}, commandstest.WorkCalendar(t))
	sh := commandstest.Shanghai
	h.SetNow(time.Date(2026, 11, 23, 9, 0, 0, 0, sh))
	h.Say("sally", `ticket open "one" cat:quality p:P2`)
	h.Say("sally", `ticket open "two" cat:quality p:P2`)
	h.SetNow(time.Date(2026, 11, 23, 9, 30, 0, 0, sh))
	h.Say("qa1", "ticket ack 1")
	h.SetNow(time.Date(2026, 11, 23, 11, 0, 0, 0, sh))
	h.Say("qa1", "ticket resolve 1")
	h.SetNow(time.Date(2026, 11, 24, 10, 0, 0, 0, sh))
	return h
}

// Ensure `ticket stats` reads its figures in its prepare step, outside the
// writer: run through a bot whose units cannot reach the tickets' store,
// it still answers with the figures (read in a view), so the command's
// unit only formats them.
func TestStats_ReadOutsideTheUnit(t *testing.T) {
	h := statsOrg(t)
	r := h.Bot.Router.(*commands.Router)
	for _, text := range []string{"ticket stats", "ticket stats QA month", "工单 统计 QA 本月"} {
		if r.Prepare(&bot.Event{Text: text}) == nil {
			t.Errorf("%q has no prepare step", text)
		}
	}
	if r.Prepare(&bot.Event{Text: "ticket list"}) != nil {
		t.Error("ticket list has a prepare step")
	}
	b := &bot.Bot{Store: unitsWithoutTickets{h.DB}, Router: r, DefaultLang: bot.LangEN, DefaultTZ: commandstest.Shanghai,
		Now: h.Now, Log: slog.New(slog.DiscardHandler)}
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	accept := func(text string) bot.Result {
		res, err := b.Accept(context.Background(), &bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: h.NextKey("s"),
			ChatID: "dm:quinn", ChatType: bot.ChatDirect, Sender: bot.Author{UserID: "quinn", Name: "quinn"}, Text: text}, 5*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return res
	}
	say := func(text string) string {
		res := accept(text)
		if !res.Done || len(res.Replies) != 1 {
			t.Fatalf("%s: %+v", text, res)
		}
		return res.Replies[0].Text
	}
	// The control: a command that reads tickets in its unit fails there
	// (and stays pending for the sweep).
	if res := accept("ticket list"); res.Done {
		t.Fatalf("ticket list read tickets in a unit that hides them: %+v", res)
	}
	want := "QA: 1 open (0 breached); 1 resolved; SLA met: response 100%, resolution 100%; breaches 0; " +
		"mean time to acknowledge 30m, to resolve 2h00m (wall clock), 30m and 2h00m in business hours."
	if got := say("ticket stats QA"); !strings.Contains(got, want) {
		t.Errorf("stats through units without tickets:\n%s\nwant\n%s", got, want)
	}
	if got := say("ticket stats Nowhere"); !strings.Contains(got, `There is no department "Nowhere". Known departments: QA, Sales.`) {
		t.Errorf("an unknown department: %q", got)
	}
}

// Ensure the times to acknowledge and resolve are kept on the ticket when
// they happen (wall-clock and business), and cleared by a reopen, so that
// stats only sum them; a ticket acknowledged at lunch counts no business
// time until 13:30.
func TestStats_TimesKeptOnTheTicket(t *testing.T) {
	h := statsOrg(t)
	tk := testTicket(1).get(h)
	if tk.AckWall != 30*time.Minute || tk.AckBusiness != 30*time.Minute || tk.ResolveWall != 2*time.Hour || tk.ResolveBusiness != 2*time.Hour {
		t.Errorf("resolved ticket's times: ack %v/%v, resolve %v/%v", tk.AckWall, tk.AckBusiness, tk.ResolveWall, tk.ResolveBusiness)
	}
	sh := commandstest.Shanghai
	h.SetNow(time.Date(2026, 11, 24, 12, 30, 0, 0, sh)) // T-2 opened Monday 09:00
	h.Say("qa1", "ticket ack 2")
	tk = testTicket(2).get(h)
	// Monday 09:00–18:00 less lunch (7.5 h) and Tuesday 09:00–12:00 (3 h).
	if tk.AckWall != 27*time.Hour+30*time.Minute || tk.AckBusiness != 10*time.Hour+30*time.Minute || tk.ResolveWall != 0 {
		t.Errorf("acknowledged ticket's times: ack %v/%v, resolve %v", tk.AckWall, tk.AckBusiness, tk.ResolveWall)
	}
	h.Say("sally", "ticket reopen 1 again")
	tk = testTicket(1).get(h)
	if tk.AckWall != 0 || tk.AckBusiness != 0 || tk.ResolveWall != 0 || tk.ResolveBusiness != 0 {
		t.Errorf("reopened ticket keeps its times: %+v", tk)
	}
	h.Expect("quinn", "ticket stats QA", "QA: 2 open (1 breached); 0 resolved.")
}

// Ensure the weekly digest reads outside the writer: its fetch reads the
// figures in a view and the unit that records the job only queues the
// heads' messages (which a unit without the tickets' store can do), once
// per department and week.
func TestDigest_FetchOutsideTheUnit(t *testing.T) {
	h := statsOrg(t)
	handler := h.Bot.Router.(*commands.Router).JobHandlers()[ticketcmd.JobDigest]
	f, ok := handler.(bot.JobFetcher)
	if !ok {
		t.Fatalf("the digest handler %T is no bot.JobFetcher", handler)
	}
	job := &bot.Job{Kind: ticketcmd.JobDigest, RunAt: h.Now()}
	if err := handler.RunJob(context.Background(), nil, job, h.Now()); err == nil {
		t.Error("the digest ran inside a unit")
	}
	for range 2 { // a second run in the same week queues nothing new
		apply, err := f.FetchJob(context.Background(), job, h.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := (unitsWithoutTickets{h.DB}).Update(context.Background(), apply); err != nil {
			t.Fatal(err)
		}
	}
	if q := h.QueuedFor("quinn"); len(q) != 1 || !strings.Contains(q[0], "Your department's tickets this week:\nQA: 1 open (0 breached); 1 resolved") {
		t.Errorf("head's digest = %q", q)
	}
	if q := h.QueuedFor("sam"); len(q) != 0 {
		t.Errorf("a department without tickets got a digest: %q", q)
	}
}

// Ensure the weekly digest due on a holiday Monday (5 Oct 2026, National
// Day) sends nothing that day and comes once on the next working day at the
// same time, and that a fresh install's digest job waits for its first
// Monday instead of running at start.
func TestDigest_HolidayAndFirstRun(t *testing.T) {
	h := statsOrg(t)
	sh := commandstest.Shanghai
	r := h.Bot.Router.(*commands.Router)
	f := r.JobHandlers()[ticketcmd.JobDigest].(bot.JobFetcher)
	run := func(job *bot.Job, now time.Time) {
		t.Helper()
		apply, err := f.FetchJob(context.Background(), job, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.DB.Update(context.Background(), apply); err != nil {
			t.Fatal(err)
		}
	}
	holiday := time.Date(2026, 10, 5, 9, 0, 0, 0, sh)
	run(&bot.Job{Kind: ticketcmd.JobDigest, TZ: "Asia/Shanghai", RunAt: holiday}, holiday)
	if q := h.QueuedFor("quinn"); len(q) != 0 {
		t.Fatalf("a digest went out on a holiday: %q", q)
	}
	deferred := h.Jobs(bot.JobFilter{DedupKey: "ticket-digest/deferred/2026-W41"})
	if len(deferred) != 1 || !deferred[0].RunAt.Equal(time.Date(2026, 10, 8, 9, 0, 0, 0, sh)) {
		t.Fatalf("deferred digest = %+v, want one on Thu 8 Oct 09:00", deferred)
	}
	run(deferred[0], deferred[0].RunAt)
	if q := h.QueuedFor("quinn"); len(q) != 1 {
		t.Errorf("digests after the holiday = %d, want 1", len(q))
	}

	// First run: the module's system job waits for the next Monday 09:00.
	var digest commands.SystemJob
	for _, m := range features.Modules(h.Deps) {
		for _, sj := range m.SystemJobs {
			if sj.Kind == ticketcmd.JobDigest {
				digest = sj
			}
		}
	}
	wed := time.Date(2026, 12, 2, 15, 0, 0, 0, sh)
	if digest.First == nil || !digest.First(wed).Equal(time.Date(2026, 12, 7, 9, 0, 0, 0, sh)) {
		t.Errorf("the digest's first run after Wed 2 Dec 15:00 is not Mon 7 Dec 09:00")
	}
}
