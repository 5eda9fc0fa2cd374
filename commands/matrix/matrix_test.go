package matrix_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// world is a harness with three departments (alice heads 销售, bob
// Support, carl 研发), root an admin outside them, and dan in none.
func world(t *testing.T) *commandstest.Harness {
	h := commandstest.New(t)
	h.Org(map[string][]string{"销售": {"alice", "amy"}, "Support": {"bob", "bea"}, "研发": {"carl", "cat"}})
	h.Admin("root")
	h.Meet("dan")
	return h
}

// generated is what a generated month must show: tasks and tickets per
// ordered pair of department names, meetings per unordered pair.
type generated struct {
	tasks, tickets map[[2]string]int
	meetings       map[[2]string]int
}

// generate fills November 2026 (and some of October and December, which
// must not count) with tasks across and within departments, tickets
// between them (each pair's tickets answered in the same business time,
// so the median is known: 90 minutes), and meetings.
func generate(t *testing.T, h *commandstest.Harness) generated {
	t.Helper()
	g := generated{tasks: map[[2]string]int{}, tickets: map[[2]string]int{}, meetings: map[[2]string]int{}}
	handles := []string{"alice", "amy", "bob", "bea", "carl", "cat", "dan", "root"}
	dept := map[string]string{"alice": "销售", "amy": "销售", "bob": "Support", "bea": "Support", "carl": "研发", "cat": "研发"}
	rng := rand.New(rand.NewPCG(16, 2))
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, commandstest.Shanghai)
	at := func() (time.Time, bool) {
		d := time.Duration(rng.Int64N(int64(50 * 24 * time.Hour)))
		when := nov.Add(-10 * 24 * time.Hour).Add(d)
		return when, !when.Before(nov) && when.Before(nov.AddDate(0, 1, 0))
	}
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		id := map[string]int64{}
		for _, hd := range handles {
			ps, err := tx.FindPeopleByName(hd)
			if err != nil {
				return err
			}
			id[hd] = ps[0].ID
		}
		depts, err := tx.ListDepartments()
		if err != nil {
			return err
		}
		deptID := map[string]int64{}
		for _, d := range depts {
			deptID[d.Name] = d.ID
		}
		pick := func() string { return handles[rng.IntN(len(handles))] }
		for range 150 {
			c, o := pick(), pick()
			when, in := at()
			tk := &task.Task{Title: "t", CreatorID: id[c], OwnerID: id[o], Priority: task.PriorityNormal, Status: task.Todo, CreatedAt: when, UpdatedAt: when}
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
			if in && dept[c] != "" && dept[o] != "" && dept[c] != dept[o] {
				g.tasks[[2]string{dept[c], dept[o]}]++
			}
		}
		names := []string{"销售", "Support", "研发"}
		for range 80 {
			r, handling := pick(), names[rng.IntN(3)]
			when, in := at()
			tk := &ticket.Ticket{Title: "k", Priority: ticket.P3, Status: ticket.Open, DeptID: deptID[handling], RequesterID: id[r],
				OpenedAt: when, CreatedAt: when, UpdatedAt: when, AckBusiness: ticket.NotCounted}
			if rng.IntN(3) > 0 {
				tk.AckedAt, tk.AckWall, tk.AckBusiness = when.Add(9*time.Hour), 9*time.Hour, answerTime[handling]
			}
			if err := ticket.From(tx).CreateTicket(tk); err != nil {
				return err
			}
			if in && dept[r] != "" && dept[r] != handling {
				g.tickets[[2]string{dept[r], handling}]++
			}
		}
		for range 40 {
			org := pick()
			when, in := at()
			m := &meeting.Meeting{Title: "m", Start: when, Duration: time.Hour, OrganizerID: id[org], Status: meeting.Scheduled, CreatedAt: when, UpdatedAt: when}
			if err := meeting.From(tx).CreateMeeting(m); err != nil {
				return err
			}
			present := map[string]bool{dept[org]: true}
			for range rng.IntN(3) + 1 {
				p := pick()
				answer := meeting.Accepted
				if rng.IntN(4) == 0 {
					answer = meeting.Declined
				}
				if err := meeting.From(tx).SetAttendee(&meeting.Attendee{MeetingID: m.ID, PersonID: id[p], Answer: answer}); err != nil {
					return err
				}
				if answer != meeting.Declined {
					present[dept[p]] = true
				}
			}
			if !in {
				continue
			}
			for a := range present {
				for b := range present {
					if a != "" && b != "" && a < b {
						g.meetings[[2]string{a, b}]++
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// pictures are the names of the pictures queued for user since the last
// call (a picture is never an inline answer: it goes through the outbox);
// it marks them sent so that the next call sees only new ones.
func pictures(t *testing.T, h *commandstest.Harness, user string) []string {
	t.Helper()
	var names []string
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		out, err := tx.FindOutgoing(bot.OutboxQueued, 1000)
		if err != nil {
			return err
		}
		for _, o := range out {
			if o.Msg.Image != nil && (o.To.UserID == user || o.To.ChatID == "dm:"+user) {
				names = append(names, o.Msg.Image.Name)
				if err := tx.MarkSent(o.ID, "sent", h.Now()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// answerTime is how long each department takes to answer a ticket, in
// business time: every answered ticket of a pair the same, so each pair's
// median is known.
var answerTime = map[string]time.Duration{"销售": 40 * time.Minute, "Support": 2 * time.Hour, "研发": 5 * time.Hour}

// count is "3 tasks", "1 ticket" and so on, as the reply writes it.
func count(n int, one string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// TestMatrix_GeneratedMonthExactly checks every pair of the reply's table
// and its totals against the generated month.
func TestMatrix_GeneratedMonthExactly(t *testing.T) {
	h := world(t)
	g := generate(t, h)
	got := h.Say("root", "matrix month:2026-11")
	if pics := pictures(t, h, "root"); len(pics) != 1 || pics[0] != "matrix.png" {
		t.Errorf("pictures %v, want the heat map", pics)
	}
	var tasks, tickets, meetings int
	names := []string{"销售", "Support", "研发"}
	rows := 0
	for _, a := range names {
		for _, b := range names {
			if a == b {
				continue
			}
			k := [2]string{a, b}
			tasks += g.tasks[k]
			tickets += g.tickets[k]
			m := g.meetings[k] + g.meetings[[2]string{b, a}]
			if a < b {
				meetings += g.meetings[k]
			}
			var parts []string
			if n := g.tasks[k]; n > 0 {
				parts = append(parts, count(n, "task"))
			}
			if n := g.tickets[k]; n > 0 {
				parts = append(parts, count(n, "ticket"))
			}
			if m > 0 {
				parts = append(parts, count(m, "meeting"))
			}
			line := "• " + a + " → " + b + ": "
			if len(parts) == 0 {
				if strings.Contains(got, line) {
					t.Errorf("%s→%s had nothing but is listed:\n%s", a, b, got)
				}
				continue
			}
			rows++
			want := line + strings.Join(parts, ", ")
			i := strings.Index(got, want)
			if i < 0 || !(strings.HasPrefix(got[i+len(want):], "\n") || strings.HasPrefix(got[i+len(want):], ";")) {
				t.Errorf("missing %q in:\n%s", want, got)
			}
		}
	}
	if rows < 4 || tickets == 0 || meetings == 0 {
		t.Fatalf("the generated month is too thin to prove much (%d rows, %d tickets, %d meetings)", rows, tickets, meetings)
	}
	head := fmt.Sprintf("Who works with whom, November 2026: %d tasks assigned across departments, %d tickets between them, %d shared meetings.",
		tasks, tickets, meetings)
	if !strings.Contains(got, head) {
		t.Errorf("missing %q in:\n%s", head, got)
	}
	for _, want := range []string{"• 销售 → Support: ", "• 研发 → 销售: ", "• Support → 研发: "} {
		i := strings.Index(got, want)
		if i < 0 {
			t.Errorf("no line %q", want)
			continue
		}
		line := got[i : i+strings.Index(got[i:]+"\n", "\n")]
		to := strings.Fields(want)[3]
		wantTime := map[string]string{"销售": "first response 40 working minutes", "Support": "first response 2 working hours", "研发": "first response 5 working hours"}[to]
		if !strings.Contains(line, wantTime) {
			t.Errorf("%q lacks %q", line, wantTime)
		}
	}
	if !strings.Contains(got, "Slowest to answer:\n• 研发 answering ") {
		t.Errorf("研发 (5 working hours) is not the slowest:\n%s", got)
	}
}

func TestMatrix_Permissions(t *testing.T) {
	h := world(t)
	generate(t, h)
	h.Expect("amy", "matrix", "for department heads and admins")
	h.Expect("dan", "协作矩阵", "仅部门负责人和管理员可查看")
	// A head sees the pairs with their department only.
	got := h.Say("bob", "matrix month:2026-11")
	if strings.Contains(got, "• 销售 → 研发") || strings.Contains(got, "• 研发 → 销售") {
		t.Errorf("Support's head sees 销售–研发:\n%s", got)
	}
	if !strings.Contains(got, "Support") {
		t.Errorf("Support's head does not see Support:\n%s", got)
	}
	if all := h.Say("root", "matrix month:2026-11"); !strings.Contains(all, "• 销售 → 研发") && !strings.Contains(all, "• 研发 → 销售") {
		t.Errorf("the admin does not see 销售–研发:\n%s", all)
	}
}

func TestMatrix_ChineseAndEmptyAndBadInput(t *testing.T) {
	h := world(t)
	generate(t, h)
	h.Expect("carl", "部门矩阵 月份：2026-11", "部门协作矩阵（2026年11月）：跨部门分派任务", "互动最多：", "明细（发起 → 接收）：")
	if pics := pictures(t, h, "carl"); len(pics) != 1 {
		t.Errorf("pictures %v, want the heat map", pics)
	}
	got := h.Expect("root", "matrix month:2025-01", "Who works with whom, January 2025: nothing crossed departments.")
	if pics := pictures(t, h, "root"); len(pics) != 0 {
		t.Errorf("a picture of nothing: %v\n%s", pics, got)
	}
	h.Expect("root", "协作矩阵 月份：2025-01", "部门协作矩阵（2025年1月）：没有跨部门的互动。")
	h.Expect("root", "matrix month:11-2026", `"11-2026" is not a month`, "Usage: matrix")
	h.Expect("root", "协作矩阵 从：2026-11-20 到：2026-11-01", "结束日期早于开始日期。", "用法：")
	h.Expect("root", "matrix from:2025-01-01 to:2026-11-30", "at most a year")
	h.Expect("root", "matrix sideways", `I don't understand "sideways"`)
	h.Expect("root", "matrix from:2026-11-01 to:2026-11-30", "Who works with whom, 2026-11-01 – 2026-11-30:")
	h.Expect("root", "matrix week", "Who works with whom, the last 7 days (11-14 – 11-20)")
}
