package sqlite

import (
	"context"
	"database/sql"

	"github.com/tandemhq/tandem/bot"
)

// Statements is what a unit's statements run on when another store reuses
// this package's SQL: storage/postgres hands NewTx a transaction that
// translates each statement into its dialect (docs/postgres.md). The SQL of
// every feature is written once, here, against database/sql.
type Statements interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// NewTx returns a unit over s that implements bot.Tx and every feature's
// contract, as this package's own units do. Nested parts always use
// savepoints (the optimistic batch without them is the committer's, which
// another store does not have). readOnly refuses writes, as a View does.
func NewTx(ctx context.Context, s Statements, readOnly bool) bot.Tx {
	return &tx{ctx: ctx, q: sharedQueryer{s: s, readOnly: readOnly}, safe: true}
}

type sharedQueryer struct {
	s        Statements
	readOnly bool
}

func (q sharedQueryer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if q.readOnly {
		return nil, bot.Errorf(bot.EINTERNAL, "write in a read-only view", "只读视图中不能写入")
	}
	return q.s.ExecContext(ctx, query, args...)
}

func (q sharedQueryer) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.s.QueryContext(ctx, query, args...)
}

// JobClaimer is a Statements whose database claims jobs with a statement of
// its own: on PostgreSQL, FOR UPDATE SKIP LOCKED lets several replicas claim
// at once without waiting for or failing on each other, where SQLite's one
// writer needs nothing of the kind. The statement takes ClaimJobs'
// arguments as numbered parameters: ?1 the lease owner, ?2 the lease's end
// and ?3 now (unix milliseconds), ?4 the limit; it returns jobColumns
// (JobColumns) of the claimed jobs.
type JobClaimer interface {
	ClaimJobsQuery() string
}

// JobColumns lists the columns a JobClaimer's statement returns, in order.
const JobColumns = jobColumns

// claimJobsQuery is SQLite's claim: one writer, so the subquery cannot race.
const claimJobsQuery = `UPDATE jobs SET lease_owner = ?1, lease_until = ?2
		WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND run_at <= ?3 AND lease_until <= ?3
			ORDER BY run_at, id LIMIT ?4)
		RETURNING ` + jobColumns

// claimJobsStatement is the store's own claim when it has one.
func (t *tx) claimJobsStatement() string {
	if q, ok := t.q.(sharedQueryer); ok {
		if c, ok := q.s.(JobClaimer); ok {
			return c.ClaimJobsQuery()
		}
	}
	return claimJobsQuery
}

// OutboxClaimer is a Statements whose database claims outgoing messages its
// own way: with several replicas sending, one destination's messages must go
// out from one replica at a time and in order, which SQLite's one process
// gets from the dispatcher's memory (storage/postgres, docs/postgres.md).
// ClaimOutgoing runs the claim in the unit and returns the claimed rows as
// outgoingColumns (OutgoingColumns); times are unix milliseconds.
type OutboxClaimer interface {
	ClaimOutgoing(ctx context.Context, platform string, now, leaseUntil int64, owner string, limit int) (*sql.Rows, error)
}

// OutgoingColumns lists the columns an OutboxClaimer returns, in order.
const OutgoingColumns = outgoingColumns

// outboxClaimer is the store's own outbox claim, or nil.
func (t *tx) outboxClaimer() OutboxClaimer {
	if q, ok := t.q.(sharedQueryer); ok && !q.readOnly {
		if c, ok := q.s.(OutboxClaimer); ok {
			return c
		}
	}
	return nil
}
