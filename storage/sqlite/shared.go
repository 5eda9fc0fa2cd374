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
