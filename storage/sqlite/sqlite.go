// Package sqlite implements bot.Store on an SQLite file with modernc.org/sqlite
// (pure Go, so the binary builds with CGO_ENABLED=0).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem/bot"
	_ "modernc.org/sqlite"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an SQLite-backed bot.Store.
//
// Writes go through one goroutine, the committer, that owns the only write
// connection. It takes every Update unit that is waiting, runs each inside its
// own SAVEPOINT of one transaction, and commits once. SQLite allows one writer
// at a time anyway; grouping turns N concurrent commits (and N fsyncs) into one,
// which is what lets every command be durable before it is acknowledged
// without giving up throughput. A unit whose function fails is rolled back to
// its savepoint and does not affect the others.
type DB struct {
	// Path is the database file. Its directory is created if missing.
	Path string
	// Synchronous is SQLite's synchronous pragma: "FULL" (default) survives
	// power loss; "NORMAL" survives process crashes only.
	Synchronous string
	// MaxBatch bounds how many units share one commit.
	MaxBatch int
	// CheckpointInterval is how often the WAL is copied into the database
	// (default 500ms). The WAL holds what is committed in between: tens of
	// megabytes under a heavy write load.
	CheckpointInterval time.Duration
	Log                *slog.Logger

	wdb   *sql.DB
	wconn *sql.Conn
	wstmt map[string]*sql.Stmt
	rdb   *sql.DB
	cdb   *sql.DB // the checkpointer's
	rmu   sync.Mutex
	rstmt map[string]*sql.Stmt
	// persons caches FindPersonByAccount, which every event runs, for write
	// transactions. Only the committer goroutine touches it: write
	// transactions fill it from committed state and clear it whenever they
	// change people or accounts. Reads in views are not cached, because a
	// view's snapshot may be older than a write that cleared the cache.
	persons map[bot.Account]bot.Person
	// walCopied is set by the checkpointer after it has copied the WAL into
	// the database; the committer then finishes the copy between batches,
	// so that the WAL starts again from its beginning (see restartWAL).
	walCopied atomic.Bool

	// busySince is when the committer began the batch it is on (Unix
	// nanoseconds), 0 while it waits for units; commitErr is the error of
	// its last batch that failed as a whole (a BEGIN or a COMMIT), nil once
	// one succeeds. Writable reads them.
	busySince atomic.Int64
	commitErr atomic.Pointer[error]
	// afterSeal, when set (by tests), runs between the seal and the COMMIT.
	afterSeal func()

	units chan *unit
	// qmu guards stopping: enqueue holds it for reading while it hands a
	// unit to the committer, and Close sets stopping before it stops the
	// committer, so every unit that was queued is also finished.
	qmu      sync.RWMutex
	stopping bool
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

var (
	_ bot.Store  = (*DB)(nil)
	_ bot.Queuer = (*DB)(nil)
)

type unit struct {
	ctx  context.Context
	fn   func(bot.Tx) error
	err  error
	then func(error) // called once, by finish
	// state is unitQueued until the committer seals the unit, just before
	// the COMMIT of the transaction that holds its writes, or abandon (or
	// the committer, for a unit whose ctx ended) abandons it. The one
	// compare-and-swap decides which: a sealed unit is committed (or fails
	// with its batch), an abandoned one never is.
	state atomic.Int32
	// ran says the unit's fn ran in the transaction being built, so that
	// its writes (or its failure) are in it.
	ran bool
}

const (
	unitQueued int32 = iota
	unitSealed
	unitAbandoned
)

// abandon implements the function Queue returns.
func (u *unit) abandon() bool {
	return u.state.CompareAndSwap(unitQueued, unitAbandoned) || u.state.Load() == unitAbandoned
}

// skip says why the committer must not run u: it was abandoned, or its ctx
// ended before it was sealed (which abandons it). A sealed unit always runs:
// it is in a batch that is being run again, and its caller was promised it.
func (u *unit) skip() error {
	if u.state.Load() == unitQueued && u.ctx.Err() != nil && u.state.CompareAndSwap(unitQueued, unitAbandoned) {
		return u.ctx.Err()
	}
	if u.state.Load() == unitAbandoned {
		return bot.ErrUnavailable
	}
	return nil
}

var errClosed = bot.Errorf(bot.EINTERNAL, "storage is closed", "存储已关闭")

// NewDB returns a DB for the file at path; call Open before use.
func NewDB(path string) *DB { return &DB{Path: path} }

// Open opens the file, applies pending migrations and starts the committer.
func (db *DB) Open() error {
	if db.Synchronous == "" {
		db.Synchronous = "FULL"
	}
	if db.MaxBatch <= 0 {
		db.MaxBatch = 256
	}
	if db.CheckpointInterval <= 0 {
		db.CheckpointInterval = 500 * time.Millisecond
	}
	if db.Log == nil {
		db.Log = slog.Default()
	}
	if db.Path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(db.Path), 0o755); err != nil {
			return fmt.Errorf("create database directory: %w", err)
		}
	}
	db.Synchronous = strings.ToUpper(db.Synchronous)
	if db.Synchronous != "FULL" && db.Synchronous != "NORMAL" {
		return fmt.Errorf("synchronous must be FULL or NORMAL, not %q", db.Synchronous)
	}
	dsn := dataSourceName(db.Path, db.Synchronous)
	var err error
	if db.wdb, err = sql.Open("sqlite", dsn); err != nil {
		return fmt.Errorf("open %s: %w", db.Path, err)
	}
	db.wdb.SetMaxOpenConns(1)
	ctx := context.Background()
	if db.wconn, err = db.wdb.Conn(ctx); err != nil {
		db.wdb.Close()
		return fmt.Errorf("open %s: %w", db.Path, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.wconn.Close()
		db.wdb.Close()
		return err
	}
	if db.rdb, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)"); err != nil {
		return fmt.Errorf("open %s for reading: %w", db.Path, err)
	}
	db.rdb.SetMaxOpenConns(4)
	// Checkpoints run beside the committer, on a connection of their own:
	// SQLite's automatic checkpoint would run inside a commit, and the
	// committer (every writer's path) would wait for it to copy the WAL
	// into the database and sync it.
	if _, err := db.wconn.ExecContext(ctx, "PRAGMA wal_autocheckpoint=0"); err != nil {
		return internal(err, "turn off automatic checkpoints")
	}
	if db.cdb, err = sql.Open("sqlite", dsn); err != nil {
		return fmt.Errorf("open %s for checkpoints: %w", db.Path, err)
	}
	db.cdb.SetMaxOpenConns(1)
	db.wstmt = make(map[string]*sql.Stmt)
	db.rstmt = make(map[string]*sql.Stmt)
	db.units = make(chan *unit, 1024)
	db.ctx, db.cancel = context.WithCancel(context.Background())
	db.wg.Add(2)
	go func() {
		defer db.wg.Done()
		db.commitLoop()
	}()
	go func() {
		defer db.wg.Done()
		db.checkpointLoop()
	}()
	return nil
}

