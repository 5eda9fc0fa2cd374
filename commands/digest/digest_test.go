package digest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	botdigest "github.com/tandemhq/tandem/bot/digest"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/digest"
)

// digestHandler is the digest job as cmd builds it.
func digestHandler(h *commandstest.Harness, store bot.Store) digest.DigestHandler {
	return digest.DigestHandler{Store: store, NextRun: h.Deps.NextRun, DefaultTZ: commandstest.Shanghai, DefaultLang: bot.LangEN}
}

// sweep runs the digest job at now, as the scheduler would every minute.
func sweep(h *commandstest.Harness, now time.Time) {
	h.T.Helper()
	if err := digestHandler(h, h.DB).Sweep(context.Background(), nil, now); err != nil {
		h.T.Fatal(err)
	}
}

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, commandstest.Shanghai)
}

// Ensure one digest per working day at the person's time, listing overdue,
// due-today and due-soon work, and none before the time or on days off.
func TestDigest_OncePerWorkingDay(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(at(2026, 11, 19, 10, 0)) // Thursday
	h.Meet("bob")
	h.Say("alice", `task new "late report" @bob due:today 12:00`)
	h.Say("alice", `task new "poster" @bob due:tomorrow 17:00`)
	h.Say("alice", `task new "slides" @bob due:next monday`)
	h.Say("alice", `task new "someday" @bob`)
	h.Say("bob", "hi")
	sweep(h, at(2026, 11, 19, 10, 1)) // the minute after: bob's time is set

	sweep(h, at(2026, 11, 20, 8, 55)) // Friday, before 09:00
	if got := digestsFor(h, "bob"); len(got) != 0 {
		t.Fatalf("digest before 09:00: %q", got)
	}
	sweep(h, at(2026, 11, 20, 9, 5))
	sweep(h, at(2026, 11, 20, 9, 10)) // swept again: still one
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
	sweep(h, at(2026, 11, 21, 9, 30)) // Saturday: no digest
	if got := digestsFor(h, "bob"); len(got) != 1 {
		t.Fatalf("digest on a Saturday: %d", len(got))
	}
	sweep(h, at(2026, 11, 23, 9, 0)) // Monday
	if got := digestsFor(h, "bob"); len(got) != 2 {
		t.Fatalf("digests by Monday = %d, want 2", len(got))
	}
}

// Ensure the holiday calendar decides: a make-up Saturday gets a digest, a
// Spring Festival day does not.
func TestDigest_Calendar(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(at(2026, 2, 13, 10, 0))
	h.Say("bob", `task new "after the holiday" due:2026-03-02 10:00`)
	sweep(h, at(2026, 2, 13, 10, 1))
	sweep(h, at(2026, 2, 14, 9, 1)) // Saturday, make-up working day
	sweep(h, at(2026, 2, 16, 9, 1)) // Spring Festival
	sweep(h, at(2026, 2, 23, 9, 1)) // last day of the holiday
	sweep(h, at(2026, 2, 24, 9, 1)) // back to work
	if got := digestsFor(h, "bob"); len(got) != 2 {
		t.Fatalf("digests = %d, want 2 (14 Feb and 24 Feb)", len(got))
	}
}

// Ensure people choose when, or not at all, and read it in their language.
func TestDigest_Preferences(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(at(2026, 11, 19, 10, 0))
	h.Meet("bob", "carol", "dana")
	h.Say("alice", `task new "a" @bob due:tomorrow 17:00`)
	h.Say("alice", `task new "b" @carol due:tomorrow 17:00`)
	h.Say("alice", `task new "c" @dana due:tomorrow 17:00`)
	h.Expect("bob", "digest 08:30", "Your daily digest will come every working day at 08:30.")
	h.Expect("carol", "摘要 关闭", "已关闭每日摘要")
	h.Say("dana", "lang zh")
	h.Expect("dana", "摘要", "你的每日摘要：每个工作日 09:00")
	h.Expect("alice", "digest whenever", `"whenever" is not a time of day.`)
	sweep(h, at(2026, 11, 20, 8, 35))
	if got := digestsFor(h, "bob"); len(got) != 1 {
		t.Fatalf("bob's 08:30 digest: %d", len(got))
	}
	if got := digestsFor(h, "dana"); len(got) != 0 {
		t.Fatal("dana's digest came before 09:00")
	}
	sweep(h, at(2026, 11, 20, 9, 5))
	if got := digestsFor(h, "carol"); len(got) != 0 {
		t.Fatal("carol turned the digest off but got one")
	}
	if got := digestsFor(h, "dana"); len(got) != 1 || !strings.Contains(got[0], "今日任务摘要") || !strings.Contains(got[0], "今天到期") {
		t.Fatalf("dana's digest = %q", got)
	}
	h.SetNow(at(2026, 11, 20, 9, 10))
	h.Expect("bob", "digest now", "Your tasks today (Fri 20 Nov)", "Due today (1):")
}

