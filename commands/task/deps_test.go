package task_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// Ensure a blocked task is refused done while its blocker is open, its
// owner is told when the blocker is done, and it can then be done (the
// issue's check), in English.
func TestBlock_RefusedThenUnblocked(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob", "carol")
	h.Say("alice", `task new "Print proofs" @carol`)
	h.Say("alice", `task new "Ship posters" @bob`)
	h.Expect("alice", "task block 2 by:1", "#2 now waits for #1.", "Waiting for: #1")
	h.Expect("alice", "task show 1", "Holding up: #2")
	h.Say("bob", "task start 2")
	h.Expect("bob", "task done 2", "#2 is still waiting for #1.", "task done 2 force")
	if tk := h.Task(2); tk.Status != task.InProgress {
		t.Fatalf("refused task is %s, want in progress", tk.Status)
	}
	h.Say("carol", "task start 1")
	h.Expect("carol", "task done 1", "#1 is now done.")
	if got := strings.Join(h.QueuedFor("bob"), "\n"); !strings.Contains(got, "#1 is done, so #2 Ship posters no longer waits for anything.") {
		t.Errorf("bob's notifications = %q, want him told #2 is free", got)
	}
	reply := h.Expect("bob", "task done 2", "#2 is now done.")
	if strings.Contains(reply, "Waiting for") {
		t.Errorf("a card lists a done blocker:\n%s", reply)
	}
	h.Expect("alice", "task show 2", "@alice made it wait for #1")
}

// Ensure the Chinese forms block, refuse, unblock and answer in Chinese
// with full-width punctuation.
func TestBlock_Chinese(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob")
	h.Say("alice", `任务 新建 "打印校样"`)
	h.Say("alice", `任务 新建 "寄送海报" @bob`)
	h.Expect("alice", "任务 依赖 2 依赖于:1", "#2 现在依赖于 #1。", "依赖于：#1")
	h.Expect("bob", "任务 开始 2", "进行中")
	h.Expect("bob", "任务 完成 2", "#2 还在等待 #1。请先完成它", "「任务 完成 2 强制」")
	h.Expect("alice", "任务 解除依赖 2 依赖于:1", "#2 不再依赖于 #1。")
	h.Expect("bob", "任务 完成 2", "#2 已改为「已完成」。")
	h.Expect("alice", "任务 解除依赖 2 依赖于:1", "#2 并不依赖于 #1。")
}

// Ensure cycles, direct and through a chain, and a task waiting for itself
// are refused with a clear reply, and nothing is recorded.
func TestBlock_Cycles(t *testing.T) {
	h := commandstest.New(t)
	for _, title := range []string{"a", "b", "c"} {
		h.Say("alice", `task new "`+title+`"`)
	}
	h.Expect("alice", "task block 1 by:1", "#1 can't block itself.")
	h.Expect("alice", "task block 2 by:1", "#2 now waits for #1.")
	h.Expect("alice", "task block 1 by:2", "That would make a cycle (#2 → #1 → #2, each waiting for the next)")
	h.Expect("alice", "task block 3 by:2", "#3 now waits for #2.")
	h.Expect("alice", "任务 依赖 1 依赖于:3", "这样会形成循环依赖（#3 → #2 → #1 → #3，每个都在等下一个），它们都将无法完成。")
	h.Expect("alice", "task block 3 by:2", "#3 already waits for #2.")
	h.Expect("alice", "task block 3", "Name the task it waits for with by:<number>.", "task block 14 by:12")
	h.Expect("alice", "task block 3 by:99", "There is no task #99.")
	h.Expect("alice", "task show 1", "Holding up: #2")
	if got := h.Expect("alice", "task show 1"); strings.Contains(got, "Waiting for") {
		t.Errorf("a refused cycle was recorded:\n%s", got)
	}
}

// Ensure only the head of the owner's department or an admin may force a
// blocked task done, the owner may not, and the force is in the history.
func TestDone_Force(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("hannah", "carol")
	h.Admin("root")
	h.Say("root", "dept add Sales @hannah")
	h.Say("bob", "hi")
	h.Say("root", "dept join Sales @bob")
	h.Say("alice", `task new "quote" @carol`)
	h.Say("alice", `task new "contract" @bob`)
	h.Say("alice", "task block 2 by:1")
	h.Say("bob", "task start 2")
	h.Expect("bob", "task done 2 force", "Only @hannah (head of Sales) or an admin (@root) can force #2 done while a task it waits for is open.")
	h.Expect("bob", "任务 完成 2 强制", "只有 @hannah（「Sales」部门负责人）或管理员（@root）可以在依赖任务未完成时强制完成 #2。")
	h.Expect("hannah", "task done 2 force", "#2 is now done.")
	h.Expect("alice", "task show 2", "@hannah forced it done while #1 was open")
	// The blocker stays open and the dependency stays: forcing is not
	// unblocking.
	if tk := h.Task(1); tk.Status != task.Todo {
		t.Fatalf("blocker = %s, want to do", tk.Status)
	}
}

