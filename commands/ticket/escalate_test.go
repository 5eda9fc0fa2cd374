package ticket_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands/commandstest"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

// fired is one escalation job that ran: when, its key, and whom it told.
type fired struct {
	at  time.Time
	key string
	to  []string // user ids (people) and chat ids (groups), sorted
}

// runUntil runs the escalation jobs as the scheduler would while the clock
// moves on to until: each at its RunAt, one at a time, each committing with
// its completion. It returns the jobs that told someone.
func runUntil(h *commandstest.Harness, until time.Time) []fired {
	h.T.Helper()
	var out []fired
	for {
		var next *bot.Job
		for _, j := range h.Jobs(bot.JobFilter{Kind: ticketcmd.JobEscalate, State: bot.JobPending, Limit: 1000}) {
			if !j.RunAt.After(until) && (next == nil || j.RunAt.Before(next.RunAt)) {
				next = j
			}
		}
		if next == nil {
			h.SetNow(until)
			return out
		}
		if next.RunAt.After(h.Now()) {
			h.SetNow(next.RunAt)
		}
		before := len(outbox(h))
		h.CompleteJob(next)
		var to []string
		for _, o := range outbox(h)[before:] {
			if o.Msg.Edit != nil {
				continue
			}
			if o.To.ChatID != "" {
				to = append(to, o.To.ChatID)
			} else {
				to = append(to, o.To.UserID)
			}
		}
		if len(to) > 0 {
			slices.Sort(to)
			out = append(out, fired{at: h.Now(), key: next.DedupKey, to: to})
		}
	}
}

// A P2 ticket opened at 16:00 on the afternoon before National Day 2026
// (1–7 October off) and left alone escalates on the work calendar: the
// first-response step at 17:00 the same day, then nothing through the
// holiday, the 75 % resolution step at 14:30 on the first working day
// (8 October: 2 h before the holiday plus 4 h of 09:00–12:00, 13:30–18:00),
// 100 % at 16:30 to the head and QA's group, 150 % at 11:30 on the 9th to
// management. Each step fires once, at its time, to its audience.
func TestEscalation_HolidayWalk(t *testing.T) {
	ladder := ticket.Ladder{Name: "qa", Steps: []ticket.Step{
		{Fraction: 1, Target: ticket.FirstResponse, Notify: []string{"owner"}},
		{Fraction: 0.75, Target: ticket.Resolution, Notify: []string{"owner"}},
		{Fraction: 1, Target: ticket.Resolution, Notify: []string{"head", "group"}},
		{Fraction: 1.5, Target: ticket.Resolution, Notify: []string{"management"}},
	}}
	cfg := ticketcmd.Config{
		Policies: []ticket.Policy{{Name: "P2 business", Priority: ticket.P2, FirstResponse: time.Hour, Resolution: 8 * time.Hour,
			Clock: ticket.Business, Ladder: ladder}},
		Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}},
		Groups: map[string][]bot.Destination{"qa": {{Platform: bot.PlatformConsole, Workspace: "local", ChatID: "qa-room"}}},
	}
	h := newOrg(t, cfg, commandstest.WorkCalendar(t))
	h.Admin("root")
	sh := commandstest.Shanghai
	h.SetNow(time.Date(2026, 9, 30, 16, 0, 0, 0, sh))
	h.Expect("sally", `ticket open "Batch 2611 labels peel off" cat:quality p:P2`, "Resolution: due Thu 8 Oct 16:30")

	got := runUntil(h, time.Date(2026, 10, 12, 18, 0, 0, 0, sh))
	at := func(m time.Month, d, hh, mm int) time.Time { return time.Date(2026, m, d, hh, mm, 0, 0, sh) }
	want := []fired{
		{at(9, 30, 17, 0), "ticket/1/1/step/1", []string{"qa1"}},
		{at(10, 8, 14, 30), "ticket/1/1/step/2", []string{"qa1"}},
		{at(10, 8, 16, 30), "ticket/1/1/step/3", []string{"qa-room", "quinn"}},
		{at(10, 9, 11, 30), "ticket/1/1/step/4", []string{"root"}},
	}
	if len(got) != len(want) {
		t.Fatalf("fired %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].at.Equal(want[i].at) || got[i].key != want[i].key || !slices.Equal(got[i].to, want[i].to) {
			t.Errorf("step %d: fired %s %s to %v, want %s %s to %v", i+1, got[i].at.In(sh), got[i].key, got[i].to,
				want[i].at, want[i].key, want[i].to)
		}
	}
	tk := testTicket(1).get(h)
	if !tk.ResponseBreached || !tk.ResolutionBreached {
		t.Errorf("breaches = %v %v, want both", tk.ResponseBreached, tk.ResolutionBreached)
	}
	var steps []string
	for _, e := range timeline(h, 1) {
		if e.Kind == ticket.Escalated || e.Kind == ticket.Breached {
			steps = append(steps, e.At.In(sh).Format("01-02 15:04")+" "+string(e.Kind)+" "+e.To)
		}
	}
	wantSteps := []string{"09-30 17:00 escalated 1/4 100% response", "09-30 17:00 breached response",
		"10-08 14:30 escalated 2/4 75% resolution", "10-08 16:30 escalated 3/4 100% resolution",
		"10-08 16:30 breached resolution", "10-09 11:30 escalated 4/4 150% resolution"}
	if !slices.Equal(steps, wantSteps) {
		t.Errorf("timeline steps =\n%s\nwant\n%s", strings.Join(steps, "\n"), strings.Join(wantSteps, "\n"))
	}
	if n := len(h.Jobs(bot.JobFilter{Kind: ticketcmd.JobEscalate, State: bot.JobPending})); n != 0 {
		t.Errorf("%d escalation jobs still pending after the ladder's last step", n)
	}
	h.Expect("quinn", "ticket list breached", "T-1 [open] Batch 2611 labels peel off", "⚠ breached")
	// The owner's first card, still queued, was revised in place by the
	// steps' jobs: it goes out showing the breach.
	for _, o := range outbox(h) {
		if o.To.UserID == "qa1" && o.Msg.Card != nil {
			if c := o.Msg.Card; !strings.Contains(c.Fields[len(c.Fields)-1].Value+c.Fields[len(c.Fields)-2].Value, "BREACHED") {
				t.Errorf("owner's first card not revised: %+v", c.Fields)
			}
			break
		}
	}
}

