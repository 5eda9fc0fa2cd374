package ticket

import (
	"time"

	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/bot/workcal"
)

// slaClock counts a ticket's SLA clock on the work calendar: the spans of a
// cycle in which the clock ran, added up in business time (the handling
// department's hours) or in wall-clock time, as the policy snapshotted on
// the ticket says. With no calendar, business time counts every minute.
//
// It reads the clock events as ticket.ClockEvent defines them: start opens
// a span, pause closes it and resume opens the next; ack ends the
// first-response target, stop ends both.
type slaClock struct{ cal *workcal.Calendar }

type span struct{ from, to time.Time } // to is zero while the span runs

// spans returns the spans in which target's clock ran, oldest first, and
// whether it still runs.
func spans(evs []*ticket.ClockEvent, target ticket.Target) ([]span, bool) {
	var out []span
	running, ended := false, false
	for _, e := range evs {
		switch {
		case ended:
		case e.Kind == ticket.ClockStart || e.Kind == ticket.ClockResume:
			if !running {
				out, running = append(out, span{from: e.At}), true
			}
		case e.Kind == ticket.ClockPause:
			if running {
				out[len(out)-1].to, running = e.At, false
			}
		case e.Kind == ticket.ClockStop || e.Kind == ticket.ClockAck && target == ticket.FirstResponse:
			if running {
				out[len(out)-1].to, running = e.At, false
			}
			ended = true
		}
	}
	return out, running
}

func (k slaClock) business(p ticket.Policy) bool { return p.Clock != ticket.Wall && k.cal != nil }

// between is the time counted from a to b.
func (k slaClock) between(p ticket.Policy, dept string, a, b time.Time) time.Duration {
	if k.business(p) {
		return k.cal.BusinessBetween(a, b, dept)
	}
	return b.Sub(a)
}

// add is the moment d of counted time after t; in business time it is
// always a working minute.
func (k slaClock) add(p ticket.Policy, dept string, t time.Time, d time.Duration) time.Time {
	if k.business(p) {
		if d <= 0 {
			return k.cal.NextWorkingMoment(t, dept)
		}
		return k.cal.AddBusiness(t, d, dept)
	}
	return t.Add(d)
}

// spent is the time counted against target up to now, and whether its
// clock runs.
func (k slaClock) spent(p ticket.Policy, dept string, evs []*ticket.ClockEvent, target ticket.Target, now time.Time) (time.Duration, bool) {
	ss, running := spans(evs, target)
	var total time.Duration
	for _, s := range ss {
		to := s.to
		if to.IsZero() || to.After(now) {
			to = now
		}
		if to.After(s.from) {
			total += k.between(p, dept, s.from, to)
		}
	}
	return total, running
}

// reach is when the time counted against target reaches d: in the past
// when it already did, in the future when its clock runs, and ok=false
// when it stopped or paused before reaching it.
func (k slaClock) reach(p ticket.Policy, dept string, evs []*ticket.ClockEvent, target ticket.Target, d time.Duration) (time.Time, bool) {
	ss, _ := spans(evs, target)
	left := d
	for _, s := range ss {
		if s.to.IsZero() {
			return k.add(p, dept, s.from, left), true
		}
		got := k.between(p, dept, s.from, s.to)
		if got >= left {
			return k.add(p, dept, s.from, left), true
		}
		left -= got
	}
	return time.Time{}, false
}

// targetOf is the length of a policy's target.
func targetOf(p ticket.Policy, t ticket.Target) time.Duration {
	if t == ticket.FirstResponse {
		return p.FirstResponse
	}
	return p.Resolution
}

// rung is step n (1-based) of a policy's ladder, with the counted time at
// which it is due. Past the last step a ladder that repeats goes on from
// RepeatFrom every RepeatEvery; ok is false when there is no step n.
func rung(l ticket.Ladder, p ticket.Policy, n int) (ticket.Step, time.Duration, bool) {
	steps := l.Steps
	if n < 1 {
		return ticket.Step{}, 0, false
	}
	at := func(s ticket.Step) time.Duration {
		return time.Duration(float64(targetOf(p, s.Target)) * s.Fraction)
	}
	if n <= len(steps) {
		return steps[n-1], at(steps[n-1]), true
	}
	if l.RepeatFrom < 1 || l.RepeatFrom > len(steps) || l.RepeatEvery <= 0 {
		return ticket.Step{}, 0, false
	}
	cycle := len(steps) - l.RepeatFrom + 1
	i := n - len(steps) - 1
	s := steps[l.RepeatFrom-1+i%cycle]
	return s, at(s) + time.Duration(i/cycle+1)*l.RepeatEvery, true
}
