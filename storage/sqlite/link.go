package sqlite

import (
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// CreateLinkCode implements bot.PeopleTx.
func (t *tx) CreateLinkCode(code string, personID int64, expires time.Time) error {
	_, err := t.exec(`INSERT INTO link_codes (code, person_id, expires_at) VALUES (?, ?, ?)`, code, personID, expires.UnixMilli())
	return internal(err, "create link code")
}

// UseLinkCode implements bot.PeopleTx. A code works once; expired codes are
// cleared on the way.
func (t *tx) UseLinkCode(code string, now time.Time) (int64, error) {
	if _, err := t.exec(`DELETE FROM link_codes WHERE expires_at <= ?`, now.UnixMilli()); err != nil {
		return 0, internal(err, "clear link codes")
	}
	var id int64
	found, err := t.queryRow(`DELETE FROM link_codes WHERE code = ? RETURNING person_id`, []any{code}, &id)
	if err != nil {
		return 0, internal(err, "use link code")
	}
	if !found {
		return 0, bot.Errorf(bot.ENOTFOUND, "That code is unknown or has expired.", "这个代码无效或已过期。")
	}
	return id, nil
}

// MergePeople implements bot.PeopleTx. Reminder payloads name their
// recipient and author by person id, so those references move too.
func (t *tx) MergePeople(from, into int64) error {
	if from == into {
		return nil
	}
	t.peopleChanged()
	stmts := []string{
		`UPDATE accounts SET person_id = ? WHERE person_id = ?`,
		`UPDATE tasks SET owner_id = ? WHERE owner_id = ?`,
		`UPDATE tasks SET creator_id = ? WHERE creator_id = ?`,
		`UPDATE task_events SET actor_id = ? WHERE actor_id = ?`,
		`UPDATE departments SET head_id = ? WHERE head_id = ?`,
		`UPDATE jobs SET owner_id = ? WHERE owner_id = ?`,
		`UPDATE link_codes SET person_id = ? WHERE person_id = ?`,
	}
	for _, q := range stmts {
		if _, err := t.exec(q, into, from); err != nil {
			return internal(err, "merge people")
		}
	}
	if err := t.mergeTrust(from, into); err != nil {
		return err
	}
	for _, field := range []string{"to_person", "set_by"} {
		path := "$." + field
		// Payloads are BLOBs, which SQLite's JSON functions would read as
		// binary JSONB: cast them to text.
		if _, err := t.exec(`UPDATE jobs SET payload = json_set(CAST(payload AS TEXT), '`+path+`', ?)
			WHERE json_valid(CAST(payload AS TEXT)) AND json_extract(CAST(payload AS TEXT), '`+path+`') = ?`, into, from); err != nil {
			return internal(err, "merge people: "+field)
		}
	}
	res, err := t.exec(`DELETE FROM people WHERE id = ?`, from)
	return mustAffect(res, err, "merge people: delete "+strconv.FormatInt(from, 10))
}
