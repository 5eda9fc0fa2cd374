package ticket

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot/workcal"
)

// SLA arithmetic. Every function here is pure: the clock events, the
// calendar and now are arguments, so a test (or `tandem sla`) can ask about
// any moment without waiting for it.
//
// A target's clock runs from the cycle's start, stands still between a
// pause and the next resume (waiting on the requester), and stops for good
// at stop (resolution). The first-response clock also stops at ack.
// Time on a running clock is counted on the handling department's business
// hours of the work calendar (Business) or as wall-clock time (Wall), as the
// policy says.

// ClockState is where a target's clock stands at a moment.
type ClockState int

// Clock states.
const (
	// NotStarted: the cycle has no start event (yet).
	NotStarted ClockState = iota
	// Running: time counts.
	Running
	// Paused: waiting on the requester; time does not count until resume.
	Paused
	// Stopped: the target's clock ended (ack for the first response, stop
	// for both); its elapsed time is final.
	Stopped
)

func (s ClockState) String() string {
	if names := [...]string{"not started", "running", "paused", "stopped"}; s >= 0 && int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("ClockState(%d)", int(s))
}

// run is one span of a target's clock in which time counted: [from, to);
// the last run of a running clock has a zero to.
type run struct{ from, to time.Time }

// runs reads the clock events of the latest cycle in clock (events after
// now are not yet real and are ignored) and returns the target's runs and
// its state at now. A start while running, a pause while paused and a
// resume while running are ignored, so a duplicated event cannot count a
// span twice.
func runs(clock []*ClockEvent, target Target, now time.Time) ([]run, ClockState) {
	cycle := 0
	for _, e := range clock {
		cycle = max(cycle, e.Cycle)
	}
	events := make([]*ClockEvent, 0, len(clock))
	for _, e := range clock {
		if e.Cycle == cycle && !e.At.After(now) {
			events = append(events, e)
		}
	}
	// Stable, so events of one instant keep the order they were written in.
	slices.SortStableFunc(events, func(a, b *ClockEvent) int { return a.At.Compare(b.At) })

	var out []run
	state := NotStarted
	for _, e := range events {
		switch {
		case state == Stopped:
			// A stopped clock stays stopped within its cycle; a reopen is a
			// new cycle.
		case e.Kind == ClockStart && state == NotStarted,
			e.Kind == ClockResume && state == Paused:
			out = append(out, run{from: e.At})
			state = Running
		case e.Kind == ClockPause && state == Running:
			out[len(out)-1].to = e.At
			state = Paused
		case e.Kind == ClockStop || (e.Kind == ClockAck && target == FirstResponse):
			if state == Running {
				out[len(out)-1].to = e.At
			}
			if state != NotStarted {
				state = Stopped
			}
		}
	}
	return out, state
}

// State is where the target's clock stands at now.
func State(clock []*ClockEvent, target Target, now time.Time) ClockState {
	_, s := runs(clock, target, now)
	return s
}

// span measures working time (Business) or wall-clock time from a to b.
func span(p Policy, cal *workcal.Calendar, dept string, a, b time.Time) time.Duration {
	if p.Clock == Wall {
		return b.Sub(a)
	}
	return cal.BusinessBetween(a, b, dept)
}

// add is the moment d of counted time after t (zero when the calendar
// has no such moment).
func add(p Policy, cal *workcal.Calendar, dept string, t time.Time, d time.Duration) time.Time {
	if p.Clock == Wall {
		return t.Add(d)
	}
	if d == 0 {
		// AddBusiness returns t itself for 0; a business clock that starts
		// at night reaches 0 at the same instant, which is right for an
		// amount but not a moment anyone works: callers that fire use
		// fireAt.
		return t
	}
	return cal.AddBusiness(t, d, dept)
}

// Elapsed is the time counted on the target's clock in the latest cycle up
// to now: from the start, less the paused spans, up to the stop (and, for
// the first response, the ack).
func Elapsed(p Policy, cal *workcal.Calendar, dept string, clock []*ClockEvent, target Target, now time.Time) time.Duration {
	rs, _ := runs(clock, target, now)
	var total time.Duration
	for _, r := range rs {
		to := r.to
		if to.IsZero() {
			to = now
		}
		if to.After(r.from) {
			total += span(p, cal, dept, r.from, to)
		}
	}
	return total
}

