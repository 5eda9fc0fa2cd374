package task_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
)

// graph is a dependency graph: graph[id] are the tasks id waits for.
type graph map[int64][]int64

func (g graph) blockersOf(id int64) ([]int64, error) { return g[id], nil }

// Ensure a dependency that would close a cycle, directly or through a chain,
// or that makes a task wait for itself, is refused with the cycle named; and
// that a diamond or an unrelated chain is allowed.
func TestCheckBlock(t *testing.T) {
	cases := []struct {
		name               string
		g                  graph
		blocker, dependant int64
		wantErr            string // a part of the English refusal; "" allows
	}{
		{"first dependency", graph{}, 12, 14, ""},
		{"self-block", graph{}, 12, 12, "#12 can't block itself."},
		{"direct cycle", graph{12: {14}}, 12, 14, "(#12 → #14 → #12, each waiting for the next)"},
		{"transitive cycle", graph{12: {13}, 13: {14}}, 12, 14, "#12 → #13 → #14 → #12"},
		{"long transitive cycle", graph{1: {2}, 2: {3}, 3: {4}, 4: {5}}, 1, 5, "#1 → #2 → #3 → #4 → #5 → #1"},
		{"diamond is no cycle", graph{14: {12, 13}, 13: {11}, 12: {11}}, 11, 15, ""},
		{"second path to the same blocker", graph{14: {13}, 13: {12}}, 12, 14, ""},
		{"chain the other way", graph{14: {13}}, 12, 13, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := task.CheckBlock(c.blocker, c.dependant, c.g.blockersOf)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if bot.ErrorCode(err) != bot.EINVALID || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want an invalid-input refusal containing %q", err, c.wantErr)
			}
		})
	}
}

// Ensure the refusal of a cycle reads in Chinese with full-width punctuation.
func TestCheckBlock_Chinese(t *testing.T) {
	err := task.CheckBlock(12, 14, graph{12: {14}}.blockersOf)
	var be *bot.Error
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a bot.Error", err)
	}
	if got := be.Text.In(bot.LangZH); got != "这样会形成循环依赖（#12 → #14 → #12，每个都在等下一个），它们都将无法完成。" {
		t.Fatalf("Chinese refusal = %q", got)
	}
}

// Ensure a walk over a huge graph stops and refuses instead of running on.
func TestCheckBlock_Bounded(t *testing.T) {
	calls := 0
	wide := func(id int64) ([]int64, error) {
		calls++
		return []int64{id*2 + 1000, id*2 + 1001}, nil
	}
	if err := task.CheckBlock(1, 2, wide); bot.ErrorCode(err) != bot.EINVALID || calls > 2100 {
		t.Fatalf("err = %v after %d reads, want a refusal within the bound", err, calls)
	}
}

// Ensure done is refused while any blocker is open, allowed when all are
// done or cancelled, and allowed when forced.
func TestCheckDone(t *testing.T) {
	tk := &task.Task{ID: 14, Status: task.InProgress}
	b := func(id int64, s task.Status) *task.Task { return &task.Task{ID: id, Status: s} }
	cases := []struct {
		name     string
		blockers []*task.Task
		force    bool
		wantErr  string
	}{
		{"no blockers", nil, false, ""},
		{"blocker done", []*task.Task{b(12, task.Done)}, false, ""},
		{"blocker cancelled", []*task.Task{b(12, task.Cancelled)}, false, ""},
		{"blocker open", []*task.Task{b(12, task.Todo)}, false, "#14 is still waiting for #12."},
		{"some open", []*task.Task{b(11, task.Done), b(12, task.InReview), b(13, task.InProgress)}, false, "waiting for #12, #13."},
		{"open but forced", []*task.Task{b(12, task.Todo)}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := task.CheckDone(tk, c.blockers, c.force)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if bot.ErrorCode(err) != bot.ECONFLICT || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "task done 14 force") {
				t.Fatalf("err = %v, want a conflict naming %q and how to force", err, c.wantErr)
			}
		})
	}
}

// people is a unit with people and departments only.
type people struct {
	bot.Tx
	ps    map[int64]*bot.Person
	depts map[int64]*bot.Department
}

func (p people) FindPersonByID(id int64) (*bot.Person, error) {
	if x, ok := p.ps[id]; ok {
		return x, nil
	}
	return nil, bot.Errorf(bot.ENOTFOUND, "no %d", "无 %d", id)
}

func (p people) FindDepartmentByID(id int64) (*bot.Department, error) {
	if d, ok := p.depts[id]; ok {
		return d, nil
	}
	return nil, bot.Errorf(bot.ENOTFOUND, "no %d", "无 %d", id)
}

