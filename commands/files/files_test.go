package files_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

func outbox(h *commandstest.Harness) []*bot.Outgoing {
	h.T.Helper()
	var out []*bot.Outgoing
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return }); err != nil {
		h.T.Fatal(err)
	}
	return out
}

// Ensure a link is added in English, shown on the task's card (title and
// URL) and listed with who added it; a second link with the same URL is
// refused.
func TestTaskLink_English(t *testing.T) {
	h := commandstest.New(t)
	h.Say("alice", `task new "Poster"`)
	h.Expect("alice", "task link 1 https://drive.example.com/poster.pdf Poster draft",
		"Added to #1: Poster draft", "Files: Poster draft https://drive.example.com/poster.pdf")
	h.Expect("alice", "task 1", "Files: Poster draft https://drive.example.com/poster.pdf")
	h.Expect("alice", "task link 1", "Links on #1 (1):", "• Poster draft https://drive.example.com/poster.pdf · @alice ·")
	h.Expect("alice", "task link 1 https://drive.example.com/poster.pdf", "#1 already has this link: https://drive.example.com/poster.pdf")
	h.Expect("alice", "task link 2 https://drive.example.com/poster.pdf", "There is no task #2.")
}

// Ensure the Chinese forms (链接, 附件) add links, a quoted title is read
// whole, and the reply is in Chinese.
func TestTaskLink_Chinese(t *testing.T) {
	h := commandstest.New(t)
	h.Say("alice", `任务 新建 "海报"`)
	h.Expect("alice", "任务 链接 1 https://pan.example.cn/s/abc 海报初稿", "已添加到 #1：海报初稿", "文件：海报初稿 https://pan.example.cn/s/abc")
	h.Expect("alice", `任务 附件 1 https://pan.example.cn/s/def 「定稿 第二版」`, "已添加到 #1：定稿 第二版",
		"文件：海报初稿 https://pan.example.cn/s/abc\n│   定稿 第二版 https://pan.example.cn/s/def")
}

// Ensure what is not a web address is refused with what is wanted and the
// usage, in the writer's language, and nothing is stored.
func TestTaskLink_RefusesNonURLs(t *testing.T) {
	h := commandstest.New(t)
	h.Say("alice", `task new "Poster"`)
	h.Expect("alice", "task link 1 poster.pdf", `"poster.pdf" is not a link: give a web address starting with https://`,
		"task link <id> <url> [title]")
	h.Expect("alice", "任务 链接 1 ftp://example.com/a", "「ftp://example.com/a」不是链接：请给出以 https:// 开头的网址", "任务 链接 <编号> <网址> [标题]")
	h.Expect("alice", "task link", "Which task? Give its number.")
	h.Expect("alice", "task link 1", "#1 has no links yet. Add one with `task link 1 <url> [title]`.")
	h.Expect("alice", "task link 1 https://example.com/"+strings.Repeat("x", 2100), "longer than 2048 characters")
}

// Ensure adding a link edits the posted copies of the task's card, so the
// owner's notification shows the link, in the owner's language.
func TestTaskLink_EditsLiveCards(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("bob")
	h.Say("bob", "lang zh")
	h.Say("alice", `task new "Poster" @bob`)
	var note *bot.Outgoing
	for _, o := range outbox(h) {
		if o.To.UserID == "bob" && o.Msg.Card != nil && o.Msg.Card.Subject == "task/1" {
			note = o
		}
	}
	if note == nil {
		t.Fatal("bob was not sent the task's card")
	}
	if err := h.DB.Update(context.Background(), func(tx bot.Tx) error { return tx.MarkSent(note.ID, "bob-msg", h.Now().UTC()) }); err != nil {
		t.Fatal(err)
	}
	h.Say("alice", "task link 1 https://drive.example.com/poster.pdf Poster draft")
	var edits []*bot.Outgoing
	for _, o := range outbox(h) {
		if o.Msg.Edit != nil && o.Msg.Edit.RemoteID == "bob-msg" {
			edits = append(edits, o)
		}
	}
	if len(edits) != 1 {
		t.Fatalf("edits of bob's card = %d, want 1", len(edits))
	}
	var files string
	for _, f := range edits[0].Msg.Card.Fields {
		if f.Label == "文件" {
			files = f.Value
		}
	}
	if files != "Poster draft https://drive.example.com/poster.pdf" || !strings.Contains(edits[0].Msg.Text, "@alice 添加了文件：Poster draft") {
		t.Fatalf("bob's edited card: files %q, text %q; want the link, in Chinese", files, edits[0].Msg.Text)
	}
}

