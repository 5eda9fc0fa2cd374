package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/bot/task"
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
