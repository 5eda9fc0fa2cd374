package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tandemhq/tandem/storage/sqlite"
)

// statements is one unit's transaction as sqlite.Statements: each statement
// is translated (dialect.go), and PostgreSQL's errors are told the way the
// shared SQL expects SQLite's.
type statements struct {
	ctx context.Context
	db  *sql.DB
	// opts is the isolation the unit asked for; tx begins with it at the
	// first statement (begin), or READ COMMITTED when that is a claim.
	opts *sql.TxOptions
	tx   *sql.Tx
	// safe runs each written statement inside a savepoint, so that one that
	// fails leaves the transaction usable, as in SQLite (see exec).
	safe bool
	// constraintFailed says a statement broke a constraint in a unit run
	// without savepoints: the unit is run again with them (DB.try).
	constraintFailed bool
	// retry is set when a statement failed for a serialization failure or a
	// deadlock: the shared code may wrap or replace the error, and the unit
	// must be run again all the same.
	retry bool
}

// traceStatement, when a test sets it, sees each statement as it is sent
// to PostgreSQL (translated) with its arguments: plans_test.go explains the
// statements the contracts really run. Nil in production.
var traceStatement func(query string, args []any)

func trace(query string, args ...any) {
	if traceStatement != nil {
		traceStatement(query, args)
	}
}

var (
	_ sqlite.JobClaimer        = (*statements)(nil)
	_ sqlite.OutboxClaimer     = (*statements)(nil)
	_ sqlite.UsageCountSharder = (*statements)(nil)
)

// countUsage counts into the row of the unit's connection: the shard is the
// server process's id, one per connection, and a connection runs one
// transaction at a time, so two concurrent units never update (or insert)
// the same counter row. Counting into one row per key made every command's
// SERIALIZABLE unit refuse the others (40001, "could not serialize access
// due to concurrent update"; docs/postgres.md, "Conflicts between commands"). A shard's
// rows outlive its connection and are summed by the readers like any other;
// rows per key are bounded by the connections that ever counted it, which
// the pool keeps (no connection lifetime is set).
const countUsage = `INSERT INTO usage_counts (day, dept_id, platform, kind, command, shard, n)
		VALUES (?1, ?2, ?3, ?4, ?5, pg_backend_pid(), 1)
		ON CONFLICT (day, dept_id, platform, kind, command, shard) DO UPDATE SET n = usage_counts.n + 1`

// CountUsageQuery implements sqlite.UsageCountSharder.
func (s *statements) CountUsageQuery() string { return countUsage }

// claimJobs claims with FOR UPDATE SKIP LOCKED (River's statement): a job
// another replica's claim has locked is passed over instead of waited for,
// so N claimers neither block each other nor take one job twice. Under READ
// COMMITTED (see begin) a job locked by a claim that then commits is seen
// again with its new lease_until and no longer matches.
const claimJobs = `WITH due AS (
		SELECT id FROM jobs WHERE state = 'pending' AND run_at <= ?3 AND lease_until <= ?3
		ORDER BY run_at, id LIMIT ?4 FOR UPDATE SKIP LOCKED)
	UPDATE jobs SET lease_owner = ?1, lease_until = ?2 WHERE id IN (SELECT id FROM due)
	RETURNING ` + sqlite.JobColumns

// ClaimJobsQuery implements sqlite.JobClaimer.
func (s *statements) ClaimJobsQuery() string { return claimJobs }

// begin starts the unit's transaction at its first statement, so that the
// statement can choose the isolation. A unit that begins with a claim runs
// at READ COMMITTED: under SERIALIZABLE, claims racing over the same index
// range conflict with each other (each reads the rows the other locks and
// updates) and many are refused and run again (56 in the test of 8 claimers
// over 1,000 jobs, none at READ COMMITTED), which is what
// SKIP LOCKED is there to avoid. The claim's row locks keep the claimed rows
// the unit's own until it commits; such a unit does nothing but act on the
// rows it claimed (the scheduler's and the dispatcher's claim units are the
// claim alone). A unit that begins by locking a rate bucket
// (sqlite.LockRateBucketQuery) runs at READ COMMITTED too: it writes only
// the rows it has locked, and replicas taking from one bucket then wait for
// each other's lock instead of failing and running again.
func (s *statements) begin(query string) error {
	return s.beginAs(query == claimJobs || query == sqlite.LockRateBucketQuery)
}

