package commands_test

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

// Ensure long task lists come in pages that say how to see the next one, in
// either language, and that "all" and "done" lists page too (issue 12,
// item 9).
func TestTaskList_Pages(t *testing.T) {
	h := commandstest.New(t)
	h.Say("alice", "whoami")
	alice := h.Person("alice")
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		for i := range 120 {
			tk := &task.Task{Title: fmt.Sprint("job ", i+1), OwnerID: alice.ID, CreatorID: alice.ID, Priority: task.PriorityNormal,
				Status: task.Todo, Due: commandstest.Friday10.Add(time.Duration(i+1) * time.Hour), CreatedAt: commandstest.Friday10, UpdatedAt: commandstest.Friday10}
			if i >= 100 {
				tk.Status, tk.ClosedAt = task.Done, commandstest.Friday10.Add(time.Duration(i)*time.Minute)
			}
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := h.Expect("alice", "task list", "Your open tasks, page 1 (1–50):", "#1 [to do] job 1 ", "#50 [to do] job 50 ",
		"Next page: `task list page 2`.")
	if strings.Contains(got, "#51 ") {
		t.Errorf("page 1 shows #51:\n%s", got)
	}
	got = h.Expect("alice", "task list all page 2", "All open tasks, page 2 (51–100):", "#51 [to do]", "#100 [to do]")
	if strings.Contains(got, "Next page") {
		t.Errorf("the last page offers a next one:\n%s", got)
	}
	h.Expect("alice", "任务 列表 全部 第2页", "全部未完成任务（第2页，第51–100条）：")
	h.Expect("alice", "任务 列表", "下一页：「任务 列表 第2页」。")
	h.Expect("alice", "task list page 3", "Your open tasks: there is no page 3.")
	h.Expect("alice", "task list done", "Tasks that are done (20):", "#120 [done] job 120")
	if got := h.Say("alice", "task list done"); strings.Index(got, "#120 ") > strings.Index(got, "#101 ") {
		t.Errorf("done tasks not most recently closed first:\n%s", got)
	}
	h.Expect("alice", "task list page 0", `"0" is not a page number: pages start at 1.`, "Usage: task list")
	h.Expect("alice", "任务 列表 第x页", "「x」不是页码：页码从 1 开始。")
}

// Ensure admins page through undelivered messages.
func TestAdminOutbox_Pages(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("root")
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		for i := range 60 {
			o := &bot.Outgoing{Key: fmt.Sprint("dead", i), To: bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C404"},
				Msg: bot.Message{Text: "hi"}}
			if _, err := tx.Enqueue(o, commandstest.Friday10.Add(time.Duration(i)*time.Second)); err != nil {
				return err
			}
			if err := tx.MarkDead(o.ID, "permanent: channel_not_found", commandstest.Friday10); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := h.Expect("root", "admin outbox failed", "Undelivered messages, page 1 (1–50):", "#60 slack C404",
		"Next page: `admin outbox failed page 2`.")
	if strings.Contains(got, "#10 slack") {
		t.Errorf("page 1 is not the newest 50:\n%s", got)
	}
	h.Expect("root", "管理 消息 失败 第2页", "未送达的消息（第2页，第51–60条）：", "#10 slack C404", "#1 slack C404")
	h.Expect("root", "admin outbox page 3", "Undelivered messages: there is no page 3.")
}
