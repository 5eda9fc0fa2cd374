package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
)

// askTests hold a store to ask.Store: what it keeps of an ask (JSON fields,
// zero times), the lists newest first and paged, the ledger (idempotent
// adds, paging by person id, counts), a person's pending asks, the
// deliveries to poll for read receipts, anonymous ballots and the timeline.
var askTests = map[string]func(*testing.T, bot.Store){
	"create, find, update":                        testAskCreateFindUpdate,
	"lists: filters, newest first, paged":         testAskLists,
	"ledger: adds are idempotent":                 testAskAddRecipients,
	"ledger: find and update a line":              testAskRecipientUpdate,
	"ledger: paged by person id, state and step":  testAskRecipientPaging,
	"ledger: counts, pending skipped":             testAskCounts,
	"pending asks: waiting ones, oldest first":    testPendingAsks,
	"unread deliveries: sent, unanswered, unread": testUnreadDeliveries,
	"ballots: one per token, tally per option":    testAskBallots,
	"timeline, oldest first":                      testAskTimeline,
}

// askWorld is what asks refer to: n people (ids ascending) and a
// department.
type askWorld struct {
	people []*bot.Person
	sales  *bot.Department
}

func newAskWorld(t *testing.T, s bot.Store, n int) askWorld {
	t.Helper()
	w := askWorld{sales: &bot.Department{Name: "Sales"}}
	for i := range n {
		w.people = append(w.people, &bot.Person{Name: fmt.Sprintf("P%d", i), Handle: fmt.Sprintf("p%d", i)})
	}
	update(t, s, func(tx bot.Tx) error {
		errs := []error{tx.CreateDepartment(w.sales)}
		for _, p := range w.people {
			errs = append(errs, tx.CreatePerson(p, t0))
		}
		return errors.Join(errs...)
	})
	return w
}

// newAsk is an open announcement by the world's first person.
func (w askWorld) newAsk(title string) *ask.Ask {
	return &ask.Ask{Kind: ask.Announcement, Title: title, AuthorID: w.people[0].ID, Status: ask.Open, CreatedAt: t0}
}

func createAsks(t *testing.T, s bot.Store, as ...*ask.Ask) {
	t.Helper()
	updateEach(t, s, as, func(tx bot.Tx, a *ask.Ask) error { return ask.From(tx).CreateAsk(a) })
}

// addLines adds a pending line at step for each person to the ask and
// returns how many were added.
func addLines(t *testing.T, s bot.Store, askID int64, step int, role ask.Role, people ...*bot.Person) (added int) {
	t.Helper()
	rs := make([]*ask.Recipient, len(people))
	for i, p := range people {
		rs[i] = &ask.Recipient{AskID: askID, PersonID: p.ID, Step: step, Role: role, State: ask.Pending}
	}
	update(t, s, func(tx bot.Tx) (err error) { added, err = ask.From(tx).AddRecipients(rs); return err })
	return added
}

func askLines(t *testing.T, s bot.Store, askID int64, f ask.RecipientFilter) string {
	t.Helper()
	rs := view(t, s, func(tx bot.Tx) ([]*ask.Recipient, error) { return ask.From(tx).Recipients(askID, f) })
	out := ""
	for _, r := range rs {
		out += fmt.Sprintf("%d/%d ", r.PersonID, r.Step)
	}
	return out
}

func askTitles(as []*ask.Ask) string {
	out := ""
	for _, a := range as {
		out += a.Title + " "
	}
	return out
}

