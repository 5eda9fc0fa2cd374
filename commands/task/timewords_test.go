package task_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/remind"
)

// Ensure "eod" and 月底 mean the end of the working day (bot.due_time) and
// the month's last day, for due times and reminders, and "every month last
// workday" is a schedule.
func TestTimeWords_EndOfDayAndMonth(t *testing.T) {
	h, asked := commandstest.NewScheduling(t)
	at := func(m time.Month, d, hh int) time.Time {
		return time.Date(2026, m, d, hh, 0, 0, 0, commandstest.Shanghai)
	}
	h.Say("alice", `task new "a" due:eod`)
	h.Say("alice", `task new "b" 截止:今天下班前`)
	h.Say("alice", `task new "c" due:end of month`)
	h.Say("alice", `任务 新建 "d" 截止:月底`)
	for id, want := range map[int64]time.Time{1: at(11, 20, 18), 2: at(11, 20, 18), 3: at(11, 30, 18), 4: at(11, 30, 18)} {
		if got := h.Task(id).Due; !got.Equal(want) {
			t.Errorf("task %d is due %v, want %v", id, got.In(commandstest.Shanghai), want)
		}
	}
	h.Expect("alice", "task due 1 tomorrow eod", "Updated #1: due Sat 21 Nov 18:00")
	h.Expect("alice", "remind me eod send the report", "on Fri 20 Nov 18:00")
	h.Expect("alice", "remind me every month last workday 17:00 pay the printer", "first on")
	if len(*asked) != 1 || (*asked)[0] != "lastworkday:17:00" {
		t.Errorf("schedules asked for = %q, want lastworkday:17:00", *asked)
	}
	if js := h.Jobs(bot.JobFilter{Kind: remind.JobReminder, State: bot.JobPending, Limit: 10}); len(js) != 2 {
		t.Errorf("reminders = %d, want 2", len(js))
	}
	h.SetNow(commandstest.Friday10.Add(9 * time.Hour)) // 19:00: today's end of day is over
	h.Expect("alice", `task new "late" due:eod`, "That due time (Fri 20 Nov 18:00) has already passed.")
}
