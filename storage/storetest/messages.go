package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// ---- outbox ----

var outboxTests = map[string]func(*testing.T, bot.Store){
	"enqueue is idempotent by key":     testEnqueueKey,
	"coalescing":                       testCoalesce,
	"claim with a lease":               testClaimOutgoing,
	"sent, retry, deferred, dead":      testOutgoingOutcomes,
	"take the recipient's due ones":    testTakeOutgoing,
	"next outgoing at":                 testNextOutgoingAt,
	"a claimed message is not changed": testCoalesceClaimed,
}

var bob = bot.Destination{Platform: "slack", Workspace: "T1", UserID: "U2"}

func enqueue(t *testing.T, s bot.Store, o *bot.Outgoing, now time.Time) (dup bool) {
	t.Helper()
	update(t, s, func(tx bot.Tx) (err error) { dup, err = tx.Enqueue(o, now); return err })
	return dup
}

func claimOut(t *testing.T, s bot.Store, platform string, now time.Time, owner string) []*bot.Outgoing {
	t.Helper()
	var os []*bot.Outgoing
	update(t, s, func(tx bot.Tx) (err error) {
		os, err = tx.ClaimOutgoing(platform, now, time.Minute, owner, 10)
		return err
	})
	return os
}

func outgoing(t *testing.T, s bot.Store, state bot.OutboxState) []*bot.Outgoing {
	t.Helper()
	return view(t, s, func(tx bot.Tx) ([]*bot.Outgoing, error) { return tx.FindOutgoing(state, 100) })
}

func keys(os []*bot.Outgoing) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.Key
	}
	slices.Sort(out)
	return out
}

func testEnqueueKey(t *testing.T, s bot.Store) {
	o := &bot.Outgoing{Key: "in1/r0", To: bob, Msg: bot.Message{Text: "hello"}}
	if enqueue(t, s, o, t0) || o.ID == 0 {
		t.Fatalf("first = %+v", o)
	}
	if !enqueue(t, s, &bot.Outgoing{Key: "in1/r0", To: bob, Msg: bot.Message{Text: "again"}}, t0) {
		t.Fatal("a second message with the key was stored")
	}
	q := outgoing(t, s, bot.OutboxQueued)
	if len(q) != 1 || q[0].Msg.Text != "hello" || q[0].To != bob || !q[0].NextAttempt.Equal(t0) || q[0].Attempts != 0 {
		t.Fatalf("queued = %+v", q)
	}
}

func testCoalesce(t *testing.T, s bot.Store) {
	due := t0.Add(time.Minute)
	first := &bot.Outgoing{Key: "n1", To: bob, Coalesce: "bob/task/1", NextAttempt: due, Msg: bot.Message{Text: "renamed"}}
	enqueue(t, s, first, t0)
	second := &bot.Outgoing{Key: "n2", To: bob, Coalesce: "bob/task/1", NextAttempt: due.Add(30 * time.Second), Msg: bot.Message{Text: "due Friday"}}
	if enqueue(t, s, second, t0.Add(30*time.Second)) || second.ID != first.ID {
		t.Fatalf("second = %+v, want merged into %d", second, first.ID)
	}
	other := &bot.Outgoing{Key: "n3", To: bob, Coalesce: "bob/task/2", NextAttempt: due, Msg: bot.Message{Text: "other task"}}
	enqueue(t, s, other, t0)
	q := outgoing(t, s, bot.OutboxQueued)
	if !slices.Equal(keys(q), []string{"n1", "n3"}) {
		t.Fatalf("queued %v, want the merged n1 and n3", keys(q))
	}
	for _, o := range q {
		if o.Key == "n1" && (o.Msg.Text != "renamed\ndue Friday" || !o.NextAttempt.Equal(due)) {
			t.Fatalf("merged = %q due %v, want both lines, due when the first was", o.Msg.Text, o.NextAttempt)
		}
	}
	// Once due, the row is the sender's: later news starts a new one.
	late := &bot.Outgoing{Key: "n4", To: bob, Coalesce: "bob/task/1", NextAttempt: due.Add(time.Minute), Msg: bot.Message{Text: "late"}}
	enqueue(t, s, late, due)
	if late.ID == first.ID || len(outgoing(t, s, bot.OutboxQueued)) != 3 {
		t.Fatal("news merged into a message that was already due")
	}
}

