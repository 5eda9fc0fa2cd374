package ticket

import (
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/standup"
	"github.com/tandemhq/tandem/bot/ticket"
)

// standIn is who takes what is meant for p at now: p's delegate while p is
// on leave and named one (away is then p), else p (away nil). The rule is
// standup.StandIn's, asked at the moment of giving or telling, so an
// escalation due after p is back reaches p.
func (f *feature) standIn(tx bot.Tx, p *bot.Person, now time.Time) (who, away *bot.Person, err error) {
	_, loc := f.defaults()
	d, err := standup.StandIn(tx, p, loc, now)
	if err != nil || d == nil {
		return p, nil, err
	}
	return d, p, nil
}

// ownerStandIn applies standIn to a ticket's new owner: tk.OwnerID becomes
// the delegate's, and the timeline says for whom ("gave it to @bob for
// @max, on leave"). It returns who was away, or nil.
func (f *feature) ownerStandIn(tx bot.Tx, tk *ticket.Ticket, now time.Time) (*bot.Person, error) {
	if tk.OwnerID == 0 {
		return nil, nil
	}
	p, err := tx.FindPersonByID(tk.OwnerID)
	if err != nil {
		return nil, err
	}
	who, away, err := f.standIn(tx, p, now)
	if err != nil || away == nil {
		return nil, err
	}
	tk.OwnerID = who.ID
	return away, nil
}

// recordStandIn notes on the timeline that the ticket went to its owner for
// away.
func (f *feature) recordStandIn(tx bot.Tx, tk *ticket.Ticket, away *bot.Person, actorID int64, now time.Time) error {
	if away == nil {
		return nil
	}
	e := &ticket.Event{TicketID: tk.ID, ActorID: actorID, Kind: ticket.StoodIn,
		From: strconv.FormatInt(away.ID, 10), To: strconv.FormatInt(tk.OwnerID, 10), At: now}
	return f.addEvent(tx, tk, e)
}
