package task_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// Ensure a task created in English carries every option into storage.
func TestTaskNew_English(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("carol")
	h.Admin("alice")
	h.Expect("alice", "dept add Design @carol", "Department Design added")
	h.Say("bob", "hi")
	h.Expect("alice", "dept join Design @bob", "@bob is now in Design")
	h.Expect("alice", `task new "Poster for the Q3 launch" @bob due:fri 18:00 p:high dept:design`,
		"Created #1 for @bob", "Fri 20 Nov 18:00", "Priority: high", "Department: Design", "[Start: task start 1]")
	tk := h.Task(1)
	want := time.Date(2026, 11, 20, 18, 0, 0, 0, commandstest.Shanghai)
	if tk.Title != "Poster for the Q3 launch" || !tk.Due.Equal(want) || tk.Priority != task.PriorityHigh || tk.Status != task.Todo {
		t.Fatalf("task = %+v", tk)
	}
	if tk.OwnerID != h.Person("bob").ID || tk.CreatorID != h.Person("alice").ID {
		t.Fatalf("owner/creator = %d/%d", tk.OwnerID, tk.CreatorID)
	}
	// bob is told that an admin moved him, and about his task.
	if got := strings.Join(h.QueuedFor("bob"), "\n"); len(h.QueuedFor("bob")) != 2 || !strings.Contains(got, "@alice gave you a task: #1") ||
		!strings.Contains(got, "@alice put you in Design.") {
		t.Fatalf("bob's notifications = %q", got)
	}
}

// Ensure the Chinese form does the same and answers in Chinese.
func TestTaskNew_Chinese(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob")
	h.Expect("alice", `任务 新建 "Q3发布海报" @bob 截止:周五18点 优先级:高`, "已创建任务 #1，负责人 @bob", "截止：11月20日周五 18:00", "优先级：高",
		"[开始：任务 开始 1]  [取消：任务 取消 1]")
	h.Expect("alice", "任务 完成 1", "可以改为：进行中、已取消。")
	tk := h.Task(1)
	if tk.Title != "Q3发布海报" || !tk.Due.Equal(time.Date(2026, 11, 20, 18, 0, 0, 0, commandstest.Shanghai)) || tk.Priority != task.PriorityHigh {
		t.Fatalf("task = %+v", tk)
	}
	if got := h.QueuedFor("bob"); len(got) != 1 || !strings.Contains(got[0], "@alice gave you a task") {
		// bob has not chosen a language: notifications use the default (English).
		t.Fatalf("bob's notifications = %q", got)
	}
}

// Ensure due times in natural language land on the right local moment.
func TestTaskNew_DueTimes(t *testing.T) {
	h := commandstest.New(t)
	d := func(y int, m time.Month, day, hh, mm int) time.Time {
		return time.Date(y, m, day, hh, mm, 0, 0, commandstest.Shanghai)
	}
	cases := []struct {
		due  string
		want time.Time
	}{
		{"due:tomorrow 5pm", d(2026, 11, 21, 17, 0)},
		{"due:in 2 hours", d(2026, 11, 20, 12, 0)},
		{"due:next monday", d(2026, 11, 23, 18, 0)}, // a date alone means the end of the working day
		{"截止:明天下午3点", d(2026, 11, 21, 15, 0)},
		{"截止:下周一上午10点", d(2026, 11, 23, 10, 0)},
		{"due:2026-12-01 09:30", d(2026, 12, 1, 9, 30)},
		{"due:fri", d(2026, 11, 20, 18, 0)},
	}
	for i, c := range cases {
		h.Say("alice", fmt.Sprintf(`task new "t%d" %s`, i, c.due))
		if got := h.Task(int64(i + 1)).Due; !got.Equal(c.want) {
			t.Errorf("%s: due = %v, want %v", c.due, got.In(commandstest.Shanghai), c.want)
		}
	}
}

