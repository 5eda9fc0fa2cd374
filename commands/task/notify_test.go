package task_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/remind"
)

// outboxFor returns the queued direct messages to a console user, oldest
// first, leaving out edits of cards posted earlier (editsFor).
func outboxFor(h *commandstest.Harness, user string) []*bot.Outgoing {
	h.T.Helper()
	var all []*bot.Outgoing
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { all, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return }); err != nil {
		h.T.Fatal(err)
	}
	var out []*bot.Outgoing
	for i := len(all) - 1; i >= 0; i-- { // FindOutgoing is newest first
		if o := all[i]; o.To.UserID == user && o.To.ChatID == "" && o.Msg.Edit == nil {
			out = append(out, o)
		}
	}
	return out
}

// settle has user choose a language and a time zone.
func settle(h *commandstest.Harness, user, lang, tz string) {
	h.T.Helper()
	h.Expect(user, "lang "+lang, map[string]string{"en": "English", "zh": "中文"}[lang])
	h.Expect(user, "tz "+tz, tz)
}

// latinWord finds English left in a Chinese text once handles, task numbers
// and the bot's command words on buttons are taken out.
var (
	latinWord   = regexp.MustCompile(`[A-Za-z]{2,}`)
	handleOrRef = regexp.MustCompile(`@[\w.-]+|#\d+`)
)

// Ensure every line of a notification is in the recipient's language and
// zone, whoever acted: alice (Shanghai, English) changes bob's task; bob
// reads Chinese in Berlin.
func TestNotify_RecipientLanguageAndZone(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("alice")
	settle(h, "alice", "en", "Asia/Shanghai")
	settle(h, "bob", "zh", "Europe/Berlin")
	h.Expect("alice", "dept add 设计部", "added")
	h.Expect("alice", `task new "海报" @bob due:2026-12-04 09:00`, "Created #1 for @bob.")
	h.Expect("alice", "task due 1 2026-12-04 22:00", "Updated #1: due Fri 4 Dec 22:00")
	h.Expect("alice", "task priority 1 high", "Updated #1")
	h.Expect("alice", `task title 1 "海报第二版"`, "Updated #1")
	h.Expect("alice", "task dept 1 设计部", "Updated #1")
	h.Expect("alice", "task describe 1 A2尺寸", "Updated #1")
	h.Expect("alice", "task comment 1 好的", "Comment added")
	h.Expect("alice", "task progress 1 初稿", "Progress noted")
	h.Expect("alice", "task start 1", "in progress")

	var all []string
	for _, o := range outboxFor(h, "bob") {
		all = append(all, console.Render(o.Msg))
	}
	shown := strings.Join(all, "\n")
	// 22:00 in Shanghai is 15:00 in Berlin; 09:00 is 02:00.
	for _, want := range []string{
		"@alice 给你指派了任务：#1 海报",
		"@alice 把 #1 海报的截止时间从 12月4日周五 02:00 改为 12月4日周五 15:00。",
		"@alice 把 #1 海报的优先级从「中」改为「高」。",
		"@alice 把 #1 的标题从「海报」改为「海报第二版」。",
		"@alice 把 #1 海报第二版归入「设计部」。",
		"@alice 修改了 #1 海报第二版的描述：A2尺寸",
		"@alice 评论了 #1：好的",
		"@alice 更新了 #1 的进展：初稿",
		"@alice 把 #1 海报第二版改为「进行中」。",
		"截止：12月4日周五 15:00", "状态：进行中", "优先级：高",
	} {
		if !strings.Contains(shown, want) {
			t.Errorf("bob's notifications lack %q:\n%s", want, shown)
		}
	}
	for _, line := range strings.Split(shown, "\n") {
		if w := latinWord.FindString(handleOrRef.ReplaceAllString(line, "")); w != "" && !strings.HasPrefix(line, "└") {
			t.Errorf("line %q of bob's notifications has English (%q)", line, w)
		}
	}
}

