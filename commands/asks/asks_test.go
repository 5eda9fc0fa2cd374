package asks_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands/asks"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/features"
)

// testKind is a feature of the tests' own: a card with one button, a
// reminder naming the ask, and a count of the deadlines it was told of.
type testKind struct{ expired int }

func (k *testKind) Card(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) bot.Card {
	state := "waiting"
	if r.State == ask.Answered {
		state = "answered " + r.Answer
	}
	return bot.Card{Title: a.Ref() + " " + a.Title, Fields: []bot.Field{{Label: "state", Value: state}},
		Buttons: []bot.Button{{ActionID: "testask", Value: a.Ref(), Label: "OK", Typed: "ok " + a.Ref()}}}
}

func (k *testKind) Reminder(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) string {
	return "please answer " + a.Ref()
}

func (k *testKind) Expired(tx bot.Tx, a *ask.Ask, now time.Time) error { k.expired++; return nil }

// flaky is a store whose units fail from the failAt-th on (a crash in the
// middle of a sweep), while failAt > 0.
type flaky struct {
	bot.Store
	units, failAt int
}

func (f *flaky) Update(ctx context.Context, fn func(bot.Tx) error) error {
	f.units++
	if f.failAt > 0 && f.units >= f.failAt {
		return errors.New("crash")
	}
	return f.Store.Update(ctx, fn)
}

type world struct {
	*commandstest.Harness
	eng    *asks.Engine
	kind   *testKind
	store  *flaky
	reader *fakeReader
}

// fakeReader is Feishu's read receipts: who read which message.
type fakeReader struct {
	reads  []bot.MessageRead
	asked  [][]string
	window time.Duration
}