// Reach is the moment the target's clock counts amount: a moment in the
// past if it already did, or, on a running clock, when it will at the
// current rate. It is false when the clock has not started, or is paused
// or stopped short of amount (a paused clock has no due time until it
// resumes; a stopped one never reaches it).
func Reach(p Policy, cal *workcal.Calendar, dept string, clock []*ClockEvent, target Target, amount time.Duration, now time.Time) (time.Time, bool) {
	rs, _ := runs(clock, target, now)
	var acc time.Duration
	for _, r := range rs {
		if r.to.IsZero() { // the running span: projected at the current rate
			at := add(p, cal, dept, r.from, amount-acc)
			return at, !at.IsZero()
		}
		d := span(p, cal, dept, r.from, r.to)
		if acc+d >= amount {
			at := add(p, cal, dept, r.from, amount-acc)
			return at, !at.IsZero()
		}
		acc += d
	}
	return time.Time{}, false
}

// TargetDuration is the policy's time for a target.
func (p Policy) TargetDuration(t Target) time.Duration {
	if t == FirstResponse {
		return p.FirstResponse
	}
	return p.Resolution
}

// Due is when the target is (or was) reached: see Reach. It is false also
// when the policy sets no time for the target.
func Due(p Policy, cal *workcal.Calendar, dept string, clock []*ClockEvent, target Target, now time.Time) (time.Time, bool) {
	d := p.TargetDuration(target)
	if d <= 0 {
		return time.Time{}, false
	}
	return Reach(p, cal, dept, clock, target, d, now)
}

// Overdue reports whether the target's time passed before its clock
// stopped (or, still running, before now).
func Overdue(p Policy, cal *workcal.Calendar, dept string, clock []*ClockEvent, target Target, now time.Time) bool {
	d := p.TargetDuration(target)
	return d > 0 && Elapsed(p, cal, dept, clock, target, now) > d
}

// Amount is the counted time at which step s falls: its fraction of its
// target's time under p (rounded to the nearest nanosecond).
func (p Policy) Amount(s Step) time.Duration {
	return time.Duration(math.Round(s.Fraction * float64(p.TargetDuration(s.Target))))
}

// fireAt moves a moment at which something falls due to when it may be
// told: in business time, the next working moment (a step that falls at
// 18:00 sharp, the close of the day, is told when work starts again, so no
// one is escalated to on a night, a weekend or a holiday); in wall-clock
// time, the moment itself.
func fireAt(p Policy, cal *workcal.Calendar, dept string, t time.Time) time.Time {
	if p.Clock == Wall || t.IsZero() {
		return t
	}
	return cal.NextWorkingMoment(t, dept)
}

// Rung is one firing of a ladder: Step (0-based, into Ladder.Steps) in
// Round 0 (the ladder itself) or a repeat round (1, 2, …). The escalation
// job's dedup key names the ticket, the cycle and the rung, so each fires
// once.
type Rung struct {
	Step  int
	Round int
}

// Start is the rung before the first: NextRung(…, Start, …) gives the
// first one.
var Start = Rung{Step: -1}

// Key is the rung in a dedup key: "s2" (the third step), "s2r1" (its first
// repeat).
func (r Rung) Key() string {
	if r.Round == 0 {
		return fmt.Sprintf("s%d", r.Step)
	}
	return fmt.Sprintf("s%dr%d", r.Step, r.Round)
}

// Label is the rung as the timeline records it: "2/3 100% resolution",
// "3/3 150% resolution, repeat 2".
func (l Ladder) Label(r Rung) string {
	if r.Step < 0 || r.Step >= len(l.Steps) {
		return r.Key()
	}
	s := l.Steps[r.Step]
	out := fmt.Sprintf("%d/%d %s %s", r.Step+1, len(l.Steps), FormatFraction(s.Fraction), s.Target)
	if r.Round > 0 {
		out += fmt.Sprintf(", repeat %d", r.Round)
	}
	return out
}

// FormatFraction writes a step's fraction as a percentage: 0.75 → "75%".
func FormatFraction(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f*100), "0"), ".") + "%"
}

// StepTime is when one step of the ladder (round 0) is told.
type StepTime struct {
	Step   Step
	Amount time.Duration // the counted time it falls at
	// At is when it is told (a working moment in business time); OK is
	// false when it is not due on this clock: its target's clock stopped
	// short of it (a first-response step after the ack), is paused, or has
	// not started.
	At time.Time
	OK bool
}

// StepTimes lists when each step of p's ladder falls on the clock.
func StepTimes(p Policy, cal *workcal.Calendar, dept string, clock []*ClockEvent, now time.Time) []StepTime {
	out := make([]StepTime, len(p.Ladder.Steps))
	for i, s := range p.Ladder.Steps {
		amount := p.Amount(s)
		at, ok := Reach(p, cal, dept, clock, s.Target, amount, now)
		out[i] = StepTime{Step: s, Amount: amount, At: fireAt(p, cal, dept, at), OK: ok}
	}
	return out
}