// Ensure subtasks are made with the task options, and the parent card's
// checklist counts them done of not cancelled ("1/2").
func TestSub_Checklist(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob")
	h.Say("alice", `task new "Launch"`)
	h.Expect("alice", `task sub 1 "Print proofs" @bob due:sat`, "Created #2 for @bob", "Part of: #1", "Sat 21 Nov 18:00")
	h.Expect("alice", `任务 子任务 1 "订场地"`, "已创建任务 #3", "所属父任务：#1")
	h.Say("alice", `task sub 1 "Invite press"`)
	h.Expect("alice", "task show 1", "Subtasks: 0/3", "@alice added the subtask #2 Print proofs to it")
	h.Say("alice", "task cancel 4")
	h.Say("alice", "task start 3")
	h.Say("alice", "task done 3")
	h.Expect("alice", "task show 1", "Subtasks: 1/2")
	h.Expect("alice", "任务 查看 1", "子任务：1/2")
	if tk := h.Task(2); tk.ParentID != 1 || tk.OwnerID != h.Person("bob").ID {
		t.Fatalf("subtask = %+v", tk)
	}
	h.Expect("alice", `task sub 1`, "Give the subtask's title after the parent's number.")
	h.Expect("bob", `task sub 1 "mine"`, "Only @alice (creator and owner)")
}

// Ensure that when a blocker's due time moves past its dependant's, both
// owners are told: the one who moved it in the reply, the other by a
// notification; and that a blocker already late when the dependency is made
// is told the same way.
func TestSlip_BothOwnersTold(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob", "carol")
	h.Say("alice", `task new "proofs" @carol due:mon`)
	h.Say("alice", `task new "ship" @bob due:tue`)
	h.Say("alice", `task new "frame" @carol due:wed`)
	reply := h.Expect("alice", "task block 2 by:1", "#2 now waits for #1.")
	if strings.Contains(reply, "⚠") {
		t.Fatalf("a blocker due in time was called late:\n%s", reply)
	}
	h.Expect("carol", "task due 1 thu", "Updated #1", "⚠ #1 proofs is due Thu 26 Nov 18:00, after #2 ship which waits for it is due (Tue 24 Nov 18:00).")
	if got := strings.Join(h.QueuedFor("bob"), "\n"); !strings.Contains(got, "⚠ #1 proofs is due Thu 26 Nov 18:00, after #2 ship which waits for it is due (Tue 24 Nov 18:00).") {
		t.Errorf("bob's notifications = %q, want the slip", got)
	}
	// Blocked by a task already due later: both told when the link is made.
	h.Expect("bob", "task block 2 by:3", "#2 now waits for #3.", "⚠ #3 frame is due Wed 25 Nov 18:00, after #2 ship")
	if got := strings.Join(h.QueuedFor("carol"), "\n"); !strings.Contains(got, "⚠ #3 frame is due Wed 25 Nov 18:00") {
		t.Errorf("carol's notifications = %q, want the slip of #3", got)
	}
}

// Ensure the posted copies of a parent's card are edited as its subtasks
// are added and done (the checklist), and a dependant's as its blocker
// closes.
func TestLiveCards_ParentAndDependant(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob")
	h.Say("alice", `task new "Launch" @bob`)
	notes := outboxFor(h, "bob")
	if len(notes) != 1 || notes[0].Msg.Card == nil || notes[0].Msg.Card.Subject != "task/1" {
		t.Fatalf("bob's notification = %+v, want one card about task/1", notes)
	}
	posted(h, notes[0], "bob-msg-1")
	field := func(label string) string {
		edits := editsFor(h, "bob")
		if len(edits) == 0 {
			t.Fatal("no edit of bob's card")
		}
		last := edits[len(edits)-1]
		for _, f := range last.Msg.Card.Fields {
			if f.Label == label {
				return f.Value
			}
		}
		return ""
	}
	h.Say("alice", `task sub 1 "Print proofs"`)
	if got := field("Subtasks"); got != "0/1" {
		t.Fatalf("bob's parent card after a subtask: Subtasks = %q, want 0/1", got)
	}
	h.Say("alice", "task start 2")
	h.Say("alice", "task done 2")
	if got := field("Subtasks"); got != "1/1" {
		t.Fatalf("bob's parent card after the subtask is done: Subtasks = %q, want 1/1", got)
	}
	// Where a platform cannot edit, the line posted names the subtask.
	if edits := editsFor(h, "bob"); edits[len(edits)-1].Msg.Text != "@alice moved #2 Print proofs to done." {
		t.Errorf("the edit's line = %q, want it to name the subtask", edits[len(edits)-1].Msg.Text)
	}
	h.Say("alice", `task new "Venue"`)
	h.Say("alice", "task block 1 by:3")
	if got := field("Waiting for"); got != "#3" {
		t.Fatalf("bob's card after the block: Waiting for = %q, want #3", got)
	}
	h.Say("alice", "task cancel 3")
	if got := field("Waiting for"); got != "" {
		t.Fatalf("bob's card after the blocker closed: Waiting for = %q, want none", got)
	}
}

