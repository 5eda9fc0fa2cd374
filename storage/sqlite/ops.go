package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"
)

// QueueDepth is one platform's outbox queue: how many messages are queued
// and when the oldest of them was enqueued.
type QueueDepth struct {
	Platform string
	Depth    int
	Oldest   time.Time
}

// OutboxQueues reads the queued outgoing messages per platform for the
// metrics scrape, on a read connection. It counts within the partial index
// outbox_due (queued rows only), and finds each platform's oldest message
// as its lowest id there (ids grow with created_at), so it costs what is
// queued, never the sent history.
func (db *DB) OutboxQueues(ctx context.Context) ([]QueueDepth, error) {
	return ReadOutboxQueues(ctx, db.rdb)
}

// ReadOutboxQueues is OutboxQueues over any runner of this package's SQL
// (storage/postgres passes its translating one).
func ReadOutboxQueues(ctx context.Context, q Statements) ([]QueueDepth, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT q.platform, q.n, o.created_at
		FROM (SELECT platform, count(*) AS n, min(id) AS oldest FROM outbox INDEXED BY outbox_due
		      WHERE state = 'queued' GROUP BY platform) AS q
		JOIN outbox AS o ON o.id = q.oldest`)
	if err != nil {
		return nil, internal(err, "read outbox queues")
	}
	defer rows.Close()
	var out []QueueDepth
	for rows.Next() {
		var q QueueDepth
		var oldest int64
		if err := rows.Scan(&q.Platform, &q.Depth, &oldest); err != nil {
			return nil, internal(err, "read outbox queues")
		}
		q.Oldest = time.UnixMilli(oldest)
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "read outbox queues")
	}
	return out, nil
}

// Backup writes a consistent copy of the database at path to dest with
// VACUUM INTO, which reads one snapshot in a read transaction: in WAL mode
// it runs beside a live server's writes without blocking them, and the copy
// is a compact, ordinary database with no -wal companion. The database is
// opened without migrating or locking it (the server holds the lock file;
// a backup is only a reader). dest must not exist.
func Backup(ctx context.Context, path, dest string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists", dest)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	// busy_timeout: a checkpoint by the server may hold the WAL index for a
	// moment; the backup waits for it rather than fail.
	src, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		os.Remove(dest)
		return fmt.Errorf("backup %s to %s: %w", path, dest, err)
	}
	return nil
}