// Ensure tickets and meetings take links too, shown on their cards.
func TestLink_TicketsAndMeetings(t *testing.T) {
	h := commandstest.New(t, commandstest.Tickets(ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}}))
	h.Org(map[string][]string{"QA": {"quinn", "qa1"}, "Design": {"dora", "alice"}})
	h.Say("alice", `ticket open "labels peel" cat:quality`)
	h.Expect("qa1", "ticket link T-1 https://photos.example.com/peel.jpg photo", "Added to T-1: photo",
		"Files: photo https://photos.example.com/peel.jpg")
	h.Say("dora", `meeting new "Q3 plan" mon 14:00 @alice dept:Design`)
	for _, o := range outbox(h) {
		if o.To.UserID == "alice" && o.Msg.Card != nil && o.Msg.Card.Subject == "meeting/1" {
			if err := h.DB.Update(context.Background(), func(tx bot.Tx) error { return tx.MarkSent(o.ID, "alice-invite", h.Now().UTC()) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.Expect("alice", "会议 链接 1 https://docs.example.com/q3", "已添加到 M-1：https://docs.example.com/q3",
		"文件：https://docs.example.com/q3")
	edited := false
	for _, o := range outbox(h) {
		if o.Msg.Edit != nil && o.Msg.Edit.RemoteID == "alice-invite" {
			edited = slices.Contains(o.Msg.Card.Fields, bot.Field{Label: "Files", Value: "https://docs.example.com/q3"})
		}
	}
	if !edited {
		t.Error("alice's invitation card was not edited to show the link")
	}
	h.Expect("dora", "files dept:QA", "Files of QA (1):", "• photo https://photos.example.com/peel.jpg · T-1 · @qa1 ·")
	h.Expect("dora", "文件", "Design 的文件（1）：", "• https://docs.example.com/q3 · M-1 · @alice ·")
}

// Ensure `files` pages a department's links newest first, says how to see
// the next page, and lists a project's links by the chat's binding.
func TestFiles_PagedAndByProject(t *testing.T) {
	h := commandstest.New(t)
	h.Org(map[string][]string{"Design": {"dora", "alice"}})
	h.Say("alice", `task new "Poster" dept:Design`)
	for i := range 52 {
		h.Say("alice", fmt.Sprintf("task link 1 https://example.com/f%02d", i))
	}
	got := h.Expect("dora", "files dept:Design", "Files of Design, page 1 (1–50):", "https://example.com/f51 · #1 · @alice",
		"Next page: `files dept:Design page 2`.")
	if strings.Contains(got, "example.com/f01 ") || strings.Count(got, "• ") != 50 {
		t.Errorf("page 1 = %q, want the 50 newest", got)
	}
	// The card shows the first five links and how many more there are.
	h.Expect("alice", "task 1", "Files: https://example.com/f00\n", "https://example.com/f04\n│   … and 47 more")
	got = h.Expect("dora", "文件 部门 Design 第2页", "Design 的文件（第2页，第51–52条）：", "https://example.com/f01", "https://example.com/f00")
	if strings.Count(got, "• ") != 2 {
		t.Errorf("page 2 = %q, want 2 lines", got)
	}
	if err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		return bot.Bindings(tx).Bind(&bot.Binding{Chat: bot.Destination{Platform: bot.PlatformConsole, Workspace: "local", ChatID: "g:launch"},
			Kind: "project", Ref: "q3", BoundByID: h.Person("dora").ID, BoundAt: h.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	h.SayIn("g:launch", "alice", "task link 1 https://example.com/launch-plan Launch plan")
	h.Expect("dora", "files project:q3", "Files of q3 (1):", "• Launch plan https://example.com/launch-plan · #1 · @alice")
	h.Expect("dora", "files project:none", "No file links in none yet.")
	h.Expect("dora", "files colour:red", `"colour:red" is not a department or project`)
	h.Expect("dora", "files dept:Nowhere", "Nowhere")
}

// Ensure a link command sent with shared files (a Slack upload's comment)
// adds each file's link, titled by the words when there is one file, else
// by the file's name; words that are no URL are then no error.
func TestTaskLink_SharedFiles(t *testing.T) {
	h := commandstest.New(t)
	h.Say("alice", `task new "Poster"`)
	send := func(text string, fs ...bot.SharedFile) string {
		return h.Deliver(&bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: h.NextKey("k"), ChatID: "dm:alice",
			ChatType: bot.ChatDirect, Sender: bot.Author{UserID: "alice", Name: "alice"}, Text: text, Files: fs})
	}
	got := send("task link 1", bot.SharedFile{Name: "q3-poster.pdf", URL: "https://acme.slack.com/files/U1/F1/q3-poster.pdf"},
		bot.SharedFile{Name: "notes.txt", URL: "https://acme.slack.com/files/U1/F2/notes.txt"})
	if !strings.Contains(got, "Added to #1: q3-poster.pdf, notes.txt") ||
		!strings.Contains(got, "Files: q3-poster.pdf https://acme.slack.com/files/U1/F1/q3-poster.pdf\n│   notes.txt https://acme.slack.com/files/U1/F2/notes.txt") {
		t.Errorf("two shared files: %s", got)
	}
	got = send("任务 链接 1 终稿", bot.SharedFile{Name: "final.pdf", URL: "https://acme.slack.com/files/U1/F3/final.pdf"})
	if !strings.Contains(got, "已添加到 #1：终稿") {
		t.Errorf("one shared file with a title: %s", got)
	}
}