// Waiting on the requester pauses the clock: the step's job, run while
// paused, tells nobody; the requester's reply re-arms it later by the
// time paused; a step is never told twice though two jobs come to it.
func TestEscalation_PauseAndResume(t *testing.T) {
	cfg := ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}}
	h := newOrg(t, cfg, commandstest.WorkCalendar(t))
	sh := commandstest.Shanghai
	h.SetNow(time.Date(2026, 11, 23, 9, 0, 0, 0, sh)) // a Monday
	h.Say("sally", `ticket open "labels" cat:quality p:P2`)
	// P2 default: 8 h; 75 % (6 h) falls at 16:30 on Monday.
	h.SetNow(time.Date(2026, 11, 23, 10, 0, 0, 0, sh))
	h.Expect("qa1", "ticket wait 1 need photos", "Resolution: paused")
	if got := runUntil(h, time.Date(2026, 11, 23, 17, 0, 0, 0, sh)); len(got) != 0 {
		t.Fatalf("a paused ticket escalated: %+v", got)
	}
	h.Expect("sally", "ticket reply 1 photos attached", "T-1 is now in progress.") // 17:00: 7 h paused, 1 h counted
	// 5 h more of business time after Monday 17:00: 1 h Monday, 3 h Tuesday
	// morning, 1 h after lunch: Tuesday 14:30.
	got := runUntil(h, time.Date(2026, 11, 25, 18, 0, 0, 0, sh))
	if len(got) == 0 || !got[0].at.Equal(time.Date(2026, 11, 24, 14, 30, 0, 0, sh)) || got[0].to[0] != "qa1" {
		t.Fatalf("after the resume fired %+v, want the owner told Tuesday 14:30", got)
	}
	count := map[string]int{}
	for _, e := range timeline(h, 1) {
		if e.Kind == ticket.Escalated {
			count[e.To]++
		}
	}
	for step, n := range count {
		if n != 1 {
			t.Errorf("step %s told %d times", step, n)
		}
	}
}

// Resolving a ticket ends its ladder; reopening starts cycle 2's under
// the same snapshot, with keys of its own.
func TestEscalation_ReopenNewCycle(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}}, commandstest.WorkCalendar(t))
	h.SetNow(time.Date(2026, 11, 23, 9, 0, 0, 0, commandstest.Shanghai))
	h.Say("sally", `ticket open "labels" cat:quality p:P2`)
	h.Say("qa1", "ticket resolve 1")
	if got := runUntil(h, time.Date(2026, 11, 27, 18, 0, 0, 0, commandstest.Shanghai)); len(got) != 0 {
		t.Fatalf("a resolved ticket escalated: %+v", got)
	}
	h.Say("sally", "ticket reopen 1")
	jobs := h.Jobs(bot.JobFilter{Kind: ticketcmd.JobEscalate, State: bot.JobPending})
	if len(jobs) != 1 || jobs[0].DedupKey != "ticket/1/2/step/1" {
		t.Fatalf("after reopen: %+v", jobs)
	}
}

// An acknowledged ticket left untouched for the ladder's acknowledgement
// timeout tells the owner and the head, and again a timeout later; a touch
// (a handler's comment) makes the armed job do nothing and counts anew.
func TestEscalation_AckTimeout(t *testing.T) {
	ladder := ticketcmd.DefaultLadder
	ladder.AckTimeout = 2 * time.Hour
	cfg := ticketcmd.Config{
		Policies: []ticket.Policy{{Name: "P2", Priority: ticket.P2, FirstResponse: time.Hour, Resolution: 8 * time.Hour, Clock: ticket.Business, Ladder: ladder}},
		Routes:   []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}},
	}
	h := newOrg(t, cfg, commandstest.WorkCalendar(t))
	sh := commandstest.Shanghai
	at := func(hh, mm int) time.Time { return time.Date(2026, 11, 23, hh, mm, 0, 0, sh) }
	h.SetNow(at(9, 0))
	h.Say("sally", `ticket open "labels" cat:quality p:P2`)
	h.SetNow(at(9, 30))
	h.Say("qa1", "ticket ack 1")
	got := runUntil(h, at(11, 45))
	if len(got) != 1 || !got[0].at.Equal(at(11, 30)) || !strings.Contains(got[0].key, "/ack/") || !slices.Equal(got[0].to, []string{"qa1", "quinn"}) {
		t.Fatalf("fired %+v, want the owner and head told at 11:30", got)
	}
	h.SetNow(at(12, 0))
	h.Say("qa1", "ticket comment 1 lab booked")
	// The re-armed 15:00 (11:30 plus 2 h of working time) finds it touched;
	// the touch's own is 2 h of working time after 12:00: 15:30.
	if got := runUntil(h, at(15, 15)); len(got) != 0 {
		t.Fatalf("a touched ticket was escalated: %+v", got)
	}
	if got := runUntil(h, at(15, 45)); len(got) != 1 || !got[0].at.Equal(at(15, 30)) {
		t.Fatalf("fired %+v, want the touch's timeout at 15:30", got)
	}
}