func testCoalesceClaimed(t *testing.T, s bot.Store) {
	first := &bot.Outgoing{Key: "n1", To: bob, Coalesce: "c", NextAttempt: t0.Add(time.Minute), Msg: bot.Message{Text: "one"}}
	enqueue(t, s, first, t0)
	claimOut(t, s, "slack", t0.Add(time.Minute), "a")
	update(t, s, func(tx bot.Tx) error { return tx.MarkRetry(first.ID, t0.Add(time.Hour), "busy") })
	second := &bot.Outgoing{Key: "n2", To: bob, Coalesce: "c", NextAttempt: t0.Add(2 * time.Minute), Msg: bot.Message{Text: "two"}}
	enqueue(t, s, second, t0.Add(90*time.Second))
	if second.ID == first.ID {
		t.Fatal("news merged into a message a sender had tried")
	}
}

func testClaimOutgoing(t *testing.T, s bot.Store) {
	a := &bot.Outgoing{Key: "a", To: bob, Msg: bot.Message{Text: "a"}}
	later := &bot.Outgoing{Key: "later", To: bob, NextAttempt: t0.Add(time.Hour), Msg: bot.Message{Text: "later"}}
	elsewhere := &bot.Outgoing{Key: "feishu", To: bot.Destination{Platform: "feishu", UserID: "ou"}, Msg: bot.Message{Text: "f"}}
	for _, o := range []*bot.Outgoing{a, later, elsewhere} {
		enqueue(t, s, o, t0)
	}
	got := claimOut(t, s, "slack", t0, "p1")
	if !slices.Equal(keys(got), []string{"a"}) || got[0].Attempts != 1 {
		t.Fatalf("claimed %+v, want a (due, this platform), one attempt counted", got)
	}
	if got := claimOut(t, s, "slack", t0.Add(59*time.Second), "p2"); len(got) != 0 {
		t.Fatalf("claimed %v under p1's lease", keys(got))
	}
	if got := claimOut(t, s, "slack", t0.Add(time.Minute), "p2"); !slices.Equal(keys(got), []string{"a"}) || got[0].Attempts != 2 {
		t.Fatalf("after the lease: %+v", got)
	}
}

func testOutgoingOutcomes(t *testing.T, s bot.Store) {
	sent := &bot.Outgoing{Key: "sent", To: bob, Msg: bot.Message{Text: "1"}}
	retry := &bot.Outgoing{Key: "retry", To: bob, Msg: bot.Message{Text: "2"}}
	deferred := &bot.Outgoing{Key: "deferred", To: bob, Msg: bot.Message{Text: "3"}}
	dead := &bot.Outgoing{Key: "dead", To: bob, Msg: bot.Message{Text: "4"}}
	for _, o := range []*bot.Outgoing{sent, retry, deferred, dead} {
		enqueue(t, s, o, t0)
	}
	claimOut(t, s, "slack", t0, "p")
	next := t0.Add(10 * time.Second)
	update(t, s, func(tx bot.Tx) error {
		return errors.Join(tx.MarkSent(sent.ID, "ts1", t0), tx.MarkRetry(retry.ID, next, "timeout"),
			tx.MarkDeferred(deferred.ID, next), tx.MarkDead(dead.ID, "gone", t0))
	})
	if got := outgoing(t, s, bot.OutboxSent); len(got) != 1 || got[0].Key != "sent" || got[0].RemoteID != "ts1" {
		t.Fatalf("sent = %+v", got)
	}
	if got := view(t, s, func(tx bot.Tx) ([]*bot.Outgoing, error) { return tx.ListOutgoing(bot.OutboxDead, 0, 10) }); len(got) != 1 || got[0].Key != "dead" || got[0].LastError != "gone" {
		t.Fatalf("dead = %+v", got)
	}
	if got := claimOut(t, s, "slack", next.Add(-time.Millisecond), "p"); len(got) != 0 {
		t.Fatalf("claimed %v before their next attempt", keys(got))
	}
	got := claimOut(t, s, "slack", next, "p")
	attempts := map[string]int{}
	for _, o := range got {
		attempts[o.Key] = o.Attempts
	}
	// A retry counted its attempt; a deferral gave it back.
	if len(got) != 2 || attempts["retry"] != 2 || attempts["deferred"] != 1 {
		t.Fatalf("claimed again %v, want retry at 2 attempts and deferred at 1", attempts)
	}
	update(t, s, func(tx bot.Tx) error { return tx.RetryOutgoing(dead.ID, next) })
	update(t, s, func(tx bot.Tx) error {
		return errors.Join(tx.MarkSent(retry.ID, "", next), tx.MarkSent(deferred.ID, "", next))
	})
	if got := claimOut(t, s, "slack", next.Add(time.Minute), "p"); len(got) != 1 || got[0].Key != "dead" || got[0].Attempts != 1 {
		t.Fatalf("a dead message queued again = %+v, want claimed with its attempts reset", got)
	}
	err := s.Update(context.Background(), func(tx bot.Tx) error { return tx.RetryOutgoing(sent.ID, next) })
	wantCode(t, "retrying a sent message", err, bot.ENOTFOUND)
}