func testAskCreateFindUpdate(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 2)
	a := &ask.Ask{Kind: ask.Vote, Title: "Offsite", Body: "Where shall we go?", AuthorID: w.people[0].ID,
		DeptID: w.sales.ID, Status: ask.Draft,
		Audience: ask.Audience{DeptIDs: []int64{w.sales.ID}, PersonIDs: []int64{w.people[1].ID}, Groups: true},
		Options:  []string{"Hangzhou", "杭州 West Lake", "Online"},
		Fields:   []ask.Field{{Key: "kind", Value: "laptop"}, {Key: "amount", Value: "¥8,000"}},
		Subject:  "project/3", Deadline: t0.Add(48 * time.Hour), Anonymous: true, Salt: []byte{1, 2, 0, 255},
		Origin:    bot.Destination{Platform: "feishu", Workspace: "tenant", ChatID: "oc_1", ThreadID: "om_9"},
		CreatedAt: t0}
	createAsks(t, s, a)
	if a.ID == 0 {
		t.Fatal("CreateAsk did not set the id")
	}
	find := func(id int64) *ask.Ask {
		return view(t, s, func(tx bot.Tx) (*ask.Ask, error) { return ask.From(tx).FindAsk(id) })
	}
	if got := find(a.ID); !reflect.DeepEqual(got, a) {
		t.Fatalf("found\n%+v\nwant\n%+v", got, a)
	}

	// Every field but the id, kind, salt and creation time is updated;
	// times and references may go back to zero.
	changed := *a
	changed.Kind, changed.Salt, changed.CreatedAt = ask.Request, []byte{9}, t0.Add(time.Hour)
	changed.Title, changed.Body, changed.Status, changed.Step = "Offsite 2027", "", ask.Open, 2
	changed.DeptID, changed.Deadline, changed.Anonymous, changed.Subject = 0, time.Time{}, false, "ask/1"
	changed.Audience, changed.Options = ask.Audience{Everyone: true}, []string{"Yes", "No"}
	changed.Fields, changed.Origin = []ask.Field{{Key: "reason", Value: "team"}}, bot.Destination{Platform: "slack", Workspace: "T1", UserID: "U1"}
	changed.SentAt, changed.ClosedAt = t0.Add(time.Minute), t0.Add(2*time.Hour)
	update(t, s, func(tx bot.Tx) error { return ask.From(tx).UpdateAsk(&changed) })
	want := changed
	want.Kind, want.Salt, want.CreatedAt = a.Kind, a.Salt, a.CreatedAt
	if got := find(a.ID); !reflect.DeepEqual(got, &want) {
		t.Fatalf("after update found\n%+v\nwant\n%+v", got, &want)
	}

	// A minimal ask: no options, fields or salt, no times but its creation.
	bare := &ask.Ask{Kind: ask.Announcement, Title: "Bare", Status: ask.Draft, CreatedAt: t0}
	createAsks(t, s, bare)
	if got := find(bare.ID); !reflect.DeepEqual(got, bare) {
		t.Fatalf("bare ask found\n%+v\nwant\n%+v", got, bare)
	}

	err := s.View(t.Context(), func(tx bot.Tx) error { _, err := ask.From(tx).FindAsk(bare.ID + 100); return err })
	wantCode(t, "find a missing ask", err, bot.ENOTFOUND)
	err = s.Update(t.Context(), func(tx bot.Tx) error {
		return ask.From(tx).UpdateAsk(&ask.Ask{ID: bare.ID + 100, Title: "x", Status: ask.Open, CreatedAt: t0})
	})
	wantCode(t, "update a missing ask", err, bot.ENOTFOUND)
	err = s.Update(t.Context(), func(tx bot.Tx) error {
		return ask.From(tx).CreateAsk(&ask.Ask{Kind: ask.Request, Title: "x", AuthorID: 999999, Status: ask.Draft, CreatedAt: t0})
	})
	wantCode(t, "create an ask by nobody", err, bot.ENOTFOUND)
}