// dataSourceName is how every connection opens the file: with SQLite's own
// VFS, in WAL mode. (A VFS of Tandem's own, which gathered each commit's WAL
// writes into one, was removed: with synchronous NORMAL it let readers see
// commits whose last page was not yet in the file; TestDB_CommitsOfEverySize.)
// secure_delete(fast) zeroes what a write frees inside a page when that costs
// no extra I/O, so that a cleared inbox payload (a vote's click) does not
// linger in the page's free space (TestSecureDelete_ClearedPayloadLeavesNoBytes).
func dataSourceName(path, synchronous string) string {
	return "file:" + path +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(" + synchronous + ")&_pragma=secure_delete(fast)"
}

// checkpointLoop runs passive checkpoints until Close: they copy what they
// can without waiting for readers or the writer. The committer then starts
// the WAL again from the beginning (restartWAL). Both use only SQLite's own
// wal_checkpoint, which copies committed frames only and syncs the WAL
// before it copies, with synchronous NORMAL too; TestDB_CommitsOfEverySize
// and TestDB_KilledWriter run them every millisecond or two.
func (db *DB) checkpointLoop() {
	t := time.NewTicker(db.CheckpointInterval)
	defer t.Stop()
	for {
		select {
		case <-db.ctx.Done():
			return
		case <-t.C:
		}
		var busy, frames, copied int
		err := db.cdb.QueryRowContext(db.ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		if err != nil && db.ctx.Err() == nil {
			db.Log.Warn("sqlite checkpoint", "err", err)
		}
		if err == nil && frames > 0 {
			db.walCopied.Store(true)
		}
	}
}

// restartWAL runs on the committer, between batches, after the checkpointer
// has copied the WAL. SQLite writes from the beginning of the WAL again only
// when a write transaction begins with every frame already copied, and under
// a steady load the committer always has a commit the checkpointer has not
// copied yet: the WAL then grew without end (160 MB after 3 s of
// tandemload), and every commit appended to new blocks of the file, whose
// fsync also has to journal the file's growth. So the committer copies the
// few frames committed since, itself; its next transaction starts the WAL
// from the beginning, overwriting blocks that are already allocated.
func (db *DB) restartWAL() {
	if !db.walCopied.Swap(false) {
		return
	}
	if _, err := db.wconn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		db.Log.Warn("sqlite checkpoint", "err", err)
	}
}

