package meeting_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	meetingcmd "github.com/tandemhq/tandem/commands/meeting"
)

// TestFlow_SchedulingToMinutesDigest walks one meeting from scheduling to
// its minutes digest: invitations answered, an agenda, minutes in one
// multi-line message whose three action items become tasks, and the
// digest in the meeting's chat, the department's bound chat and every
// attendee's language.
func TestFlow_SchedulingToMinutesDigest(t *testing.T) {
	h := newOrg(t)
	h.SayIn("g-design", "dora", "group bind dept:Design")
	h.Say("carol", "lang zh")
	got := h.SayIn("g-launch", "dora", `meeting new "Q3 marketing plan" mon 14:00 90m @alice @bob @carol dept:Design`)
	if !strings.Contains(got, "Scheduled M-1") {
		t.Fatalf("new: %s", got)
	}
	h.Expect("dora", `meeting agenda add 1 "Budget" @bob 10m https://docs.example.com/budget`, "Added item 1 to M-1's agenda",
		"1. Budget — @bob, 10m, https://docs.example.com/budget")
	h.Expect("alice", `meeting agenda add 1 "Launch date" 15m`, "Added item 2")
	h.Expect("sam", `meeting agenda add 1 "Sales" 5m`, "Only the attendees, the organizer")
	h.Expect("dora", "meeting agenda remove 1 2", "Removed item 2")
	h.Expect("dora", "meeting agenda list 1", "1. Budget")
	if cards := strings.Join(h.QueuedCards("carol"), "\n"); !strings.Contains(cards, "议程") || !strings.Contains(cards, "1. 预算") && !strings.Contains(cards, "1. Budget — @bob、10分钟") {
		t.Errorf("carol's invitation does not show the agenda in Chinese:\n%s", cards)
	}
	h.Say("alice", "meeting accept 1")
	h.Say("carol", "会议 接受 1")
	// Bob never answers.

	h.SetNow(at(11, 23, 15, 20))
	h.Expect("sam", "minutes 1\n- launch slips a week", "Only the attendees")
	got = h.Expect("dora", "minutes 1\n"+
		"- the launch slips a week\n"+
		"decision: we go with vendor B\n"+
		"决定：预算上限 50 万\n"+
		`action @carol "send the budget" due:wed`+"\n"+
		`action @bob "book the room" due:"tue 10:00"`+"\n"+
		"行动 @alice 「准备材料」 截止：周四",
		// Written partly in Chinese, answered in Chinese.
		"已记入会议 M-1 的纪要：要点 1 条，决定 2 条，行动项 3 条。任务：#1、#2、#3。")
	tasks := map[string]*task.Task{}
	for id := int64(1); id <= 3; id++ {
		tk := h.Task(id)
		tasks[tk.Title] = tk
	}
	check := func(title, owner string, due time.Time) {
		t.Helper()
		tk := tasks[title]
		if tk == nil {
			t.Errorf("no task %q: %v", title, tasks)
			return
		}
		if tk.OwnerID != h.Person(owner).ID || !tk.Due.Equal(due) || !strings.Contains(tk.Description, "M-1") {
			t.Errorf("task %q: owner %d due %v description %q", title, tk.OwnerID, tk.Due.In(sh), tk.Description)
		}
	}
	check("send the budget", "carol", at(11, 25, 18, 0))
	check("book the room", "bob", at(11, 24, 10, 0))
	check("准备材料", "alice", at(11, 26, 18, 0))
	if got := strings.Join(h.QueuedFor("carol"), "\n"); !strings.Contains(got, "会议 M-1「Q3 marketing plan」给你的行动项：send the budget") {
		t.Errorf("carol was not told of her action item:\n%s", got)
	}
	h.Expect("dora", "minutes 1 maybe something", `I don't understand the line "maybe something"`)
	h.Expect("bob", "minutes 1 point bob was here", "points 1, decisions 0, action items 0")

	got = h.Expect("dora", "minutes 1 send", "Minutes of M-1 Q3 marketing plan (Mon 23 Nov 14:00)", "Decisions:\n• we go with vendor B",
		"Action items:\n• @carol: send the budget — due Wed 25 Nov 18:00 (task #1)", "Absent: @bob (no answer)",
		"Sent to 4 attendees and 2 group chats.")
	for _, chat := range []string{"g-launch", "g-design"} {
		msgs := h.QueuedTo(bot.Destination{Platform: bot.PlatformConsole, ChatID: chat})
		var texts []string
		for _, m := range msgs {
			texts = append(texts, m.Text)
		}
		all := strings.Join(texts, "\n")
		for _, want := range []string{"Minutes of M-1", "• @bob: book the room — due Tue 24 Nov 10:00 (task #2)", "• the launch slips a week", "Absent: @bob (no answer)"} {
			if !strings.Contains(all, want) {
				t.Errorf("%s lacks %q:\n%s", chat, want, all)
			}
		}
	}
	if got := strings.Join(h.QueuedFor("carol"), "\n"); !strings.Contains(got, "会议纪要：M-1「Q3 marketing plan」") ||
		!strings.Contains(got, "决定：\n• we go with vendor B") || !strings.Contains(got, "缺席：@bob（未答复）") {
		t.Errorf("carol's digest is not in Chinese:\n%s", got)
	}
	if got := strings.Join(h.QueuedFor("alice"), "\n"); !strings.Contains(got, "Action items:") {
		t.Errorf("alice's digest:\n%s", got)
	}
	h.Expect("carol", "纪要 1", "会议纪要：M-1", "行动项：")
}

