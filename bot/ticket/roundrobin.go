package ticket

import (
	"fmt"

	"github.com/tandemhq/tandem/bot"
)

// Turns is the durable state of round-robin routing: which member of a
// department was given a ticket from a pool (a routing rule) least
// recently. It is kept apart from Store so that storage implements it on
// its own.
type Turns interface {
	// NextTicketTurn is the member of department deptID given a ticket
	// from pool least recently: first those never given one, then the
	// oldest turn; ties go to the longest-known person, so the choice is
	// deterministic. 0 when the department has no members.
	NextTicketTurn(pool string, deptID int64) (int64, error)
	// TakeTicketTurn records that person was just given a ticket from pool.
	TakeTicketTurn(pool string, person int64) error
}

// TurnsFrom returns the round-robin store of a unit (bot.Contract); a unit
// without one gets a Turns whose every call fails.
func TurnsFrom(tx bot.Tx) Turns {
	if s, ok := bot.Contract[Turns](tx); ok {
		return s
	}
	return missingTurns{fmt.Errorf("ticket: the unit %T does not implement ticket.Turns", tx)}
}

type missingTurns struct{ err error }

func (m missingTurns) NextTicketTurn(string, int64) (int64, error) { return 0, m.err }
func (m missingTurns) TakeTicketTurn(string, int64) error          { return m.err }

// Roster lists a department's members' accounts, for inviting them to a
// war room. It is kept apart from Store, like Turns, so that storage
// implements it on its own.
type Roster interface {
	// TicketDeptAccounts lists up to limit accounts of department deptID's
	// members, the longest-known member first and each member's accounts
	// oldest first; it reads the department's members from an index and
	// costs at most limit rows.
	TicketDeptAccounts(deptID int64, limit int) ([]bot.LinkedAccount, error)
}

// RosterFrom returns the roster of a unit (bot.Contract); a unit without
// one gets a Roster whose every call fails.
func RosterFrom(tx bot.Tx) Roster {
	if s, ok := bot.Contract[Roster](tx); ok {
		return s
	}
	return missingRoster{fmt.Errorf("ticket: the unit %T does not implement ticket.Roster", tx)}
}

type missingRoster struct{ err error }

func (m missingRoster) TicketDeptAccounts(int64, int) ([]bot.LinkedAccount, error) { return nil, m.err }