// digestsFor returns the digests queued for a console user.
func digestsFor(h *commandstest.Harness, user string) []string {
	var out []string
	for _, m := range h.QueuedFor(user) {
		if strings.Contains(m, "Your tasks today") || strings.Contains(m, "今日任务摘要") {
			out = append(out, m)
		}
	}
	return out
}

// Ensure the digest comes at the person's chosen time only: someone whose
// first task arrives at 18:30 gets nothing that evening (it used to come at
// 18:35, because 09:00 had passed), and the next working day at 09:00
// (issue 12, item 16).
func TestDigest_OnlyAtChosenTime(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(at(2026, 11, 19, 18, 30)) // Thursday evening
	h.Meet("erin")
	h.Say("alice", `task new "poster" @erin due:tomorrow 17:00`)
	for _, m := range []int{31, 35, 40} {
		sweep(h, at(2026, 11, 19, 18, m))
	}
	sweep(h, at(2026, 11, 19, 23, 0))
	sweep(h, at(2026, 11, 20, 8, 59))
	if got := digestsFor(h, "erin"); len(got) != 0 {
		t.Fatalf("digest before erin's time: %q", got)
	}
	sweep(h, at(2026, 11, 20, 9, 0))
	if got := digestsFor(h, "erin"); len(got) != 1 {
		t.Fatalf("digests at 09:00 on Friday = %d, want 1", len(got))
	}
}

// Ensure a sweep that runs late (the process was down) sends within an hour
// of the person's time, and otherwise moves on to their next time instead of
// sending a stale digest.
func TestDigest_LateSweep(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(at(2026, 11, 18, 10, 0)) // Wednesday
	h.Say("bob", `task new "report" due:friday 17:00`)
	sweep(h, at(2026, 11, 18, 10, 1))
	sweep(h, at(2026, 11, 19, 9, 50)) // Thursday: down from 09:00 to 09:50
	if got := digestsFor(h, "bob"); len(got) != 1 {
		t.Fatalf("digests after a 50-minute outage = %d, want 1", len(got))
	}
	sweep(h, at(2026, 11, 20, 11, 30)) // Friday: down from 08:00 to 11:30
	if got := digestsFor(h, "bob"); len(got) != 1 {
		t.Fatalf("a digest 2½ hours late was sent: %d", len(got))
	}
	sweep(h, at(2026, 11, 23, 9, 0)) // Monday, on time again
	if got := digestsFor(h, "bob"); len(got) != 2 {
		t.Fatalf("digests by Monday = %d, want 2", len(got))
	}
}

// Ensure `digest on` keeps the time chosen before `digest off` (issue 12,
// item 20), and that a new time or zone counts from when it is set: at the
// new time today if it is still ahead, never a second digest the same day.
func TestDigest_OnOffAndChanges(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(at(2026, 11, 19, 7, 0)) // Thursday
	h.Say("bob", `task new "report" due:friday 17:00`)
	h.Expect("bob", "digest 08:30", "every working day at 08:30")
	h.Expect("bob", "digest off", "Daily digest off.")
	h.Expect("bob", "digest", "Your daily digest: off.")
	h.Expect("bob", "digest on", "Your daily digest will come every working day at 08:30.")
	h.Expect("bob", "摘要", "你的每日摘要：每个工作日 08:30")
	sweep(h, at(2026, 11, 19, 8, 30))
	if got := digestsFor(h, "bob"); len(got) != 1 {
		t.Fatalf("digests at 08:30 = %d, want 1", len(got))
	}
	h.SetNow(at(2026, 11, 19, 10, 0))
	h.Expect("bob", "digest 16:00", "every working day at 16:00")
	sweep(h, at(2026, 11, 19, 16, 0))
	if got := digestsFor(h, "bob"); len(got) != 1 {
		t.Fatalf("a second digest the same day after a change of time: %d", len(got))
	}
	// A move to Berlin at 17:00 (10:00 there): 16:00 Berlin time is still
	// ahead, but Thursday had its digest; Friday's comes at 16:00 Berlin
	// time, not Shanghai time.
	berlin := commandstest.MustLoad("Europe/Berlin")
	h.SetNow(at(2026, 11, 19, 17, 0))
	h.Expect("bob", "tz Europe/Berlin", "Your time zone is now Europe/Berlin")
	sweep(h, time.Date(2026, 11, 19, 16, 0, 0, 0, berlin))
	sweep(h, at(2026, 11, 20, 16, 0))
	if got := digestsFor(h, "bob"); len(got) != 1 {
		t.Fatalf("after moving to Berlin: a second digest on Thursday, or one at 16:00 Shanghai time: %d", len(got))
	}
	sweep(h, time.Date(2026, 11, 20, 16, 0, 0, 0, berlin))
	if got := digestsFor(h, "bob"); len(got) != 2 {
		t.Fatalf("digests by 16:00 in Berlin on Friday = %d, want 2", len(got))
	}
}

