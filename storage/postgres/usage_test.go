package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/storage/postgres"
)

// Ensure concurrent units counting the same usage key never refuse each
// other: each connection counts into its own shard (migration
// 0239_usage_shards). All units have begun (taken their snapshot) before
// any counts, so with one row per key every unit but the first to commit
// was refused and run again (checked: 15 units run again).
func TestCountUsage_ConcurrentUnitsOnOneKeyNeverRetry(t *testing.T) {
	db := open(t, emptiedDatabase(t))
	u := bot.Usage{Day: "2026-12-03", DeptID: 7, Platform: "slack", Kind: bot.UsageCommand, Command: "task new"}
	const units = 8
	var begun, wg sync.WaitGroup
	begun.Add(units)
	for range units {
		wg.Go(func() {
			first := true
			err := db.Update(context.Background(), func(tx bot.Tx) error {
				// A read first begins the SERIALIZABLE transaction, as a
				// command's unit does before it counts.
				if _, err := tx.FindPersonByID(1); err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
					return err
				}
				if first {
					first = false
					begun.Done()
					begun.Wait()
				}
				c, ok := bot.Contract[bot.UsageCounter](tx)
				if !ok {
					return bot.Errorf(bot.EINTERNAL, "no usage counter", "没有用量计数")
				}
				return c.CountUsage(u)
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := db.Retries(); n != 0 {
		t.Errorf("%d units were run again after a serialization failure, want 0", n)
	}
	var rows []stats.UsageRow
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) {
		s, _ := bot.Contract[stats.Store](tx)
		rows, err = s.UsageRows(u.Day, u.Day, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].N != units {
		t.Fatalf("usage rows %+v, want one of %d", rows, units)
	}
}

// Ensure concurrent units shaped like "task new" (create a task, show its
// dependencies, count the command) never refuse each other on a young
// database: the dependencies were read with a join that PostgreSQL's
// planner, with few tasks or none analysed, ran as a sequential scan of
// tasks, a predicate lock on the whole table that every other unit's new
// task wrote into (checked: 14, 16 and 18 units run again with the join).
func TestCreateTask_ConcurrentUnitsNeverRetry(t *testing.T) {
	db := open(t, emptiedDatabase(t))
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	creator := &bot.Person{Name: "creator", Handle: "creator"}
	if err := db.Update(context.Background(), func(tx bot.Tx) error { return tx.CreatePerson(creator, now) }); err != nil {
		t.Fatal(err)
	}
	const units = 8
	var begun, wg sync.WaitGroup
	begun.Add(units)
	for i := range units {
		wg.Go(func() {
			first := true
			err := db.Update(context.Background(), func(tx bot.Tx) error {
				if _, err := tx.FindPersonByID(creator.ID); err != nil {
					return err
				}
				if first {
					first = false
					begun.Done()
					begun.Wait()
				}
				st := task.From(tx)
				tk := &task.Task{Title: fmt.Sprint("t", i), CreatorID: creator.ID, Status: task.Todo, CreatedAt: now, UpdatedAt: now}
				if err := st.CreateTask(tk); err != nil {
					return err
				}
				if _, err := st.SubTaskProgress(tk.ID); err != nil {
					return err
				}
				if _, err := st.TaskBlockers(tk.ID); err != nil {
					return err
				}
				_, err := st.TaskDependants(tk.ID)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := db.Retries(); n != 0 {
		t.Errorf("%d units were run again after a serialization failure, want 0", n)
	}
}

// Ensure a unit refused MaxAttempts times commits nothing and fails: the
// event it stored first is not kept, so the webhook answers 5xx and the
// platform still holds the event (docs/postgres.md, "Conflicts between
// commands"). Each attempt reads a person and, before it writes the same
// person, another connection changes and commits that row.
func TestUpdate_RefusedMaxAttemptsTimesKeepsNothing(t *testing.T) {
	dsn := emptiedDatabase(t)
	db := postgres.NewDB(dsn)
	db.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	db.MaxAttempts = 3
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other := open(t, dsn)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	p := &bot.Person{Name: "racer", Handle: "racer"}
	if err := db.Update(context.Background(), func(tx bot.Tx) error { return tx.CreatePerson(p, now) }); err != nil {
		t.Fatal(err)
	}
	ev := &bot.Event{Platform: "slack", Workspace: "T1", DedupKey: "refused", ChatID: "C1", ChatType: bot.ChatGroup, Text: "task new x"}
	attempts := 0
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		attempts++
		if _, err := tx.InsertInbound(ev, bot.InboxDone, now); err != nil {
			return err
		}
		mine, err := tx.FindPersonByID(p.ID)
		if err != nil {
			return err
		}
		if err := other.Update(context.Background(), func(tx bot.Tx) error {
			theirs, err := tx.FindPersonByID(p.ID)
			if err != nil {
				return err
			}
			theirs.Name += "!"
			return tx.UpdatePerson(theirs)
		}); err != nil {
			return err
		}
		mine.Name = "mine"
		return tx.UpdatePerson(mine)
	})
	if err == nil || attempts != 3 || db.Retries() != 2 {
		t.Fatalf("Update = %v after %d attempts (%d run again), want an error after 3", err, attempts, db.Retries())
	}
	var dup bool
	if err := other.Update(context.Background(), func(tx bot.Tx) (err error) {
		dup, err = tx.InsertInbound(&bot.Event{Platform: ev.Platform, Workspace: ev.Workspace, DedupKey: ev.DedupKey}, bot.InboxPending, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if dup {
		t.Fatal("the refused unit's event was kept")
	}
}