func testTakeOutgoing(t *testing.T, s bot.Store) {
	alice := bot.Destination{Platform: bot.PlatformConsole, Workspace: "local", UserID: "alice"}
	for i, o := range []*bot.Outgoing{
		{Key: "1", To: alice, Msg: bot.Message{Text: "one"}},
		{Key: "2", To: bot.Destination{Platform: bot.PlatformConsole, Workspace: "local", UserID: "bob"}, Msg: bot.Message{Text: "not hers"}},
		{Key: "3", To: alice, Msg: bot.Message{Text: "two"}},
		{Key: "4", To: alice, NextAttempt: t0.Add(time.Hour), Msg: bot.Message{Text: "later"}},
	} {
		enqueue(t, s, o, t0.Add(time.Duration(i)*time.Millisecond))
	}
	var got []*bot.Outgoing
	update(t, s, func(tx bot.Tx) (err error) {
		got, err = tx.TakeOutgoing(bot.PlatformConsole, "alice", t0.Add(time.Second), 10)
		return err
	})
	if len(got) != 2 || got[0].Msg.Text != "one" || got[1].Msg.Text != "two" {
		t.Fatalf("taken = %+v, want her due messages in order", got)
	}
	next := view(t, s, func(tx bot.Tx) (time.Time, error) { return tx.NextOutgoingFor(bot.PlatformConsole, "alice") })
	if !next.Equal(t0.Add(time.Hour)) {
		t.Fatalf("her next = %v", next)
	}
	if got := outgoing(t, s, bot.OutboxSent); len(got) != 2 {
		t.Fatalf("taken messages are sent: %v", keys(got))
	}
}

func testNextOutgoingAt(t *testing.T, s bot.Store) {
	next := func() time.Time {
		return view(t, s, func(tx bot.Tx) (time.Time, error) { return tx.NextOutgoingAt("slack") })
	}
	if !next().IsZero() {
		t.Fatal("nothing queued, but a next time")
	}
	enqueue(t, s, &bot.Outgoing{Key: "later", To: bob, NextAttempt: t0.Add(time.Hour), Msg: bot.Message{Text: "x"}}, t0)
	enqueue(t, s, &bot.Outgoing{Key: "feishu", To: bot.Destination{Platform: "feishu", UserID: "ou"}, Msg: bot.Message{Text: "x"}}, t0)
	if !next().Equal(t0.Add(time.Hour)) {
		t.Fatalf("next = %v", next())
	}
}

// ---- inbox ----