// IntegrityCheck runs SQLite's integrity check on a read connection and
// returns an error listing what it found unless the file is sound. It reads
// the whole file: it is for tests and for operators, never for a hot path.
func (db *DB) IntegrityCheck(ctx context.Context) error {
	rows, err := db.rdb.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return internal(err, "integrity check")
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return internal(err, "integrity check")
		}
		found = append(found, line)
	}
	if err := rows.Err(); err != nil {
		return internal(err, "integrity check")
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	if len(found) > 10 {
		found = append(found[:10], "…")
	}
	return fmt.Errorf("integrity check of %s: %s", db.Path, strings.Join(found, "; "))
}

// Close stops the committer after the units already submitted and closes the
// database.
func (db *DB) Close() error {
	if db.cancel == nil {
		return nil
	}
	db.qmu.Lock()
	db.stopping = true
	db.qmu.Unlock()
	db.cancel()
	db.wg.Wait()
	var errs []error
	for _, s := range db.wstmt {
		s.Close()
	}
	db.rmu.Lock() // a late View may still be caching a statement
	for _, s := range db.rstmt {
		s.Close()
	}
	db.rmu.Unlock()
	errs = append(errs, db.cdb.Close(), db.wconn.Close(), db.wdb.Close(), db.rdb.Close())
	return errors.Join(errs...)
}

// Update implements bot.Store.
func (db *DB) Update(ctx context.Context, fn func(bot.Tx) error) error {
	done := make(chan error, 1)
	db.Queue(ctx, fn, func(err error) { done <- err })
	// Once queued, the committer always finishes the unit, so this waits for
	// that rather than for ctx: a caller could otherwise believe a write was
	// dropped that in fact committed.
	return <-done
}

// Queue implements bot.Queuer.
func (db *DB) Queue(ctx context.Context, fn func(bot.Tx) error, then func(error)) (abandon func() bool) {
	u := &unit{ctx: ctx, fn: fn, then: then}
	if err := db.enqueue(u); err != nil {
		u.state.Store(unitAbandoned)
		then(err)
	}
	return u.abandon
}

func (db *DB) enqueue(u *unit) error {
	db.qmu.RLock()
	defer db.qmu.RUnlock()
	if db.stopping {
		return errClosed
	}
	select {
	case db.units <- u:
		return nil
	case <-u.ctx.Done():
		return u.ctx.Err()
	}
}

