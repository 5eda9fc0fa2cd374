package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// openQueueDB opens a store with a table of marks that units write.
func openQueueDB(t *testing.T) *DB {
	t.Helper()
	db := &DB{Path: filepath.Join(t.TempDir(), "queue.db"), Log: slog.New(slog.DiscardHandler)}
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(context.Background(), func(btx bot.Tx) error {
		_, err := btx.(*tx).exec("CREATE TABLE marks (id INTEGER PRIMARY KEY)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

// mark is a unit that writes its id.
func mark(id int) func(bot.Tx) error {
	return func(btx bot.Tx) error {
		_, err := btx.(*tx).exec("INSERT INTO marks VALUES (?)", id)
		return err
	}
}

// marked returns the ids written.
func marked(t *testing.T, db *DB) map[int]bool {
	t.Helper()
	got := map[int]bool{}
	err := db.View(context.Background(), func(btx bot.Tx) error {
		rows, err := btx.(*tx).query("SELECT id FROM marks")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				return err
			}
			got[id] = true
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Ensure a unit abandoned while it waits behind a unit that holds the
// writer is never committed, and its then hears ErrUnavailable; units
// around it are not disturbed.
func TestQueue_AbandonQueued(t *testing.T) {
	db := openQueueDB(t)
	release := make(chan struct{})
	holding := make(chan struct{})
	db.Queue(context.Background(), func(bot.Tx) error {
		close(holding)
		<-release
		return nil
	}, func(error) {})
	<-holding
	outcomes := make(chan error, 3)
	db.Queue(context.Background(), mark(1), func(err error) { outcomes <- err })
	abandon := db.Queue(context.Background(), mark(2), func(err error) { outcomes <- err })
	db.Queue(context.Background(), mark(3), func(err error) { outcomes <- err })
	if !abandon() {
		t.Fatal("abandon of a unit waiting behind the writer returned false")
	}
	if !abandon() {
		t.Fatal("a second abandon returned false")
	}
	close(release)
	var errs []error
	for range 3 {
		errs = append(errs, <-outcomes)
	}
	if errs[0] != nil || !errors.Is(errs[1], bot.ErrUnavailable) || errs[2] != nil {
		t.Fatalf("outcomes: %v, want nil, ErrUnavailable, nil", errs)
	}
	if got := marked(t, db); !got[1] || got[2] || !got[3] {
		t.Fatalf("marks after the writer was released: %v, want 1 and 3", got)
	}
}

// Ensure a unit abandoned while its batch runs (after its fn wrote, before
// the seal) is never committed, and the rest of its batch is, in the
// optimistic run and in the run with savepoints alike.
func TestQueue_AbandonWhileRunning(t *testing.T) {
	for _, withFailure := range []bool{false, true} {
		db := openQueueDB(t)
		release := make(chan struct{})
		holding := make(chan struct{})
		outcomes := make([]chan error, 4)
		for i := range outcomes {
			outcomes[i] = make(chan error, 1)
		}
		var abandon func() bool
		var once, held sync.Once
		// Unit 0 holds the writer until units 1–3 are queued behind it, so
		// that the four share a batch; unit 2 is abandoned by unit 3's fn,
		// after it ran. (A unit may run more than once.)
		db.Queue(context.Background(), func(btx bot.Tx) error {
			held.Do(func() { close(holding); <-release })
			return mark(0)(btx)
		}, func(err error) { outcomes[0] <- err })
		<-holding
		db.Queue(context.Background(), func(btx bot.Tx) error {
			if withFailure {
				return bot.Errorf(bot.EINVALID, "no", "不")
			}
			return mark(1)(btx)
		}, func(err error) { outcomes[1] <- err })
		abandon = db.Queue(context.Background(), mark(2), func(err error) { outcomes[2] <- err })
		abandoned := make(chan bool, 1)
		db.Queue(context.Background(), func(btx bot.Tx) error {
			once.Do(func() { abandoned <- abandon() })
			return mark(3)(btx)
		}, func(err error) { outcomes[3] <- err })
		close(release)
		if !<-abandoned {
			t.Fatal("abandon of a unit that ran but was not sealed returned false")
		}
		for i, want := range []error{nil, nil, bot.ErrUnavailable, nil} {
			if withFailure && i == 1 {
				want = bot.Errorf(bot.EINVALID, "no", "不")
			}
			if err := <-outcomes[i]; bot.ErrorCode(err) != bot.ErrorCode(want) {
				t.Errorf("failure %v: unit %d: %v, want %v", withFailure, i, err, want)
			}
		}
		if got := marked(t, db); !got[0] || got[1] == withFailure || got[2] || !got[3] {
			t.Fatalf("failure %v: marks %v, want 0, 3 (and 1 unless it failed)", withFailure, got)
		}
	}
}

// Ensure abandon returns false once the unit is sealed, before its commit,
// and the unit commits.
func TestQueue_AbandonSealed(t *testing.T) {
	db := openQueueDB(t)
	var abandon func() bool
	got := make(chan bool, 1)
	var once sync.Once
	db.afterSeal = func() { once.Do(func() { got <- abandon() }) }
	ready := make(chan struct{})
	done := make(chan error, 1)
	// The unit waits for abandon to be known before it is run, so that the
	// hook has it.
	abandon = db.Queue(context.Background(), func(btx bot.Tx) error {
		<-ready
		return mark(1)(btx)
	}, func(err error) { done <- err })
	close(ready)
	if <-got {
		t.Fatal("abandon of a sealed unit returned true")
	}
	if err := <-done; err != nil {
		t.Fatalf("sealed unit: %v", err)
	}
	if !marked(t, db)[1] {
		t.Fatal("the sealed unit did not commit")
	}
	if abandon() {
		t.Fatal("abandon of a committed unit returned true")
	}
}

// Ensure, with abandons landing at random moments against a busy
// committer, that abandon() == true always means the unit never committed
// and its then heard an error, and false means it committed.
func TestQueue_AbandonRace(t *testing.T) {
	db := openQueueDB(t)
	const units = 2000
	type result struct {
		abandoned bool
		err       error
	}
	results := make([]result, units)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := g; i < units; i += 8 {
				then := make(chan error, 1)
				abandon := db.Queue(context.Background(), func(btx bot.Tx) error {
					if rand.IntN(50) == 0 {
						time.Sleep(time.Millisecond) // a slow unit, so abandons land mid-batch
					}
					return mark(i)(btx)
				}, func(err error) { then <- err })
				if d := rng.IntN(400); d < 300 {
					time.Sleep(time.Duration(d) * time.Microsecond)
				}
				results[i].abandoned = abandon()
				results[i].err = <-then
			}
		})
	}
	wg.Wait()
	got := marked(t, db)
	var abandoned int
	for i, r := range results {
		switch {
		case r.abandoned && (got[i] || r.err == nil):
			t.Errorf("unit %d: abandon returned true, but it committed %v (then: %v)", i, got[i], r.err)
		case !r.abandoned && (!got[i] || r.err != nil):
			t.Errorf("unit %d: abandon returned false, but committed %v (then: %v)", i, got[i], r.err)
		}
		if r.abandoned {
			abandoned++
		}
	}
	t.Logf("%d of %d units abandoned", abandoned, units)
	if abandoned == 0 || abandoned == units {
		t.Fatalf("%d of %d units abandoned: the race was not run", abandoned, units)
	}
}

// Ensure Writable says the store cannot write while the committer has been
// on one batch for longer than WriteStall, and after a batch failed to
// begin until one commits again.
func TestDB_Writable(t *testing.T) {
	db := openQueueDB(t)
	ctx := context.Background()
	if err := db.Writable(time.Now()); err != nil {
		t.Fatalf("idle store: %v", err)
	}
	release := make(chan struct{})
	holding := make(chan struct{})
	done := make(chan error, 1)
	db.Queue(ctx, func(bot.Tx) error { close(holding); <-release; return nil }, func(err error) { done <- err })
	<-holding
	if err := db.Writable(time.Now()); err != nil {
		t.Fatalf("a batch just begun: %v", err)
	}
	if err := db.Writable(time.Now().Add(WriteStall + time.Second)); err == nil {
		t.Fatal("a batch under way for longer than WriteStall: Writable says nothing")
	}
	close(release)
	<-done
	if err := db.Writable(time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("after the batch: %v", err)
	}

	// Another connection holds the write lock past the committer's (here
	// shortened) busy timeout: the batch cannot begin.
	if err := db.Update(ctx, func(btx bot.Tx) error {
		_, err := btx.(*tx).exec("PRAGMA busy_timeout=50")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", dataSourceName(db.Path, "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, mark(1)); err == nil {
		t.Fatal("a unit committed while another connection held the write lock")
	}
	if err := db.Writable(time.Now()); err == nil {
		t.Fatal("after a batch that could not begin: Writable says nothing")
	}
	if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	lock.Close()
	if err := db.Update(ctx, mark(2)); err != nil {
		t.Fatal(err)
	}
	if err := db.Writable(time.Now()); err != nil {
		t.Fatalf("after a commit: %v", err)
	}
}