// Ensure lists filter as asked and mark overdue tasks in both languages.
func TestTaskList(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob")
	h.Say("alice", `task new "mine soon" due:today 12:00`)
	h.Say("alice", `task new "bob's" @bob due:tomorrow 9am`)
	h.Say("alice", `task new "undated"`)
	h.Expect("alice", "task list", "Your open tasks (2)", "#1 [to do] mine soon", "#3 [to do] undated")
	if got := h.Say("alice", "task list"); strings.Contains(got, "bob's") || strings.Contains(got, "OVERDUE") {
		t.Errorf("alice's list shows bob's task or an overdue mark too early:\n%s", got)
	}
	h.Expect("alice", "task list @bob", "Open tasks of @bob (1)", "#2")
	h.SetNow(commandstest.Friday10.Add(3 * time.Hour))
	h.Expect("alice", "task list", "#1 [to do] mine soon — @alice · due Fri 20 Nov 12:00 ⚠ OVERDUE")
	h.Expect("alice", "任务 列表 逾期", "你的逾期任务（1）", "⚠ 已逾期")
	h.Expect("alice", "task list all", "All open tasks (3)")
	h.Say("alice", "task start 3")
	h.Say("alice", "task done 3")
	h.Expect("alice", "task list done", "#3 [done] undated")
	h.Expect("alice", "task list status:nonsense", `"nonsense" is not a status`)
	h.Expect("carol", "task list", "Your open tasks: none.")
}

// Ensure only the allowed status transitions happen, each recorded.
func TestTaskTransitions(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob")
	h.Say("alice", `task new "flow" @bob`)
	h.Expect("bob", "task done 1", "#1 is to do, so it can't become done. It can go to: in progress, cancelled.")
	h.Expect("bob", "task start 1", "#1 is now in progress")
	h.Expect("bob", "task start 1", "#1 is already in progress")
	h.Expect("bob", "task review 1", "#1 is now in review")
	h.Expect("alice", "任务 完成 1", "#1 已改为「已完成」")
	h.Expect("alice", "task cancel 1", "#1 is done, so it can't become cancelled. It can go to: to do.")
	h.Expect("alice", "task reopen 1", "#1 is now to do")
	got := h.Expect("alice", "task show 1", "History:", "@alice created it", "@bob changed status to do → in progress",
		"@alice changed status in review → done", "@alice changed status done → to do")
	if strings.Count(got, "changed status") != 4 {
		t.Errorf("history has %d status changes, want 4:\n%s", strings.Count(got, "changed status"), got)
	}
	// The creation comes from the task row, once, before the changes.
	if strings.Count(got, "created it") != 1 || strings.Index(got, "created it") > strings.Index(got, "changed status") {
		t.Errorf("history should start with one creation:\n%s", got)
	}
	// A database from before that has a "created" event of its own; it is
	// shown in place of the row's, not beside it.
	h.Say("alice", `task new "older"`)
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		return task.From(tx).AddTaskEvent(&task.Event{TaskID: 2, ActorID: h.Person("alice").ID, Kind: task.Created, To: "older", At: commandstest.Friday10})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Expect("alice", "task show 2", "@alice created it"); strings.Count(got, "created it") != 1 {
		t.Errorf("history shows the creation %d times:\n%s", strings.Count(got, "created it"), got)
	}
	// alice is told about bob's moves, in one message (they came within a
	// minute of each other); nobody about their own.
	if got := h.QueuedFor("alice"); len(got) != 1 || !strings.Contains(got[0], "@bob moved #1 flow to in progress.\n@bob moved #1 flow to in review.") {
		t.Errorf("alice's notifications = %q, want one saying start, review", got)
	}
}

// Ensure who may change a task, and that a refusal says why.
func TestTaskPermissions(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("hannah", "carol")
	h.Admin("root")
	h.Expect("root", "dept add Sales @hannah", "added")
	h.Say("bob", "hi")
	h.Say("root", "dept join Sales @bob")
	h.Say("alice", `task new "quote" @bob`)
	h.Expect("mallory", "task start 1", "Only @alice (creator), @bob (owner), @hannah (head of Sales) or an admin (@root) can change #1. You can still comment on it.")
	h.Expect("mallory", "任务 开始 1", "只有 @alice（创建人）、@bob（负责人）、@hannah（「Sales」部门负责人）或管理员（@root）可以修改 #1。你仍然可以评论。")
	h.Expect("mallory", "task comment 1 I can help", "Comment added to #1")
	h.Expect("hannah", "task priority 1 urgent", "Updated #1: priority urgent")
	h.Expect("root", "task due 1 tomorrow 5pm", "Updated #1: due Sat 21 Nov 17:00")
	h.Expect("alice", "task assign 1 @carol", "#1 is now @carol's")
	h.Expect("bob", "task start 1", "Only @alice (creator), @carol (owner)") // no longer his
	if tk := h.Task(1); tk.Priority != task.PriorityUrgent || tk.Status != task.Todo || tk.OwnerID != h.Person("carol").ID {
		t.Fatalf("task = %+v", tk)
	}
}