func (s *statements) beginAs(claim bool) error {
	if s.tx != nil {
		return nil
	}
	opts := s.opts
	if claim && !opts.ReadOnly {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	tx, err := s.db.BeginTx(s.ctx, opts)
	if err != nil {
		s.retry = retryable(err)
		return internal(err, "begin")
	}
	s.tx = tx
	return nil
}

// lockDestinations takes, for the unit's length, the advisory lock of each
// destination that has a message due (up to $3 of them, the longest waiting
// first), passing over those another replica's claim holds now; it returns
// the destinations locked. The lock is what keeps two replicas from each
// claiming a part of one chat's queue: see ClaimOutgoing.
const lockDestinations = `WITH due AS MATERIALIZED (
		SELECT destination, min(next_attempt_at) AS due FROM outbox
		WHERE state = 'queued' AND platform = $1 AND next_attempt_at <= $2 AND lease_until <= $2
		GROUP BY destination ORDER BY due LIMIT $3)
	SELECT destination FROM due WHERE pg_try_advisory_xact_lock($4, hashtext(destination))`

// destinationLocks is the first key of the destinations' advisory locks
// ("outb" in ASCII), so they do not meet another use of advisory locks.
const destinationLocks int32 = 0x6f757462

// claimOutgoing claims the due messages of the locked destinations ($3) that
// no older queued message of their destination holds back: one leased
// (being sent, by any replica), retrying after a failed attempt (tried, and
// not due yet), or deferred (handed back untried, for a rate limit or its
// turn: the deferred flag, migration 0237). So each destination's messages
// are sent in the order they were queued, by one replica at a time. An older
// message that is merely not due yet (a notification gathering changes)
// does not hold the chat, as in the dispatcher's own lanes
// (docs/postgres.md). The index outbox_destination_queue reads one chat's
// queue for the check.
const claimOutgoing = `UPDATE outbox SET lease_owner = $4, lease_until = $5, attempts = attempts + 1
	WHERE id IN (SELECT r.id FROM outbox r
		WHERE r.state = 'queued' AND r.platform = $1 AND r.destination = ANY($3) AND r.next_attempt_at <= $2 AND r.lease_until <= $2
		AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.state = 'queued' AND o.platform = r.platform
			AND o.destination = r.destination AND o.id < r.id
			AND (o.lease_until > $2 OR o.next_attempt_at > $2 AND (o.attempts > 0 OR o.last_error <> '' OR o.deferred = 1)))
		ORDER BY r.next_attempt_at, r.id LIMIT $6 FOR UPDATE SKIP LOCKED)
	RETURNING ` + sqlite.OutgoingColumns

// ClaimOutgoing implements sqlite.OutboxClaimer in two statements of a READ
// COMMITTED unit: the first locks destinations, the second claims their
// messages. Two, because a statement sees the database as it was when the
// statement began: a claim that took a destination's lock in the same
// statement could miss the leases of a claim that held it and committed
// meanwhile, and claim that chat's next message while the earlier one is
// still being sent. Begun after the locks are held, the second sees them.
func (s *statements) ClaimOutgoing(ctx context.Context, platform string, now, leaseUntil int64, owner string, limit int) (*sql.Rows, error) {
	if err := s.beginAs(true); err != nil {
		return nil, err
	}
	trace(lockDestinations, platform, now, limit, destinationLocks)
	rows, err := s.tx.QueryContext(ctx, lockDestinations, platform, now, limit, destinationLocks)
	if err != nil {
		return nil, s.sqliteError(err)
	}
	var dests []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return nil, err
		}
		dests = append(dests, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.sqliteError(err)
	}
	trace(claimOutgoing, platform, now, dests, owner, leaseUntil, limit)
	rows, err = s.tx.QueryContext(ctx, claimOutgoing, platform, now, dests, owner, leaseUntil, limit)
	if err != nil {
		return nil, s.sqliteError(err)
	}
	return rows, nil
}