// Ensure the check at a dependant's due time tells both owners of a blocker
// still open then, in their languages; that a check for a due time since
// moved does nothing; and that a blocker done in time is not reported.
func TestSlip_OverduePastTheDependant(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob", "carol")
	h.Say("carol", "lang zh")
	h.Say("alice", `task new "proofs" @carol due:mon`)
	h.Say("alice", `task new "ship" @bob due:tue`)
	h.Say("alice", `task new "paper" @carol due:mon`)
	h.Say("alice", "task block 2 by:1")
	h.Say("alice", "task block 2 by:3")
	h.Say("carol", "task start 3")
	h.Say("carol", "task done 3")
	jobs := h.Jobs(bot.JobFilter{Kind: "task.slip", State: bot.JobPending})
	if len(jobs) != 1 || !jobs[0].RunAt.Equal(h.Task(2).Due) {
		t.Fatalf("slip checks = %+v, want one at #2's due time", jobs)
	}
	before := len(h.QueuedFor("bob"))
	h.SetNow(h.Task(2).Due)
	h.RunJob(jobs[0])
	bobs := h.QueuedFor("bob")
	if len(bobs) != before+1 || bobs[0] != "⚠ #1 proofs is still open, and #2 ship which waits for it was due Tue 24 Nov 18:00." {
		t.Fatalf("bob's notifications = %q, want #1's slip and nothing of #3", bobs)
	}
	carols := strings.Join(h.QueuedFor("carol"), "\n")
	if !strings.Contains(carols, "⚠ #1 proofs 仍未完成，而依赖它的 #2 ship 已于 11月24日周二 18:00 到期。") || strings.Contains(carols, "#3 paper 仍未完成") {
		t.Errorf("carol's notifications = %q, want #1's slip in Chinese", carols)
	}

	// A check whose due time has since moved does nothing: the move
	// scheduled its own, which tells once.
	h.Say("alice", `task new "late" @bob due:fri`)
	h.Say("alice", "task block 4 by:1")
	check := func(tk *task.Task) *bot.Job {
		js := h.Jobs(bot.JobFilter{DedupKey: "task.slip/4/" + strconv.FormatInt(tk.Due.UnixMilli(), 10)})
		if len(js) != 1 {
			t.Fatalf("checks for #4 due %v: %d", tk.Due, len(js))
		}
		return js[0]
	}
	stale := check(h.Task(4))
	h.Say("bob", "task due 4 wed")
	fresh := check(h.Task(4))
	before = len(h.QueuedFor("bob"))
	h.SetNow(fresh.RunAt)
	h.RunJob(fresh)
	h.SetNow(stale.RunAt)
	h.RunJob(stale)
	if got := h.QueuedFor("bob"); len(got) != before+1 || !strings.Contains(got[0], "⚠ #1 proofs is still open, and #4 late") {
		t.Errorf("bob's news of #4 = %q, want the slip once", got[:len(got)-before])
	}
}

// Ensure a task waits for at most task.MaxBlockers tasks, as the comment on
// MaxBlockers promises (the lists are read whole).
func TestBlock_Bounded(t *testing.T) {
	h := commandstest.New(t)
	h.Say("alice", `task new "hub"`)
	alice := h.Person("alice")
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		for range task.MaxBlockers + 1 {
			tk := &task.Task{Title: "spoke", OwnerID: alice.ID, CreatorID: alice.ID, Priority: task.PriorityNormal, Status: task.Todo,
				CreatedAt: h.Now(), UpdatedAt: h.Now()}
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
			if tk.ID <= task.MaxBlockers+1 {
				if err := task.From(tx).AddTaskBlock(tk.ID, 1, h.Now()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Expect("alice", "task block 1 by:52", "A task can wait for, or hold up, at most 50 tasks.")
}
