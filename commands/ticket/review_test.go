package ticket_test

import (
	"fmt"
	"strings"
	"testing"

	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

// Ensure a ticket's timeline is shown a page at a time, with how to see
// the next, so that a long-running ticket's is never one endless message;
// anything else after the id is answered with the form.
func TestShow_TimelinePaged(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}})
	h.Say("sally", `ticket open "labels" cat:quality`) // opened, assigned: 2 entries
	for i := range 50 {
		h.Say("qa1", fmt.Sprintf("ticket comment 1 note %d", i))
	}
	got := h.Expect("sally", "ticket show 1", "Timeline, page 1 (1–50):", "@sally opened it: labels", "commented: note 47",
		"Next page: `ticket show 1 page 2`.")
	if strings.Contains(got, "note 48") {
		t.Errorf("page 1 runs past 50 entries:\n%s", got)
	}
	got = h.Expect("sally", "ticket show 1 page 2", "Timeline, page 2 (51–52):", "commented: note 48", "commented: note 49")
	if strings.Contains(got, "Next page") || strings.Contains(got, "note 47") {
		t.Errorf("page 2:\n%s", got)
	}
	h.Expect("sally", "ticket show 1 page 3", "Timeline: there is no page 3.")
	h.Expect("sally", "工单 查看 1 第2页", "时间线（第2页，第51–52条）：")
	h.Expect("sally", "ticket show 1 sideways", `I don't understand "sideways" here.`, "Usage: ticket show <id> [page N]")
}

// Ensure stats answer an unknown department (or a period they do not
// know, read as part of its name) with the departments there are and the
// command's form with its periods, in either language.
func TestStats_BadInput(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{})
	h.Expect("quinn", "ticket stats QA year", `There is no department "QA year". Known departments: QA, Sales.`,
		"Usage: ticket stats [department] [week|month]")
	h.Expect("quinn", "工单 统计 不存在", "没有「不存在」部门。现有部门：QA、Sales。", "用法：工单 统计 [部门] [本周|本月]")
}

// Ensure intake's Chinese answer to a ticket no rule routes names the
// option with a full-width colon, as it is typed in Chinese.
func TestOpen_NoRouteChinese(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{})
	h.Expect("sally", "工单 新建 「标签脱落」", "请加上 部门：<部门名称>（没有适用于该类别的分派规则）。")
}
