package sqlite_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/storage/sqlite"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// MustOpenDB opens a database in a fresh file and closes it when the test ends.
func MustOpenDB(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	if path == "" {
		path = filepath.Join(tb.TempDir(), "tandem.db")
	}
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustUpdate(tb testing.TB, db *sqlite.DB, fn func(bot.Tx) error) {
	tb.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		tb.Fatal(err)
	}
}

func mustPerson(tb testing.TB, db *sqlite.DB, name string) *bot.Person {
	tb.Helper()
	p := &bot.Person{Name: name, Handle: bot.HandleFrom(name, "")}
	acct := bot.Account{Platform: bot.PlatformConsole, Workspace: "local", UserID: p.Handle}
	mustUpdate(tb, db, func(tx bot.Tx) error {
		if err := tx.CreatePerson(p, t0); err != nil {
			return err
		}
		return tx.LinkAccount(p.ID, acct, name, t0)
	})
	return p
}

// Ensure data survives closing and reopening the file, and migrations are not re-applied.
func TestDB_Reopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "tandem.db")
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	p := mustPerson(t, db, "Alice")
	tk := &task.Task{Title: "Poster", CreatorID: p.ID, OwnerID: p.ID, Priority: task.PriorityHigh, Status: task.Todo,
		Due: t0.Add(time.Hour), CreatedAt: t0, UpdatedAt: t0}
	mustUpdate(t, db, func(tx bot.Tx) error { return task.From(tx).CreateTask(tk) })
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = MustOpenDB(t, path)
	err := db.View(context.Background(), func(tx bot.Tx) error {
		got, err := task.From(tx).FindTaskByID(tk.ID)
		if err != nil {
			return err
		}
		if got.Title != "Poster" || got.OwnerID != p.ID || !got.Due.Equal(tk.Due) || got.Priority != task.PriorityHigh {
			return fmt.Errorf("task after reopen = %+v", got)
		}
		who, err := tx.FindPersonByAccount(bot.Account{Platform: "console", Workspace: "local", UserID: "alice"})
		if err != nil || who.ID != p.ID {
			return fmt.Errorf("person after reopen = %+v, %v", who, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Ensure a redelivered event is recognised by its dedup key.
func TestInbox_Dedup(t *testing.T) {
	db := MustOpenDB(t, "")
	ev := &bot.Event{Platform: "slack", Workspace: "T1", DedupKey: "Ev1", Text: "task list"}
	var dup bool
	mustUpdate(t, db, func(tx bot.Tx) (err error) { dup, err = tx.InsertInbound(ev, bot.InboxPending, t0); return })
	first := ev.ID
	if dup || first == 0 {
		t.Fatalf("first insert: dup=%v id=%d", dup, first)
	}
	again := &bot.Event{Platform: "slack", Workspace: "T1", DedupKey: "Ev1", Text: "task list"}
	mustUpdate(t, db, func(tx bot.Tx) (err error) { dup, err = tx.InsertInbound(again, bot.InboxPending, t0); return })
	if !dup || again.ID != first {
		t.Fatalf("redelivery: dup=%v id=%d, want dup of %d", dup, again.ID, first)
	}
	other := &bot.Event{Platform: "slack", Workspace: "T2", DedupKey: "Ev1"}
	mustUpdate(t, db, func(tx bot.Tx) (err error) { dup, err = tx.InsertInbound(other, bot.InboxPending, t0); return })
	if dup {
		t.Fatal("same key in another workspace must not be a duplicate")
	}
	// Events without a dedup key are never duplicates of each other.
	for i := 0; i < 2; i++ {
		mustUpdate(t, db, func(tx bot.Tx) (err error) {
			dup, err = tx.InsertInbound(&bot.Event{Platform: "console", Workspace: "local"}, bot.InboxPending, t0)
			return
		})
		if dup {
			t.Fatal("keyless event reported as duplicate")
		}
	}
	var pending []int64
	mustUpdate(t, db, func(tx bot.Tx) error {
		if err := tx.FinishInbound(first, bot.InboxDone, "", t0); err != nil {
			return err
		}
		var err error
		pending, err = tx.PendingInboundIDs(t0.Add(time.Second), 10)
		return err
	})
	if len(pending) != 3 {
		t.Fatalf("pending after finishing one of four = %v", pending)
	}
}

// Ensure units batched into one commit stay independent: a failing or
// panicking unit is rolled back alone.
func TestDB_GroupCommitIsolation(t *testing.T) {
	db := MustOpenDB(t, "")
	owner := mustPerson(t, db, "Owner")
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Update(context.Background(), func(tx bot.Tx) error {
				tk := &task.Task{Title: fmt.Sprint("t", i), CreatorID: owner.ID, Priority: task.PriorityNormal, Status: task.Todo, CreatedAt: t0, UpdatedAt: t0}
				if err := task.From(tx).CreateTask(tk); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return errors.New("refused")
				case 7:
					panic("boom")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%10 == 3 || i%10 == 7) != (err != nil) {
			t.Fatalf("unit %d: err = %v", i, err)
		}
	}
	var n int
	db.View(context.Background(), func(tx bot.Tx) error {
		tasks, err := task.From(tx).FindTasks(task.Filter{Limit: 1000})
		n = len(tasks)
		return err
	})
	if n != 160 {
		t.Fatalf("committed tasks = %d, want 160", n)
	}
}

// Ensure Nested undoes only its own writes.
func TestTx_Nested(t *testing.T) {
	db := MustOpenDB(t, "")
	p := mustPerson(t, db, "Nested")
	mustUpdate(t, db, func(tx bot.Tx) error {
		if err := tx.CreateDepartment(&bot.Department{Name: "Kept"}); err != nil {
			return err
		}
		err := tx.Nested(func() error {
			if err := tx.CreateDepartment(&bot.Department{Name: "Dropped", HeadID: p.ID}); err != nil {
				return err
			}
			return bot.Errorf(bot.EINVALID, "no", "不")
		})
		if bot.ErrorCode(err) != bot.EINVALID {
			return fmt.Errorf("nested err = %v", err)
		}
		return nil
	})
	db.View(context.Background(), func(tx bot.Tx) error {
		if _, err := tx.FindDepartmentByName("kept"); err != nil {
			t.Errorf("kept department: %v", err)
		}
		if _, err := tx.FindDepartmentByName("Dropped"); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("dropped department: %v", err)
		}
		return nil
	})
}

// Ensure handles stay unique and names resolve.
func TestPeople_HandlesAndNames(t *testing.T) {
	db := MustOpenDB(t, "")
	a := mustPerson(t, db, "Bob")
	var b *bot.Person
	mustUpdate(t, db, func(tx bot.Tx) error {
		b = &bot.Person{Name: "Bob", Handle: "bob"}
		return tx.CreatePerson(b, t0)
	})
	if b.Handle != "bob2" {
		t.Fatalf("second handle = %q, want bob2", b.Handle)
	}
	db.View(context.Background(), func(tx bot.Tx) error {
		got, err := tx.FindPeopleByName("BOB")
		if err != nil || len(got) != 1 || got[0].ID != a.ID {
			t.Errorf("by handle: %v %v", got, err)
		}
		return nil
	})
	mustUpdate(t, db, func(tx bot.Tx) error {
		err := tx.LinkAccount(b.ID, bot.Account{Platform: "console", Workspace: "local", UserID: "bob"}, "Bob", t0)
		if bot.ErrorCode(err) != bot.ECONFLICT {
			t.Errorf("linking another's account: %v", err)
		}
		return nil
	})
}

// Ensure task filters and ordering: soonest due first, undated last.
func TestTasks_FindOrder(t *testing.T) {
	db := MustOpenDB(t, "")
	p := mustPerson(t, db, "Carol")
	mk := func(title string, due time.Time, status task.Status) *task.Task {
		return &task.Task{Title: title, OwnerID: p.ID, CreatorID: p.ID, Priority: task.PriorityNormal, Status: status, Due: due, CreatedAt: t0, UpdatedAt: t0}
	}
	tasks := []*task.Task{
		mk("undated", time.Time{}, task.Todo),
		mk("later", t0.Add(48*time.Hour), task.Todo),
		mk("overdue", t0.Add(-time.Hour), task.InProgress),
		mk("done-overdue", t0.Add(-2*time.Hour), task.Done),
	}
	mustUpdate(t, db, func(tx bot.Tx) error {
		for _, tk := range tasks {
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
			if err := task.From(tx).AddTaskEvent(&task.Event{TaskID: tk.ID, ActorID: p.ID, Kind: task.Created, To: tk.Title, At: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	titles := func(f task.Filter) (out []string) {
		db.View(context.Background(), func(tx bot.Tx) error {
			got, err := task.From(tx).FindTasks(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range got {
				out = append(out, tk.Title)
			}
			return nil
		})
		return out
	}
	if got := fmt.Sprint(titles(task.Filter{OwnerID: p.ID, OpenOnly: true})); got != "[overdue later undated]" {
		t.Errorf("open tasks = %s", got)
	}
	if got := fmt.Sprint(titles(task.Filter{OverdueAt: t0})); got != "[overdue]" {
		t.Errorf("overdue tasks = %s", got)
	}
	if got := fmt.Sprint(titles(task.Filter{Statuses: []task.Status{task.Done}})); got != "[done-overdue]" {
		t.Errorf("done tasks = %s", got)
	}
	db.View(context.Background(), func(tx bot.Tx) error {
		evs, err := task.From(tx).TaskEvents(tasks[0].ID)
		if err != nil || len(evs) != 1 || evs[0].Kind != task.Created {
			t.Errorf("history = %v, %v", evs, err)
		}
		return nil
	})
}

// Ensure the outbox is idempotent by key, leases claims, and keeps retry state.
func TestOutbox_Lifecycle(t *testing.T) {
	db := MustOpenDB(t, "")
	out := &bot.Outgoing{Key: "in1/r0", To: bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"}, Msg: bot.Message{Text: "hi"}}
	var dup bool
	mustUpdate(t, db, func(tx bot.Tx) (err error) { dup, err = tx.Enqueue(out, t0); return })
	if dup {
		t.Fatal("first enqueue reported duplicate")
	}
	mustUpdate(t, db, func(tx bot.Tx) (err error) {
		dup, err = tx.Enqueue(&bot.Outgoing{Key: "in1/r0", To: out.To, Msg: out.Msg}, t0)
		return
	})
	if !dup {
		t.Fatal("same key enqueued twice")
	}
	claim := func(now time.Time) (got []*bot.Outgoing) {
		mustUpdate(t, db, func(tx bot.Tx) (err error) {
			got, err = tx.ClaimOutgoing("slack", now, time.Minute, "w1", 10)
			return
		})
		return got
	}
	got := claim(t0)
	if len(got) != 1 || got[0].Msg.Text != "hi" || got[0].To.ChatID != "C1" || got[0].Attempts != 1 {
		t.Fatalf("claim = %+v", got)
	}
	if again := claim(t0.Add(30 * time.Second)); len(again) != 0 {
		t.Fatal("leased message claimed twice")
	}
	if expired := claim(t0.Add(61 * time.Second)); len(expired) != 1 || expired[0].Attempts != 2 {
		t.Fatalf("after lease expiry = %+v", expired)
	}
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.MarkRetry(out.ID, t0.Add(10*time.Minute), "503") })
	var next time.Time
	db.View(context.Background(), func(tx bot.Tx) (err error) { next, err = tx.NextOutgoingAt("slack"); return })
	if !next.Equal(t0.Add(10 * time.Minute)) {
		t.Fatalf("next = %v", next)
	}
	if early := claim(t0.Add(5 * time.Minute)); len(early) != 0 {
		t.Fatal("claimed before its retry time")
	}
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.MarkSent(out.ID, "1234.5", t0) })
	if late := claim(t0.Add(time.Hour)); len(late) != 0 {
		t.Fatal("sent message claimed again")
	}
	var dead []*bot.Outgoing
	mustUpdate(t, db, func(tx bot.Tx) error {
		o := &bot.Outgoing{Key: "x", To: out.To, Msg: out.Msg}
		if _, err := tx.Enqueue(o, t0); err != nil {
			return err
		}
		if err := tx.MarkDead(o.ID, "channel_not_found", t0); err != nil {
			return err
		}
		var err error
		dead, err = tx.FindOutgoing(bot.OutboxDead, 10)
		return err
	})
	if len(dead) != 1 || dead[0].LastError != "channel_not_found" {
		t.Fatalf("dead letters = %+v", dead)
	}
}

// Ensure a user's queued messages are taken once, in order, and only theirs.
func TestOutbox_Take(t *testing.T) {
	db := MustOpenDB(t, "")
	to := func(user string) bot.Destination {
		return bot.Destination{Platform: "console", Workspace: "local", UserID: user}
	}
	mustUpdate(t, db, func(tx bot.Tx) error {
		for i, u := range []string{"bob", "carol", "bob", "bob"} {
			if _, err := tx.Enqueue(&bot.Outgoing{Key: fmt.Sprint("k", i), To: to(u), Msg: bot.Message{Text: fmt.Sprint(u, i)}}, t0); err != nil {
				return err
			}
		}
		return nil
	})
	var got []*bot.Outgoing
	mustUpdate(t, db, func(tx bot.Tx) (err error) { got, err = tx.TakeOutgoing("console", "bob", t0, 10); return })
	if len(got) != 3 || got[0].Msg.Text != "bob0" || got[1].Msg.Text != "bob2" || got[2].Msg.Text != "bob3" {
		t.Fatalf("taken = %+v", got)
	}
	mustUpdate(t, db, func(tx bot.Tx) (err error) { got, err = tx.TakeOutgoing("console", "bob", t0, 10); return })
	if len(got) != 0 {
		t.Fatalf("taken twice: %+v", got)
	}
	if sent := func() (out []*bot.Outgoing) {
		db.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 10); return })
		return
	}(); len(sent) != 1 || sent[0].To.UserID != "carol" {
		t.Fatalf("still queued = %+v", sent)
	}
}

// Ensure a Nested failure in an optimistic batch is undone alone once the
// batch is rerun with savepoints, and the batch's other units still commit.
func TestDB_NestedFailureInBatch(t *testing.T) {
	db := MustOpenDB(t, "")
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Update(context.Background(), func(tx bot.Tx) error {
				if err := tx.CreateDepartment(&bot.Department{Name: fmt.Sprint("outer", i)}); err != nil {
					return err
				}
				nerr := tx.Nested(func() error {
					if err := tx.CreateDepartment(&bot.Department{Name: fmt.Sprint("inner", i)}); err != nil {
						return err
					}
					if i%5 == 0 {
						return bot.Errorf(bot.EINVALID, "no", "不")
					}
					return nil
				})
				if i%5 == 0 && bot.ErrorCode(nerr) != bot.EINVALID {
					return fmt.Errorf("nested error lost: %v", nerr)
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var ds []*bot.Department
	db.View(context.Background(), func(tx bot.Tx) (err error) { ds, err = tx.ListDepartments(); return })
	if len(ds) != 90 { // 50 outer + 40 inner
		t.Fatalf("departments = %d, want 90", len(ds))
	}
}

// Ensure many concurrent views, each using statements for the first time,
// do not deadlock on the read pool (each view holds a connection; preparing
// a statement on the pool would need another).
func TestDB_ConcurrentFirstViews(t *testing.T) {
	db := MustOpenDB(t, "")
	done := make(chan struct{})
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db.View(context.Background(), func(tx bot.Tx) error {
					// Different filters build different SQL: first uses.
					_, err := task.From(tx).FindTasks(task.Filter{OwnerID: int64(i%4 + 1), DeptID: int64(i % 3), OpenOnly: i%2 == 0})
					time.Sleep(10 * time.Millisecond) // hold the connection while others start
					return err
				})
			}()
		}
		wg.Wait()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("concurrent views deadlocked")
	}
}

// Ensure the account → person cache of write transactions never answers
// with what is not committed: a change is seen by the next unit, a change
// rolled back is not, a merge moves the account, and a unit that reads
// after changing people in its batch sees its own change.
func TestPeople_CacheFollowsCommits(t *testing.T) {
	db := MustOpenDB(t, "")
	ann := mustPerson(t, db, "Ann")
	acct := bot.Account{Platform: bot.PlatformConsole, Workspace: "local", UserID: "ann"}
	lang := func() bot.Lang {
		var p *bot.Person
		mustUpdate(t, db, func(tx bot.Tx) (err error) { p, err = tx.FindPersonByAccount(acct); return })
		return p.Lang
	}
	if got := lang(); got != "" {
		t.Fatalf("lang %q before any change", got)
	}
	lang() // cached now
	mustUpdate(t, db, func(tx bot.Tx) error {
		p, _ := tx.FindPersonByAccount(acct)
		p.Lang = bot.LangZH
		return tx.UpdatePerson(p)
	})
	if got := lang(); got != bot.LangZH {
		t.Fatalf("after a committed change: %q", got)
	}
	lang()
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		p, _ := tx.FindPersonByAccount(acct)
		p.Lang = bot.LangEN
		if err := tx.UpdatePerson(p); err != nil {
			return err
		}
		if again, _ := tx.FindPersonByAccount(acct); again.Lang != bot.LangEN {
			t.Errorf("the unit does not see its own change: %q", again.Lang)
		}
		return errors.New("changed my mind")
	})
	if err == nil {
		t.Fatal("the unit's error was lost")
	}
	if got := lang(); got != bot.LangZH {
		t.Fatalf("a rolled-back change is seen: %q", got)
	}
	// The returned person is a copy: changing it without saving changes
	// nothing.
	mustUpdate(t, db, func(tx bot.Tx) error {
		p, _ := tx.FindPersonByAccount(acct)
		p.Lang = bot.LangEN
		return nil
	})
	if got := lang(); got != bot.LangZH {
		t.Fatalf("an unsaved change leaked through the cache: %q", got)
	}
	bob := mustPerson(t, db, "Bob")
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.MergePeople(ann.ID, bob.ID) })
	mustUpdate(t, db, func(tx bot.Tx) error {
		p, err := tx.FindPersonByAccount(acct)
		if err != nil || p.ID != bob.ID {
			t.Errorf("after the merge ann's account is %+v, %v; want bob %d", p, err, bob.ID)
		}
		return nil
	})
}

