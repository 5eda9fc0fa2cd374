package ticket_test

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

// A category's playbook opens linked tasks for the named departments,
// owned by their heads, and the card counts them done.
func TestPlaybook(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{
		Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}},
		Playbooks: map[string][]ticketcmd.Play{"quality": {
			{Dept: "QA", Title: "Root-cause analysis"}, {Dept: "Sales", Title: "Customer reply"}, {Dept: "Nowhere", Title: "skipped"}}},
	})
	h.Expect("sally", `ticket open "labels peel" cat:quality`, "Tasks: 0/2 done")
	t1, t2 := h.Task(1), h.Task(2)
	if t1.Title != "Root-cause analysis (T-1)" || t1.OwnerID != h.Person("quinn").ID || t2.OwnerID != h.Person("sam").ID {
		t.Fatalf("tasks = %+v, %+v", t1, t2)
	}
	if q := h.QueuedFor("sam"); len(q) != 1 || !strings.Contains(q[0], "Customer reply (task #2)") {
		t.Errorf("Sales head told %q", q)
	}
	h.Expect("sam", "task start 2", "in progress")
	h.Expect("sam", "task done 2", "done")
	h.Expect("sally", "ticket show 1", "Tasks: 1/2 done", "linked task #1", "linked task #2")
}

// Lists page from the store by filter, and closed tickets are found again
// by search.
func TestListAndSearch(t *testing.T) {
	h := newOrg(t, ticketcmd.Config{Routes: []ticketcmd.Route{{Category: "quality", Dept: "QA", Owner: "qa1"}}})
	h.Say("sally", `ticket open "labels peel" cat:quality`)
	h.Say("sally", `ticket open "invoice wrong" for:Sales`)
	h.Say("sally", `ticket open "labels smudged" cat:quality p:P1`)
	h.Say("qa1", "ticket resolve 1")
	h.Say("sally", "ticket close 1")
	got := h.Expect("qa1", "ticket list", "Open tickets, yours (1):", "T-3 [open] labels smudged")
	if strings.Contains(got, "T-1") || strings.Contains(got, "T-2") {
		t.Errorf("mine lists others:\n%s", got)
	}
	h.Expect("sam", "ticket list dept Sales", "T-2 [open] invoice wrong")
	h.Expect("sam", "ticket list category quality", "T-3")
	h.Expect("sam", "ticket list closed", "T-1 [closed] labels peel")
	h.Expect("sally", "ticket list requested", "T-2", "T-3")
	h.Expect("sally", "ticket search labels", "T-3 [open] labels smudged", "ticket search labels closed")
	h.Expect("sally", "ticket search labels closed", "T-1 [closed] labels peel")
	h.Expect("sally", "ticket list sideways", `I don't understand "sideways" here.`, "Usage: ticket list")
	h.Expect("sally", "ticket search", "What should I look for?")
	h.Expect("sally", "工单 列表 部门 QA", "「QA」的未结工单", "T-3【待受理】labels smudged")
}

// Stats count open tickets by department, SLA met, mean times and
// breaches; the weekly digest brings a head their department's.
func TestStatsAndDigest(t *testing.T) {
	h := statsOrg(t)
	h.Expect("quinn", "ticket stats QA", "QA: 1 open (0 breached); 1 resolved; SLA met: response 100%, resolution 100%; breaches 0",
		"mean time to acknowledge 30m, to resolve 2h00m (wall clock), 30m and 2h00m in business hours")
	h.Expect("quinn", "工单 统计 QA 本月", "QA：未结 1（超时 0）；已解决 1")
	h.RunJob(&bot.Job{Kind: ticketcmd.JobDigest, RunAt: h.Now()})
	if q := h.QueuedFor("quinn"); len(q) != 1 || !strings.Contains(q[0], "Your department's tickets this week:\nQA: 1 open") {
		t.Errorf("head's digest = %q", q)
	}
	if q := h.QueuedFor("sam"); len(q) != 0 {
		t.Errorf("a department without tickets got a digest: %q", q)
	}
}

// The digest is a system job stored once at start (EnsureSystemJobs).
func TestDigestSystemJob(t *testing.T) {
	m := ticketcmd.Module(ticketcmd.Deps{DefaultTZ: commandstest.Shanghai})
	if len(m.SystemJobs) != 1 || m.SystemJobs[0].Schedule != "cron:0 9 * * 1" || m.SystemJobs[0].TZ != "Asia/Shanghai" {
		t.Errorf("system jobs = %+v", m.SystemJobs)
	}
	off := ticketcmd.Module(ticketcmd.Deps{Config: ticketcmd.Config{DigestSchedule: "off"}})
	if off.SystemJobs[0].Schedule != "" {
		t.Errorf("digest off still scheduled: %+v", off.SystemJobs)
	}
}
