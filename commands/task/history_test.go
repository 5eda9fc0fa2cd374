package task_test

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/commands/commandstest"
)

// Ensure a task's history reads as sentences in the reader's language and
// zone, below the card.
func TestTaskShow_HistoryForTheReader(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("alice")
	h.Expect("alice", "dept add Design", "added")
	settle(h, "bob", "zh", "Europe/Berlin")
	h.Meet("carol")
	h.Say("alice", `task new "poster" @bob due:2026-12-04 09:00`)
	h.Say("alice", "task due 1 2026-12-04 22:00")
	h.Say("alice", "task priority 1 high")
	h.Say("alice", `task title 1 "poster v2"`)
	h.Say("alice", "task dept 1 Design")
	h.Expect("alice", "task dept 1 design", "#1 is already in Design.") // nothing to record
	h.Say("alice", "task assign 1 @carol")

	got := h.Expect("bob", "任务 查看 1", "历史：",
		"@alice 创建了任务",
		"@alice 把截止时间从 12月4日周五 02:00 改为 12月4日周五 15:00", // 09:00 and 22:00 in Shanghai
		"@alice 把优先级从「中」改为「高」",
		"@alice 把标题从「poster」改为「poster v2」",
		"@alice 把任务归入「Design」",
		"@alice 把任务从 @bob 转交给 @carol")
	if strings.Contains(got, "2026-12-04T") || strings.Contains(got, "changed") || strings.Contains(got, "priority") {
		t.Errorf("bob's history shows raw values or English:\n%s", got)
	}
	if card, hist := strings.Index(got, "┌ #1 poster v2"), strings.Index(got, "历史："); card < 0 || hist < card {
		t.Errorf("the history should come below the card:\n%s", got)
	}
	h.Expect("alice", "task show 1", "History:",
		"@alice moved the due time from Fri 4 Dec 09:00 to Fri 4 Dec 22:00",
		"@alice changed the priority from normal to high",
		"@alice renamed it from “poster” to “poster v2”",
		"@alice put it in Design",
		"@alice passed it from @bob to @carol")
}
