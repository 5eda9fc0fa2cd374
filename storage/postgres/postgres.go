// Package postgres implements bot.Store on PostgreSQL, so that several
// Tandem replicas can share one database (docs/postgres.md).
//
// It keeps no SQL of its own for the contracts: a unit is storage/sqlite's
// (sqlite.NewTx) over a PostgreSQL transaction that translates each
// statement (dialect.go). It talks to the server through pgx's database/sql
// driver (stdlib) rather than pgxpool because the shared SQL scans
// *sql.Rows into sql.Null* values; one implementation then serves both
// stores.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"path"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is a PostgreSQL-backed bot.Store.
//
// Every Update unit is one SERIALIZABLE transaction: the shared SQL was
// written for SQLite's single writer, where a unit that reads and then writes
// sees nothing change in between, and SERIALIZABLE is the isolation that
// keeps that promise among several replicas without a lock on every read.
// The price is that PostgreSQL may refuse to commit a unit that raced
// another (SQLSTATE 40001, or a deadlock, 40P01); the unit is then run again
// from the start, which units allow (they are replayable until they commit).
type DB struct {
	// DSN is the connection string (libpq keywords or a postgres:// URL).
	DSN string
	// MaxConns bounds the pool (default 16).
	MaxConns int
	// MaxAttempts bounds how often a unit is run when PostgreSQL refuses it
	// for a serialization failure (default 20).
	MaxAttempts int
	Log         *slog.Logger

	db *sql.DB
	// retries counts units run again after PostgreSQL refused them
	// (Retries).
	retries atomic.Int64
}

// Retries returns how many times a unit has been run again since Open
// because PostgreSQL refused it for a serialization failure or a deadlock:
// the figure that shows contention between replicas (a claim that SKIP
// LOCKED keeps apart adds nothing to it).
func (db *DB) Retries() int64 { return db.retries.Load() }

var _ bot.Store = (*DB)(nil)

// NewDB returns a DB for dsn; call Open before use.
func NewDB(dsn string) *DB { return &DB{DSN: dsn} }

// migrationLock is the advisory lock key under which migrations run, so that
// replicas starting together apply each one once ("tandem" in ASCII).
const migrationLock int64 = 0x74616e64656d

// Open connects and applies pending migrations.
func (db *DB) Open() error {
	if db.MaxConns <= 0 {
		db.MaxConns = 16
	}
	if db.MaxAttempts <= 0 {
		db.MaxAttempts = 20
	}
	if db.Log == nil {
		db.Log = slog.Default()
	}
	var err error
	if db.db, err = sql.Open("pgx", db.DSN); err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	db.db.SetMaxOpenConns(db.MaxConns)
	db.db.SetMaxIdleConns(db.MaxConns)
	if err := db.migrate(context.Background()); err != nil {
		db.db.Close()
		return err
	}
	return nil
}

// Close closes the pool.
func (db *DB) Close() error {
	if db.db == nil {
		return nil
	}
	return db.db.Close()
}

func (db *DB) migrate(ctx context.Context) error {
	c, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect for migrations: %w", err)
	}
	defer c.Close()
	// A session lock, held across the migrations' own transactions: a second
	// replica waits here, then finds every migration recorded.
	if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("lock for migrations: %w", err)
	}
	defer c.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := c.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(path.Base(name), ".sql")
		var n int
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return err
		}
		t, err := c.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin migration %s: %w", version, err)
		}
		// Without arguments pgx sends the text as one simple query, so a
		// file may hold several statements.
		if _, err := t.ExecContext(ctx, string(body)); err != nil {
			t.Rollback()
			return fmt.Errorf("migration %s: %w", version, err)
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, version, time.Now().UnixMilli()); err != nil {
			t.Rollback()
			return fmt.Errorf("record migration %s: %w", version, err)
		}
		if err := t.Commit(); err != nil {
			return fmt.Errorf("commit migration %s: %w", version, err)
		}
		db.Log.Info("applied migration", "version", version)
	}
	return nil
}