// Under a load that never lets the committer rest, the WAL must still start
// again from its beginning after checkpoints, or it grows without end.
func TestDB_WALRestartsUnderLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tandem.db")
	db := sqlite.NewDB(path)
	db.CheckpointInterval = 5 * time.Millisecond
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := mustPerson(t, db, "Alice")
	// The WAL header's checkpoint sequence number (bytes 12–15) goes up by
	// one each time SQLite starts the WAL again.
	restarts := func() uint32 {
		f, err := os.Open(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var hdr [32]byte
		if _, err := io.ReadFull(f, hdr[:]); err != nil {
			t.Fatal(err)
		}
		return binary.BigEndian.Uint32(hdr[12:16])
	}
	before := restarts()
	var wg sync.WaitGroup
	deadline := time.Now().Add(700 * time.Millisecond)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				err := db.Update(context.Background(), func(tx bot.Tx) error {
					return task.From(tx).CreateTask(&task.Task{Title: fmt.Sprintf("load %d.%d", w, i), CreatorID: p.ID, OwnerID: p.ID,
						Priority: task.PriorityNormal, Status: task.Todo, CreatedAt: t0, UpdatedAt: t0})
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := restarts() - before; got < 10 {
		t.Fatalf("the WAL started again %d times in 0.7 s of load with checkpoints every 5 ms; want many", got)
	}
}

// Ensure Queue hands each unit's outcome to then exactly once: after the
// commit (what the unit wrote is visible from then on), at once when the unit
// cannot be queued, and for every unit queued before Close, which finishes
// them rather than dropping them.
func TestDB_Queue(t *testing.T) {
	db := MustOpenDB(t, "")
	owner := mustPerson(t, db, "Owner")
	create := func(creator *bot.Person, title string) func(bot.Tx) error {
		return func(tx bot.Tx) error {
			return task.From(tx).CreateTask(&task.Task{Title: title, CreatorID: creator.ID, Priority: task.PriorityNormal, Status: task.Todo, CreatedAt: t0, UpdatedAt: t0})
		}
	}
	count := func(db *sqlite.DB) int {
		var n int
		if err := db.View(context.Background(), func(tx bot.Tx) error {
			tasks, err := task.From(tx).FindTasks(task.Filter{Limit: 10000})
			n = len(tasks)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}

	seen := make(chan int, 1)
	db.Queue(context.Background(), create(owner, "queued"), func(err error) {
		if err != nil {
			t.Errorf("queued unit: %v", err)
		}
		seen <- count(db) // then runs after the commit
	})
	if n := <-seen; n != 1 {
		t.Fatalf("tasks visible when then ran: %d, want 1", n)
	}

	refused := make(chan error, 1)
	db.Queue(context.Background(), func(bot.Tx) error { return bot.Errorf(bot.EINVALID, "no", "不") }, func(err error) { refused <- err })
	if err := <-refused; bot.ErrorCode(err) != bot.EINVALID {
		t.Fatalf("a failing unit's then got %v, want its error", err)
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	skipped := make(chan error, 1)
	// The queue may take a unit whose context is already done; the committer
	// then skips it. Either way then says so, and nothing is written.
	db.Queue(cancelled, create(owner, "never"), func(err error) { skipped <- err })
	select {
	case err := <-skipped:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled unit: then got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled unit: then not called")
	}
	if n := count(db); n != 1 {
		t.Fatalf("tasks after a cancelled unit: %d, want 1", n)
	}

	// Close finishes every unit queued before it; Queue after Close refuses.
	path := filepath.Join(t.TempDir(), "close.db")
	db2 := sqlite.NewDB(path)
	if err := db2.Open(); err != nil {
		t.Fatal(err)
	}
	owner2 := &bot.Person{Name: "Owner", Handle: "owner"}
	if err := db2.Update(context.Background(), func(tx bot.Tx) error { return tx.CreatePerson(owner2, t0) }); err != nil {
		t.Fatal(err)
	}
	const units = 300
	var mu sync.Mutex
	calls := map[int]int{}
	var committed int
	for i := range units {
		db2.Queue(context.Background(), create(owner2, fmt.Sprint("u", i)), func(err error) {
			mu.Lock()
			defer mu.Unlock()
			calls[i]++
			if err == nil {
				committed++
			}
		})
	}
	if err := db2.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range units {
		if calls[i] != 1 {
			t.Fatalf("unit %d: then called %d times, want 1", i, calls[i])
		}
	}
	if committed != units {
		t.Fatalf("%d of %d units queued before Close committed", committed, units)
	}
	var after error
	db2.Queue(context.Background(), create(owner2, "late"), func(err error) { after = err })
	if after == nil || bot.ErrorCode(after) != bot.EINTERNAL {
		t.Fatalf("Queue after Close: then got %v, want a storage-closed error", after)
	}
	reopened := MustOpenDB(t, path)
	if n := count(reopened); n != units {
		t.Fatalf("after reopening: %d tasks, want %d", n, units)
	}
}
