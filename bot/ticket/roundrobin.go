package ticket

import (
	"fmt"

	"github.com/tandemhq/tandem/bot"
)

// Turns is the durable state of round-robin routing: which member of a
// pool (a routing rule's members) was given a ticket least recently. It is
// kept apart from Store so that storage can implement it on its own.
type Turns interface {
	// TicketTurns returns, for each of people, the turn (a number that grows
	// with every assignment in pool) at which they were last given a
	// ticket from pool; people never given one are absent.
	TicketTurns(pool string, people []int64) (map[int64]int64, error)
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

func (m missingTurns) TicketTurns(string, []int64) (map[int64]int64, error) { return nil, m.err }
func (m missingTurns) TakeTicketTurn(string, int64) error                  { return m.err }

// NextInTurn picks, among people (in the configured order), the one given a
// ticket from pool least recently: never before first, then the oldest turn;
// ties go to the earlier in the list, so the choice is deterministic.
func NextInTurn(people []int64, turns map[int64]int64) int64 {
	best, bestTurn := int64(0), int64(-1)
	for _, p := range people {
		t, ok := turns[p]
		if !ok {
			t = 0
		}
		if bestTurn < 0 || t < bestTurn {
			best, bestTurn = p, t
		}
	}
	return best
}