// Ensure a reminder for someone else is written in their language and
// shown in the zone they are in when it fires.
func TestNotify_ReminderInRecipientZone(t *testing.T) {
	h := commandstest.New(t)
	h.Expect("bob", "lang zh", "中文")
	h.Expect("alice", "remind @bob tomorrow 9am call the printer", "OK, I'll remind @bob")
	h.Expect("bob", "tz Europe/Berlin", "Europe/Berlin") // bob travels before it fires
	jobs := h.Jobs(bot.JobFilter{Kind: remind.JobReminder, State: bot.JobPending, Limit: 10})
	if len(jobs) != 1 {
		t.Fatalf("reminders = %d", len(jobs))
	}
	h.RunJob(jobs[0])
	got := outboxFor(h, "bob")
	if len(got) != 1 {
		t.Fatalf("bob has %d messages", len(got))
	}
	// 09:00 in Shanghai is 02:00 in Berlin.
	if shown := console.Render(got[0].Msg); !strings.Contains(shown, "来自 @alice 的提醒：call the printer") ||
		!strings.Contains(shown, "时间：11月21日周六 02:00") {
		t.Errorf("bob's reminder:\n%s", shown)
	}
}

// Ensure changes to a task within a minute reach its owner as one message,
// a line per change and the latest card, and a change after that minute as
// another.
func TestNotify_ChangesCoalesce(t *testing.T) {
	h := commandstest.New(t)
	h.Say("bob", "hi")
	h.Say("alice", `task new "poster" @bob`)
	h.SetNow(commandstest.Friday10.Add(2 * time.Minute)) // the creation has gone out on its own
	for i, cmd := range []string{
		"task due 1 tomorrow 5pm", "task priority 1 high", `task title 1 "poster v2"`,
		"task describe 1 A2 size", "task due 1 tomorrow 6pm",
	} {
		h.SetNow(commandstest.Friday10.Add(2*time.Minute + time.Duration(i)*10*time.Second))
		h.Expect("alice", cmd, "Updated #1")
	}
	msgs := outboxFor(h, "bob")
	if len(msgs) != 2 {
		t.Fatalf("bob has %d messages, want 2 (the creation, then the five changes)", len(msgs))
	}
	lines := strings.Split(msgs[1].Msg.Text, "\n")
	want := []string{
		"@alice set the due time of #1 poster to Sat 21 Nov 17:00.",
		"@alice changed the priority of #1 poster from normal to high.",
		"@alice renamed #1 from “poster” to “poster v2”.",
		"@alice changed the description of #1 poster v2: A2 size",
		"@alice moved the due time of #1 poster v2 from Sat 21 Nov 17:00 to Sat 21 Nov 18:00.",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("the merged message says\n%s\nwant\n%s", msgs[1].Msg.Text, strings.Join(want, "\n"))
	}
	if card := console.Render(bot.Message{Card: msgs[1].Msg.Card}); !strings.Contains(card, "#1 poster v2") ||
		!strings.Contains(card, "Due: Sat 21 Nov 18:00") || !strings.Contains(card, "Description: A2 size") {
		t.Errorf("the merged message's card is not the latest:\n%s", card)
	}
	// It goes out a minute after the first of the changes, however many followed.
	if due := commandstest.Friday10.Add(3 * time.Minute); !msgs[1].NextAttempt.Equal(due) {
		t.Errorf("the merged message is due %v, want %v", msgs[1].NextAttempt.In(commandstest.Shanghai), due)
	}

	h.SetNow(commandstest.Friday10.Add(4 * time.Minute)) // past the window
	h.Expect("alice", "task priority 1 urgent", "Updated #1")
	if msgs := outboxFor(h, "bob"); len(msgs) != 3 || msgs[2].Msg.Text != "@alice changed the priority of #1 poster v2 from high to urgent." {
		t.Fatalf("after the window, bob's messages = %d, last %q", len(msgs), msgs[len(msgs)-1].Msg.Text)
	}
}

// Ensure a reminder for someone who has chosen no language is in the
// deployment's default language, as every other notification is.
func TestNotify_ReminderInDefaultLanguage(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob")
	h.Expect("alice", "remind @bob tomorrow 9am call the printer", "OK, I'll remind @bob")
	jobs := h.Jobs(bot.JobFilter{Kind: remind.JobReminder, State: bot.JobPending, Limit: 10})
	handler := remind.ReminderHandler{DefaultLang: bot.LangZH}
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error { return handler.RunJob(context.Background(), tx, jobs[0], commandstest.Friday10) })
	if err != nil {
		t.Fatal(err)
	}
	if got := outboxFor(h, "bob"); len(got) != 1 || !strings.HasPrefix(got[0].Msg.Text, "⏰ 来自 @alice 的提醒") {
		t.Fatalf("bob's reminder = %+v", got)
	}
}