func (p people) FindPeopleByRole(role bot.Role, limit int) ([]*bot.Person, error) {
	var out []*bot.Person
	for id := int64(1); id <= int64(len(p.ps)); id++ {
		if x := p.ps[id]; x != nil && x.Role == role {
			out = append(out, x)
		}
	}
	return out, nil
}

// Ensure only the head of the owner's department or an admin may force a
// task done over an open blocker, as MayChange reads the department; the
// owner and creator may not, and the refusal names who could.
func TestMayForce(t *testing.T) {
	root := &bot.Person{ID: 1, Handle: "root", Role: bot.RoleAdmin}
	bob := &bot.Person{ID: 2, Handle: "bob", DeptID: 10}
	alice := &bot.Person{ID: 3, Handle: "alice"}
	hannah := &bot.Person{ID: 4, Handle: "hannah", DeptID: 10}
	dave := &bot.Person{ID: 5, Handle: "dave", DeptID: 20}
	tx := people{ps: map[int64]*bot.Person{1: root, 2: bob, 3: alice, 4: hannah, 5: dave},
		depts: map[int64]*bot.Department{10: {ID: 10, Name: "Sales", HeadID: 4}, 20: {ID: 20, Name: "Design", HeadID: 5}}}
	owned := &task.Task{ID: 14, OwnerID: bob.ID, CreatorID: alice.ID, DeptID: 20}
	unowned := &task.Task{ID: 15, CreatorID: alice.ID, DeptID: 20}
	cases := []struct {
		actor *bot.Person
		tk    *task.Task
		may   bool
	}{
		{root, owned, true},
		{hannah, owned, true}, // head of the owner's department
		{dave, owned, false},  // head of the task's department, not the owner's
		{bob, owned, false},   // the owner
		{alice, owned, false}, // the creator
		{dave, unowned, true}, // no owner: the task's department
		{hannah, unowned, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s on %s", c.actor.Handle, c.tk.Ref()), func(t *testing.T) {
			err := task.MayForce(tx, c.actor, c.tk)
			if c.may != (err == nil) {
				t.Fatalf("may = %v, err = %v", c.may, err)
			}
			if err != nil && bot.ErrorCode(err) != bot.EFORBIDDEN {
				t.Fatalf("err = %v, want forbidden", err)
			}
		})
	}
	err := task.MayForce(tx, bob, owned)
	if want := "Only @hannah (head of Sales) or an admin (@root) can force #14 done"; !strings.Contains(err.Error(), want) {
		t.Errorf("refusal = %q, want it to contain %q", err, want)
	}
}

// Ensure a slip is seen when the blocker's due moves past the dependant's,
// or when the blocker is overdue and now is past the dependant's due; and
// not when either is closed or undated.
func TestSlipped(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tk := func(s task.Status, due time.Duration) *task.Task {
		t := &task.Task{Status: s}
		if due != 0 {
			t.Due = now.Add(due)
		}
		return t
	}
	cases := []struct {
		name               string
		blocker, dependant *task.Task
		now                time.Time
		want               bool
	}{
		{"blocker due before", tk(task.Todo, day), tk(task.Todo, 2*day), now, false},
		{"blocker due the same moment", tk(task.Todo, 2*day), tk(task.Todo, 2*day), now, false},
		{"blocker due after", tk(task.Todo, 3*day), tk(task.Todo, 2*day), now, true},
		{"blocker overdue, dependant not yet due", tk(task.InProgress, -day), tk(task.Todo, day), now, false},
		{"blocker overdue past the dependant's due", tk(task.InProgress, -2*day), tk(task.Todo, -day), now, true},
		{"blocker done late", tk(task.Done, 3*day), tk(task.Todo, 2*day), now, false},
		{"dependant done", tk(task.Todo, 3*day), tk(task.Done, 2*day), now, false},
		{"dependant cancelled", tk(task.Todo, 3*day), tk(task.Cancelled, 2*day), now, false},
		{"blocker undated", tk(task.Todo, 0), tk(task.Todo, 2*day), now, false},
		{"blocker undated and open at the dependant's due", tk(task.Todo, 0), tk(task.Todo, -time.Minute), now, true},
		{"blocker open at the very moment the dependant is due", tk(task.InProgress, -day), &task.Task{Status: task.Todo, Due: now}, now, true},
		{"a minute before the dependant is due", tk(task.InProgress, -day), tk(task.Todo, time.Minute), now, false},
		{"dependant undated", tk(task.Todo, 3*day), tk(task.Todo, 0), now, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := task.Slipped(c.blocker, c.dependant, c.now); got != c.want {
				t.Fatalf("Slipped = %v, want %v", got, c.want)
			}
		})
	}
}

// Ensure the checklist reads as the parent card shows it.
func TestChecklistString(t *testing.T) {
	if got := (task.Checklist{Done: 2, Total: 5}).String(); got != "2/5" {
		t.Fatalf("checklist = %q", got)
	}
}