func testAskLists(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 2)
	ann, bob := w.people[0], w.people[1]
	mk := func(title string, kind ask.Kind, status ask.Status, author *bot.Person) *ask.Ask {
		return &ask.Ask{Kind: kind, Title: title, AuthorID: author.ID, Status: status, CreatedAt: t0}
	}
	createAsks(t, s,
		mk("a1", ask.Announcement, ask.Open, ann), mk("r1", ask.Request, ask.Open, bob), mk("v1", ask.Vote, ask.Closed, ann),
		mk("a2", ask.Announcement, ask.Closed, bob), mk("r2", ask.Request, ask.Approved, ann), mk("a3", ask.Announcement, ask.Open, ann))
	// Feedback forms are found by their subject (ask.Filter.Subject).
	f1, f2 := mk("f1", ask.Feedback, ask.Closed, ann), mk("f2", ask.Feedback, ask.Open, ann)
	f1.Subject, f2.Subject = "ticket/7", "ticket/8"
	createAsks(t, s, f1, f2)
	for _, c := range []struct {
		f    ask.Filter
		want string
	}{
		{ask.Filter{Limit: 6, Offset: 2}, "a3 r2 a2 v1 r1 a1 "},
		{ask.Filter{Kind: ask.Announcement}, "a3 a2 a1 "},
		{ask.Filter{Status: ask.Open}, "f2 a3 r1 a1 "},
		{ask.Filter{AuthorID: ann.ID, Offset: 2}, "a3 r2 v1 a1 "},
		{ask.Filter{Kind: ask.Announcement, Status: ask.Open, AuthorID: ann.ID}, "a3 a1 "},
		{ask.Filter{Offset: 2, Limit: 2}, "a3 r2 "},
		{ask.Filter{Offset: 4, Limit: 2}, "a2 v1 "},
		{ask.Filter{Kind: ask.Announcement, Offset: 1, Limit: 5}, "a2 a1 "},
		{ask.Filter{Kind: ask.Vote}, "v1 "},
		{ask.Filter{Subject: "ticket/7"}, "f1 "},
		{ask.Filter{Kind: ask.Feedback, Subject: "ticket/8", Status: ask.Open}, "f2 "},
		{ask.Filter{Subject: "ticket/9"}, ""},
	} {
		got := askTitles(view(t, s, func(tx bot.Tx) ([]*ask.Ask, error) { return ask.From(tx).FindAsks(c.f) }))
		if got != c.want {
			t.Errorf("FindAsks(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
}

func testAskAddRecipients(t *testing.T, s bot.Store) {
	// More people than one insert statement takes, so that adds span
	// batches.
	const n = 1203
	w := newAskWorld(t, s, n)
	a := w.newAsk("All hands")
	createAsks(t, s, a)
	if got := addLines(t, s, a.ID, 0, ask.Reader, w.people[:700]...); got != 700 {
		t.Fatalf("first add: added %d, want 700", got)
	}
	// A fan-out run again after a crash: the first 700 are there already.
	if got := addLines(t, s, a.ID, 0, ask.Reader, w.people...); got != n-700 {
		t.Fatalf("second add: added %d, want %d", got, n-700)
	}
	if got := addLines(t, s, a.ID, 0, ask.Reader, w.people...); got != 0 {
		t.Fatalf("third add: added %d, want 0", got)
	}
	// Another step is another line.
	if got := addLines(t, s, a.ID, 1, ask.Approver, w.people[0]); got != 1 {
		t.Fatalf("add at step 1: added %d, want 1", got)
	}
	c := view(t, s, func(tx bot.Tx) (ask.Counts, error) { return ask.From(tx).CountRecipients(a.ID, 0) })
	if c.Total != n || c.Pending != n {
		t.Fatalf("counts of step 0 = %+v, want %d pending", c, n)
	}
	if got := addLines(t, s, a.ID, 0, ask.Reader); got != 0 {
		t.Fatalf("adding nobody added %d", got)
	}
	err := s.Update(t.Context(), func(tx bot.Tx) error {
		_, err := ask.From(tx).AddRecipients([]*ask.Recipient{{AskID: a.ID, PersonID: 99999999, Role: ask.Reader, State: ask.Pending}})
		return err
	})
	wantCode(t, "add a person who does not exist", err, bot.ENOTFOUND)
	err = s.Update(t.Context(), func(tx bot.Tx) error {
		_, err := ask.From(tx).AddRecipients([]*ask.Recipient{{AskID: a.ID + 1, PersonID: w.people[0].ID, Role: ask.Reader, State: ask.Pending}})
		return err
	})
	wantCode(t, "add to an ask that does not exist", err, bot.ENOTFOUND)
}

func testAskRecipientUpdate(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 3)
	a := w.newAsk("Laptop")
	a.Kind = ask.Request
	createAsks(t, s, a)
	full := &ask.Recipient{AskID: a.ID, PersonID: w.people[1].ID, Step: 1, Role: ask.Approver, OnBehalfOf: w.people[2].ID,
		State: ask.Pending, OutboxID: 42, SentAt: t0.Add(time.Minute)}
	update(t, s, func(tx bot.Tx) error { _, err := ask.From(tx).AddRecipients([]*ask.Recipient{full}); return err })
	find := func(person int64, step int) (*ask.Recipient, error) {
		var r *ask.Recipient
		err := s.View(t.Context(), func(tx bot.Tx) (err error) { r, err = ask.From(tx).FindRecipient(a.ID, person, step); return err })
		return r, err
	}
	if got, err := find(full.PersonID, 1); err != nil || !reflect.DeepEqual(got, full) {
		t.Fatalf("found %+v, %v; want %+v", got, err, full)
	}
	_, err := find(full.PersonID, 2)
	wantCode(t, "find the line of another step", err, bot.ENOTFOUND)
	_, err = find(w.people[0].ID, 1)
	wantCode(t, "find the line of someone not asked", err, bot.ENOTFOUND)

	answered := *full
	answered.State, answered.Answer, answered.Comment, answered.Via = ask.Answered, "approve", "ok, 同意", "dingtalk"
	answered.AnsweredAt, answered.ReadAt, answered.ReadVia = t0.Add(time.Hour), t0.Add(30*time.Minute), "dingtalk"
	answered.Reminders, answered.RemindedAt, answered.EscalatedAt = 2, t0.Add(20*time.Minute), t0.Add(25*time.Minute)
	answered.OnBehalfOf, answered.OutboxID = 0, 43
	update(t, s, func(tx bot.Tx) error { return ask.From(tx).UpdateRecipient(&answered) })
	if got, err := find(full.PersonID, 1); err != nil || !reflect.DeepEqual(got, &answered) {
		t.Fatalf("after update found %+v, %v; want %+v", got, err, &answered)
	}
	// Times go back to zero.
	cleared := answered
	cleared.SentAt, cleared.AnsweredAt, cleared.ReadAt, cleared.RemindedAt, cleared.EscalatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	cleared.OutboxID = 0
	update(t, s, func(tx bot.Tx) error { return ask.From(tx).UpdateRecipient(&cleared) })
	if got, err := find(full.PersonID, 1); err != nil || !reflect.DeepEqual(got, &cleared) {
		t.Fatalf("after clearing found %+v, %v; want %+v", got, err, &cleared)
	}
	err = s.Update(t.Context(), func(tx bot.Tx) error {
		missing := cleared
		missing.Step = 3
		return ask.From(tx).UpdateRecipient(&missing)
	})
	wantCode(t, "update a line that is not there", err, bot.ENOTFOUND)
}

func testAskRecipientPaging(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 6)
	p := w.people
	a, other := w.newAsk("Budget"), w.newAsk("Other")
	createAsks(t, s, a, other)
	addLines(t, s, a.ID, 0, ask.Reader, p[5], p[1], p[3], p[0], p[4]) // out of order on purpose
	addLines(t, s, a.ID, 1, ask.Approver, p[2], p[3])
	addLines(t, s, other.ID, 0, ask.Reader, p[2])
	update(t, s, func(tx bot.Tx) error {
		st := ask.From(tx)
		for _, who := range []*bot.Person{p[1], p[4]} {
			r, err := st.FindRecipient(a.ID, who.ID, 0)
			if err != nil {
				return err
			}
			r.State, r.Answer, r.AnsweredAt = ask.Answered, "ack", t0
			if err := st.UpdateRecipient(r); err != nil {
				return err
			}
		}
		return nil
	})
	id := func(i int) string { return fmt.Sprint(p[i].ID) }
	for _, c := range []struct {
		f    ask.RecipientFilter
		want string
	}{
		{ask.RecipientFilter{Step: -1}, id(0) + "/0 " + id(1) + "/0 " + id(2) + "/1 " + id(3) + "/0 " + id(3) + "/1 " + id(4) + "/0 " + id(5) + "/0 "},
		{ask.RecipientFilter{Step: 0}, id(0) + "/0 " + id(1) + "/0 " + id(3) + "/0 " + id(4) + "/0 " + id(5) + "/0 "},
		{ask.RecipientFilter{Step: 0, Limit: 2}, id(0) + "/0 " + id(1) + "/0 "},
		{ask.RecipientFilter{Step: 0, AfterPersonID: p[1].ID, Limit: 2}, id(3) + "/0 " + id(4) + "/0 "},
		{ask.RecipientFilter{Step: 0, AfterPersonID: p[4].ID, Limit: 2}, id(5) + "/0 "},
		{ask.RecipientFilter{Step: 0, AfterPersonID: p[5].ID, Limit: 2}, ""},
		{ask.RecipientFilter{Step: 1}, id(2) + "/1 " + id(3) + "/1 "},
		{ask.RecipientFilter{Step: 0, State: ask.Answered}, id(1) + "/0 " + id(4) + "/0 "},
		{ask.RecipientFilter{Step: 0, State: ask.Pending, AfterPersonID: p[0].ID, Limit: 1}, id(3) + "/0 "},
		{ask.RecipientFilter{Step: -1, State: ask.Pending}, id(0) + "/0 " + id(2) + "/1 " + id(3) + "/0 " + id(3) + "/1 " + id(5) + "/0 "},
		{ask.RecipientFilter{Step: -1, State: ask.Skipped}, ""},
	} {
		if got := askLines(t, s, a.ID, c.f); got != c.want {
			t.Errorf("Recipients(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
}

func testAskCounts(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 6)
	p := w.people
	a, other := w.newAsk("Policy"), w.newAsk("Other")
	createAsks(t, s, a, other)
	addLines(t, s, a.ID, 0, ask.Reader, p...)
	addLines(t, s, a.ID, 1, ask.Approver, p[0])
	addLines(t, s, other.ID, 0, ask.Reader, p...)
	set := func(i int, fn func(r *ask.Recipient)) {
		update(t, s, func(tx bot.Tx) error {
			st := ask.From(tx)
			r, err := st.FindRecipient(a.ID, p[i].ID, 0)
			if err != nil {
				return err
			}
			fn(r)
			return st.UpdateRecipient(r)
		})
	}
	set(0, func(r *ask.Recipient) { r.State, r.ReadAt, r.ReadVia = ask.Answered, t0, "feishu" }) // read and answered
	set(1, func(r *ask.Recipient) { r.State = ask.Answered })                                    // answered, no receipt
	set(2, func(r *ask.Recipient) { r.ReadAt, r.ReadVia = t0, "dingtalk" })                      // read, pending
	set(3, func(r *ask.Recipient) { r.ReadAt, r.EscalatedAt = t0, t0 })                          // read, pending, escalated
	set(4, func(r *ask.Recipient) { r.State, r.ReadAt = ask.Skipped, t0 })                       // read, skipped
	count := func(step int) ask.Counts {
		return view(t, s, func(tx bot.Tx) (ask.Counts, error) { return ask.From(tx).CountRecipients(a.ID, step) })
	}
	if got, want := count(0), (ask.Counts{Total: 6, Answered: 2, Pending: 3, Skipped: 1, Read: 4, ReadNotAnswered: 3, Escalated: 1}); got != want {
		t.Errorf("counts of step 0 = %+v, want %+v", got, want)
	}
	if got, want := count(-1), (ask.Counts{Total: 7, Answered: 2, Pending: 4, Skipped: 1, Read: 4, ReadNotAnswered: 3, Escalated: 1}); got != want {
		t.Errorf("counts of every step = %+v, want %+v", got, want)
	}
	if got, want := count(1), (ask.Counts{Total: 1, Pending: 1}); got != want {
		t.Errorf("counts of step 1 = %+v, want %+v", got, want)
	}
	if got := view(t, s, func(tx bot.Tx) (ask.Counts, error) { return ask.From(tx).CountRecipients(a.ID+other.ID+1, -1) }); got != (ask.Counts{}) {
		t.Errorf("counts of no ask = %+v, want zeros", got)
	}
	// Ending the ask skips its pending lines, every step, and no other
	// ask's; answered lines keep their answer.
	var skipped int
	update(t, s, func(tx bot.Tx) (err error) { skipped, err = ask.From(tx).SkipPending(a.ID); return err })
	if skipped != 4 {
		t.Errorf("SkipPending skipped %d lines, want the 4 pending", skipped)
	}
	if got, want := count(-1), (ask.Counts{Total: 7, Answered: 2, Skipped: 5, Read: 4, ReadNotAnswered: 3, Escalated: 1}); got != want {
		t.Errorf("counts after SkipPending = %+v, want %+v", got, want)
	}
	if got := view(t, s, func(tx bot.Tx) (ask.Counts, error) { return ask.From(tx).CountRecipients(other.ID, -1) }); got.Pending != 6 {
		t.Errorf("the other ask's lines after SkipPending: %+v, want 6 pending", got)
	}
}

func testPendingAsks(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 2)
	ann, bob := w.people[0], w.people[1]
	mk := func(title string, status ask.Status) *ask.Ask {
		a := w.newAsk(title)
		a.Status = status
		return a
	}
	open1, closed, open2, review, draft, answered, open3, twoSteps := mk("open1", ask.Open), mk("closed", ask.Closed),
		mk("open2", ask.Open), mk("review", ask.Review), mk("draft", ask.Draft), mk("answered", ask.Open),
		mk("open3", ask.Open), mk("two steps", ask.Open)
	twoSteps.Kind = ask.Request
	createAsks(t, s, open1, closed, open2, review, draft, answered, open3, twoSteps)
	for _, a := range []*ask.Ask{open3, open1, closed, open2, draft, answered} {
		addLines(t, s, a.ID, 0, ask.Reader, bob)
	}
	addLines(t, s, review.ID, 0, ask.Reviewer, bob)
	addLines(t, s, twoSteps.ID, 1, ask.Approver, bob)
	addLines(t, s, twoSteps.ID, 2, ask.Approver, bob)
	addLines(t, s, open2.ID, 0, ask.Reader, ann)
	update(t, s, func(tx bot.Tx) error {
		return ask.From(tx).UpdateRecipient(&ask.Recipient{AskID: answered.ID, PersonID: bob.ID, Role: ask.Reader,
			State: ask.Answered, Answer: "ack", AnsweredAt: t0})
	})
	pending := func(who *bot.Person, offset, limit int) string {
		return askTitles(view(t, s, func(tx bot.Tx) ([]*ask.Ask, error) { return ask.From(tx).PendingAsks(who.ID, "", offset, limit) }))
	}
	if got, want := pending(bob, 0, 0), "open1 open2 review open3 two steps "; got != want {
		t.Errorf("Bob's pending asks = %q, want %q (open or in review, not answered, oldest first, once each)", got, want)
	}
	requests := askTitles(view(t, s, func(tx bot.Tx) ([]*ask.Ask, error) { return ask.From(tx).PendingAsks(bob.ID, ask.Request, 0, 1) }))
	if requests != "two steps " {
		t.Errorf("Bob's pending requests, first page of one = %q, want %q (the kind filtered before paging)", requests, "two steps ")
	}
	if got, want := pending(bob, 1, 2), "open2 review "; got != want {
		t.Errorf("Bob's pending asks, second page = %q, want %q", got, want)
	}
	if got, want := pending(ann, 0, 10), "open2 "; got != want {
		t.Errorf("Ann's pending asks = %q, want %q", got, want)
	}
	// A full ask comes back, not only its title.
	got := view(t, s, func(tx bot.Tx) ([]*ask.Ask, error) { return ask.From(tx).PendingAsks(ann.ID, "", 0, 1) })
	if len(got) != 1 || !reflect.DeepEqual(got[0], open2) {
		t.Errorf("Ann's pending ask = %+v, want %+v", got, open2)
	}
}

func testUnreadDeliveries(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 7)
	p := w.people
	a, other := w.newAsk("Read me"), w.newAsk("Other")
	createAsks(t, s, a, other)
	addLines(t, s, a.ID, 0, ask.Reader, p...)
	addLines(t, s, other.ID, 0, ask.Reader, p[0])
	sentAt := t0.Add(time.Hour)
	// deliver queues a direct message to person i on platform, marks it
	// sent with remoteID (unless "" is given for a message still queued)
	// and records it on the line.
	deliver := func(askID int64, i int, platform, remoteID string, at time.Time, sent bool) {
		update(t, s, func(tx bot.Tx) error {
			o := &bot.Outgoing{Key: fmt.Sprintf("ask/%d/%d", askID, i),
				To: bot.Destination{Platform: platform, Workspace: "ws-" + platform, UserID: fmt.Sprint("u", i)}, Msg: bot.Message{Text: "Read me"}}
			if _, err := tx.Enqueue(o, t0); err != nil {
				return err
			}
			if sent {
				if err := tx.MarkSent(o.ID, remoteID, at); err != nil {
					return err
				}
			}
			st := ask.From(tx)
			r, err := st.FindRecipient(askID, p[i].ID, 0)
			if err != nil {
				return err
			}
			r.OutboxID, r.SentAt = o.ID, at
			return st.UpdateRecipient(r)
		})
	}
	deliver(a.ID, 0, "feishu", "om_0", sentAt, true)
	deliver(a.ID, 1, "feishu", "om_1", sentAt, true)             // answered below
	deliver(a.ID, 2, "feishu", "om_2", sentAt, true)             // read below
	deliver(a.ID, 3, "feishu", "", sentAt, false)                // still queued
	deliver(a.ID, 4, "dingtalk", "ding_4", sentAt, true)         // another platform
	deliver(a.ID, 5, "feishu", "", sentAt, true)                 // sent without a remote id
	deliver(a.ID, 6, "feishu", "om_6", t0.Add(-time.Hour), true) // sent before the window
	deliver(other.ID, 0, "feishu", "om_other", sentAt, true)     // another ask
	update(t, s, func(tx bot.Tx) error {
		st := ask.From(tx)
		r1, err := st.FindRecipient(a.ID, p[1].ID, 0)
		if err != nil {
			return err
		}
		r1.State, r1.Answer = ask.Answered, "ack"
		r2, err := st.FindRecipient(a.ID, p[2].ID, 0)
		if err != nil {
			return err
		}
		r2.ReadAt, r2.ReadVia = sentAt, "feishu"
		return errors.Join(st.UpdateRecipient(r1), st.UpdateRecipient(r2))
	})
	unread := func(platform string, after int64, limit int) []ask.Unread {
		return view(t, s, func(tx bot.Tx) ([]ask.Unread, error) {
			return ask.From(tx).UnreadDeliveries(a.ID, platform, t0, after, limit)
		})
	}
	want := []ask.Unread{{PersonID: p[0].ID, Platform: "feishu", Workspace: "ws-feishu", RemoteID: "om_0", SentAt: sentAt}}
	if got := unread("feishu", 0, 10); !reflect.DeepEqual(got, want) {
		t.Errorf("feishu unread = %+v, want %+v", got, want)
	}
	want = []ask.Unread{{PersonID: p[4].ID, Platform: "dingtalk", Workspace: "ws-dingtalk", RemoteID: "ding_4", SentAt: sentAt}}
	if got := unread("dingtalk", 0, 10); !reflect.DeepEqual(got, want) {
		t.Errorf("dingtalk unread = %+v, want %+v", got, want)
	}
	if got := unread("dingtalk", p[4].ID, 10); len(got) != 0 {
		t.Errorf("dingtalk unread after the last person = %+v, want none", got)
	}
	// Paging: the queued message to person 3 is sent now; two unread
	// feishu lines, read a page of one at a time.
	update(t, s, func(tx bot.Tx) error { return tx.MarkSent(mustOutboxID(t, s, a.ID, p, 3), "om_3", sentAt) })
	first := unread("feishu", 0, 1)
	if len(first) != 1 || first[0].PersonID != p[0].ID {
		t.Fatalf("first page = %+v, want person %d", first, p[0].ID)
	}
	second := unread("feishu", first[0].PersonID, 1)
	if len(second) != 1 || second[0].PersonID != p[3].ID || second[0].RemoteID != "om_3" {
		t.Fatalf("second page = %+v, want person %d with om_3", second, p[3].ID)
	}
	if third := unread("feishu", second[0].PersonID, 1); len(third) != 0 {
		t.Fatalf("third page = %+v, want none", third)
	}
}