// Ensure the field edits work and are recorded.
func TestTaskEdits(t *testing.T) {
	h := commandstest.New(t)
	h.Say("alice", `task new "draft"`)
	h.Expect("alice", `task title 1 "final poster"`, "title “final poster”")
	h.Expect("alice", "task describe 1 A2 size, both languages", "Updated #1: description")
	h.Expect("alice", "task progress 1 sent to print", "Progress noted on #1")
	h.Expect("alice", "task due 1 none", "no due time")
	h.Expect("alice", "任务 截止 1 下周一上午10点", "截止 11月23日周一 10:00")
	h.Expect("alice", "task due 1 tomorrow 5pm and more", `I understood the time but not "and more" after it`)
	tk := h.Task(1)
	if tk.Title != "final poster" || tk.Description != "A2 size, both languages" || !tk.Due.Equal(time.Date(2026, 11, 23, 10, 0, 0, 0, commandstest.Shanghai)) {
		t.Fatalf("task = %+v", tk)
	}
	h.Expect("alice", "task show 1", "progress: sent to print", "Description: A2 size, both languages")
}

// Ensure malformed commands get a short explanation with the right form.
func TestMalformed(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob", "carol")
	h.Expect("alice", "task new", "A task needs a title.", "Usage: task new \"<title>\"", "Example: task new")
	h.Expect("alice", "任务 新建", "任务需要一个标题。", "用法：任务 新建", "示例：")
	h.Expect("alice", `task new "x" p:whenever`, `"whenever" is not a priority`)
	h.Expect("alice", `task new "x" due:someday`, `I couldn't read the time "someday"`)
	h.Expect("alice", `任务 新建 "x" 截止:某天`, "我没看懂时间「某天」")
	h.Expect("alice", `task new "x" due:yesterday`, "") // either unreadable or in the past, never a task
	h.Expect("alice", `task new "x" @bob @carol`, "A task has one owner")
	h.Expect("alice", `task new "x" dept:nowhere`, `There is no department "nowhere"`)
	h.Expect("alice", "tsak list", "Did you mean `task`?")
	h.Expect("alice", "task lst", "Did you mean `task list`?")
	h.Expect("alice", "任务 列", "你是想输入「任务 列表」吗")
	h.Expect("alice", "frobnicate", `I don't know the command "frobnicate"`)
	h.Expect("alice", "task show 99", "There is no task #99.")
	h.Expect("alice", "task show abc", `"abc" is not a task number.`)
	h.Expect("alice", "task assign", "Which task? Give its number.")
	h.Expect("alice", "lang klingon", `I only speak English (en) and Chinese (zh), not "klingon"`)
	h.Expect("alice", "", "Type `help`")
	if n := len(h.QueuedFor("alice")); n != 0 {
		t.Fatalf("refused commands queued %d messages", n)
	}
	var tasks []*task.Task
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { tasks, err = task.From(tx).FindTasks(task.Filter{}); return })
	if len(tasks) != 0 {
		t.Fatalf("malformed commands created tasks: %+v", tasks[0])
	}
}

// Ensure a card button does what typing the command does.
func TestButtons(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob")
	h.Say("alice", `task new "click me" @bob`)
	got := h.Send("bob", "", &bot.Action{ID: "task.start", Value: "1"})
	if !strings.Contains(got, "#1 is now in progress") || h.Task(1).Status != task.InProgress {
		t.Fatalf("button reply = %q", got)
	}
	if got := h.Send("bob", "", &bot.Action{ID: "nonsense", Value: "1"}); !strings.Contains(got, "no longer supported") {
		t.Fatalf("unknown button reply = %q", got)
	}
}

// Ensure a chosen language sticks, and an unchosen one follows the message.
func TestLanguage(t *testing.T) {
	h := commandstest.New(t)
	h.Expect("alice", "task list", "Your open tasks")
	h.Expect("alice", "任务 列表", "你的未完成任务")
	h.Expect("alice", "lang zh", "好的，之后我会用中文回复你。")
	h.Expect("alice", "task list", "你的未完成任务")
	h.Expect("alice", "语言 英文", "OK, I'll answer you in English.")
	h.Expect("alice", "任务 列表", "Your open tasks")
}
