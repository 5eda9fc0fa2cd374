package commands_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/storage/sqlite"
)

var update = flag.Bool("update", false, "rewrite golden files")

var shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// harness runs the real bot, router and SQLite store with a settable clock.
type harness struct {
	t   *testing.T
	db  *sqlite.DB
	bot *bot.Bot
	now atomic.Pointer[time.Time]
	seq int
}

// friday10 is Friday 2026-11-20 10:00 in Shanghai.
var friday10 = time.Date(2026, 11, 20, 10, 0, 0, 0, shanghai)

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t}
	h.setNow(friday10)
	h.db = sqlite.NewDB(filepath.Join(t.TempDir(), "t.db"))
	h.db.Log = slog.New(slog.DiscardHandler)
	if err := h.db.Open(); err != nil {
		t.Fatal(err)
	}
	h.bot = &bot.Bot{Store: h.db, Router: commands.NewRouter(), DefaultLang: bot.LangEN, DefaultTZ: shanghai,
		NotifyWindow: bot.DefaultNotifyWindow, Now: func() time.Time { return *h.now.Load() }}
	if err := h.bot.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.bot.Close(); h.db.Close() })
	return h
}

func (h *harness) setNow(t time.Time) { h.now.Store(&t) }

// send delivers an event and returns the rendered replies.
func (h *harness) send(user string, text string, action *bot.Action) string {
	h.t.Helper()
	h.seq++
	return h.deliver(&bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: fmt.Sprint("k", h.seq),
		ChatID: "dm:" + user, ChatType: bot.ChatDirect, Sender: bot.Author{UserID: user, Name: user}, Text: text, Action: action})
}

// deliver runs an event through the bot, as an adapter does, and returns
// the replies as the console shows them.
func (h *harness) deliver(ev *bot.Event) string {
	h.t.Helper()
	res, err := h.bot.Accept(context.Background(), ev, 10*time.Second)
	if err != nil {
		h.t.Fatal(err)
	}
	if !res.Done {
		h.t.Fatalf("%q: not processed in time", ev.Text)
	}
	var parts []string
	for _, m := range res.Replies {
		parts = append(parts, console.Render(m))
	}
	return strings.Join(parts, "\n")
}

func (h *harness) say(user, text string) string { h.t.Helper(); return h.send(user, text, nil) }

// meet has each console user talk to the bot once, so that others can name
// them: an @name that matches nobody is an error, not a new person.
func (h *harness) meet(users ...string) {
	h.t.Helper()
	for _, u := range users {
		h.say(u, "whoami")
	}
}

// expect sends text and fails unless every want appears in the reply.
func (h *harness) expect(user, text string, wants ...string) string {
	h.t.Helper()
	got := h.say(user, text)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			h.t.Errorf("%s: %q\nreply:\n%s\nmissing %q", user, text, got, w)
		}
	}
	return got
}

func (h *harness) task(id int64) *bot.Task {
	h.t.Helper()
	var tk *bot.Task
	if err := h.db.View(context.Background(), func(tx bot.Tx) (err error) { tk, err = tx.FindTaskByID(id); return }); err != nil {
		h.t.Fatal(err)
	}
	return tk
}

func (h *harness) person(handle string) *bot.Person {
	h.t.Helper()
	var ps []*bot.Person
	h.db.View(context.Background(), func(tx bot.Tx) (err error) { ps, err = tx.FindPeopleByName(handle); return })
	if len(ps) != 1 {
		h.t.Fatalf("person %q: %v", handle, ps)
	}
	return ps[0]
}

// queuedFor returns the texts of queued outgoing messages to a console user.
func (h *harness) queuedFor(user string) []string {
	var out []*bot.Outgoing
	h.db.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return })
	var texts []string
	for _, o := range out {
		if o.To.UserID == user && o.To.ChatID == "" && o.Msg.Edit == nil {
			texts = append(texts, o.Msg.Text)
		}
	}
	return texts
}

// queuedCards returns the queued direct messages to a console user as the
// console shows them, buttons included.
func (h *harness) queuedCards(user string) []string {
	var out []*bot.Outgoing
	h.db.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return })
	var shown []string
	for _, o := range out {
		if o.To.Platform == bot.PlatformConsole && o.To.UserID == user && o.To.ChatID == "" && o.Msg.Edit == nil {
			shown = append(shown, console.Render(o.Msg))
		}
	}
	return shown
}

