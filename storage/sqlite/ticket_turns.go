package sqlite

import (
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
)

// The unit implements the round-robin state of ticket routing.
var _ ticket.Turns = (*tx)(nil)

const nextTurnQuery = `SELECT p.id FROM people p
	LEFT JOIN ticket_turns tt ON tt.pool = ? AND tt.person_id = p.id
	WHERE p.dept_id = ? ORDER BY COALESCE(tt.turn, 0), p.id LIMIT 1`

// NextTicketTurn implements ticket.Turns. It reads the department's
// members from people_dept and each one's turn by primary key: it costs
// the department's size.
func (t *tx) NextTicketTurn(pool string, deptID int64) (int64, error) {
	rows, err := t.query(nextTurnQuery, pool, deptID)
	if err != nil {
		return 0, internal(err, "next ticket turn")
	}
	defer rows.Close()
	var id int64
	if rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return 0, internal(err, "scan ticket turn")
		}
	}
	return id, internal(rows.Err(), "next ticket turn")
}

// TakeTicketTurn implements ticket.Turns: the person's turn becomes the
// pool's newest.
func (t *tx) TakeTicketTurn(pool string, person int64) error {
	_, err := t.exec(`INSERT INTO ticket_turns (pool, person_id, turn)
		VALUES (?1, ?2, (SELECT COALESCE(MAX(turn), 0) + 1 FROM ticket_turns WHERE pool = ?1))
		ON CONFLICT (pool, person_id) DO UPDATE SET turn = excluded.turn`, pool, person)
	return internal(err, "take ticket turn")
}

// The unit lists departments' accounts for war rooms.
var _ ticket.Roster = (*tx)(nil)

const deptAccountsQuery = `SELECT a.platform, a.workspace, a.user_id, a.person_id, a.name FROM people p
	JOIN accounts a ON a.person_id = p.id
	WHERE p.dept_id = ? ORDER BY p.id, a.created_at, a.platform LIMIT ?`

// TicketDeptAccounts implements ticket.Roster: the department's members
// from people_dept, in its order, and each one's accounts from
// accounts_person.
func (t *tx) TicketDeptAccounts(deptID int64, limit int) ([]bot.LinkedAccount, error) {
	rows, err := t.query(deptAccountsQuery, deptID, limit)
	if err != nil {
		return nil, internal(err, "list department accounts")
	}
	defer rows.Close()
	var out []bot.LinkedAccount
	for rows.Next() {
		var a bot.LinkedAccount
		if err := rows.Scan(&a.Platform, &a.Workspace, &a.UserID, &a.PersonID, &a.Name); err != nil {
			return nil, internal(err, "scan department account")
		}
		out = append(out, a)
	}
	return out, internal(rows.Err(), "list department accounts")
}