var inboxTests = map[string]func(*testing.T, bot.Store){
	"dedup on platform, workspace and key": testInboxDedup,
	"pending, failures, finish":            testInboxPending,
}

func inbound(key, workspace string) *bot.Event {
	return &bot.Event{Platform: "slack", Workspace: workspace, DedupKey: key, ChatID: "C1", ChatType: bot.ChatGroup,
		Sender: bot.Author{UserID: "U1", Name: "Ann"}, Text: "hello"}
}

func insert(t *testing.T, s bot.Store, ev *bot.Event, state bot.InboxState) (dup bool) {
	t.Helper()
	update(t, s, func(tx bot.Tx) (err error) { dup, err = tx.InsertInbound(ev, state, t0); return err })
	return dup
}

func testInboxDedup(t *testing.T, s bot.Store) {
	first := inbound("Ev1", "T1")
	if insert(t, s, first, bot.InboxDone) || first.ID == 0 {
		t.Fatalf("first = %+v", first)
	}
	again := inbound("Ev1", "T1")
	if !insert(t, s, again, bot.InboxDone) || again.ID != first.ID {
		t.Fatalf("redelivery: id %d, want a duplicate of %d", again.ID, first.ID)
	}
	if insert(t, s, inbound("Ev1", "T2"), bot.InboxDone) {
		t.Fatal("the same key in another workspace was taken for a duplicate")
	}
}

func testInboxPending(t *testing.T, s bot.Store) {
	ev := inbound("Ev1", "T1")
	insert(t, s, ev, bot.InboxPending)
	pending := view(t, s, func(tx bot.Tx) ([]int64, error) { return tx.PendingInboundIDs(t0.Add(time.Second), 10) })
	if !slices.Equal(pending, []int64{ev.ID}) {
		t.Fatalf("pending = %v", pending)
	}
	var attempts int
	update(t, s, func(tx bot.Tx) (err error) { attempts, err = tx.RecordInboundFailure(ev, "boom", t0); return err })
	update(t, s, func(tx bot.Tx) (err error) { attempts, err = tx.RecordInboundFailure(ev, "boom", t0); return err })
	if attempts != 2 {
		t.Fatalf("attempts = %d, want 2", attempts)
	}
	got := view(t, s, func(tx bot.Tx) (*bot.Event, error) {
		ev, ok, err := tx.PendingInbound(ev.ID)
		if !ok && err == nil {
			t.Fatal("a pending event is not pending")
		}
		return ev, err
	})
	if got.Text != "hello" || got.Sender.UserID != "U1" {
		t.Fatalf("stored = %+v", got)
	}
	update(t, s, func(tx bot.Tx) error { return tx.FinishInbound(ev.ID, bot.InboxDone, "", t0) })
	err := s.Update(context.Background(), func(tx bot.Tx) error { return tx.FinishInbound(ev.ID, bot.InboxDone, "", t0) })
	if !errors.Is(err, bot.ErrAlreadyHandled) {
		t.Fatalf("finishing twice = %v, want ErrAlreadyHandled", err)
	}
	if pending := view(t, s, func(tx bot.Tx) ([]int64, error) { return tx.PendingInboundIDs(t0.Add(time.Second), 10) }); len(pending) != 0 {
		t.Fatalf("still pending: %v", pending)
	}
}

// ---- people ----

var peopleTests = map[string]func(*testing.T, bot.Store){
	"people and accounts": testPeople,
	"admission":           testAdmission,
}

