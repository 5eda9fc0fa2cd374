package sqlite

import (
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/digest"
)

// DigestsDue implements bot.PeopleTx. Both halves read people_digest_due,
// whose condition (digest_off = 0) each query names literally.
// The unit implements the digest feature's store contract (digest.From).
var _ digest.Store = (*tx)(nil)

func (t *tx) DigestsDue(now time.Time, limit int) ([]*bot.Person, error) {
	out, err := t.people(digestsUnscheduledQuery, limit)
	if err != nil || len(out) >= limit {
		return out, err
	}
	due, err := t.people(digestsDueQuery, now.UnixMilli(), limit-len(out))
	return append(out, due...), err
}

const (
	digestsUnscheduledQuery = `SELECT ` + personColumns + ` FROM people WHERE digest_off = 0 AND digest_next_at IS NULL LIMIT ?`
	digestsDueQuery         = `SELECT ` + personColumns + ` FROM people WHERE digest_off = 0 AND digest_next_at <= ?
		ORDER BY digest_next_at LIMIT ?`
)

// SetDigestNext implements bot.PeopleTx.
func (t *tx) SetDigestNext(personID int64, was, next time.Time) (bool, error) {
	t.peopleChanged() // the account → person cache holds DigestNext too
	res, err := t.exec(`UPDATE people SET digest_next_at = ? WHERE id = ? AND digest_next_at IS ?`, ms(next), personID, ms(was))
	if err != nil {
		return false, internal(err, "set next digest")
	}
	n, err := res.RowsAffected()
	return n == 1, internal(err, "set next digest")
}

// people runs a query for people and reads them.
func (t *tx) people(query string, args ...any) ([]*bot.Person, error) {
	rows, err := t.query(query, args...)
	return scanPeople(rows, err, "find people")
}
