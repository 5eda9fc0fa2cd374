package commands_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
)

// Ensure "eod" and 月底 mean the end of the working day (bot.due_time) and
// the month's last day, for due times and reminders, and "every month last
// workday" is a schedule.
func TestTimeWords_EndOfDayAndMonth(t *testing.T) {
	h, asked := reminderHarness(t)
	at := func(m time.Month, d, hh int) time.Time { return time.Date(2026, m, d, hh, 0, 0, 0, shanghai) }
	h.say("alice", `task new "a" due:eod`)
	h.say("alice", `task new "b" 截止:今天下班前`)
	h.say("alice", `task new "c" due:end of month`)
	h.say("alice", `任务 新建 "d" 截止:月底`)
	for id, want := range map[int64]time.Time{1: at(11, 20, 18), 2: at(11, 20, 18), 3: at(11, 30, 18), 4: at(11, 30, 18)} {
		if got := h.task(id).Due; !got.Equal(want) {
			t.Errorf("task %d is due %v, want %v", id, got.In(shanghai), want)
		}
	}
	h.expect("alice", "task due 1 tomorrow eod", "Updated #1: due Sat 21 Nov 18:00")
	h.expect("alice", "remind me eod send the report", "on Fri 20 Nov 18:00")
	h.expect("alice", "remind me every month last workday 17:00 pay the printer", "first on")
	if len(*asked) != 1 || (*asked)[0] != "lastworkday:17:00" {
		t.Errorf("schedules asked for = %q, want lastworkday:17:00", *asked)
	}
	if js := h.jobs(bot.JobFilter{Kind: commands.JobReminder, State: bot.JobPending, Limit: 10}); len(js) != 2 {
		t.Errorf("reminders = %d, want 2", len(js))
	}
	h.setNow(friday10.Add(9 * time.Hour)) // 19:00: today's end of day is over
	h.expect("alice", `task new "late" due:eod`, "That due time (Fri 20 Nov 18:00) has already passed.")
}