// View implements bot.Store.
func (db *DB) View(ctx context.Context, fn func(bot.Tx) error) error {
	sqlTx, err := db.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return internal(err, "begin read")
	}
	rq := &readQueryer{db: db, tx: sqlTx}
	t := &tx{ctx: ctx, q: rq}
	err = fn(t)
	sqlTx.Rollback()
	// Statements first used in this view are prepared for the cache only
	// now that its connection is back in the pool, and without rmu held:
	// views that hold connections take rmu.
	for _, q := range rq.missed {
		s, perr := db.rdb.PrepareContext(ctx, q)
		if perr != nil {
			continue
		}
		db.rmu.Lock()
		if _, ok := db.rstmt[q]; ok {
			s.Close()
		} else {
			db.rstmt[q] = s
		}
		db.rmu.Unlock()
	}
	return err
}

func (db *DB) commitLoop() {
	for {
		var first *unit
		select {
		case first = <-db.units:
		case <-db.ctx.Done():
			// Drain what was queued before Close so no caller waits forever.
			for {
				select {
				case u := <-db.units:
					db.runBatch([]*unit{u})
				default:
					return
				}
			}
		}
		batch := []*unit{first}
	fill:
		for len(batch) < db.MaxBatch {
			select {
			case u := <-db.units:
				batch = append(batch, u)
			default:
				break fill
			}
		}
		db.busySince.Store(time.Now().UnixNano())
		db.runBatch(batch)
		db.restartWAL()
		db.busySince.Store(0)
	}
}

// WriteStall is how long the committer may spend on one batch before
// Writable says the store cannot write. A batch takes milliseconds; one
// that takes seconds waits on a lock held by another process, a stalled
// disk or a unit that does too much, and every write queued behind it waits
// as long. Two seconds is under the 2.75 s after which the Slack and
// Feishu adapters refuse a request the store has not taken (3 s for WeCom),
// so a load balancer hears of it before requests are refused.
const WriteStall = 2 * time.Second

// Writable reports whether the store takes writes as of now: an error
// while the committer has been on one batch for longer than WriteStall, or
// when its last batch failed to begin or commit and none has committed
// since. It is cheap (two atomic loads), for readiness probes.
func (db *DB) Writable(now time.Time) error {
	if since := db.busySince.Load(); since != 0 {
		if busy := now.Sub(time.Unix(0, since)); busy > WriteStall {
			return fmt.Errorf("storage: a write has been under way for %s", busy.Round(time.Millisecond))
		}
	}
	if err := db.commitErr.Load(); err != nil {
		return fmt.Errorf("storage: the last commit failed: %w", *err)
	}
	return nil
}

func (db *DB) runBatch(batch []*unit) {
	// Optimistically, no unit fails: run them all without savepoints. If one
	// does, the transaction is rolled back and the batch run again with a
	// savepoint around each unit (and each Nested), so only the failing unit
	// is undone. Failures are rare; savepoints on every unit were a third of
	// the statements of a typical command.
	safe := false
	for {
		err, again := db.tryBatch(&batch, safe)
		switch again {
		case runSafe:
			safe = true
		case runWithoutAbandoned:
			// The abandoned unit is skipped from now on; each run again
			// drops at least one unit, so this ends.
		default:
			if err != nil {
				db.commitErr.Store(&err)
			} else {
				db.commitErr.Store(nil)
			}
			db.finish(batch, err)
			return
		}
	}
}

// What tryBatch asks of runBatch.
const (
	runDone             = iota // the batch committed, or failed as a whole
	runSafe                    // run it again with savepoints: a unit failed
	runWithoutAbandoned        // run it again: a unit was abandoned while it ran
)