// Ensure a sweep reads outside the writer and writes in small units: no
// unit reads a task or an account, none handles more than a batch of
// people, and everyone due gets their digest in one sweep (issue 12,
// item 9).
func TestDigest_ReadsOutsideTheWriter(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	start := at(2026, 11, 19, 10, 0)
	const people = 230
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		for i := range people {
			p := &bot.Person{Name: fmt.Sprint("P", i), Handle: fmt.Sprint("p", i)}
			if err := tx.CreatePerson(p, start); err != nil {
				return err
			}
			user := fmt.Sprint("user", i)
			if err := tx.LinkAccount(p.ID, bot.Account{Platform: bot.PlatformConsole, Workspace: "local", UserID: user}, user, start); err != nil {
				return err
			}
			tk := &task.Task{Title: "t", OwnerID: p.ID, CreatorID: p.ID, Priority: task.PriorityNormal, Status: task.Todo,
				Due: start.Add(24 * time.Hour), CreatedAt: start, UpdatedAt: start}
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	spy := &spyStore{Store: h.DB}
	for _, now := range []time.Time{start, at(2026, 11, 20, 9, 0)} {
		if err := digestHandler(h, spy).Sweep(context.Background(), nil, now); err != nil {
			t.Fatal(err)
		}
	}
	if spy.readsInUnits != 0 {
		t.Errorf("%d task or account reads inside write units", spy.readsInUnits)
	}
	if spy.maxPeoplePerUnit > 100 || spy.units < 2*3 {
		t.Errorf("units = %d, at most %d people in one: want batches of at most 100", spy.units, spy.maxPeoplePerUnit)
	}
	n := 0
	for i := range people {
		n += len(digestsFor(h, fmt.Sprint("user", i)))
	}
	if n != people {
		t.Errorf("digests = %d, want %d", n, people)
	}
}

// spyStore watches what the write units of a sweep do.
type spyStore struct {
	bot.Store
	units, maxPeoplePerUnit, readsInUnits int
}

func (s *spyStore) Update(ctx context.Context, fn func(bot.Tx) error) error {
	s.units++
	return s.Store.Update(ctx, func(tx bot.Tx) error {
		spy := &spyTx{Tx: tx, taskStore: task.From(tx), digestStore: botdigest.From(tx), s: s}
		err := fn(spy)
		s.maxPeoplePerUnit = max(s.maxPeoplePerUnit, spy.people)
		return err
	})
}

// spyTx passes the task and digest contracts on (task.From and digest.From
// find them on the unit by type assertion), watching some of their calls.
type spyTx struct {
	bot.Tx
	taskStore
	digestStore
	s      *spyStore
	people int
}

type (
	taskStore   = task.Store
	digestStore = botdigest.Store
)

func (t *spyTx) FindTasks(f task.Filter) ([]*task.Task, error) {
	t.s.readsInUnits++
	return t.taskStore.FindTasks(f)
}

func (t *spyTx) AccountsOf(id int64) ([]bot.LinkedAccount, error) {
	t.s.readsInUnits++
	return t.Tx.AccountsOf(id)
}

func (t *spyTx) SetDigestNext(id int64, was, next time.Time) (bool, error) {
	t.people++
	return t.digestStore.SetDigestNext(id, was, next)
}

// Ensure a sweep leaves alone someone who changed their digest after it read
// them: the change stands, and the digest comes at the new time.
func TestDigest_ChangeDuringSweep(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(at(2026, 11, 19, 10, 0))
	h.Say("bob", `task new "report" due:friday 17:00`)
	sweep(h, at(2026, 11, 19, 10, 1))
	store := &hookStore{Store: h.DB, beforeUpdate: func() {
		h.SetNow(at(2026, 11, 20, 9, 0))
		h.Expect("bob", "digest 10:00", "every working day at 10:00")
	}}
	if err := digestHandler(h, store).Sweep(context.Background(), nil, at(2026, 11, 20, 9, 0)); err != nil {
		t.Fatal(err)
	}
	if got := digestsFor(h, "bob"); len(got) != 0 {
		t.Fatalf("the sweep that read bob before his change sent the 09:00 digest: %d", len(got))
	}
	sweep(h, at(2026, 11, 20, 9, 30))
	sweep(h, at(2026, 11, 20, 10, 0))
	if got := digestsFor(h, "bob"); len(got) != 1 {
		t.Fatalf("digests by 10:00 = %d, want 1", len(got))
	}
}

// hookStore runs beforeUpdate once, before the first write unit.
type hookStore struct {
	bot.Store
	beforeUpdate func()
}

func (s *hookStore) Update(ctx context.Context, fn func(bot.Tx) error) error {
	if f := s.beforeUpdate; f != nil {
		s.beforeUpdate = nil
		f()
	}
	return s.Store.Update(ctx, fn)
}
