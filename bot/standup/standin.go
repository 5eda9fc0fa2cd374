package standup

import (
	"time"

	"github.com/tandemhq/tandem/bot"
)

// StandIn is who stands in for p at now (代理): the delegate named on p's
// leave covering now's date in p's own zone (fallback when they chose
// none), or nil when p is not away then, named nobody, or named themselves.
//
// It is the one rule every feature asks at the moment it gives work to p or
// tells p something that wants an answer — a request's step, a ticket
// routed or assigned, an SLA escalation, an ask's escalation to a head — so
// a clock that falls due while p is away reaches the delegate, and one that
// falls due after p is back reaches p. Nothing is stored about it: the
// leave is read when the notice goes out. A delegate is not followed
// further (a delegate also on leave still gets it): one hop keeps the
// answer predictable and cannot loop.
func StandIn(tx bot.Tx, p *bot.Person, fallback *time.Location, now time.Time) (*bot.Person, error) {
	if p == nil {
		return nil, nil
	}
	loc := p.Location(fallback)
	if loc == nil {
		loc = time.UTC
	}
	l, err := From(tx).LeaveOn(p.ID, now.In(loc).Format(DayLayout))
	if err != nil || l == nil || l.DelegateID == 0 || l.DelegateID == p.ID {
		return nil, err
	}
	d, err := tx.FindPersonByID(l.DelegateID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil, nil // the delegate is gone: p is told, as without one
	}
	return d, err
}
