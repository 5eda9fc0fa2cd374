package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
)

// sweep runs the digest handler at now, as the scheduler would.
func (h *harness) sweep(cal *workcal.Calendar, now time.Time) {
	h.t.Helper()
	handler := commands.DigestHandler{Calendar: cal, DefaultTZ: shanghai, DefaultLang: bot.LangEN}
	err := h.db.Update(context.Background(), func(tx bot.Tx) error {
		return handler.RunJob(context.Background(), tx, &bot.Job{Kind: commands.JobDigest}, now)
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// Ensure one digest per working day at the person's time, listing overdue,
// due-today and due-soon work, and none before the time or on days off.
func TestDigest_OncePerWorkingDay(t *testing.T) {
	cal, err := workcal.ChinaMainland(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.setNow(at(2026, 11, 19, 10, 0)) // Thursday
	h.meet("bob")
	h.say("alice", `task new "late report" @bob due:today 12:00`)
	h.say("alice", `task new "poster" @bob due:tomorrow 17:00`)
	h.say("alice", `task new "slides" @bob due:next monday`)
	h.say("alice", `task new "someday" @bob`)
	h.say("bob", "hi")

	h.sweep(cal, at(2026, 11, 20, 8, 55)) // Friday, before 09:00
	if got := digestsFor(h, "bob"); len(got) != 0 {
		t.Fatalf("digest before 09:00: %q", got)
	}
	h.sweep(cal, at(2026, 11, 20, 9, 5))
	h.sweep(cal, at(2026, 11, 20, 9, 10)) // swept again: still one
	got := digestsFor(h, "bob")
	if len(got) != 1 {
		t.Fatalf("digests on Friday = %d, want 1", len(got))
	}
	for _, want := range []string{"Your tasks today (Fri 20 Nov)", "⚠ Overdue (1):", "#1 [to do] late report",
		"Due today (1):", "#2 [to do] poster", "Due in the next 3 days (1):", "#3 [to do] slides", "1 more open without a near due date."} {
		if !strings.Contains(got[0], want) {
			t.Errorf("digest lacks %q:\n%s", want, got[0])
		}
	}
	h.sweep(cal, at(2026, 11, 21, 9, 30)) // Saturday: no digest
	if got := digestsFor(h, "bob"); len(got) != 1 {
		t.Fatalf("digest on a Saturday: %d", len(got))
	}
	h.sweep(cal, at(2026, 11, 23, 9, 0)) // Monday
	if got := digestsFor(h, "bob"); len(got) != 2 {
		t.Fatalf("digests by Monday = %d, want 2", len(got))
	}
}

// Ensure the holiday calendar decides: a make-up Saturday gets a digest, a
// Spring Festival day does not.
func TestDigest_Calendar(t *testing.T) {
	cal, _ := workcal.ChinaMainland(shanghai)
	h := newHarness(t)
	h.setNow(at(2026, 2, 13, 10, 0))
	h.say("bob", `task new "after the holiday" due:2026-03-02 10:00`)
	h.sweep(cal, at(2026, 2, 14, 9, 1)) // Saturday, make-up working day
	h.sweep(cal, at(2026, 2, 16, 9, 1)) // Spring Festival
	h.sweep(cal, at(2026, 2, 23, 9, 1)) // last day of the holiday
	h.sweep(cal, at(2026, 2, 24, 9, 1)) // back to work
	if got := digestsFor(h, "bob"); len(got) != 2 {
		t.Fatalf("digests = %d, want 2 (14 Feb and 24 Feb)", len(got))
	}
}

// Ensure people choose when, or not at all, and read it in their language.
func TestDigest_Preferences(t *testing.T) {
	cal, _ := workcal.ChinaMainland(shanghai)
	h := newHarness(t)
	h.setNow(at(2026, 11, 19, 10, 0))
	h.meet("bob", "carol", "dana")
	h.say("alice", `task new "a" @bob due:tomorrow 17:00`)
	h.say("alice", `task new "b" @carol due:tomorrow 17:00`)
	h.say("alice", `task new "c" @dana due:tomorrow 17:00`)
	h.expect("bob", "digest 08:30", "Your daily digest will come every working day at 08:30.")
	h.expect("carol", "摘要 关闭", "已关闭每日摘要")
	h.say("dana", "lang zh")
	h.expect("dana", "摘要", "你的每日摘要：每个工作日 09:00")
	h.expect("alice", "digest whenever", `"whenever" is not a time of day.`)
	h.sweep(cal, at(2026, 11, 20, 8, 35))
	if got := digestsFor(h, "bob"); len(got) != 1 {
		t.Fatalf("bob's 08:30 digest: %d", len(got))
	}
	if got := digestsFor(h, "dana"); len(got) != 0 {
		t.Fatal("dana's digest came before 09:00")
	}
	h.sweep(cal, at(2026, 11, 20, 9, 5))
	if got := digestsFor(h, "carol"); len(got) != 0 {
		t.Fatal("carol turned the digest off but got one")
	}
	if got := digestsFor(h, "dana"); len(got) != 1 || !strings.Contains(got[0], "今日任务摘要") || !strings.Contains(got[0], "今天到期") {
		t.Fatalf("dana's digest = %q", got)
	}
	h.setNow(at(2026, 11, 20, 9, 10))
	h.expect("bob", "digest now", "Your tasks today (Fri 20 Nov)", "Due today (1):")
}

// digestsFor returns the digests queued for a console user.
func digestsFor(h *harness, user string) []string {
	var out []string
	for _, m := range h.queuedFor(user) {
		if strings.Contains(m, "Your tasks today") || strings.Contains(m, "今日任务摘要") {
			out = append(out, m)
		}
	}
	return out
}