// tryBatch runs the units in one transaction. Without savepoints (safe =
// false) it gives up, rolled back, at the first unit that fails or that had
// to undo a Nested part, and asks for runSafe.
//
// Before the COMMIT it seals every unit that ran. A unit abandoned while
// it ran cannot be sealed, and its caller has been told that it will never
// commit: the transaction is rolled back and the batch run again without it
// (runWithoutAbandoned). Between the seal and the COMMIT no unit can be
// abandoned, so a unit is committed if and only if it was sealed (or the
// COMMIT fails, and every unit is told so).
//
// Units that arrive while the optimistic run executes join it before the
// commit (up to MaxBatch): they would otherwise wait for the whole commit and
// its fsync before their own batch began, so under load this is what makes
// batches large and commits few. The batch grows in place, so the caller
// finishes (and a safe re-run runs) them too.
func (db *DB) tryBatch(batchp *[]*unit, safe bool) (err error, again int) {
	ctx := context.Background()
	for _, u := range *batchp {
		u.ran = false
	}
	if _, err := db.wconn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return internal(err, "begin"), runDone
	}
	q := &writeQueryer{db: db, ctx: ctx}
	for i := 0; ; i++ {
		if i == len(*batchp) {
			if safe || i >= db.MaxBatch {
				break
			}
			select {
			case u := <-db.units:
				*batchp = append(*batchp, u) // and run it, as batch[i]
			default:
			}
			if i == len(*batchp) {
				break
			}
		}
		u := (*batchp)[i]
		if u.err = u.skip(); u.err != nil {
			continue // given up before it ran
		}
		u.ran = true
		// Statements run without the caller's context: cancelling one would
		// interrupt the shared connection and with it every unit in the batch.
		t := &tx{ctx: ctx, q: q, safe: safe}
		if safe {
			// Units run one after another, each released before the next, so
			// they can share one savepoint name (and its prepared statements).
			u.err = t.savepoint("unit", func() error { return runSafely(u.fn, t) })
			continue
		}
		if err := runSafely(u.fn, t); err != nil || t.undo {
			db.wconn.ExecContext(ctx, "ROLLBACK")
			return nil, runSafe
		}
	}
	if !seal(*batchp) {
		db.wconn.ExecContext(ctx, "ROLLBACK")
		return nil, runWithoutAbandoned
	}
	if db.afterSeal != nil {
		db.afterSeal()
	}
	if _, err := db.wconn.ExecContext(ctx, "COMMIT"); err != nil {
		db.wconn.ExecContext(ctx, "ROLLBACK")
		return internal(err, "commit"), runDone
	}
	return nil, runDone
}

// seal moves every unit that ran from queued to sealed, and reports false
// if one of them, with writes in the transaction, had been abandoned. A unit
// that failed (its savepoint rolled back) has no writes to withdraw: it may
// stay abandoned, and the others commit.
func seal(batch []*unit) bool {
	ok := true
	for _, u := range batch {
		if !u.ran || u.state.CompareAndSwap(unitQueued, unitSealed) || u.state.Load() == unitSealed {
			continue
		}
		if u.err == nil {
			ok = false
		}
	}
	return ok
}

// finish hands each unit its outcome; err (a failed commit) fails them all.
func (db *DB) finish(batch []*unit, err error) {
	for _, u := range batch {
		if err != nil && u.err == nil {
			u.err = err
		}
		u.then(u.err)
	}
}

// runSafely turns a panic in a unit into an error, so one bad command cannot
// take the committer (and every other writer) down.
func runSafely(fn func(bot.Tx) error, t *tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in storage unit: %v", p)
		}
	}()
	return fn(t)
}

func (db *DB) migrate(ctx context.Context) error {
	c := db.wconn
	if _, err := c.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return internal(err, "create schema_migrations")
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(filepath.Base(name), ".sql")
		var n int
		if err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			return internal(err, "read schema_migrations")
		}
		if n > 0 {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return internal(err, "begin migration")
		}
		if _, err := c.ExecContext(ctx, string(body)); err != nil {
			c.ExecContext(ctx, "ROLLBACK")
			return fmt.Errorf("migration %s: %w", version, err)
		}
		if _, err := c.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().UnixMilli()); err != nil {
			c.ExecContext(ctx, "ROLLBACK")
			return internal(err, "record migration")
		}
		if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
			return internal(err, "commit migration")
		}
		db.Log.Info("applied migration", "version", version)
	}
	return nil
}

