package ticket

import (
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
)

// clockOf is what the SLA arithmetic (bot/ticket/sla.go) needs to count a
// ticket's clock: its policy as this process can count it (business time
// needs a work calendar; without one every minute counts), the calendar,
// the handling department's name (its hours) and the current cycle's
// clock events.
type clockOf struct {
	pol    ticket.Policy
	f      *feature
	dept   string
	events []*ticket.ClockEvent
}

func (f *feature) clockOf(tx bot.Tx, tk *ticket.Ticket) (*clockOf, error) {
	evs, err := ticket.From(tx).ClockEvents(tk.ID, tk.Cycle)
	if err != nil {
		return nil, err
	}
	pol := tk.Policy
	if f.Calendar == nil {
		pol.Clock = ticket.Wall
	}
	return &clockOf{pol: pol, f: f, dept: deptName(tx, tk), events: evs}, nil
}

func (k *clockOf) due(target ticket.Target, now time.Time) (time.Time, bool) {
	return ticket.Due(k.pol, k.f.Calendar, k.dept, k.events, target, now)
}

func (k *clockOf) runs(target ticket.Target, now time.Time) bool {
	return ticket.State(k.events, target, now) == ticket.Running
}

func (k *clockOf) elapsed(target ticket.Target, now time.Time) time.Duration {
	return ticket.Elapsed(k.pol, k.f.Calendar, k.dept, k.events, target, now)
}

func (k *clockOf) next(after ticket.Rung, now time.Time) (ticket.Rung, time.Time, bool) {
	return ticket.NextRung(k.pol, k.f.Calendar, k.dept, k.events, after, now)
}

func (k *clockOf) ackTimeoutAt(lastTouch, now time.Time) (time.Time, bool) {
	return ticket.AckTimeoutAt(k.pol, k.f.Calendar, k.dept, k.events, lastTouch, now)
}