func (s *statements) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := s.begin(query); err != nil {
		return nil, err
	}
	st := translate(query)
	q, bound := st.text, integers(st.bind(args))
	trace(q, bound...)
	res, err := s.exec(ctx, q, bound)
	if err != nil {
		return nil, s.sqliteError(err)
	}
	if isInsert(q) {
		return insertResult{Result: res, s: s, ctx: ctx}, nil
	}
	return res, nil
}

// exec runs one translated statement. After a failed statement PostgreSQL
// refuses every other until the transaction ends, where SQLite undoes the
// statement alone and goes on; the shared code relies on that (a caught
// conflict, then a read to explain it). Units are first run without
// savepoints, which costs nothing; one in which a constraint broke is run
// again in safe mode, where a savepoint around each write gives SQLite's
// behaviour. Conflicts are rare, so the second run is too.
func (s *statements) exec(ctx context.Context, q string, args []any) (sql.Result, error) {
	// Only writes are wrapped: a SAVEPOINT of the shared code's own (Nested)
	// inside ours would be released with ours.
	if !s.safe || !isWrite(q) {
		return s.tx.ExecContext(ctx, q, args...)
	}
	if _, err := s.tx.ExecContext(ctx, "SAVEPOINT stmt"); err != nil {
		return nil, err
	}
	res, err := s.tx.ExecContext(ctx, q, args...)
	if err != nil {
		if _, rerr := s.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT stmt"); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
	}
	if _, rerr := s.tx.ExecContext(ctx, "RELEASE SAVEPOINT stmt"); rerr != nil && err == nil {
		return nil, rerr
	}
	return res, err
}

func (s *statements) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := s.begin(query); err != nil {
		return nil, err
	}
	st := translate(query)
	bound := integers(st.bind(args))
	trace(st.text, bound...)
	rows, err := s.tx.QueryContext(ctx, st.text, bound...)
	if err != nil {
		return nil, s.sqliteError(err)
	}
	return rows, nil
}

// integers passes a Go bool as 0 or 1: the shared schema keeps flags in
// integer columns, as SQLite does, and pgx will not encode a bool as one.
func integers(args []any) []any {
	var out []any // a copy, made only when there is a bool to change
	for i, a := range args {
		if b, ok := a.(bool); ok {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = boolInt(b)
		}
	}
	if out == nil {
		return args
	}
	return out
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func isInsert(q string) bool { return startsWith(q, "INSERT") }

func isWrite(q string) bool {
	return startsWith(q, "INSERT") || startsWith(q, "UPDATE") || startsWith(q, "DELETE")
}

func startsWith(q, word string) bool {
	q = strings.TrimLeft(q, " \t\n")
	return len(q) >= len(word) && strings.EqualFold(q[:len(word)], word)
}

// insertResult answers LastInsertId, which PostgreSQL's protocol does not
// carry, with lastval(): the identity the INSERT just drew in this session.
// It asks only when the caller wants the id.
type insertResult struct {
	sql.Result
	s   *statements
	ctx context.Context
}

func (r insertResult) LastInsertId() (int64, error) {
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return 0, err
	}
	var id int64
	if err := r.s.tx.QueryRowContext(r.ctx, `SELECT lastval()`).Scan(&id); err != nil {
		return 0, r.s.sqliteError(err)
	}
	return id, nil
}

var keyColumns = regexp.MustCompile(`^Key \(([^)]*)\)=`)

// sqliteError words a constraint violation as SQLite does ("UNIQUE
// constraint failed: table.column"), which is what the shared SQL checks
// for, and notes a serialization failure.
func (s *statements) sqliteError(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case "40001", "40P01":
		s.retry = true
	case "23505", "23503":
		s.constraintFailed = true
	}
	switch pe.Code {
	case "23505":
		var cols []string
		if m := keyColumns.FindStringSubmatch(pe.Detail); m != nil {
			for _, c := range strings.Split(m[1], ", ") {
				cols = append(cols, pe.TableName+"."+c)
			}
		}
		return fmt.Errorf("UNIQUE constraint failed: %s (%w)", strings.Join(cols, ", "), err)
	case "23503":
		return fmt.Errorf("FOREIGN KEY constraint failed (%w)", err)
	}
	return err
}