// mustOutboxID returns the outbox id recorded on person i's line of the
// ask.
func mustOutboxID(t *testing.T, s bot.Store, askID int64, p []*bot.Person, i int) int64 {
	t.Helper()
	r := view(t, s, func(tx bot.Tx) (*ask.Recipient, error) { return ask.From(tx).FindRecipient(askID, p[i].ID, 0) })
	return r.OutboxID
}

func testAskBallots(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 3)
	vote := w.newAsk("Lunch")
	vote.Kind, vote.Anonymous, vote.Salt, vote.Options = ask.Vote, true, []byte("salt"), []string{"Noodles", "Rice", "Dumplings", "Salad"}
	other := w.newAsk("Other")
	other.Kind, other.Options = ask.Vote, []string{"Yes", "No"}
	createAsks(t, s, vote, other)
	tally := func(id int64) []int {
		return view(t, s, func(tx bot.Tx) ([]int, error) { return ask.From(tx).Tally(id) })
	}
	if got, want := tally(vote.ID), []int{0, 0, 0, 0}; !reflect.DeepEqual(got, want) {
		t.Fatalf("tally before any vote = %v, want %v", got, want)
	}
	cast := func(askID int64, person *bot.Person, choice int) error {
		return s.Update(t.Context(), func(tx bot.Tx) error {
			return ask.From(tx).CastBallot(askID, ask.Token(vote.Salt, person.ID), choice)
		})
	}
	for i, choice := range []int{2, 0, 2} {
		if err := cast(vote.ID, w.people[i], choice); err != nil {
			t.Fatalf("ballot %d: %v", i, err)
		}
	}
	wantCode(t, "vote twice", cast(vote.ID, w.people[0], 1), bot.ECONFLICT)
	// The same token in another vote is another ballot.
	if err := cast(other.ID, w.people[0], 1); err != nil {
		t.Fatalf("vote in another ask: %v", err)
	}
	if got, want := tally(vote.ID), []int{1, 0, 2, 0}; !reflect.DeepEqual(got, want) {
		t.Fatalf("tally = %v, want %v (the refused second ballot not counted)", got, want)
	}
	if got, want := tally(other.ID), []int{0, 1}; !reflect.DeepEqual(got, want) {
		t.Fatalf("other tally = %v, want %v", got, want)
	}
	// A choice that is not an option is refused and marks nobody as having
	// voted.
	wantCode(t, "vote for no option", s.Update(t.Context(), func(tx bot.Tx) error {
		return ask.From(tx).CastBallot(vote.ID, "fresh-token", 4)
	}), bot.EINVALID)
	wantCode(t, "vote for a negative option", s.Update(t.Context(), func(tx bot.Tx) error {
		return ask.From(tx).CastBallot(vote.ID, "fresh-token", -1)
	}), bot.EINVALID)
	if err := s.Update(t.Context(), func(tx bot.Tx) error { return ask.From(tx).CastBallot(vote.ID, "fresh-token", 3) }); err != nil {
		t.Fatalf("a valid ballot with the token a refused one used: %v", err)
	}
	wantCode(t, "vote in no ask", s.Update(t.Context(), func(tx bot.Tx) error {
		return ask.From(tx).CastBallot(vote.ID+other.ID+1, "t", 0)
	}), bot.ENOTFOUND)
	wantCode(t, "tally of no ask", s.View(t.Context(), func(tx bot.Tx) error {
		_, err := ask.From(tx).Tally(vote.ID + other.ID + 1)
		return err
	}), bot.ENOTFOUND)
}

