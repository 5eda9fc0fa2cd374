package remind_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/remind"
)

// complete records a job's run as the scheduler does after its handler:
// a one-off is done, a recurring one pending at its next run.
func complete(h *commandstest.Harness, j *bot.Job, next time.Time) {
	h.T.Helper()
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error { return tx.CompleteJob(j.ID, next, h.Now()) })
	if err != nil {
		h.T.Fatal(err)
	}
}

// sendIn delivers text written in a group chat on DingTalk; chatAdmin is
// what DingTalk says of the sender (isAdmin).
func sendIn(h *commandstest.Harness, chat, user, text string, chatAdmin bool, action *bot.Action) string {
	h.T.Helper()
	return h.Deliver(&bot.Event{Platform: bot.PlatformDingTalk, Workspace: "corp", DedupKey: h.NextKey("g"), ChatID: chat,
		ChatType: bot.ChatGroup, Sender: bot.Author{UserID: user, Name: user, ChatAdmin: chatAdmin}, Text: text, Action: action})
}

// Ensure one-off reminders in both languages are stored for the right moment.
func TestRemind_OneOff(t *testing.T) {
	h, _ := commandstest.NewScheduling(t)
	h.Meet("bob")
	h.Expect("alice", "remind me tomorrow 9am call the printer",
		"OK, I'll remind you “call the printer” on Sat 21 Nov 09:00 (reminder 1).")
	h.Expect("alice", "提醒 我 明天上午9点 给印刷厂打电话", "好的，我会在 11月21日周六 09:00 提醒你：给印刷厂打电话（提醒 2）。")
	h.Expect("alice", "remind @bob in 20 minutes stand up and stretch", "OK, I'll remind @bob “stand up and stretch” on Fri 20 Nov 10:20")
	h.Expect("alice", "remind in 2 hours to water the plants", "“water the plants”")
	js := h.Jobs(bot.JobFilter{Kind: remind.JobReminder})
	if len(js) != 4 || js[0].Schedule != "" || js[0].OwnerID != h.Person("alice").ID {
		t.Fatalf("jobs = %+v", js)
	}
	if want := time.Date(2026, 11, 20, 10, 20, 0, 0, commandstest.Shanghai); !js[0].RunAt.Equal(want) {
		t.Fatalf("earliest reminder at %v, want %v", js[0].RunAt.In(commandstest.Shanghai), want)
	}
}

// Ensure recurring rules become schedules the scheduler understands.
func TestRemind_Recurring(t *testing.T) {
	h, asked := commandstest.NewScheduling(t)
	h.Expect("alice", "remind here every workday 9:30 standup", "OK, I'll remind this chat “standup” every workday 9:30")
	h.Expect("alice", "提醒 我 每周一10点 周会", "好的，我会按「每周一10点」提醒你：周会")
	h.Expect("alice", "remind me every last workday of the month 17:00 submit the report", "“submit the report”")
	h.Expect("alice", "remind me every weekday 9:30 check mail", "“check mail”")
	want := []string{"workdays:09:30", "cron:0 10 * * 1", "lastworkday:17:00", "cron:30 9 * * 1-5"}
	if strings.Join(*asked, " | ") != strings.Join(want, " | ") {
		t.Fatalf("schedules = %q, want %q", *asked, want)
	}
	js := h.Jobs(bot.JobFilter{Kind: remind.JobReminder})
	if len(js) != 4 || js[0].Schedule != "workdays:09:30" || js[0].TZ != "Asia/Shanghai" {
		t.Fatalf("jobs = %+v", js[0])
	}
}

// Ensure listing, cancelling and the permission to do so.
func TestRemind_ListCancel(t *testing.T) {
	h, _ := commandstest.NewScheduling(t)
	h.Say("alice", "remind me tomorrow 9am call the printer")
	h.Say("alice", "remind here every workday 9:30 standup")
	h.Expect("alice", "remind list", "Your reminders (2):", "#1 Sat 21 Nov 09:00 — call the printer", "→ this chat — standup (every workday 9:30)")
	h.Expect("mallory", "remind cancel 1", "Reminder 1 is someone else's.")
	h.Expect("alice", "提醒 取消 1", "已取消提醒 1。")
	h.Expect("alice", "remind cancel 1", "Reminder 1 has already gone off or was cancelled.")
	h.Expect("alice", "remind cancel 99", "There is no reminder 99.")
	h.Expect("carol", "remind list", "You have no pending reminders.")
}

