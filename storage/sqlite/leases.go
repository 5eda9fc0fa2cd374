package sqlite

import (
	"time"

	"github.com/tandemhq/tandem/bot"
)

var _ bot.LeaseTx = (*tx)(nil)

// TryLease implements bot.LeaseTx in one statement: the row is written when
// it is new, when holder has it already (a renewal), or when its lease has
// ended; otherwise the upsert's WHERE leaves it alone and no row changes.
// Two replicas racing for an ended lease cannot both take it: SQLite has one
// writer, and PostgreSQL's ON CONFLICT DO UPDATE locks the row and checks
// the WHERE against its latest version (the unit is SERIALIZABLE besides);
// the storetest part "racing holders" holds both to it.
func (t *tx) TryLease(name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	res, err := t.exec(`INSERT INTO leases (name, holder, held_until) VALUES (?1, ?2, ?3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
		WHERE leases.holder = excluded.holder OR leases.held_until <= ?4`,
		name, holder, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, internal(err, "take lease")
	}
	n, err := res.RowsAffected()
	return n == 1, internal(err, "take lease")
}

// ReleaseLease implements bot.LeaseTx.
func (t *tx) ReleaseLease(name, holder string) error {
	_, err := t.exec(`DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
	return internal(err, "release lease")
}