func testAskTimeline(t *testing.T, s bot.Store) {
	w := newAskWorld(t, s, 1)
	a, other := w.newAsk("Timeline"), w.newAsk("Other")
	createAsks(t, s, a, other)
	events := []*ask.Event{
		{AskID: a.ID, ActorID: w.people[0].ID, Kind: ask.Created, At: t0},
		{AskID: other.ID, Kind: ask.Created, At: t0},
		{AskID: a.ID, Kind: ask.Sent, Text: "120 people", At: t0.Add(time.Minute)},
		{AskID: a.ID, Kind: ask.Reminded, Text: "提醒 30 人", At: t0.Add(time.Hour)},
	}
	updateEach(t, s, events, func(tx bot.Tx, e *ask.Event) error { return ask.From(tx).AddAskEvent(e) })
	for _, e := range events {
		if e.ID == 0 {
			t.Fatalf("AddAskEvent did not set the id of %+v", e)
		}
	}
	list := func(limit int) []*ask.Event {
		return view(t, s, func(tx bot.Tx) ([]*ask.Event, error) { return ask.From(tx).AskEvents(a.ID, limit) })
	}
	if got, want := list(0), []*ask.Event{events[0], events[2], events[3]}; !reflect.DeepEqual(got, want) {
		t.Fatalf("timeline = %+v, want %+v", got, want)
	}
	if got := list(2); len(got) != 2 || got[1].ID != events[2].ID {
		t.Fatalf("timeline up to 2 = %+v", got)
	}
	wantCode(t, "an event of no ask", s.Update(t.Context(), func(tx bot.Tx) error {
		return ask.From(tx).AddAskEvent(&ask.Event{AskID: a.ID + other.ID + 1, Kind: ask.Created, At: t0})
	}), bot.ENOTFOUND)
}
