package postgres

import (
	"context"
	"database/sql"

	"github.com/tandemhq/tandem/storage/sqlite"
)

// OutboxQueues reads the queued outgoing messages per platform for the
// metrics scrape, with sqlite.DB.OutboxQueues's statement, in a read-only
// transaction.
func (db *DB) OutboxQueues(ctx context.Context) ([]sqlite.QueueDepth, error) {
	t, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, internal(err, "begin")
	}
	defer t.Rollback()
	return sqlite.ReadOutboxQueues(ctx, &statements{ctx: ctx, tx: t})
}
