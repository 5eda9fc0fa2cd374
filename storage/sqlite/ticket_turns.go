package sqlite

import (
	"strings"

	"github.com/tandemhq/tandem/bot/ticket"
)

// The unit implements the round-robin state of ticket routing.
var _ ticket.Turns = (*tx)(nil)

// TicketTurns implements ticket.Turns: one lookup of the primary key per
// member (a rule names a handful).
func (t *tx) TicketTurns(pool string, people []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(people) == 0 {
		return out, nil
	}
	args := []any{pool}
	for _, p := range people {
		args = append(args, p)
	}
	rows, err := t.query(`SELECT person_id, turn FROM ticket_turns WHERE pool = ? AND person_id IN (?`+
		strings.Repeat(", ?", len(people)-1)+`)`, args...)
	if err != nil {
		return nil, internal(err, "ticket turns")
	}
	defer rows.Close()
	for rows.Next() {
		var id, turn int64
		if err := rows.Scan(&id, &turn); err != nil {
			return nil, internal(err, "scan ticket turn")
		}
		out[id] = turn
	}
	return out, internal(rows.Err(), "ticket turns")
}

// TakeTicketTurn implements ticket.Turns: the person's turn becomes the
// pool's newest.
func (t *tx) TakeTicketTurn(pool string, person int64) error {
	_, err := t.exec(`INSERT INTO ticket_turns (pool, person_id, turn)
		VALUES (?1, ?2, (SELECT COALESCE(MAX(turn), 0) + 1 FROM ticket_turns WHERE pool = ?1))
		ON CONFLICT (pool, person_id) DO UPDATE SET turn = excluded.turn`, pool, person)
	return internal(err, "take ticket turn")
}