// Ensure malformed reminders are explained, in the sender's language.
func TestRemind_Malformed(t *testing.T) {
	h, _ := commandstest.NewScheduling(t)
	h.Expect("alice", "remind me", "I couldn't read when", "Usage: remind me|@person|here <when> <what>")
	h.Expect("alice", "remind me someday soon do things", `I couldn't read when, at "someday"`)
	h.Expect("alice", "remind me tomorrow 9am", "What should I remind about?")
	h.Expect("alice", "提醒 我 明天上午9点", "要提醒什么？")
	if js := h.Jobs(bot.JobFilter{Kind: remind.JobReminder}); len(js) != 0 {
		t.Fatalf("malformed reminders stored jobs: %+v", js)
	}
}

// Ensure a due reminder becomes one direct message in the recipient's
// language with snooze buttons, once per occurrence, and that snoozing it
// from those buttons, after it went off, schedules exactly one follow-up
// however often the button is clicked.
func TestRemind_FireAndSnooze(t *testing.T) {
	h, _ := commandstest.NewScheduling(t)
	h.Say("bob", "lang zh")
	h.Say("alice", "remind @bob tomorrow 9am review the poster")
	j := h.Jobs(bot.JobFilter{Kind: remind.JobReminder})[0]
	h.SetNow(j.RunAt)
	h.RunJob(j)
	h.RunJob(j) // a rerun of the same occurrence queues nothing more
	complete(h, j, time.Time{})
	got := h.QueuedFor("bob")
	if len(got) != 1 || got[0] != "⏰ 来自 @alice 的提醒：review the poster" {
		t.Fatalf("bob's messages = %q", got)
	}
	reply := h.Send("bob", "", &bot.Action{ID: "remind.snooze", Value: "1 1h"})
	h.SetNow(j.RunAt.Add(2 * time.Minute))
	again := h.Send("bob", "", &bot.Action{ID: "remind.snooze", Value: "1 1h"}) // double click, a minute later
	if !strings.Contains(reply, "再提醒") || !strings.Contains(again, "已经推迟过了") {
		t.Fatalf("snooze replies = %q, %q", reply, again)
	}
	pending := h.Jobs(bot.JobFilter{Kind: remind.JobReminder, State: bot.JobPending})
	if len(pending) != 1 || pending[0].ID == j.ID || !pending[0].RunAt.Equal(j.RunAt.Add(time.Hour)) {
		t.Fatalf("pending after snoozing = %+v, want one follow-up at %v", pending, j.RunAt.Add(time.Hour))
	}
}

// Ensure snoozing a one-off reminder that has not gone off moves it: it
// then goes off once, at the new time, not also at the old one.
func TestRemind_SnoozeMovesPending(t *testing.T) {
	h, _ := commandstest.NewScheduling(t)
	h.Say("alice", "remind me in 20 minutes call the printer")
	h.Expect("alice", "remind snooze 1 1h", "OK, reminder 1 moved to Fri 20 Nov 11:00.")
	h.Expect("alice", "提醒 稍后 1 2h", "好的，提醒 1 已改到 11月20日周五 12:00。")
	pending := h.Jobs(bot.JobFilter{Kind: remind.JobReminder, State: bot.JobPending})
	if len(pending) != 1 || pending[0].ID != 1 || !pending[0].RunAt.Equal(commandstest.Friday10.Add(2*time.Hour)) {
		t.Fatalf("pending after snoozing = %+v, want reminder 1 alone, at 12:00", pending)
	}
}

