package ticket_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/bot/workcal"
)

// cnCalendar is mainland China's 2026 calendar with the default hours
// 09:00–12:00 and 13:30–18:00 (7.5 h a day) and a QA department that works
// 08:00–16:00 without a lunch break.
func cnCalendar(t testing.TB) *workcal.Calendar {
	t.Helper()
	cal, err := workcal.New(workcal.Options{
		Region:      "CN",
		Departments: map[string][]workcal.Interval{"QA": {{Start: 8 * time.Hour, End: 16 * time.Hour}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// at reads "2026-09-30 16:00" in Asia/Shanghai.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// clock builds one cycle's events from "kind@2026-03-06 10:00" pairs.
func clock(t testing.TB, cycle int, events ...string) []*ticket.ClockEvent {
	t.Helper()
	var out []*ticket.ClockEvent
	for _, e := range events {
		kind, when, ok := strings.Cut(e, "@")
		if !ok {
			t.Fatalf("bad event %q", e)
		}
		out = append(out, &ticket.ClockEvent{TicketID: 1, Cycle: cycle, Kind: ticket.ClockKind(kind), At: at(t, when)})
	}
	return out
}

var (
	p2 = ticket.Policy{Name: "P2", Priority: ticket.P2, FirstResponse: time.Hour, Resolution: 8 * time.Hour, Clock: ticket.Business,
		Ladder: ticket.Ladder{Name: "standard", Steps: []ticket.Step{
			{Fraction: 0.75, Target: ticket.Resolution, Notify: []string{"owner"}},
			{Fraction: 1, Target: ticket.Resolution, Notify: []string{"head", "group"}},
			{Fraction: 1.5, Target: ticket.Resolution, Notify: []string{"management"}},
		}}}
	p3 = ticket.Policy{Name: "P3", Priority: ticket.P3, FirstResponse: 4 * time.Hour, Resolution: 24 * time.Hour, Clock: ticket.Business}
	p1 = ticket.Policy{Name: "P1", Priority: ticket.P1, FirstResponse: 15 * time.Minute, Resolution: 4 * time.Hour, Clock: ticket.Wall}
)

// Ensure due times and elapsed time follow the calendar across weekends,
// the lunch break, the National Day holiday and its make-up Saturday, a
// department's own hours, pauses, acks, reopened cycles and wall-clock P1.
func TestDueAndElapsed(t *testing.T) {
	cal := cnCalendar(t)
	for _, c := range []struct {
		name          string
		policy        ticket.Policy
		dept          string
		clock         []*ticket.ClockEvent
		now           string
		response      string // "" when there is no due time
		resolution    string
		respElapsed   time.Duration
		resolvElapsed time.Duration
	}{
		{name: "over a weekend", policy: p2, clock: clock(t, 1, "start@2026-03-06 17:00"), now: "2026-03-06 17:00",
			response: "2026-03-06 18:00", resolution: "2026-03-09 17:30"},
		{name: "elapsed over the weekend is Friday's hour and Monday's", policy: p2, clock: clock(t, 1, "start@2026-03-06 17:00"),
			now: "2026-03-09 10:00", response: "2026-03-06 18:00", resolution: "2026-03-09 17:30",
			respElapsed: 2 * time.Hour, resolvElapsed: 2 * time.Hour},
		{name: "across the lunch break", policy: p2, clock: clock(t, 1, "start@2026-03-10 11:30"), now: "2026-03-10 11:30",
			response: "2026-03-10 14:00", resolution: "2026-03-11 12:00"},
		{name: "started at lunch counts from 13:30", policy: p2, clock: clock(t, 1, "start@2026-03-10 12:10"), now: "2026-03-10 14:00",
			response: "2026-03-10 14:30", resolution: "2026-03-11 14:00", respElapsed: 30 * time.Minute, resolvElapsed: 30 * time.Minute},
		{name: "the afternoon before National Day", policy: p2, clock: clock(t, 1, "start@2026-09-30 16:00"), now: "2026-10-05 12:00",
			response: "2026-09-30 17:00", resolution: "2026-10-08 16:30", respElapsed: 2 * time.Hour, resolvElapsed: 2 * time.Hour},
		{name: "the make-up Saturday after National Day counts", policy: p3, clock: clock(t, 1, "start@2026-10-09 14:00"), now: "2026-10-10 10:00",
			response: "2026-10-09 18:00", resolution: "2026-10-13 15:30", respElapsed: 5 * time.Hour, resolvElapsed: 5 * time.Hour},
		{name: "the make-up Sunday before National Day counts", policy: p2, clock: clock(t, 1, "start@2026-09-19 10:00"), now: "2026-09-19 10:00",
			response: "2026-09-20 10:00", resolution: "2026-09-21 09:30"},
		{name: "the department's own hours", policy: p2, dept: "QA", clock: clock(t, 1, "start@2026-09-30 15:30"), now: "2026-09-30 15:30",
			response: "2026-10-08 08:30", resolution: "2026-10-08 15:30"},
		{name: "a pause over the weekend", policy: p2,
			clock: clock(t, 1, "start@2026-03-06 10:00", "pause@2026-03-06 15:00", "resume@2026-03-09 10:00"), now: "2026-03-09 11:00",
			response: "2026-03-06 11:00", resolution: "2026-03-09 16:00", respElapsed: 4*time.Hour + 30*time.Minute, resolvElapsed: 4*time.Hour + 30*time.Minute},
		{name: "paused: no due time", policy: p2,
			clock: clock(t, 1, "start@2026-03-06 10:00", "pause@2026-03-06 10:30", "resume@2026-03-09 10:00"), now: "2026-03-07 12:00",
			response: "", resolution: "", respElapsed: 30 * time.Minute, resolvElapsed: 30 * time.Minute},
		{name: "breached before the pause keeps its due time", policy: p2,
			clock: clock(t, 1, "start@2026-03-06 10:00", "pause@2026-03-06 15:00"), now: "2026-03-07 12:00",
			response: "2026-03-06 11:00", resolution: "", respElapsed: 3*time.Hour + 30*time.Minute, resolvElapsed: 3*time.Hour + 30*time.Minute},
		{name: "the ack stops the first response only", policy: p2,
			clock: clock(t, 1, "start@2026-03-10 09:00", "ack@2026-03-10 09:20"), now: "2026-03-10 11:00",
			response: "", resolution: "2026-03-11 09:30", respElapsed: 20 * time.Minute, resolvElapsed: 2 * time.Hour},
		{name: "a late ack keeps the breach moment", policy: p2,
			clock: clock(t, 1, "start@2026-03-10 09:00", "ack@2026-03-10 11:00"), now: "2026-03-10 11:00",
			response: "2026-03-10 10:00", resolution: "2026-03-11 09:30", respElapsed: 2 * time.Hour, resolvElapsed: 2 * time.Hour},
		{name: "resolved: the clock stops", policy: p2,
			clock: clock(t, 1, "start@2026-03-10 09:00", "stop@2026-03-10 10:30"), now: "2026-03-12 10:00",
			response: "2026-03-10 10:00", resolution: "", respElapsed: 90 * time.Minute, resolvElapsed: 90 * time.Minute},
		{name: "a reopened ticket counts its new cycle only", policy: p2,
			clock: append(clock(t, 1, "start@2026-03-10 09:00", "ack@2026-03-10 09:10", "stop@2026-03-10 17:00"),
				clock(t, 2, "start@2026-03-12 10:00")...), now: "2026-03-12 11:00",
			response: "2026-03-12 11:00", resolution: "2026-03-13 10:30", respElapsed: time.Hour, resolvElapsed: time.Hour},
		{name: "wall-clock P1 over a holiday night", policy: p1, clock: clock(t, 1, "start@2026-10-03 22:00"), now: "2026-10-04 01:00",
			response: "2026-10-03 22:15", resolution: "2026-10-04 02:00", respElapsed: 3 * time.Hour, resolvElapsed: 3 * time.Hour},
		{name: "wall-clock P1 paused", policy: p1,
			clock: clock(t, 1, "start@2026-10-03 22:00", "ack@2026-10-03 22:05", "pause@2026-10-03 23:00", "resume@2026-10-04 01:00"),
			now:   "2026-10-04 01:30", response: "", resolution: "2026-10-04 04:00", respElapsed: 5 * time.Minute, resolvElapsed: 90 * time.Minute},
		{name: "events after now do not count yet", policy: p2,
			clock: clock(t, 1, "start@2026-03-10 09:00", "stop@2026-03-10 12:00"), now: "2026-03-10 10:00",
			response: "2026-03-10 10:00", resolution: "2026-03-11 09:30", respElapsed: time.Hour, resolvElapsed: time.Hour},
		{name: "not started", policy: p2, clock: nil, now: "2026-03-10 10:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := at(t, c.now)
			for _, x := range []struct {
				target  ticket.Target
				want    string
				elapsed time.Duration
			}{{ticket.FirstResponse, c.response, c.respElapsed}, {ticket.Resolution, c.resolution, c.resolvElapsed}} {
				due, ok := ticket.Due(c.policy, cal, c.dept, c.clock, x.target, now)
				switch {
				case x.want == "" && ok:
					t.Errorf("%s due %s, want none", x.target, due.Format("2006-01-02 15:04"))
				case x.want != "" && (!ok || !due.Equal(at(t, x.want))):
					t.Errorf("%s due %s (%v), want %s", x.target, due.Format("2006-01-02 15:04"), ok, x.want)
				}
				if got := ticket.Elapsed(c.policy, cal, c.dept, c.clock, x.target, now); got != x.elapsed {
					t.Errorf("%s elapsed %s, want %s", x.target, got, x.elapsed)
				}
			}
		})
	}
}

// Ensure the clock's state follows its events, per target.
func TestState(t *testing.T) {
	c := clock(t, 1, "start@2026-03-10 09:00", "ack@2026-03-10 09:30", "pause@2026-03-10 10:00",
		"resume@2026-03-10 11:00", "stop@2026-03-10 12:00")
	for _, x := range []struct {
		now        string
		resp, resv ticket.ClockState
	}{
		{"2026-03-10 08:00", ticket.NotStarted, ticket.NotStarted},
		{"2026-03-10 09:10", ticket.Running, ticket.Running},
		{"2026-03-10 09:40", ticket.Stopped, ticket.Running},
		{"2026-03-10 10:30", ticket.Stopped, ticket.Paused},
		{"2026-03-10 11:30", ticket.Stopped, ticket.Running},
		{"2026-03-10 12:30", ticket.Stopped, ticket.Stopped},
	} {
		now := at(t, x.now)
		if g := ticket.State(c, ticket.FirstResponse, now); g != x.resp {
			t.Errorf("%s: response %s, want %s", x.now, g, x.resp)
		}
		if g := ticket.State(c, ticket.Resolution, now); g != x.resv {
			t.Errorf("%s: resolution %s, want %s", x.now, g, x.resv)
		}
	}
	// A repeated start or resume does not count a span twice; a stopped
	// clock ignores a later resume in the same cycle.
	dup := clock(t, 1, "start@2026-03-10 09:00", "start@2026-03-10 10:00", "resume@2026-03-10 10:30",
		"stop@2026-03-10 11:00", "resume@2026-03-10 13:30")
	if got := ticket.Elapsed(p2, cnCalendar(t), "", dup, ticket.Resolution, at(t, "2026-03-10 15:00")); got != 2*time.Hour {
		t.Errorf("elapsed with duplicated events %s, want 2h", got)
	}
}

// Ensure each step of the ladder falls when its fraction of its target is
// counted, and is told on working time: a step that falls at the close of
// the day waits for the next working moment (here the make-up Saturday).
func TestStepTimes(t *testing.T) {
	cal := cnCalendar(t)
	for _, c := range []struct {
		name   string
		policy ticket.Policy
		opened string
		want   []string
	}{
		// Opened the afternoon before National Day: 2 h on Sep 30, then
		// nothing until Oct 8 (7.5 h), then Oct 9.
		{"before National Day", p2, "2026-09-30 16:00", []string{"2026-10-08 14:30", "2026-10-08 16:30", "2026-10-09 11:30"}},
		// The first response is due at 18:00 sharp on Friday Oct 9: its
		// 100% step is told at 09:00 on the make-up Saturday.
		{"at the close of the day", withSteps(p3, ticket.Step{Fraction: 0.5, Target: ticket.FirstResponse},
			ticket.Step{Fraction: 1, Target: ticket.FirstResponse}), "2026-10-09 14:00", []string{"2026-10-09 16:00", "2026-10-10 09:00"}},
		// Wall-clock steps are told when they fall, holiday night or not.
		{"wall-clock", withSteps(p1, p2.Ladder.Steps...), "2026-10-03 22:00", []string{"2026-10-04 01:00", "2026-10-04 02:00", "2026-10-04 04:00"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			opened := at(t, c.opened)
			got := ticket.StepTimes(c.policy, cal, "", clock(t, 1, "start@"+c.opened), opened)
			if len(got) != len(c.want) {
				t.Fatalf("%d steps, want %d", len(got), len(c.want))
			}
			for i, st := range got {
				if !st.OK || !st.At.Equal(at(t, c.want[i])) {
					t.Errorf("step %d at %s (%v), want %s", i+1, st.At.Format("2006-01-02 15:04"), st.OK, c.want[i])
				}
				if c.policy.Clock == ticket.Business && !cal.IsWorkingTime(st.At, "") {
					t.Errorf("step %d told at %s, not working time", i+1, st.At)
				}
			}
		})
	}
}

func withSteps(p ticket.Policy, steps ...ticket.Step) ticket.Policy {
	p.Ladder = ticket.Ladder{Name: "test", Steps: steps}
	return p
}

// Ensure NextRung walks the ladder in order, then its repeats from
// RepeatFrom every RepeatEvery, each at a working moment.
func TestNextRungRepeats(t *testing.T) {
	cal := cnCalendar(t)
	p := p2
	p.Ladder.RepeatFrom, p.Ladder.RepeatEvery = 2, 4*time.Hour
	c := clock(t, 1, "start@2026-09-30 16:00")
	now := at(t, "2026-09-30 16:00")
	want := []struct {
		rung ticket.Rung
		at   string
	}{
		{ticket.Rung{Step: 0}, "2026-10-08 14:30"},
		{ticket.Rung{Step: 1}, "2026-10-08 16:30"},
		{ticket.Rung{Step: 2}, "2026-10-09 11:30"},
		// Repeat 1 of steps 2 and 3: 12 h + 4 h = 16 h counted.
		{ticket.Rung{Step: 1, Round: 1}, "2026-10-09 17:00"},
		{ticket.Rung{Step: 2, Round: 1}, "2026-10-09 17:00"},
		// 20 h are counted at 12:00 on the make-up Saturday: told at 13:30.
		{ticket.Rung{Step: 1, Round: 2}, "2026-10-10 13:30"},
		{ticket.Rung{Step: 2, Round: 2}, "2026-10-10 13:30"},
		{ticket.Rung{Step: 1, Round: 3}, "2026-10-10 17:30"},
	}
	r := ticket.Start
	for _, w := range want {
		next, when, ok := ticket.NextRung(p, cal, "", c, r, now)
		if !ok || next != w.rung || !when.Equal(at(t, w.at)) {
			t.Fatalf("after %+v: %+v at %s (%v), want %+v at %s", r, next, when.Format("2006-01-02 15:04"), ok, w.rung, w.at)
		}
		if !cal.IsWorkingTime(when, "") {
			t.Errorf("%+v told at %s, not working time", next, when)
		}
		r = next
	}
	if got := p.Ladder.Label(ticket.Rung{Step: 2, Round: 1}); got != "3/3 150% resolution, repeat 1" {
		t.Errorf("label %q", got)
	}
	if got := (ticket.Rung{Step: 2, Round: 1}).Key(); got != "s2r1" {
		t.Errorf("key %q", got)
	}

	// Resolved: nothing more to tell.
	stopped := append(clock(t, 1, "start@2026-09-30 16:00"), clock(t, 1, "stop@2026-10-09 12:00")...)
	if next, _, ok := ticket.NextRung(p, cal, "", stopped, ticket.Rung{Step: 2}, at(t, "2026-10-09 12:00")); ok {
		t.Errorf("a resolved ticket's ladder goes on: %+v", next)
	}
}

// Ensure first-response steps are passed over once the ticket is
// acknowledged, a paused clock holds the ladder, and UntilAck repeats end
// with the ack.
func TestNextRungAckAndPause(t *testing.T) {
	cal := cnCalendar(t)
	p := withSteps(p2,
		ticket.Step{Fraction: 1, Target: ticket.FirstResponse, Notify: []string{"owner"}},
		ticket.Step{Fraction: 0.75, Target: ticket.Resolution, Notify: []string{"owner"}},
		ticket.Step{Fraction: 1, Target: ticket.Resolution, Notify: []string{"head"}},
	)
	acked := clock(t, 1, "start@2026-03-10 09:00", "ack@2026-03-10 09:30")
	next, when, ok := ticket.NextRung(p, cal, "", acked, ticket.Start, at(t, "2026-03-10 09:30"))
	if !ok || next != (ticket.Rung{Step: 1}) || !when.Equal(at(t, "2026-03-10 16:30")) {
		t.Errorf("after the ack: %+v at %s (%v), want step 2 at 2026-03-10 16:30", next, when, ok)
	}

	paused := clock(t, 1, "start@2026-03-10 09:00", "ack@2026-03-10 09:30", "pause@2026-03-10 10:00")
	if next, _, ok := ticket.NextRung(p, cal, "", paused, ticket.Start, at(t, "2026-03-10 11:00")); ok {
		t.Errorf("a paused clock schedules %+v", next)
	}
	resumed := append(paused, clock(t, 1, "resume@2026-03-11 09:00")...)
	next, when, ok = ticket.NextRung(p, cal, "", resumed, ticket.Start, at(t, "2026-03-11 09:00"))
	// 1 h before the pause, 5 h more from Mar 11 09:00: 09–12, 13:30–15:30.
	if !ok || next != (ticket.Rung{Step: 1}) || !when.Equal(at(t, "2026-03-11 15:30")) {
		t.Errorf("after the resume: %+v at %s (%v)", next, when, ok)
	}

	p.Ladder.RepeatFrom, p.Ladder.RepeatEvery, p.Ladder.UntilAck = 1, time.Hour, true
	open := clock(t, 1, "start@2026-03-10 09:00")
	next, when, ok = ticket.NextRung(p, cal, "", open, ticket.Rung{Step: 2}, at(t, "2026-03-10 09:00"))
	// The last step falls at 8 h; its first repeat at 9 h counted.
	if !ok || next != (ticket.Rung{Step: 0, Round: 1}) || !when.Equal(at(t, "2026-03-11 10:30")) {
		t.Errorf("repeat until ack: %+v at %s (%v)", next, when, ok)
	}
	ackedLate := append(open, clock(t, 1, "ack@2026-03-11 10:00")...)
	if next, _, ok := ticket.NextRung(p, cal, "", ackedLate, ticket.Rung{Step: 2}, at(t, "2026-03-11 10:00")); ok {
		t.Errorf("repeats until ack went on after the ack: %+v", next)
	}
}

// Ensure the ack timeout falls AckTimeout of counted time after the last
// touch, only on an acknowledged, running ticket.
func TestAckTimeoutAt(t *testing.T) {
	cal := cnCalendar(t)
	p := p2
	p.Ladder.AckTimeout = 4 * time.Hour
	acked := clock(t, 1, "start@2026-09-30 09:00", "ack@2026-09-30 09:30")
	// Touched at 16:00 on Sep 30: 2 h that day, 2 h from Oct 8 09:00.
	got, ok := ticket.AckTimeoutAt(p, cal, "", acked, at(t, "2026-09-30 16:00"), at(t, "2026-09-30 16:00"))
	if !ok || !got.Equal(at(t, "2026-10-08 11:00")) {
		t.Errorf("ack timeout %s (%v), want 2026-10-08 11:00", got, ok)
	}
	if _, ok := ticket.AckTimeoutAt(p, cal, "", clock(t, 1, "start@2026-09-30 09:00"), at(t, "2026-09-30 16:00"), at(t, "2026-09-30 16:00")); ok {
		t.Error("an ack timeout on a ticket not acknowledged")
	}
	paused := append(acked, clock(t, 1, "pause@2026-09-30 17:00")...)
	if _, ok := ticket.AckTimeoutAt(p, cal, "", paused, at(t, "2026-09-30 16:00"), at(t, "2026-09-30 17:00")); ok {
		t.Error("an ack timeout on a paused ticket")
	}
	p.Ladder.AckTimeout = 0
	if _, ok := ticket.AckTimeoutAt(p, cal, "", acked, at(t, "2026-09-30 16:00"), at(t, "2026-09-30 16:00")); ok {
		t.Error("an ack timeout on a ladder without one")
	}
}

// Ensure the first matching policy wins, an empty category or department
// matches any, and names compare without case.
func TestMatch(t *testing.T) {
	policies := []ticket.Policy{
		{Name: "qa-quality", Priority: ticket.P2, Category: "quality", Dept: "QA"},
		{Name: "quality", Priority: ticket.P2, Category: "quality"},
		{Name: "qa", Priority: ticket.P2, Dept: "qa"},
		{Name: "p2", Priority: ticket.P2},
		{Name: "p2-late", Priority: ticket.P2},
		{Name: "p1", Priority: ticket.P1},
	}
	for _, c := range []struct {
		prio           ticket.Priority
		category, dept string
		want           string
	}{
		{ticket.P2, "Quality", "QA", "qa-quality"},
		{ticket.P2, "quality", "Supply", "quality"},
		{ticket.P2, "delivery", "QA", "qa"},
		{ticket.P2, "", "", "p2"},
		{ticket.P1, "quality", "QA", "p1"},
		{ticket.P3, "quality", "QA", ""},
	} {
		got, ok := ticket.Match(policies, c.prio, c.category, c.dept)
		if (c.want == "") == ok || got.Name != c.want {
			t.Errorf("Match(%s, %q, %q) = %q (%v), want %q", c.prio, c.category, c.dept, got.Name, ok, c.want)
		}
	}
}

// Ensure, for many random starts and durations (a fixed seed), that the
// business time between a start and AddBusiness(start, d) is d, that a
// clock started then has counted d at that moment and is due then, and
// that a step falling then is told on working time.
func TestBusinessProperty(t *testing.T) {
	cal := cnCalendar(t)
	rng := rand.New(rand.NewPCG(13, 2026))
	from := at(t, "2025-01-01 00:00")
	for i := range 2000 {
		start := from.Add(time.Duration(rng.Int64N(int64(700 * 24 * time.Hour)))).Truncate(time.Minute)
		d := time.Duration(1+rng.Int64N(120*60)) * time.Minute
		dept := []string{"", "QA"}[i%2]
		end := cal.AddBusiness(start, d, dept)
		if got := cal.BusinessBetween(start, end, dept); got != d {
			t.Fatalf("BusinessBetween(%s, AddBusiness(%s, %s)) = %s", start, start, d, got)
		}
		p := ticket.Policy{Resolution: d, Clock: ticket.Business,
			Ladder: ticket.Ladder{Steps: []ticket.Step{{Fraction: 1, Target: ticket.Resolution}}}}
		c := []*ticket.ClockEvent{{Cycle: 1, Kind: ticket.ClockStart, At: start}}
		if got := ticket.Elapsed(p, cal, dept, c, ticket.Resolution, end); got != d {
			t.Fatalf("Elapsed from %s to %s = %s, want %s", start, end, got, d)
		}
		if due, ok := ticket.Due(p, cal, dept, c, ticket.Resolution, start); !ok || !due.Equal(end) {
			t.Fatalf("Due from %s + %s = %s, want %s", start, d, due, end)
		}
		st := ticket.StepTimes(p, cal, dept, c, start)[0]
		if !st.OK || !cal.IsWorkingTime(st.At, dept) || st.At.Before(end) || cal.BusinessBetween(end, st.At, dept) != 0 {
			t.Fatalf("step due at %s told at %s: not the first working moment", end, st.At)
		}
	}
}
