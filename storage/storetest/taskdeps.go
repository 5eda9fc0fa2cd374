package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
)

// taskDepTests hold a store to the subtask and dependency part of
// task.Store: a subtask keeps its parent, a parent's subtasks are listed by
// id and paged, the checklist counts done of not cancelled, and dependencies
// are added once, listed both ways and removed.
var taskDepTests = map[string]func(*testing.T, bot.Store){
	"subtasks: parent kept, listed by id, paged": testSubTasks,
	"subtasks: checklist counts":                 testSubTaskProgress,
	"blocks: add, list both ways, remove":        testTaskBlocks,
}

// newTasks creates one open task per title, in order, owned by a new
// person named after the first title.
func newTasks(t *testing.T, s bot.Store, parentID int64, titles ...string) []*task.Task {
	t.Helper()
	var out []*task.Task
	update(t, s, func(tx bot.Tx) error {
		p := &bot.Person{Name: titles[0], Handle: "owner-of-" + titles[0]}
		if err := tx.CreatePerson(p, t0); err != nil {
			return err
		}
		for _, title := range titles {
			tk := &task.Task{Title: title, OwnerID: p.ID, CreatorID: p.ID, ParentID: parentID, Priority: task.PriorityNormal,
				Status: task.Todo, CreatedAt: t0, UpdatedAt: t0}
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
			out = append(out, tk)
		}
		return nil
	})
	return out
}

func taskTitles(ts []*task.Task) string {
	var out []string
	for _, tk := range ts {
		out = append(out, tk.Title)
	}
	return strings.Join(out, ",")
}

func testSubTasks(t *testing.T, s bot.Store) {
	parents := newTasks(t, s, 0, "launch", "other")
	subs := newTasks(t, s, parents[0].ID, "a", "b", "c")
	newTasks(t, s, parents[1].ID, "elsewhere")
	if got := view(t, s, func(tx bot.Tx) (*task.Task, error) { return task.From(tx).FindTaskByID(subs[1].ID) }); got.ParentID != parents[0].ID {
		t.Fatalf("subtask's parent = %d, want %d", got.ParentID, parents[0].ID)
	}
	if got := view(t, s, func(tx bot.Tx) (*task.Task, error) { return task.From(tx).FindTaskByID(parents[0].ID) }); got.ParentID != 0 {
		t.Fatalf("top-level task's parent = %d, want 0", got.ParentID)
	}
	page := func(offset, limit int) string {
		return taskTitles(view(t, s, func(tx bot.Tx) ([]*task.Task, error) {
			return task.From(tx).SubTasks(parents[0].ID, offset, limit)
		}))
	}
	if got := page(0, 10); got != "a,b,c" {
		t.Errorf("subtasks = %q, want a,b,c", got)
	}
	if got := page(1, 1); got != "b" {
		t.Errorf("second page of one = %q, want b", got)
	}
	if got := page(3, 10); got != "" {
		t.Errorf("past the end = %q, want none", got)
	}
}

func testSubTaskProgress(t *testing.T, s bot.Store) {
	parent := newTasks(t, s, 0, "launch")[0]
	subs := newTasks(t, s, parent.ID, "a", "b", "c", "d", "e", "f")
	progress := func() task.Checklist {
		return view(t, s, func(tx bot.Tx) (task.Checklist, error) { return task.From(tx).SubTaskProgress(parent.ID) })
	}
	if got := progress(); got != (task.Checklist{Done: 0, Total: 6}) {
		t.Fatalf("fresh checklist = %+v, want 0/6", got)
	}
	for i, st := range []task.Status{task.Done, task.Done, task.InProgress, task.Cancelled} {
		subs[i].Status = st
		updateEach(t, s, subs[i:i+1], func(tx bot.Tx, tk *task.Task) error { return task.From(tx).UpdateTask(tk) })
	}
	// Cancelled subtasks leave the count: 2 done of the 5 still part of it.
	if got := progress(); got.String() != "2/5" {
		t.Errorf("checklist = %s, want 2/5", got)
	}
	if got := view(t, s, func(tx bot.Tx) (task.Checklist, error) { return task.From(tx).SubTaskProgress(subs[0].ID) }); got.Total != 0 {
		t.Errorf("a task without subtasks counts %+v", got)
	}
}

func testTaskBlocks(t *testing.T, s bot.Store) {
	ts := newTasks(t, s, 0, "print", "proofs", "paper", "ship")
	print, proofs, paper, ship := ts[0], ts[1], ts[2], ts[3]
	block := func(blocker, dependant *task.Task) error {
		return s.Update(t.Context(), func(tx bot.Tx) error {
			return task.From(tx).AddTaskBlock(blocker.ID, dependant.ID, t0)
		})
	}
	for _, b := range [][2]*task.Task{{paper, print}, {proofs, print}, {print, ship}} {
		if err := block(b[0], b[1]); err != nil {
			t.Fatalf("block %s by %s: %v", b[1].Title, b[0].Title, err)
		}
	}
	wantCode(t, "the same block again", block(proofs, print), bot.ECONFLICT)
	lists := func(tk *task.Task) string {
		bs := view(t, s, func(tx bot.Tx) ([]*task.Task, error) { return task.From(tx).TaskBlockers(tk.ID) })
		ds := view(t, s, func(tx bot.Tx) ([]*task.Task, error) { return task.From(tx).TaskDependants(tk.ID) })
		return fmt.Sprintf("waits for [%s], blocks [%s]", taskTitles(bs), taskTitles(ds))
	}
	if got, want := lists(print), "waits for [proofs,paper], blocks [ship]"; got != want {
		t.Errorf("print %s, want %s", got, want)
	}
	if got, want := lists(proofs), "waits for [], blocks [print]"; got != want {
		t.Errorf("proofs %s, want %s", got, want)
	}
	update(t, s, func(tx bot.Tx) error { return task.From(tx).RemoveTaskBlock(paper.ID, print.ID) })
	if got, want := lists(print), "waits for [proofs], blocks [ship]"; got != want {
		t.Errorf("after removing paper: print %s, want %s", got, want)
	}
	err := s.Update(t.Context(), func(tx bot.Tx) error { return task.From(tx).RemoveTaskBlock(paper.ID, print.ID) })
	wantCode(t, "removing a block that is gone", err, bot.ENOTFOUND)
}