// queryer runs statements for a tx; prepared statements are cached per
// connection because the same few queries run for every command.
type queryer interface {
	exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type writeQueryer struct {
	db  *DB
	ctx context.Context
	// peopleWritten says this transaction changed people or accounts: what
	// it reads of them from then on may be rolled back, so it is not cached.
	peopleWritten bool
}

func (w *writeQueryer) stmt(query string) (*sql.Stmt, error) {
	if s, ok := w.db.wstmt[query]; ok {
		return s, nil
	}
	s, err := w.db.wconn.PrepareContext(w.ctx, query)
	if err != nil {
		return nil, err
	}
	w.db.wstmt[query] = s
	return s, nil
}

func (w *writeQueryer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (w *writeQueryer) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := w.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

type readQueryer struct {
	db     *DB
	tx     *sql.Tx
	missed []string
}

func (r *readQueryer) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	r.db.rmu.Lock()
	s, ok := r.db.rstmt[query]
	r.db.rmu.Unlock()
	if ok {
		return r.tx.StmtContext(ctx, s), nil
	}
	// Not on the pool: this view holds a connection already, and waiting
	// for a second one deadlocks when every view does the same.
	r.missed = append(r.missed, query)
	return r.tx.PrepareContext(ctx, query)
}

func (r *readQueryer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return nil, bot.Errorf(bot.EINTERNAL, "write in a read-only view", "只读视图中不能写入")
}

func (r *readQueryer) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := r.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// tx implements bot.Tx on a queryer.
type tx struct {
	ctx   context.Context
	q     queryer
	depth int
	// safe says savepoints are in use. Without them, a Nested part that fails
	// cannot be undone alone, so it sets undo and the batch is run again
	// with savepoints.
	safe bool
	undo bool
}

var _ bot.Tx = (*tx)(nil)

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	return t.q.exec(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	return t.q.query(t.ctx, query, args...)
}

// queryRow runs a query expected to return at most one row and scans it;
// found=false when there is none.
func (t *tx) queryRow(query string, args []any, dest ...any) (found bool, err error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	if err := rows.Scan(dest...); err != nil {
		return false, err
	}
	return true, rows.Close()
}

// Nested implements bot.Tx with a savepoint, or, in an optimistic batch,
// by asking for the batch to be run again with savepoints if fn fails.
func (t *tx) Nested(fn func() error) error {
	if !t.safe {
		err := fn()
		if err != nil {
			t.undo = true
		}
		return err
	}
	t.depth++
	defer func() { t.depth-- }()
	return t.savepoint("n"+strconv.Itoa(t.depth), fn)
}

func (t *tx) savepoint(name string, fn func() error) error {
	if _, err := t.exec("SAVEPOINT " + name); err != nil {
		return internal(err, "savepoint")
	}
	if err := fn(); err != nil {
		if _, rerr := t.exec("ROLLBACK TO " + name); rerr != nil {
			return errors.Join(err, internal(rerr, "rollback to savepoint"))
		}
		t.exec("RELEASE " + name)
		return err
	}
	if _, err := t.exec("RELEASE " + name); err != nil {
		return internal(err, "release savepoint")
	}
	return nil
}

// internal wraps a driver error; UNIQUE violations become ECONFLICT so callers
// can tell a clash from a failure.
func internal(err error, what string) error {
	if err == nil {
		return nil
	}
	var be *bot.Error
	if errors.As(err, &be) {
		return err
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return bot.Errorf(bot.ECONFLICT, "That already exists.", "该记录已存在。")
	}
	return fmt.Errorf("%s: %w", what, err)
}

// insertedID returns the rowid of an INSERT. Exec with LastInsertId is
// cheaper than INSERT … RETURNING, which goes through a Rows object.
func insertedID(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