func (h *harness) admin(handle string) {
	h.say(handle, "whoami")
	err := h.db.Update(context.Background(), func(tx bot.Tx) error {
		ps, err := tx.FindPeopleByName(handle)
		if err != nil {
			return err
		}
		ps[0].Role = bot.RoleAdmin
		return tx.UpdatePerson(ps[0])
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// Ensure a task created in English carries every option into storage.
func TestTaskNew_English(t *testing.T) {
	h := newHarness(t)
	h.meet("carol")
	h.admin("alice")
	h.expect("alice", "dept add Design @carol", "Department Design added")
	h.say("bob", "hi")
	h.expect("alice", "dept join Design @bob", "@bob is now in Design")
	h.expect("alice", `task new "Poster for the Q3 launch" @bob due:fri 18:00 p:high dept:design`,
		"Created #1 for @bob", "Fri 20 Nov 18:00", "Priority: high", "Department: Design", "[Start: task start 1]")
	tk := h.task(1)
	want := time.Date(2026, 11, 20, 18, 0, 0, 0, shanghai)
	if tk.Title != "Poster for the Q3 launch" || !tk.Due.Equal(want) || tk.Priority != bot.PriorityHigh || tk.Status != bot.TaskTodo {
		t.Fatalf("task = %+v", tk)
	}
	if tk.OwnerID != h.person("bob").ID || tk.CreatorID != h.person("alice").ID {
		t.Fatalf("owner/creator = %d/%d", tk.OwnerID, tk.CreatorID)
	}
	// bob is told that an admin moved him, and about his task.
	if got := strings.Join(h.queuedFor("bob"), "\n"); len(h.queuedFor("bob")) != 2 || !strings.Contains(got, "@alice gave you a task: #1") ||
		!strings.Contains(got, "@alice put you in Design.") {
		t.Fatalf("bob's notifications = %q", got)
	}
}

// Ensure the Chinese form does the same and answers in Chinese.
func TestTaskNew_Chinese(t *testing.T) {
	h := newHarness(t)
	h.meet("bob")
	h.expect("alice", `任务 新建 "Q3发布海报" @bob 截止:周五18点 优先级:高`, "已创建任务 #1，负责人 @bob", "截止：11月20日周五 18:00", "优先级：高",
		"[开始：任务 开始 1]  [取消：任务 取消 1]")
	h.expect("alice", "任务 完成 1", "可以改为：进行中、已取消。")
	tk := h.task(1)
	if tk.Title != "Q3发布海报" || !tk.Due.Equal(time.Date(2026, 11, 20, 18, 0, 0, 0, shanghai)) || tk.Priority != bot.PriorityHigh {
		t.Fatalf("task = %+v", tk)
	}
	if got := h.queuedFor("bob"); len(got) != 1 || !strings.Contains(got[0], "@alice gave you a task") {
		// bob has not chosen a language: notifications use the default (English).
		t.Fatalf("bob's notifications = %q", got)
	}
}

// Ensure due times in natural language land on the right local moment.
func TestTaskNew_DueTimes(t *testing.T) {
	h := newHarness(t)
	d := func(y int, m time.Month, day, hh, mm int) time.Time {
		return time.Date(y, m, day, hh, mm, 0, 0, shanghai)
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
		h.say("alice", fmt.Sprintf(`task new "t%d" %s`, i, c.due))
		if got := h.task(int64(i + 1)).Due; !got.Equal(c.want) {
			t.Errorf("%s: due = %v, want %v", c.due, got.In(shanghai), c.want)
		}
	}
}

// Ensure lists filter as asked and mark overdue tasks in both languages.
func TestTaskList(t *testing.T) {
	h := newHarness(t)
	h.meet("bob")
	h.say("alice", `task new "mine soon" due:today 12:00`)
	h.say("alice", `task new "bob's" @bob due:tomorrow 9am`)
	h.say("alice", `task new "undated"`)
	h.expect("alice", "task list", "Your open tasks (2)", "#1 [to do] mine soon", "#3 [to do] undated")
	if got := h.say("alice", "task list"); strings.Contains(got, "bob's") || strings.Contains(got, "OVERDUE") {
		t.Errorf("alice's list shows bob's task or an overdue mark too early:\n%s", got)
	}
	h.expect("alice", "task list @bob", "Open tasks of @bob (1)", "#2")
	h.setNow(friday10.Add(3 * time.Hour))
	h.expect("alice", "task list", "#1 [to do] mine soon — @alice · due Fri 20 Nov 12:00 ⚠ OVERDUE")
	h.expect("alice", "任务 列表 逾期", "你的逾期任务（1）", "⚠ 已逾期")
	h.expect("alice", "task list all", "All open tasks (3)")
	h.say("alice", "task start 3")
	h.say("alice", "task done 3")
	h.expect("alice", "task list done", "#3 [done] undated")
	h.expect("alice", "task list status:nonsense", `"nonsense" is not a status`)
	h.expect("carol", "task list", "Your open tasks: none.")
}

// Ensure only the allowed status transitions happen, each recorded.
func TestTaskTransitions(t *testing.T) {
	h := newHarness(t)
	h.meet("bob")
	h.say("alice", `task new "flow" @bob`)
	h.expect("bob", "task done 1", "#1 is to do, so it can't become done. It can go to: in progress, cancelled.")
	h.expect("bob", "task start 1", "#1 is now in progress")
	h.expect("bob", "task start 1", "#1 is already in progress")
	h.expect("bob", "task review 1", "#1 is now in review")
	h.expect("alice", "任务 完成 1", "#1 已改为「已完成」")
	h.expect("alice", "task cancel 1", "#1 is done, so it can't become cancelled. It can go to: to do.")
	h.expect("alice", "task reopen 1", "#1 is now to do")
	got := h.expect("alice", "task show 1", "History:", "@alice created it", "@bob changed status to do → in progress",
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
	h.say("alice", `task new "older"`)
	err := h.db.Update(context.Background(), func(tx bot.Tx) error {
		return tx.AddTaskEvent(&bot.TaskEvent{TaskID: 2, ActorID: h.person("alice").ID, Kind: bot.TaskCreated, To: "older", At: friday10})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.expect("alice", "task show 2", "@alice created it"); strings.Count(got, "created it") != 1 {
		t.Errorf("history shows the creation %d times:\n%s", strings.Count(got, "created it"), got)
	}
	// alice is told about bob's moves, in one message (they came within a
	// minute of each other); nobody about their own.
	if got := h.queuedFor("alice"); len(got) != 1 || !strings.Contains(got[0], "@bob moved #1 flow to in progress.\n@bob moved #1 flow to in review.") {
		t.Errorf("alice's notifications = %q, want one saying start, review", got)
	}
}

// Ensure who may change a task, and that a refusal says why.
func TestTaskPermissions(t *testing.T) {
	h := newHarness(t)
	h.meet("hannah", "carol")
	h.admin("root")
	h.expect("root", "dept add Sales @hannah", "added")
	h.say("bob", "hi")
	h.say("root", "dept join Sales @bob")
	h.say("alice", `task new "quote" @bob`)
	h.expect("mallory", "task start 1", "Only @alice (creator), @bob (owner), @hannah (head of Sales) or an admin (@root) can change #1. You can still comment on it.")
	h.expect("mallory", "任务 开始 1", "只有 @alice（创建人）、@bob（负责人）、@hannah（「Sales」部门负责人）或管理员（@root）可以修改 #1。你仍然可以评论。")
	h.expect("mallory", "task comment 1 I can help", "Comment added to #1")
	h.expect("hannah", "task priority 1 urgent", "Updated #1: priority urgent")
	h.expect("root", "task due 1 tomorrow 5pm", "Updated #1: due Sat 21 Nov 17:00")
	h.expect("alice", "task assign 1 @carol", "#1 is now @carol's")
	h.expect("bob", "task start 1", "Only @alice (creator), @carol (owner)") // no longer his
	if tk := h.task(1); tk.Priority != bot.PriorityUrgent || tk.Status != bot.TaskTodo || tk.OwnerID != h.person("carol").ID {
		t.Fatalf("task = %+v", tk)
	}
}

// Ensure the field edits work and are recorded.
func TestTaskEdits(t *testing.T) {
	h := newHarness(t)
	h.say("alice", `task new "draft"`)
	h.expect("alice", `task title 1 "final poster"`, "title “final poster”")
	h.expect("alice", "task describe 1 A2 size, both languages", "Updated #1: description")
	h.expect("alice", "task progress 1 sent to print", "Progress noted on #1")
	h.expect("alice", "task due 1 none", "no due time")
	h.expect("alice", "任务 截止 1 下周一上午10点", "截止 11月23日周一 10:00")
	h.expect("alice", "task due 1 tomorrow 5pm and more", `I understood the time but not "and more" after it`)
	tk := h.task(1)
	if tk.Title != "final poster" || tk.Description != "A2 size, both languages" || !tk.Due.Equal(time.Date(2026, 11, 23, 10, 0, 0, 0, shanghai)) {
		t.Fatalf("task = %+v", tk)
	}
	h.expect("alice", "task show 1", "progress: sent to print", "Description: A2 size, both languages")
}

// Ensure malformed commands get a short explanation with the right form.
func TestMalformed(t *testing.T) {
	h := newHarness(t)
	h.meet("bob", "carol")
	h.expect("alice", "task new", "A task needs a title.", "Usage: task new \"<title>\"", "Example: task new")
	h.expect("alice", "任务 新建", "任务需要一个标题。", "用法：任务 新建", "示例：")
	h.expect("alice", `task new "x" p:whenever`, `"whenever" is not a priority`)
	h.expect("alice", `task new "x" due:someday`, `I couldn't read the time "someday"`)
	h.expect("alice", `任务 新建 "x" 截止:某天`, "我没看懂时间「某天」")
	h.expect("alice", `task new "x" due:yesterday`, "") // either unreadable or in the past, never a task
	h.expect("alice", `task new "x" @bob @carol`, "A task has one owner")
	h.expect("alice", `task new "x" dept:nowhere`, `There is no department "nowhere"`)
	h.expect("alice", "tsak list", "Did you mean `task`?")
	h.expect("alice", "task lst", "Did you mean `task list`?")
	h.expect("alice", "任务 列", "你是想输入「任务 列表」吗")
	h.expect("alice", "frobnicate", `I don't know the command "frobnicate"`)
	h.expect("alice", "task show 99", "There is no task #99.")
	h.expect("alice", "task show abc", `"abc" is not a task number.`)
	h.expect("alice", "task assign", "Which task? Give its number.")
	h.expect("alice", "lang klingon", `I only speak English (en) and Chinese (zh), not "klingon"`)
	h.expect("alice", "", "Type `help`")
	if n := len(h.queuedFor("alice")); n != 0 {
		t.Fatalf("refused commands queued %d messages", n)
	}
	var tasks []*bot.Task
	h.db.View(context.Background(), func(tx bot.Tx) (err error) { tasks, err = tx.FindTasks(bot.TaskFilter{}); return })
	if len(tasks) != 0 {
		t.Fatalf("malformed commands created tasks: %+v", tasks[0])
	}
}

// Ensure a card button does what typing the command does.
func TestButtons(t *testing.T) {
	h := newHarness(t)
	h.meet("bob")
	h.say("alice", `task new "click me" @bob`)
	got := h.send("bob", "", &bot.Action{ID: "task.start", Value: "1"})
	if !strings.Contains(got, "#1 is now in progress") || h.task(1).Status != bot.TaskInProgress {
		t.Fatalf("button reply = %q", got)
	}
	if got := h.send("bob", "", &bot.Action{ID: "nonsense", Value: "1"}); !strings.Contains(got, "no longer supported") {
		t.Fatalf("unknown button reply = %q", got)
	}
}

// Ensure a chosen language sticks, and an unchosen one follows the message.
func TestLanguage(t *testing.T) {
	h := newHarness(t)
	h.expect("alice", "task list", "Your open tasks")
	h.expect("alice", "任务 列表", "你的未完成任务")
	h.expect("alice", "lang zh", "好的，之后我会用中文回复你。")
	h.expect("alice", "task list", "你的未完成任务")
	h.expect("alice", "语言 英文", "OK, I'll answer you in English.")
	h.expect("alice", "任务 列表", "Your open tasks")
}

// Ensure help is generated from the definitions (golden files, -update to rewrite).
func TestHelpGolden(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ file, in string }{
		{"help.en.golden", "help"}, {"help.zh.golden", "帮助"},
		{"help_task.en.golden", "help task"}, {"help_task.zh.golden", "帮助 任务"},
	} {
		got := h.say("alice", c.in)
		path := filepath.Join("testdata", c.file)
		if *update {
			os.WriteFile(path, []byte(got), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s: got\n%s\nwant\n%s", c.in, got, want)
		}
	}
}