func (f *fakeReader) MessageReads(_ context.Context, _ string, ids []string) ([]bot.MessageRead, error) {
	f.asked = append(f.asked, ids)
	var out []bot.MessageRead
	for _, r := range f.reads {
		if slices.Contains(ids, r.RemoteID) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeReader) ReadWindow() time.Duration { return f.window }

// newWorld starts a harness whose asks engine has the test kind, sweeps
// of two people a unit, and options (a calendar).
func newWorld(t *testing.T, options ...func(*features.Deps)) *world {
	w := &world{kind: &testKind{}, reader: &fakeReader{window: 7 * 24 * time.Hour}}
	options = append(options, func(d *features.Deps) {
		w.store = &flaky{Store: d.Store}
		w.eng = asks.New(asks.Deps{Store: w.store, Calendar: d.Calendar, DefaultLang: bot.LangEN, DefaultTZ: commandstest.Shanghai,
			Readers: func(platform, workspace string) bot.ReadReporter {
				if platform == bot.PlatformFeishu && workspace == "tenant" {
					return w.reader
				}
				return nil
			}})
		w.eng.Register(ask.Announcement, w.kind)
		w.eng.SetBatch(2)
		d.AskEngine = w.eng
	})
	w.Harness = commandstest.New(t, options...)
	// The features' modules registered their own words for their kinds
	// while the harness was built; the test's kind is registered again.
	w.eng.Register(ask.Announcement, w.kind)
	return w
}

// people meets ann and bob on Slack, cat on Feishu, and dan, eve and zed
// on the console, and makes Sales (ann heads: bob, cat) and Design (dan
// heads: eve); zed is in no department.
func (w *world) people() {
	w.SendOn(bot.PlatformSlack, "T1", "U1", "ann", "whoami")
	w.SendOn(bot.PlatformSlack, "T1", "U2", "bob", "whoami")
	w.SendOn(bot.PlatformFeishu, "tenant", "ou_3", "cat", "whoami")
	w.Meet("dan", "eve", "zed")
	w.Depts(map[string][]string{"Sales": {"ann", "bob", "cat"}, "Design": {"dan", "eve"}})
}

func (w *world) update(fn func(tx bot.Tx) error) {
	w.T.Helper()
	if err := w.DB.Update(context.Background(), fn); err != nil {
		w.T.Fatal(err)
	}
}

func (w *world) dept(name string) int64 {
	var id int64
	w.update(func(tx bot.Tx) error {
		d, err := tx.FindDepartmentByName(name)
		if err == nil {
			id = d.ID
		}
		return err
	})
	return id
}

// send creates an announcement by zed to Sales and Design and sends it.
func (w *world) send(deadline time.Time) *ask.Ask {
	w.T.Helper()
	a := &ask.Ask{Kind: ask.Announcement, Title: "New expense rules", AuthorID: w.Person("zed").ID, Status: ask.Draft,
		Audience: ask.Audience{DeptIDs: []int64{w.dept("Sales"), w.dept("Design")}}, Deadline: deadline, CreatedAt: w.Now()}
	w.update(func(tx bot.Tx) error {
		if err := ask.From(tx).CreateAsk(a); err != nil {
			return err
		}
		return w.eng.Send(tx, a, w.Now())
	})
	return a
}

func (w *world) job(a *ask.Ask, sort string) *bot.Job {
	w.T.Helper()
	js := w.Jobs(bot.JobFilter{DedupKey: asks.Key(a.ID, sort)})
	if len(js) != 1 {
		w.T.Fatalf("jobs %s of %s: %d", sort, a.Ref(), len(js))
	}
	return js[0]
}

// cards counts the queued cards of a per person handle, with the
// platform each went to.
func (w *world) cards(a *ask.Ask) map[string][]string {
	w.T.Helper()
	got := map[string][]string{}
	w.update(func(tx bot.Tx) error {
		out, err := tx.FindOutgoing(bot.OutboxQueued, 1000)
		if err != nil {
			return err
		}
		for _, o := range out {
			if o.Msg.Card == nil || o.Msg.Edit != nil || !strings.HasPrefix(o.Msg.Card.Subject, asks.Subject(a)+"/") {
				continue
			}
			who := o.To.ChatID
			if p, err := tx.FindPersonByAccount(bot.Account{Platform: o.To.Platform, Workspace: o.To.Workspace, UserID: o.To.UserID}); err == nil && o.To.ChatID == "" {
				who = p.Handle
			}
			got[who] = append(got[who], o.To.Platform)
		}
		return nil
	})
	return got
}

func (w *world) line(a *ask.Ask, handle string) *ask.Recipient {
	w.T.Helper()
	var r *ask.Recipient
	w.update(func(tx bot.Tx) (err error) { r, err = ask.From(tx).FindRecipient(a.ID, w.Person(handle).ID, 0); return })
	return r
}

func TestFanoutAsksEachPersonOnceOnTheirPlatform(t *testing.T) {
	w := newWorld(t)
	w.people()
	a := w.send(time.Time{})
	w.FetchJob(w.job(a, "fanout"))
	got := w.cards(a)
	want := map[string][]string{"ann": {"slack"}, "bob": {"slack"}, "cat": {"feishu"}, "dan": {"console"}, "eve": {"console"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("cards: got %v, want %v", got, want)
	}
	if r := w.line(a, "cat"); r.OutboxID == 0 || r.State != ask.Pending || r.Role != ask.Reader {
		t.Fatalf("cat's line: %+v", r)
	}
}

func TestFanoutRestartedAfterACrashAsksNobodyTwice(t *testing.T) {
	w := newWorld(t)
	w.people()
	a := w.send(time.Time{})
	j := w.job(a, "fanout")
	// Sales' first page (two people) commits; the unit after it crashes.
	w.store.units, w.store.failAt = 0, 2
	if err := w.eng.Fanout(context.Background(), j, a.ID, w.Now()); err == nil {
		t.Fatal("the crashed fan-out reported no error")
	}
	if n := len(w.cards(a)); n != 2 {
		t.Fatalf("before the crash %d people were asked, want 2", n)
	}
	w.store.failAt = 0
	w.FetchJob(j)
	for who, platforms := range w.cards(a) {
		if len(platforms) != 1 {
			t.Errorf("%s got %d cards", who, len(platforms))
		}
	}
	if n := len(w.cards(a)); n != 5 {
		t.Fatalf("after the restart %d people were asked, want 5", n)
	}
}

func TestGroupsGetTheCardOnce(t *testing.T) {
	w := newWorld(t)
	w.people()
	w.Admin("zed")
	w.SayIn("C-sales", "zed", "group bind dept:Sales")
	a := &ask.Ask{Kind: ask.Announcement, Title: "Offsite", AuthorID: w.Person("zed").ID,
		Audience: ask.Audience{DeptIDs: []int64{w.dept("Sales")}, Groups: true}, CreatedAt: w.Now()}
	w.update(func(tx bot.Tx) error {
		if err := ask.From(tx).CreateAsk(a); err != nil {
			return err
		}
		return w.eng.Send(tx, a, w.Now())
	})
	j := w.job(a, "fanout")
	w.FetchJob(j)
	if err := w.eng.Fanout(context.Background(), nil, a.ID, w.Now()); err != nil { // run again by hand
		t.Fatal(err)
	}
	if got := w.cards(a)["C-sales"]; len(got) != 1 {
		t.Fatalf("the bound chat got %v", got)
	}
}

func TestRecordTwice(t *testing.T) {
	w := newWorld(t)
	w.people()
	a := w.send(time.Time{})
	w.FetchJob(w.job(a, "fanout"))
	record := func(answer string) error {
		var err error
		w.DB.Update(context.Background(), func(tx bot.Tx) error {
			r, ferr := ask.From(tx).FindRecipient(a.ID, w.Person("bob").ID, 0)
			if ferr != nil {
				return ferr
			}
			err = w.eng.Record(tx, a, r, answer, "", "slack", w.Now())
			return err
		})
		return err
	}
	if err := record("ack"); err != nil {
		t.Fatal(err)
	}
	first := w.line(a, "bob")
	w.SetNow(w.Now().Add(time.Hour))
	if err := record("ack"); err != nil {
		t.Fatalf("the same answer again: %v", err)
	}
	if again := w.line(a, "bob"); !again.AnsweredAt.Equal(first.AnsweredAt) {
		t.Fatalf("the same answer again changed the line: %v then %v", first.AnsweredAt, again.AnsweredAt)
	}
	if err := record("no"); bot.ErrorCode(err) != bot.ECONFLICT {
		t.Fatalf("a different second answer: %v, want ECONFLICT", err)
	}
	if r := w.line(a, "bob"); r.State != ask.Answered || r.Answer != "ack" || r.Via != "slack" {
		t.Fatalf("bob's line: %+v", r)
	}
}

func TestEndSkipsThePendingAndCancelsTheJobs(t *testing.T) {
	w := newWorld(t)
	w.people()
	a := w.send(w.Now().Add(72 * time.Hour))
	w.FetchJob(w.job(a, "fanout"))
	w.job(a, "remind")
	w.job(a, "deadline")
	w.update(func(tx bot.Tx) error { return w.eng.End(tx, a, ask.Closed, w.Now()) })
	for _, h := range []string{"ann", "bob", "cat", "dan", "eve"} {
		if r := w.line(a, h); r.State != ask.Skipped {
			t.Errorf("%s's line is %s, want skipped", h, r.State)
		}
	}
	for _, sort := range []string{"remind", "deadline"} {
		if js := w.Jobs(bot.JobFilter{DedupKey: asks.Key(a.ID, sort), State: bot.JobPending}); len(js) != 0 {
			t.Errorf("the %s job is still pending", sort)
		}
	}
}

func TestRemindersOnlyOnWorkingDays(t *testing.T) {
	w := newWorld(t, commandstest.WorkCalendar(t))
	w.people()
	// Saturday 14 February 2026 is a working day (made up for the Spring
	// Festival, 15–23 February off).
	w.SetNow(time.Date(2026, 2, 14, 15, 0, 0, 0, commandstest.Shanghai))
	a := w.send(time.Time{})
	w.FetchJob(w.job(a, "fanout"))
	j := w.job(a, "remind")
	if want := time.Date(2026, 2, 24, 10, 0, 0, 0, commandstest.Shanghai); !j.RunAt.Equal(want) {
		t.Fatalf("first reminder at %v, want %v (the first working day after)", j.RunAt, want)
	}
	if j.Schedule != "workdays:10:00" {
		t.Fatalf("reminder schedule %q", j.Schedule)
	}
	w.update(func(tx bot.Tx) error {
		r, err := ask.From(tx).FindRecipient(a.ID, w.Person("bob").ID, 0)
		if err != nil {
			return err
		}
		return w.eng.Record(tx, a, r, "ack", "", "slack", w.Now())
	})
	// A day off (the job run anyway, as after a calendar change): nothing.
	w.SetNow(time.Date(2026, 2, 17, 10, 0, 0, 0, commandstest.Shanghai))
	w.RunRemind(a, j)
	if r := w.line(a, "eve"); r.Reminders != 0 {
		t.Fatalf("reminded on a day off: %+v", r)
	}
	w.SetNow(time.Date(2026, 2, 24, 10, 0, 0, 0, commandstest.Shanghai))
	w.RunRemind(a, j)
	w.RunRemind(a, j) // run again the same day: nobody twice
	for _, h := range []string{"ann", "cat", "dan", "eve"} {
		if r := w.line(a, h); r.Reminders != 1 {
			t.Errorf("%s reminded %d times, want 1", h, r.Reminders)
		}
	}
	if r := w.line(a, "bob"); r.Reminders != 0 {
		t.Errorf("bob answered and was reminded")
	}
	if got := w.QueuedFor("eve"); !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "please answer "+a.Ref()) }) {
		t.Errorf("eve's messages: %q", got)
	}
	if n := w.events(a, ask.Reminded); n != 1 {
		t.Errorf("%d reminder rounds on the timeline, want 1", n)
	}
}

