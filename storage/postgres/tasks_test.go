package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
)

// Ensure the overdue task list works on PostgreSQL: its SQLite condition
// "(due_at IS NULL) = 0" compares a boolean with an integer, which
// PostgreSQL refused ("operator does not exist: boolean = integer") until
// the translator wrote it as "IS FALSE"; the store contract never asked
// for an overdue list.
func TestFindTasks_Overdue(t *testing.T) {
	db := open(t, emptiedDatabase(t))
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		p := &bot.Person{Name: "Ann", Handle: "ann"}
		if err := tx.CreatePerson(p, now); err != nil {
			return err
		}
		for _, tk := range []*task.Task{
			{Title: "late", Due: now.Add(-time.Hour)},
			{Title: "later", Due: now.Add(time.Hour)},
			{Title: "undated"},
		} {
			tk.Status, tk.Priority, tk.OwnerID, tk.CreatorID, tk.CreatedAt, tk.UpdatedAt = task.Todo, task.PriorityNormal, p.ID, p.ID, now, now
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []task.Filter{{OverdueAt: now}, {OverdueAt: now, OwnerID: 1}} {
		var got []*task.Task
		if err := db.View(context.Background(), func(tx bot.Tx) (err error) {
			got, err = task.From(tx).FindTasks(f)
			return err
		}); err != nil {
			t.Fatalf("FindTasks(%+v): %v", f, err)
		}
		if len(got) != 1 || got[0].Title != "late" {
			t.Errorf("FindTasks(%+v) = %v, want the late task alone", f, got)
		}
	}
}
