package ticket_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/features"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// noTimelineTx is a unit whose ticket timeline cannot be read: the
// escalation job must know which rungs were told without it.
type noTimelineTx struct {
	bot.Tx
	ticket.Store
}

func (t noTimelineTx) TicketEvents(int64, int) ([]*ticket.Event, error) {
	return nil, errors.New("the escalation job read the timeline")
}

// Unwrap lets the other features' contracts be found underneath.
func (t noTimelineTx) Unwrap() bot.Tx { return t.Tx }

// Ensure a rung is told once whatever runs its job again: a unit that ran
// and was rolled back (the committer replays a batch), the job run again
// after it committed (a lease that ran out before the completion was
// recorded, a retry), and another process on the same database after a
// restart. The job finds what was told on the ticket (Ticket.Fired), one
// row, never reading the timeline.
func TestEscalation_NeverTwice(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}}, commandstest.WorkCalendar(t))
	sh := commandstest.Shanghai
	h.SetNow(time.Date(2026, 11, 23, 9, 0, 0, 0, sh)) // P2: 75 % of 8 h at 16:30
	h.Say("sally", `ticket open "labels" cat:quality p:P2`)
	jobs := h.Jobs(bot.JobFilter{Kind: ticketcmd.JobEscalate, State: bot.JobPending})
	if len(jobs) != 1 {
		t.Fatalf("jobs = %+v", jobs)
	}
	job := jobs[0]
	h.SetNow(job.RunAt)
	handler := h.Bot.Router.(*commands.Router).JobHandlers()[ticketcmd.JobEscalate]
	run := func(s bot.Store, r bot.JobHandler, rollback bool) error {
		errRollback := errors.New("rolled back")
		err := s.Update(context.Background(), func(tx bot.Tx) error {
			if err := r.RunJob(context.Background(), noTimelineTx{tx, ticket.From(tx)}, job, h.Now()); err != nil {
				return err
			}
			if rollback {
				return errRollback
			}
			return nil
		})
		if rollback && errors.Is(err, errRollback) {
			return nil
		}
		return err
	}
	told := func() (entries, messages int) {
		for _, e := range timeline(h, 1) {
			if e.Kind == ticket.Escalated {
				entries++
			}
		}
		for _, o := range outbox(h) {
			if o.To.UserID == "qa1" && o.Msg.Edit == nil && o.CreatedAt.Equal(h.Now()) {
				messages++
			}
		}
		return entries, messages
	}
	if err := run(h.DB, handler, true); err != nil {
		t.Fatal(err)
	}
	if e, m := told(); e != 0 || m != 0 {
		t.Fatalf("a rolled-back run left %d entries, %d messages", e, m)
	}
	for i := range 2 { // the run that commits, then the same job again
		if err := run(h.DB, handler, false); err != nil {
			t.Fatal(err)
		}
		if e, m := told(); e != 1 || m != 1 {
			t.Fatalf("after run %d: %d timeline entries, %d messages to the owner; want 1 and 1", i+1, e, m)
		}
	}
	if tk := testTicket(1).get(h); tk.Fired() != (ticket.Rung{Step: 0}) {
		t.Errorf("fired = %+v, want the first step", tk.Fired())
	}

	// A restart: another store and router on the same database file, with
	// nothing but what it reads.
	db := sqlite.NewDB(h.DB.Path)
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deps := h.Deps
	deps.Store = db
	restarted := commands.NewRouter(features.Modules(deps)...).JobHandlers()[ticketcmd.JobEscalate]
	h.SetNow(h.Now().Add(time.Minute))
	if err := run(db, restarted, false); err != nil {
		t.Fatal(err)
	}
	if e, _ := told(); e != 1 {
		t.Fatalf("after the restart: %d timeline entries, want 1", e)
	}
}
