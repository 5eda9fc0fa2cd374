package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// Ensure admins see what failed for good and can retry it, each retry
// recorded in the audit log; others cannot.
func TestAdmin_FailedJobsAndMessages(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("root")
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		j := &bot.Job{Kind: "reminder", RunAt: commandstest.Friday10}
		if _, err := tx.ScheduleJob(j, commandstest.Friday10); err != nil {
			return err
		}
		if err := tx.FailJob(j.ID, "bad payload", bot.Job{}.RunAt, commandstest.Friday10); err != nil {
			return err
		}
		o := &bot.Outgoing{Key: "x", To: bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C404"}, Msg: bot.Message{Text: "hi"}}
		if _, err := tx.Enqueue(o, commandstest.Friday10); err != nil {
			return err
		}
		return tx.MarkDead(o.ID, "permanent: channel_not_found", commandstest.Friday10)
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Expect("mallory", "admin jobs", "Only admins can do that.")
	h.Expect("root", "admin jobs failed", "Failed jobs (1):", "#1 reminder", "bad payload")
	h.Expect("root", "管理 作业 重试 1", "作业 1 将立即重新运行。")
	h.Expect("root", "admin jobs retry 1", "Job 1 is not a failed job.")
	h.Expect("root", "admin jobs", "No failed jobs.")
	h.Expect("root", "admin outbox", "Undelivered messages (1):", "#1 slack C404", "channel_not_found")
	h.Expect("root", "admin outbox retry 1", "Message 1 is queued again.")
	h.Expect("root", "admin outbox retry x", `"x" is not a number.`)
	var queued []*bot.Outgoing
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { queued, err = tx.FindOutgoing(bot.OutboxQueued, 10); return })
	if len(queued) != 1 || queued[0].Attempts != 0 {
		t.Fatalf("retried message = %+v", queued)
	}
	// Each retry is recorded, once; the refused one is not.
	got := h.Expect("root", "admin audit", "@root queued undelivered message 1 again.", "@root ran failed job 1 again.")
	if n := strings.Count(got, "ran failed job"); n != 1 {
		t.Fatalf("%d job retries recorded, want 1:\n%s", n, got)
	}
	h.Expect("root", "管理 审计", "@root 重新发送了未送达的消息 1。", "@root 重新运行了失败的作业 1。")
}
