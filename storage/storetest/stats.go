package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/bot/task"
)

// statsTests hold a store to bot.UsageCounter and stats.Store: a counter
// row is bumped, not duplicated; the period's rows are read by day,
// department, platform and kind; tasks are counted by when they were
// created and done (late when closed after their due time); announcements
// by when they were sent.
var statsTests = map[string]func(*testing.T, bot.Store){
	"usage: counted, summed by period and department": testUsageCounts,
	"tasks: created, done and done late in a span":    testStatsTasks,
	"announcements sent in a span":                    testStatsAnnouncements,
}

func testUsageCounts(t *testing.T, s bot.Store) {
	count := func(u bot.Usage) func(bot.Tx) error {
		return func(tx bot.Tx) error {
			c, ok := bot.Contract[bot.UsageCounter](tx)
			if !ok {
				return errors.New("the unit keeps no usage counters")
			}
			return c.CountUsage(u)
		}
	}
	for _, u := range []bot.Usage{
		{Day: "2026-10-31", DeptID: 1, Platform: "slack", Kind: bot.UsageCommand, Command: "task"}, // before the period
		{Day: "2026-11-01", DeptID: 1, Platform: "slack", Kind: bot.UsageCommand, Command: "task"},
		{Day: "2026-11-01", DeptID: 1, Platform: "slack", Kind: bot.UsageCommand, Command: "task"},
		{Day: "2026-11-01", DeptID: 1, Platform: "slack", Kind: bot.UsageCommand, Command: "ticket"},
		{Day: "2026-11-01", DeptID: 2, Platform: "feishu", Kind: bot.UsageMessage},
		{Day: "2026-11-30", DeptID: 2, Platform: "feishu", Kind: bot.UsageCommand, Command: "ticket"},
		{Day: "2026-12-01", DeptID: 2, Platform: "feishu", Kind: bot.UsageClick, Command: "ticket"}, // after
	} {
		update(t, s, count(u))
	}
	got := view(t, s, func(tx bot.Tx) ([]stats.UsageRow, error) {
		return stats.From(tx).UsageRows("2026-11-01", "2026-11-30", 0)
	})
	want := []stats.UsageRow{
		{Day: "2026-11-01", DeptID: 1, Platform: "slack", Kind: bot.UsageCommand, N: 3},
		{Day: "2026-11-01", DeptID: 2, Platform: "feishu", Kind: bot.UsageMessage, N: 1},
		{Day: "2026-11-30", DeptID: 2, Platform: "feishu", Kind: bot.UsageCommand, N: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("usage rows = %+v, want %+v", got, want)
	}
	got = view(t, s, func(tx bot.Tx) ([]stats.UsageRow, error) {
		return stats.From(tx).UsageRows("2026-11-01", "2026-11-30", 2)
	})
	if !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("usage rows of dept 2 = %+v, want %+v", got, want[1:])
	}
	top := view(t, s, func(tx bot.Tx) ([]stats.NameCount, error) {
		return stats.From(tx).TopCommands("2026-11-01", "2026-11-30", 0, 5)
	})
	if want := []stats.NameCount{{Name: "task", N: 2}, {Name: "ticket", N: 2}}; !reflect.DeepEqual(top, want) {
		t.Errorf("top commands = %+v, want %+v", top, want)
	}
	top = view(t, s, func(tx bot.Tx) ([]stats.NameCount, error) {
		return stats.From(tx).TopCommands("2026-11-01", "2026-11-30", 1, 1)
	})
	if want := []stats.NameCount{{Name: "task", N: 2}}; !reflect.DeepEqual(top, want) {
		t.Errorf("top command of dept 1 = %+v, want %+v", top, want)
	}
}

func testStatsTasks(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 1)
	from, to := t0, t0.Add(7*24*time.Hour)
	day := 24 * time.Hour
	tasks := []*task.Task{
		{Title: "before", CreatedAt: from.Add(-day)},                                                                      // created before: not counted
		{Title: "open", CreatedAt: from.Add(day), DeptID: w.sales.ID},                                                     // created
		{Title: "on time", CreatedAt: from.Add(-day), Status: task.Done, Due: from.Add(2 * day), ClosedAt: from.Add(day)}, // done in time
		{Title: "late", CreatedAt: from, Status: task.Done, Due: from.Add(day), ClosedAt: from.Add(3 * day), DeptID: w.sales.ID},
		{Title: "no due", CreatedAt: from, Status: task.Done, ClosedAt: from.Add(2 * day)},
		{Title: "cancelled", CreatedAt: from, Status: task.Cancelled, Due: from, ClosedAt: from.Add(day)},
		{Title: "done after", CreatedAt: from, Status: task.Done, Due: from, ClosedAt: to},
	}
	updateEach(t, s, tasks, func(tx bot.Tx, tk *task.Task) error {
		tk.CreatorID, tk.Priority, tk.UpdatedAt = w.people[0].ID, task.PriorityNormal, tk.CreatedAt
		if tk.Status == "" {
			tk.Status = task.Todo
		}
		return task.From(tx).CreateTask(tk)
	})
	got := view(t, s, func(tx bot.Tx) (stats.TaskCounts, error) { return stats.From(tx).CountTasks(from, to, 0) })
	if want := (stats.TaskCounts{Created: 5, Done: 3, DoneWithDue: 2, DoneLate: 1}); got != want {
		t.Errorf("task counts = %+v, want %+v", got, want)
	}
	got = view(t, s, func(tx bot.Tx) (stats.TaskCounts, error) { return stats.From(tx).CountTasks(from, to, w.sales.ID) })
	if want := (stats.TaskCounts{Created: 2, Done: 1, DoneWithDue: 1, DoneLate: 1}); got != want {
		t.Errorf("task counts of Sales = %+v, want %+v", got, want)
	}
}

func testStatsAnnouncements(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 1)
	from, to := t0, t0.Add(7*24*time.Hour)
	mk := func(kind ask.Kind, sent time.Time, dept int64) *ask.Ask {
		a := w.newAsk(string(kind))
		a.Kind, a.SentAt, a.DeptID = kind, sent, dept
		return a
	}
	in := mk(ask.Announcement, from.Add(time.Hour), 0)
	inSales := mk(ask.Announcement, to.Add(-time.Millisecond), w.sales.ID)
	createAsks(t, s,
		mk(ask.Announcement, time.Time{}, 0), // a draft: never sent
		in,
		mk(ask.Announcement, from.Add(-time.Millisecond), 0), // before
		inSales,
		mk(ask.Announcement, to, 0),             // after
		mk(ask.Request, from.Add(time.Hour), 0), // not an announcement
	)
	got := view(t, s, func(tx bot.Tx) ([]int64, error) { return stats.From(tx).AnnouncementsSent(from, to, 0, 10) })
	if want := []int64{in.ID, inSales.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("announcements sent = %v, want %v", got, want)
	}
	got = view(t, s, func(tx bot.Tx) ([]int64, error) { return stats.From(tx).AnnouncementsSent(from, to, w.sales.ID, 10) })
	if want := []int64{inSales.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("announcements of Sales = %v, want %v", got, want)
	}
	got = view(t, s, func(tx bot.Tx) ([]int64, error) { return stats.From(tx).AnnouncementsSent(from, to, 0, 1) })
	if want := []int64{in.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("first announcement = %v, want %v", got, want)
	}
}