// repeatTarget is the clock the ladder's repeats follow: the first-response
// clock with UntilAck (so the ack ends them), else the resolution clock.
func (l Ladder) repeatTarget() Target {
	if l.UntilAck {
		return FirstResponse
	}
	return Resolution
}

// Repeats reports whether the ladder repeats.
func (l Ladder) Repeats() bool {
	return l.RepeatFrom >= 1 && l.RepeatFrom <= len(l.Steps) && l.RepeatEvery > 0
}

// rungAt is when rung r falls and is told. A repeat round k fires steps
// RepeatFrom…last once the repeat clock has counted k × RepeatEvery beyond
// the last step's amount (both clocks count alike until the ack, so the
// amounts compare).
func rungAt(p Policy, cal *workcal.Calendar, dept string, clock []*ClockEvent, r Rung, now time.Time) (time.Time, bool) {
	steps := p.Ladder.Steps
	s := steps[r.Step]
	target, amount := s.Target, p.Amount(s)
	if r.Round > 0 {
		last := steps[len(steps)-1]
		target = p.Ladder.repeatTarget()
		amount = p.Amount(last) + time.Duration(r.Round)*p.Ladder.RepeatEvery
	}
	at, ok := Reach(p, cal, dept, clock, target, amount, now)
	if !ok {
		return time.Time{}, false
	}
	at = fireAt(p, cal, dept, at)
	return at, !at.IsZero()
}

// following is the rung after r in ladder order: the steps in order, then
// each repeat round's steps from RepeatFrom to the last.
func (l Ladder) following(r Rung) (Rung, bool) {
	n := len(l.Steps)
	switch {
	case r.Step+1 < n:
		return Rung{Step: r.Step + 1, Round: r.Round}, true
	case l.Repeats():
		return Rung{Step: l.RepeatFrom - 1, Round: r.Round + 1}, true
	}
	return Rung{}, false
}

// NextRung is the first rung after `after` (Start for the first) that
// is still to be told on this clock, and when. Rungs whose target's clock
// stopped short of them (a first-response step after the ack, any step after
// the resolution) are passed over. It is false when there is nothing to
// schedule now: the ladder is done, or the next rung's clock is paused (a
// resume asks again) or not started.
//
// The ladder is taken in its order, which config validation keeps in
// order of time (each step's amount at least the one before, under every
// policy that uses the ladder), so a rung is never held back by an
// earlier-listed later one.
func NextRung(p Policy, cal *workcal.Calendar, dept string, clock []*ClockEvent, after Rung, now time.Time) (Rung, time.Time, bool) {
	r := after
	for {
		next, ok := p.Ladder.following(r)
		if !ok {
			return Rung{}, time.Time{}, false
		}
		if at, ok := rungAt(p, cal, dept, clock, next, now); ok {
			return next, at, true
		}
		target := p.Ladder.Steps[next.Step].Target
		if next.Round > 0 {
			target = p.Ladder.repeatTarget()
		}
		if State(clock, target, now) != Stopped {
			return Rung{}, time.Time{}, false // paused or not started: wait
		}
		if next.Round > 0 {
			return Rung{}, time.Time{}, false // the repeats ended with their clock
		}
		r = next
	}
}

// AckTimeoutAt is when an acknowledged ticket that has sat untouched since
// lastTouch re-arms its ladder: once the resolution clock has counted
// AckTimeout beyond what it had counted at lastTouch (so a pause holds the
// timeout too), told at a working moment in business time. It is false
// when the ladder has no ack timeout, the ticket is not acknowledged in this
// cycle, or the resolution clock is paused or stopped.
func AckTimeoutAt(p Policy, cal *workcal.Calendar, dept string, clock []*ClockEvent, lastTouch, now time.Time) (time.Time, bool) {
	if p.Ladder.AckTimeout <= 0 || State(clock, FirstResponse, now) != Stopped || State(clock, Resolution, now) != Running {
		return time.Time{}, false
	}
	base := Elapsed(p, cal, dept, clock, Resolution, lastTouch)
	at, ok := Reach(p, cal, dept, clock, Resolution, base+p.Ladder.AckTimeout, now)
	if !ok {
		return time.Time{}, false
	}
	at = fireAt(p, cal, dept, at)
	return at, !at.IsZero()
}

// Match is the first policy that matches a ticket's priority, category and
// handling department (a policy's empty category or department matches any;
// names compare without case).
func Match(policies []Policy, priority Priority, category, dept string) (Policy, bool) {
	for _, p := range policies {
		if p.Priority != priority {
			continue
		}
		if p.Category != "" && !strings.EqualFold(p.Category, category) {
			continue
		}
		if p.Dept != "" && !strings.EqualFold(p.Dept, dept) {
			continue
		}
		return p, true
	}
	return Policy{}, false
}