func TestMinutes_SingleLineAndRefusals(t *testing.T) {
	h := newOrg(t)
	h.Say("dora", `meeting new "Sync" mon 14:00 @alice`)
	h.Expect("dora", "minutes 1 send", "has no minutes yet")
	h.Expect("alice", "纪要 1 要点 进度正常", "已记入会议 M-1 的纪要：要点 1 条")
	h.Expect("alice", `纪要 1 行动 @nobody 「x」`, "nobody")
	h.Expect("alice", `纪要 1 行动 @dora 「x」 截止：某天`, "我看不懂截止时间「某天」")
	h.Expect("alice", "minutes", "Which meeting?")
	h.Expect("alice", "minutes 99", "")
}

func TestDigest_AtTheEndOfTheMeeting(t *testing.T) {
	h := newOrg(t)
	h.SayIn("g-design", "dora", `meeting new "Sync" mon 14:00 1h @alice`)
	h.SayIn("g-design", "dora", `meeting new "Quiet" mon 16:00 1h @alice`)
	h.SayIn("g-design", "dora", `meeting new "Sent" tue 10:00 1h @alice`)
	h.Say("dora", `meeting new "Weekly" mon 11:00 30m @alice every monday`)
	digests := func() map[string]*bot.Job {
		out := map[string]*bot.Job{}
		for _, j := range h.Jobs(bot.JobFilter{Kind: meetingcmd.JobDigest, State: bot.JobPending}) {
			out[j.RunAt.In(sh).Format("Mon 15:04")] = j
		}
		return out
	}
	js := digests()
	if len(js) != 4 || js["Mon 15:00"] == nil || js["Mon 17:00"] == nil || js["Tue 11:00"] == nil || js["Mon 11:30"] == nil {
		t.Fatalf("digest jobs at %v", js)
	}
	h.SetNow(at(11, 23, 14, 50))
	h.Say("dora", "minutes 1 decision ship on Friday")
	h.Say("dora", "minutes 4 decision weekly ok")
	h.Say("dora", "minutes 3 decision sent by hand")
	h.Say("dora", "minutes 3 send")
	if _, ok := digests()["Tue 11:00"]; ok {
		t.Error("sending by hand left the end-of-meeting digest")
	}
	chat := bot.Destination{Platform: bot.PlatformConsole, ChatID: "g-design"}
	h.SetNow(at(11, 23, 15, 0))
	h.CompleteJob(js["Mon 15:00"])
	h.SetNow(at(11, 23, 17, 0))
	h.CompleteJob(js["Mon 17:00"])
	var texts []string
	for _, m := range h.QueuedTo(chat) {
		if strings.HasPrefix(m.Text, "Minutes of") {
			texts = append(texts, m.Text)
		}
	}
	// M-3's by hand, M-1's at its end; M-2 has no minutes.
	all := strings.Join(texts, "\n")
	if len(texts) != 2 || !strings.Contains(all, "Minutes of M-1 Sync") || !strings.Contains(all, "• ship on Friday") ||
		!strings.Contains(all, "Minutes of M-3") {
		t.Errorf("the chat's digests:\n%s", all)
	}
	if got := strings.Join(h.QueuedFor("alice"), "\n"); !strings.Contains(got, "Minutes of M-1 Sync") || strings.Contains(got, "Minutes of M-2") {
		t.Errorf("alice's digests:\n%s", got)
	}
	// A series' digest schedules the next occurrence's.
	h.CompleteJob(js["Mon 11:30"])
	if next := digests()["Mon 11:30"]; next == nil || !next.RunAt.Equal(at(11, 30, 11, 30)) {
		t.Errorf("next weekly digest: %v", next)
	}
}
