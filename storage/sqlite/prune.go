package sqlite

import (
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// pruneQueries are the statements of bot.PruneTx by what they prune. Each
// takes the cut-off time and the batch size; each reads its rows from a
// partial index (inbox_done, outbox_sent, outbox_dead, jobs_finished,
// link_codes_expiry), whose condition it names literally so that SQLite uses
// it. query_internal_test.go checks the plans.
var pruneQueries = map[string]string{
	"inbox":          pruneQuery("inbox", `state != 'pending' AND received_at < ? ORDER BY received_at`),
	"outbox/sent":    pruneQuery("outbox", `state = 'sent' AND created_at < ? ORDER BY created_at`),
	"outbox/dead":    pruneQuery("outbox", `state = 'dead' AND created_at < ? ORDER BY created_at`),
	"jobs/done":      pruneQuery("jobs", `state != 'pending' AND state = 'done' AND finished_at < ? ORDER BY finished_at`),
	"jobs/cancelled": pruneQuery("jobs", `state != 'pending' AND state = 'cancelled' AND finished_at < ? ORDER BY finished_at`),
	"jobs/dead":      pruneQuery("jobs", `state != 'pending' AND state = 'dead' AND finished_at < ? ORDER BY finished_at`),
	// Card copies are found by subject, never by id: none is kept back.
	"card_copies": `DELETE FROM card_copies WHERE id IN
		(SELECT id FROM card_copies WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
	// Pictures are found by digest; a queued message lives hours, not the
	// retention that is given here.
	"media": `DELETE FROM media WHERE rowid IN
		(SELECT rowid FROM media WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
	"media_uploads": `DELETE FROM media_uploads WHERE (sha256, platform, workspace) IN
		(SELECT sha256, platform, workspace FROM media_uploads WHERE reuse_until <= ? ORDER BY reuse_until LIMIT ?)`,
	// Link codes are referred to by nothing, so none is kept back.
	"link_codes": `DELETE FROM link_codes WHERE code IN
		(SELECT code FROM link_codes WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
}

// pruneQuery deletes a batch of table's rows matching cond (which orders
// them, oldest first), except the row with the largest id: see bot.PruneTx.
// The largest id is left out inside the batch's sub-query, not beside it:
// beside it PostgreSQL guessed a third of the table below MAX(id) and read
// that much of the primary key to join the batch against
// (storage/postgres/plans_test.go); inside, the batch's ids are the only
// rows looked up.
func pruneQuery(table, cond string) string {
	where, order, _ := strings.Cut(cond, " ORDER BY ")
	return `DELETE FROM ` + table + ` WHERE id IN (SELECT id FROM ` + table + ` WHERE ` + where +
		` AND id < (SELECT MAX(id) FROM ` + table + `) ORDER BY ` + order + ` LIMIT ?)`
}

// PruneInbox implements bot.PruneTx.
func (t *tx) PruneInbox(before time.Time, limit int) (int, error) {
	return t.prune("inbox", before, limit)
}

// PruneOutbox implements bot.PruneTx.
func (t *tx) PruneOutbox(state bot.OutboxState, before time.Time, limit int) (int, error) {
	return t.prune("outbox/"+string(state), before, limit)
}

// PruneJobs implements bot.PruneTx.
func (t *tx) PruneJobs(state bot.JobState, before time.Time, limit int) (int, error) {
	return t.prune("jobs/"+string(state), before, limit)
}

// PruneLinkCodes implements bot.PruneTx.
func (t *tx) PruneLinkCodes(now time.Time, limit int) (int, error) {
	return t.prune("link_codes", now, limit)
}

func (t *tx) prune(what string, before time.Time, limit int) (int, error) {
	q, ok := pruneQueries[what]
	if !ok {
		return 0, fmt.Errorf("prune %s: never pruned", what)
	}
	res, err := t.exec(q, before.UnixMilli(), limit)
	if err != nil {
		return 0, internal(err, "prune "+what)
	}
	n, err := res.RowsAffected()
	return int(n), internal(err, "prune "+what)
}

// PruneCardCopies implements bot.PruneTx.
func (t *tx) PruneCardCopies(before time.Time, limit int) (int, error) {
	return t.prune("card_copies", before, limit)
}

// PruneMedia implements bot.PruneTx: pictures stored before before, and
// uploads that may no longer be reused at before.
func (t *tx) PruneMedia(before time.Time, limit int) (int, error) {
	n, err := t.prune("media", before, limit)
	if err != nil || n == limit {
		return n, err
	}
	m, err := t.prune("media_uploads", before, limit-n)
	return n + m, err
}
