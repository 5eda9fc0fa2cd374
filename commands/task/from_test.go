package task_test

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// quoting delivers text from user as a reply to (or a shortcut on) q.
func quoting(h *commandstest.Harness, user, text string, q *bot.QuotedMessage) string {
	h.T.Helper()
	return h.Deliver(&bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: h.NextKey("k"),
		ChatID: "room", ChatType: bot.ChatGroup, Sender: bot.Author{UserID: user, Name: user}, Text: text, Quoted: q})
}

// Ensure a quoted message becomes a task for the @mentioned owner, quoting
// the message, its author and the link back, and the owner is told.
func TestTaskFrom_QuotedMessage(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob", "carol")
	q := &bot.QuotedMessage{ID: "m1", AuthorID: "carol", Link: "https://chat.example/m1",
		Text: "The printer on floor 3 jams on A3\nplease order a new drum"}
	got := quoting(h, "alice", "task from this @bob due:fri", q)
	if !strings.Contains(got, "Created #1 for @bob") {
		t.Fatalf("reply = %q", got)
	}
	tk := h.Task(1)
	if tk.Title != "The printer on floor 3 jams on A3" || tk.OwnerID != h.Person("bob").ID || tk.Due.IsZero() {
		t.Fatalf("task = %+v", tk)
	}
	want := "> The printer on floor 3 jams on A3\n> please order a new drum\n— @carol · https://chat.example/m1"
	if tk.Description != want {
		t.Fatalf("description = %q, want %q", tk.Description, want)
	}
	if n := h.QueuedFor("bob"); len(n) != 1 || !strings.Contains(n[0], "@alice gave you a task: #1") {
		t.Fatalf("bob's notifications = %q", n)
	}
}

// Ensure 转任务 without an owner gives the task to the sender, answers in
// Chinese, and an unlinked author is kept as a mention.
func TestTaskFrom_ChineseDefaultsToSender(t *testing.T) {
	h := commandstest.New(t)
	h.Expect("alice", "lang zh", "")
	q := &bot.QuotedMessage{ID: "m2", AuthorID: "ou_x", Text: "下周一前把合同发给法务"}
	got := quoting(h, "alice", "转任务", q)
	if !strings.Contains(got, "已创建任务 #1，负责人 @alice") {
		t.Fatalf("reply = %q", got)
	}
	if tk := h.Task(1); tk.Title != "下周一前把合同发给法务" || tk.Description != "> 下周一前把合同发给法务\n— <@ou_x>" {
		t.Fatalf("task = %+v", tk)
	}
}

// Ensure the pasted-text fallback (WeCom, or any platform without quotes)
// works, and that nothing to quote gets a helpful answer, not a task.
func TestTaskFrom_PastedAndMissing(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob")
	h.Expect("alice", `task from "Renew the domain before it lapses on the 30th" @bob`, "Created #1 for @bob")
	if tk := h.Task(1); tk.Description != "> Renew the domain before it lapses on the 30th" {
		t.Fatalf("task = %+v", tk)
	}
	h.Expect("alice", "task from this", "There is no message to turn into a task", `paste it: task from "<text>"`)
	h.Expect("alice", "转任务", "没有可以转成任务的消息")
	got := quoting(h, "alice", "task from this", &bot.QuotedMessage{ID: "m3"})
	if !strings.Contains(got, "I could not read that message") {
		t.Fatalf("reply = %q", got)
	}
	long := strings.Repeat("word ", 30)
	quoting(h, "alice", "task from this", &bot.QuotedMessage{ID: "m4", Text: long})
	if tk := h.Task(2); len([]rune(tk.Title)) != 60 || !strings.HasSuffix(tk.Title, "…") {
		t.Fatalf("long title = %q", tk.Title)
	}
}
