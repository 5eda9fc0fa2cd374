package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// CreateConsent implements bot.TrustTx.
func (t *tx) CreateConsent(c *bot.Consent, now time.Time) error {
	res, err := t.exec(`INSERT INTO consents (kind, requester_id, subject_id, dept_id, state, created_at, expires_at)
		VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
		c.Kind, c.RequesterID, c.SubjectID, nullID(c.DeptID), now.UnixMilli(), c.ExpiresAt.UnixMilli())
	if c.ID, err = insertedID(res, err); err != nil {
		return internal(err, "create consent")
	}
	c.State, c.CreatedAt = bot.ConsentPending, now.UTC()
	return nil
}

const consentColumns = `id, kind, requester_id, subject_id, dept_id, state, created_at, expires_at`

func (t *tx) findConsent(where string, args ...any) (*bot.Consent, error) {
	c := &bot.Consent{}
	var dept sql.NullInt64
	var state string
	var created, expires int64
	found, err := t.queryRow(`SELECT `+consentColumns+` FROM consents WHERE `+where, args,
		&c.ID, &c.Kind, &c.RequesterID, &c.SubjectID, &dept, &state, &created, &expires)
	if err != nil {
		return nil, internal(err, "find consent")
	}
	if !found {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no such request.", "没有这个请求。")
	}
	c.DeptID, c.State = dept.Int64, bot.ConsentState(state)
	c.CreatedAt, c.ExpiresAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	return c, nil
}

// FindConsent implements bot.TrustTx.
func (t *tx) FindConsent(id int64) (*bot.Consent, error) { return t.findConsent(`id = ?`, id) }

// PendingConsent implements bot.TrustTx, from the partial index
// consents_subject.
func (t *tx) PendingConsent(kind string, subjectID, deptID int64, now time.Time) (*bot.Consent, error) {
	return t.findConsent(`subject_id = ? AND kind = ? AND state = 'pending' AND expires_at > ? AND ifnull(dept_id, 0) = ?
		ORDER BY id DESC LIMIT 1`, subjectID, kind, now.UnixMilli(), deptID)
}

// AnswerConsent implements bot.TrustTx. The state check in the UPDATE is
// what makes a second click (or a redelivered one) answer nothing.
func (t *tx) AnswerConsent(id int64, accept bool, now time.Time) error {
	state := bot.ConsentDeclined
	if accept {
		state = bot.ConsentAccepted
	}
	res, err := t.exec(`UPDATE consents SET state = ?, answered_at = ? WHERE id = ? AND state = 'pending' AND expires_at > ?`,
		string(state), now.UnixMilli(), id, now.UnixMilli())
	return mustAffect(res, err, "answer consent")
}

// PersonSeed implements bot.TrustTx.
func (t *tx) PersonSeed(personID int64) (bot.PersonSeed, bool, error) {
	var raw string
	found, err := t.queryRow(`SELECT seed FROM person_seeds WHERE person_id = ?`, []any{personID}, &raw)
	if err != nil || !found {
		return bot.PersonSeed{}, false, internal(err, "find person seed")
	}
	var s bot.PersonSeed
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return bot.PersonSeed{}, false, internal(err, "read person seed")
	}
	return s, true, nil
}

// SetPersonSeed implements bot.TrustTx.
func (t *tx) SetPersonSeed(personID int64, s bot.PersonSeed) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return internal(err, "write person seed")
	}
	_, err = t.exec(`INSERT INTO person_seeds (person_id, seed) VALUES (?, ?)
		ON CONFLICT (person_id) DO UPDATE SET seed = excluded.seed`, personID, string(raw))
	return internal(err, "set person seed")
}

// mergeTrust moves what the trust tables know of person from to person
// into, for MergePeople: the audit log's subject (so `admin audit @into`
// shows both records' history; the handles recorded stay as they were),
// pending requests, and the config's seed when into has none. Each
// statement reads an index.
func (t *tx) mergeTrust(from, into int64) error {
	for _, q := range mergeTrustStmts {
		if _, err := t.exec(q, into, from); err != nil {
			return internal(err, "merge people: "+strings.Fields(q)[1])
		}
	}
	_, err := t.exec(`DELETE FROM person_seeds WHERE person_id = ?`, from)
	return internal(err, "merge people: person_seeds")
}

// mergeTrustStmts take (into, from).
var mergeTrustStmts = []string{
	`UPDATE audit SET subject_id = ? WHERE subject_id = ?`,
	`UPDATE consents SET subject_id = ? WHERE subject_id = ? AND state = 'pending'`,
	`UPDATE consents SET requester_id = ? WHERE requester_id = ? AND state = 'pending'`,
	`INSERT OR IGNORE INTO person_seeds (person_id, seed) SELECT ?, seed FROM person_seeds WHERE person_id = ?`,
}

// FindLinkCode implements link.Store.
func (t *tx) FindLinkCode(code string, now time.Time) (int64, error) {
	var id int64
	found, err := t.queryRow(`SELECT person_id FROM link_codes WHERE code = ? AND expires_at > ?`, []any{code, now.UnixMilli()}, &id)
	if err != nil {
		return 0, internal(err, "find link code")
	}
	if !found {
		return 0, bot.Errorf(bot.ENOTFOUND, "That code is unknown or has expired.", "这个代码无效或已过期。")
	}
	return id, nil
}

// handlesNearQueries read the handle index from a name, up and down.
var handlesNearQueries = []string{
	`SELECT handle FROM people WHERE handle >= ? ORDER BY handle LIMIT ?`,
	`SELECT handle FROM people WHERE handle < ? ORDER BY handle DESC LIMIT ?`,
}

// HandlesNear implements bot.PeopleTx with two range reads of the unique
// handle index, one each way from name.
func (t *tx) HandlesNear(name string, limit int) ([]string, error) {
	name = strings.ToLower(name)
	var out []string
	for _, q := range handlesNearQueries {
		rows, err := t.query(q, name, limit)
		if err != nil {
			return nil, internal(err, "handles near")
		}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return nil, internal(err, "handles near")
			}
			out = append(out, h)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, internal(err, "handles near")
		}
	}
	return out, nil
}