// testAdmission: a person's admission and when they last asked are kept by
// CreatePerson and UpdatePerson, and read back by every finder.
func testAdmission(t *testing.T, s bot.Store) {
	max := &bot.Person{Name: "Max", Handle: "max", Admission: bot.AdmissionPending, AccessAskedAt: t0}
	acct := bot.Account{Platform: "slack", Workspace: "T1", UserID: "U9"}
	update(t, s, func(tx bot.Tx) error {
		return errors.Join(tx.CreatePerson(max, t0), tx.LinkAccount(max.ID, acct, "Max", t0))
	})
	got := view(t, s, func(tx bot.Tx) (*bot.Person, error) { return tx.FindPersonByAccount(acct) })
	if got.Admission != bot.AdmissionPending || !got.AccessAskedAt.Equal(t0) || got.Admitted() {
		t.Fatalf("created waiting: read %q asked %v", got.Admission, got.AccessAskedAt)
	}
	got.Admission, got.AccessAskedAt = bot.AdmissionRefused, t0.Add(time.Hour)
	update(t, s, func(tx bot.Tx) error { return tx.UpdatePerson(got) })
	if p := view(t, s, func(tx bot.Tx) (*bot.Person, error) { return tx.FindPersonByID(max.ID) }); p.Admission != bot.AdmissionRefused || !p.AccessAskedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("updated to refused: read %q asked %v", p.Admission, p.AccessAskedAt)
	}
	got.Admission = ""
	update(t, s, func(tx bot.Tx) error { return tx.UpdatePerson(got) })
	if p := view(t, s, func(tx bot.Tx) (*bot.Person, error) { return tx.FindPersonByAccount(acct) }); !p.Admitted() {
		t.Fatalf("admitted, read %q", p.Admission)
	}
}

func testPeople(t *testing.T, s bot.Store) {
	ann := &bot.Person{Name: "Ann Lee", Handle: "ann", Role: bot.RoleMember}
	other := &bot.Person{Name: "Ann Other", Handle: "ann", Role: bot.RoleAdmin}
	slack := bot.Account{Platform: "slack", Workspace: "T1", UserID: "U1"}
	feishu := bot.Account{Platform: "feishu", Workspace: "tenant", UserID: "ou_1"}
	update(t, s, func(tx bot.Tx) error {
		return errors.Join(tx.CreatePerson(ann, t0), tx.CreatePerson(other, t0))
	})
	if ann.ID == 0 || other.ID == 0 || ann.ID == other.ID || other.Handle == "ann" {
		t.Fatalf("created %+v and %+v, want ids and unique handles", ann, other)
	}
	update(t, s, func(tx bot.Tx) error {
		return errors.Join(tx.LinkAccount(ann.ID, slack, "Ann", t0), tx.LinkAccount(ann.ID, feishu, "安", t0.Add(time.Second)))
	})
	err := s.Update(context.Background(), func(tx bot.Tx) error { return tx.LinkAccount(other.ID, slack, "x", t0) })
	wantCode(t, "linking another's account", err, bot.ECONFLICT)
	if p := view(t, s, func(tx bot.Tx) (*bot.Person, error) { return tx.FindPersonByAccount(feishu) }); p.ID != ann.ID {
		t.Fatalf("by account = %+v", p)
	}
	err = s.View(context.Background(), func(tx bot.Tx) error {
		_, err := tx.FindPersonByAccount(bot.Account{Platform: "slack", Workspace: "T1", UserID: "nobody"})
		return err
	})
	wantCode(t, "an unknown account", err, bot.ENOTFOUND)
	accts := view(t, s, func(tx bot.Tx) ([]bot.LinkedAccount, error) { return tx.AccountsOf(ann.ID) })
	if len(accts) != 2 || accts[0].Account != slack || accts[1].Account != feishu || accts[1].Name != "安" {
		t.Fatalf("accounts = %+v, want oldest first", accts)
	}
	found := view(t, s, func(tx bot.Tx) ([]*bot.Person, error) { return tx.FindPeopleByName("ANN") })
	if len(found) != 1 || found[0].ID != ann.ID {
		t.Fatalf("by handle, any case = %+v", found)
	}
	ann.Lang, ann.TZ = bot.LangZH, "Asia/Shanghai"
	update(t, s, func(tx bot.Tx) error { return tx.UpdatePerson(ann) })
	if p := view(t, s, func(tx bot.Tx) (*bot.Person, error) { return tx.FindPersonByID(ann.ID) }); p.Lang != bot.LangZH || p.TZ != "Asia/Shanghai" || p.Name != "Ann Lee" {
		t.Fatalf("updated = %+v", p)
	}
}