// Update implements bot.Store: fn runs in a SERIALIZABLE transaction, again
// from the start when PostgreSQL refuses it for a serialization failure or a
// deadlock, up to MaxAttempts times. A unit marked bot.SnapshotUnit runs at
// REPEATABLE READ: one snapshot, and a row it updates that a concurrent unit
// updated first refuses it (40001) as SERIALIZABLE would, so a lost update
// cannot happen; what it gives up is the detection of read/write cycles
// between different rows, which the mark says the unit does not need.
func (db *DB) Update(ctx context.Context, fn func(bot.Tx) error) error {
	isolation := sql.LevelSerializable
	if bot.IsSnapshotUnit(ctx) {
		isolation = sql.LevelRepeatableRead
	}
	for attempt := 1; ; attempt++ {
		err, retry := db.try(ctx, fn, &sql.TxOptions{Isolation: isolation}, false)
		if !retry || attempt >= db.MaxAttempts {
			return err
		}
		db.retries.Add(1)
		// Jittered, growing backoff, so the units that collided do not collide
		// again in lockstep.
		wait := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 8)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// View implements bot.Store: a read-only REPEATABLE READ transaction, one
// snapshot for the whole view, as SQLite's read transactions are.
func (db *DB) View(ctx context.Context, fn func(bot.Tx) error) error {
	err, _ := db.try(ctx, fn, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, false)
	return err
}

// try runs fn once in a transaction and reports whether a failure was one
// that running it again may cure.
//
// safe runs every write inside a savepoint (statements.exec); a unit run
// without them in which a constraint broke is run again with them.
func (db *DB) try(ctx context.Context, fn func(bot.Tx) error, opts *sql.TxOptions, safe bool) (err error, retry bool) {
	s := &statements{ctx: ctx, db: db.db, opts: opts, safe: safe}
	err = runSafely(fn, sqlite.NewTx(ctx, s, opts.ReadOnly))
	if s.tx == nil {
		// fn ran no statement (or could not begin): nothing to commit.
		return err, s.retry
	}
	if s.constraintFailed && !safe && !opts.ReadOnly {
		s.tx.Rollback()
		return db.try(ctx, fn, opts, true)
	}
	if err != nil {
		s.tx.Rollback()
		return err, s.retry || retryable(err)
	}
	if s.retry {
		// PostgreSQL refused a statement as racing another unit, and the
		// unit went on: a Nested part took the refusal for its own failure
		// and was undone (the bot then records a command that failed for
		// nothing it did). What it would commit is a run that lost part of
		// its work to the race; run it again from the start instead.
		s.tx.Rollback()
		return errRacedInNested, true
	}
	if err := s.tx.Commit(); err != nil {
		return internal(err, "commit"), retryable(err)
	}
	return nil, false
}

// runSafely turns a panic in a unit into an error.
func runSafely(fn func(bot.Tx) error, t bot.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in storage unit: %v", p)
		}
	}()
	return fn(t)
}

// errRacedInNested is a unit's failure when PostgreSQL refused one of its
// statements as racing another unit and the unit carried on regardless.
var errRacedInNested = errors.New("postgres: a statement was refused as racing another unit (SQLSTATE 40001 or 40P01) and the unit went on: run again")

// retryable says err is PostgreSQL refusing a transaction that raced
// another: a serialization failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

func internal(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres %s: %w", what, err)
}

// Migrations lists the embedded migrations' versions in the order applied.
func Migrations() []string {
	names, _ := fs.Glob(migrationFS, "migrations/*.sql")
	sort.Strings(names)
	for i, n := range names {
		names[i] = strings.TrimSuffix(path.Base(n), ".sql")
	}
	return names
}

// JobWorkers is how many job units a process should run at once on this
// store (scheduler.Scheduler.Workers): each unit commits on a connection of
// its own, so one at a time a process fires one job per round trip and
// fsync. Half the pool, leaving the rest to commands and the outbox.
func (db *DB) JobWorkers() int { return max(db.MaxConns/2, 1) }