// Ensure snoozing a recurring reminder leaves its schedule alone and adds
// one one-off for the occurrence at hand, however often it is clicked.
func TestRemind_SnoozeRecurring(t *testing.T) {
	h, _ := commandstest.NewScheduling(t)
	h.Say("alice", "remind me every workday 9:30 standup")
	j := h.Jobs(bot.JobFilter{Kind: remind.JobReminder})[0]
	h.SetNow(j.RunAt)
	h.RunJob(j)
	next := j.RunAt.Add(24 * time.Hour)
	complete(h, j, next)
	for range 2 {
		h.Send("alice", "", &bot.Action{ID: "remind.snooze", Value: "1 10m"})
	}
	pending := h.Jobs(bot.JobFilter{Kind: remind.JobReminder, State: bot.JobPending})
	if len(pending) != 2 || pending[0].ID == j.ID || !pending[0].RunAt.Equal(j.RunAt.Add(10*time.Minute)) || pending[0].Schedule != "" ||
		pending[1].ID != j.ID || !pending[1].RunAt.Equal(next) || pending[1].Schedule != j.Schedule {
		t.Fatalf("pending = %+v %+v; want a one-off at %v and the schedule kept at %v", pending[0], pending[len(pending)-1], j.RunAt.Add(10*time.Minute), next)
	}
}

// Ensure a reminder set for a chat is changed only by whoever set it, an
// admin of that chat (DingTalk says who is) or a Tandem admin; anyone else
// in the chat is refused and told who could.
func TestRemind_ChatReminderPermissions(t *testing.T) {
	h, _ := commandstest.NewScheduling(t)
	sendIn(h, "cidTeam", "alice", "remind here every workday 9:30 standup", false, nil)
	sendIn(h, "cidTeam", "alice", "remind here tomorrow 9am demo", false, nil)
	for _, text := range []string{"remind cancel 1", "remind snooze 1 10m"} {
		if got := sendIn(h, "cidTeam", "mallory", text, false, nil); !strings.Contains(got, "Only @alice, who set reminder 1, an admin of the chat it is for, or a Tandem admin can change it.") {
			t.Fatalf("mallory %q: %q", text, got)
		}
	}
	if got := sendIn(h, "cidTeam", "mallory", "", false, &bot.Action{ID: "remind.snooze", Value: "1 1h"}); !strings.Contains(got, "Only @alice") {
		t.Fatalf("mallory's click: %q", got)
	}
	// An admin of another chat is no admin here.
	if got := sendIn(h, "cidOther", "olga", "remind cancel 1", true, nil); !strings.Contains(got, "Only @alice") {
		t.Fatalf("another chat's admin: %q", got)
	}
	if got := sendIn(h, "cidTeam", "olga", "remind snooze 2 1h", true, nil); !strings.Contains(got, "moved to") {
		t.Fatalf("the chat's admin snoozing: %q", got)
	}
	h.Admin("root")
	if got := h.Say("root", "remind cancel 1"); !strings.Contains(got, "Reminder 1 cancelled.") {
		t.Fatalf("a Tandem admin cancelling: %q", got)
	}
	if got := sendIn(h, "cidTeam", "alice", "remind cancel 2", false, nil); !strings.Contains(got, "Reminder 2 cancelled.") {
		t.Fatalf("the creator cancelling: %q", got)
	}
}

// Ensure "here" in a direct chat without a chat id (WeCom apps) still has
// someone to deliver to.
func TestRemind_HereWithoutChatID(t *testing.T) {
	h, _ := commandstest.NewScheduling(t)
	ev := &bot.Event{Platform: "wecom", Workspace: "corp", DedupKey: "w1", ChatType: bot.ChatDirect,
		Sender: bot.Author{UserID: "zhangsan", Name: "张三"}, Text: "提醒 这里 明天上午9点 交周报"}
	if res, err := h.Bot.Accept(context.Background(), ev, time.Second); err != nil || !res.Done {
		t.Fatalf("%+v %v", res, err)
	}
	j := h.Jobs(bot.JobFilter{Kind: remind.JobReminder})[0]
	h.RunJob(j)
	var out []*bot.Outgoing
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 10); return })
	if len(out) != 1 || out[0].To.Platform != "wecom" || out[0].To.UserID != "zhangsan" {
		t.Fatalf("reminder destination = %+v", out)
	}
}