// RunRemind runs a reminder round without completing the job.
func (w *world) RunRemind(a *ask.Ask, j *bot.Job) {
	w.T.Helper()
	if err := w.eng.Remind(context.Background(), j, a.ID, w.Now()); err != nil {
		w.T.Fatal(err)
	}
}

func (w *world) events(a *ask.Ask, kind ask.EventKind) int {
	var es []*ask.Event
	w.update(func(tx bot.Tx) (err error) { es, err = ask.From(tx).AskEvents(a.ID, 0); return })
	n := 0
	for _, e := range es {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func TestDeadlineEscalatesToEachHead(t *testing.T) {
	w := newWorld(t)
	w.people()
	a := w.send(w.Now().Add(48 * time.Hour))
	w.FetchJob(w.job(a, "fanout"))
	w.update(func(tx bot.Tx) error {
		r, err := ask.From(tx).FindRecipient(a.ID, w.Person("bob").ID, 0)
		if err != nil {
			return err
		}
		return w.eng.Record(tx, a, r, "ack", "", "slack", w.Now())
	})
	w.SetNow(a.Deadline)
	w.FetchJob(w.job(a, "deadline"))
	told := w.escalations(a)
	if len(told) != 3 {
		t.Fatalf("told %v, want ann, dan and zed", told)
	}
	// ann heads Sales: cat (bob answered); dan heads Design: eve; the
	// heads themselves go to the author, zed.
	for who, want := range map[string][]string{"ann": {"@cat", "1 of your people"}, "dan": {"@eve"}, "zed": {"@ann", "@dan", "2 of your people"}} {
		for _, s := range want {
			if !strings.Contains(told[who], s) {
				t.Errorf("%s was told %q, want %q in it", who, told[who], s)
			}
		}
	}
	if strings.Contains(told["ann"], "@bob") {
		t.Errorf("bob answered and was escalated: %q", told["ann"])
	}
	if r := w.line(a, "cat"); r.EscalatedAt.IsZero() {
		t.Error("cat's line has no EscalatedAt")
	}
	if w.kind.expired != 1 {
		t.Errorf("Expired ran %d times", w.kind.expired)
	}
}

func TestAsksListsMineAndShowsTheLedgerToWhoMaySee(t *testing.T) {
	w := newWorld(t)
	w.people()
	a := w.send(time.Time{})
	w.FetchJob(w.job(a, "fanout"))
	w.Expect("eve", "asks", a.Ref(), "ok "+a.Ref())
	w.Expect("zed", "asks", "Nothing is waiting")
	w.Expect("eve", "asks "+a.Ref(), "Only the author")
	w.Expect("zed", "问询 "+a.Ref(), "已回复 0", "未读未回复 5", "@eve (console)")
	w.Expect("dan", "asks "+a.Ref(), "Answered 0", "@cat (feishu)")
	w.Expect("eve", "asks B-x", "is not an ask")
}

func TestReadsAreRecordedApartFromAnswers(t *testing.T) {
	w := newWorld(t)
	w.people()
	a := w.send(time.Time{})
	w.FetchJob(w.job(a, "fanout"))
	cat := w.line(a, "cat")
	w.update(func(tx bot.Tx) error { return tx.MarkSent(cat.OutboxID, "om_cat", w.Now()) })
	readAt := w.Now().Add(20 * time.Minute)
	w.reader.reads = []bot.MessageRead{
		{RemoteID: "om_cat", UserID: "ou_3", At: readAt},
		{RemoteID: "om_cat", UserID: "ou_someone_else", At: readAt}, // a forwarded copy: not cat's read
	}
	w.SetNow(w.Now().Add(time.Hour))
	j := w.job(a, "reads")
	w.FetchJob(j)
	if len(w.reader.asked) != 1 || !slices.Equal(w.reader.asked[0], []string{"om_cat"}) {
		t.Fatalf("Feishu was asked about %v, want [[om_cat]]", w.reader.asked)
	}
	r := w.line(a, "cat")
	if !r.ReadAt.Equal(readAt) || r.ReadVia != bot.PlatformFeishu || r.State != ask.Pending {
		t.Fatalf("cat's line after the read: %+v", r)
	}
	w.Expect("zed", "asks "+a.Ref(), "read, not answered 1", "@cat (feishu) read")
	// Read lines are not asked about again.
	if err := w.eng.PollReads(context.Background(), nil, a.ID, w.Now()); err != nil {
		t.Fatal(err)
	}
	if len(w.reader.asked) != 1 {
		t.Fatalf("asked again about a read card: %v", w.reader.asked)
	}
}

func TestEveryoneIsAskedAPageAtATime(t *testing.T) {
	w := newWorld(t)
	w.people()
	a := &ask.Ask{Kind: ask.Announcement, Title: "All hands", AuthorID: w.Person("zed").ID,
		Audience: ask.Audience{Everyone: true}, CreatedAt: w.Now()}
	w.update(func(tx bot.Tx) error {
		if err := ask.From(tx).CreateAsk(a); err != nil {
			return err
		}
		return w.eng.Send(tx, a, w.Now())
	})
	w.FetchJob(w.job(a, "fanout"))
	if got := w.cards(a); len(got) != 6 || len(got["zed"]) != 1 {
		t.Fatalf("cards: %v, want one for each of the six", got)
	}
}

// A head on leave with a delegate when the deadline passes: the delegate is
// told about the head's people, saying for whom; the head is not.
func TestDeadlineEscalationToAHeadOnLeaveGoesToTheDelegate(t *testing.T) {
	w := newWorld(t)
	w.people()
	a := w.send(w.Now().Add(48 * time.Hour)) // Sunday 22 Nov 10:00
	w.FetchJob(w.job(a, "fanout"))
	if got := w.SendOn(bot.PlatformSlack, "T1", "U1", "ann", "leave 2026-11-22 2026-11-23 delegate:@eve"); !strings.Contains(got, "@eve") {
		t.Fatalf("leave: %q", got)
	}
	w.SetNow(a.Deadline)
	w.FetchJob(w.job(a, "deadline"))
	told := w.escalations(a)
	if _, ok := told["ann"]; ok {
		t.Errorf("ann, on leave with a delegate, was told: %q", told["ann"])
	}
	for _, want := range []string{"For @ann (on leave):", "@bob", "@cat"} {
		if !strings.Contains(told["eve"], want) {
			t.Errorf("eve (ann's delegate) was told %q, want %q in it", told["eve"], want)
		}
	}
	if !strings.Contains(told["dan"], "@eve") {
		t.Errorf("dan, not away, was told %q", told["dan"])
	}
}

// escalations are the queued escalation messages of a, by the handle of
// whom they reach.
func (w *world) escalations(a *ask.Ask) map[string]string {
	w.T.Helper()
	told := map[string]string{}
	w.update(func(tx bot.Tx) error {
		out, err := tx.FindOutgoing(bot.OutboxQueued, 1000)
		for _, o := range out {
			if strings.HasPrefix(o.Key, fmt.Sprintf("ask/%d/escalate/", a.ID)) {
				p, _ := tx.FindPersonByAccount(bot.Account{Platform: o.To.Platform, Workspace: o.To.Workspace, UserID: o.To.UserID})
				told[p.Handle] += o.Msg.Text
			}
		}
		return err
	})
	return told
}

// TestInAudience: everyone, the people named and the departments' members
// are in an ask's audience, as the fan-out resolves it; nobody else is, and
// "no department" is no department's member.
func TestInAudience(t *testing.T) {
	sales, hr := int64(3), int64(4)
	for _, tc := range []struct {
		name string
		aud  ask.Audience
		p    bot.Person
		want bool
	}{
		{"everyone", ask.Audience{Everyone: true}, bot.Person{ID: 9}, true},
		{"named", ask.Audience{PersonIDs: []int64{7, 9}}, bot.Person{ID: 9}, true},
		{"not named", ask.Audience{PersonIDs: []int64{7}}, bot.Person{ID: 9, DeptID: sales}, false},
		{"a member", ask.Audience{DeptIDs: []int64{hr, sales}}, bot.Person{ID: 9, DeptID: sales}, true},
		{"another department", ask.Audience{DeptIDs: []int64{hr}}, bot.Person{ID: 9, DeptID: sales}, false},
		{"no department", ask.Audience{DeptIDs: []int64{0}}, bot.Person{ID: 9}, false},
	} {
		if got := asks.InAudience(&ask.Ask{Audience: tc.aud}, &tc.p); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
