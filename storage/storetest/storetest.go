// Package storetest is the contract every bot.Store must keep: the claim,
// lease, retry and dedup rules the scheduler, the outbox and the bot rely
// on, written once and run against each implementation (storage/sqlite,
// and the in-memory store of the scheduler's tests, memstore). A rule
// checked here is checked for all of them, so a test store cannot drift
// from the real one unnoticed.
package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Part is one area of the contract.
type Part string

// The parts of the contract.
const (
	Jobs   Part = "jobs"   // JobTx, bot.ClaimStands, bot.UpdateClaimed, Nested
	Outbox Part = "outbox" // OutboxTx
	Inbox  Part = "inbox"  // InboxTx
	People Part = "people" // the basics of PeopleTx
	Live   Part = "live"   // CardTx, MediaTx, and what Enqueue and MarkSent do for them
	// Tickets is ticket.Store, which the unit implements beside bot.Tx.
	Tickets Part = "tickets"
	// Meetings is meeting.Store and Bindings bot.BindingTx, which the unit
	// implements beside bot.Tx.
	Meetings Part = "meetings"
	Bindings Part = "bindings"
	// TaskDeps is the subtask and dependency part of task.Store.
	TaskDeps Part = "taskdeps"
	// Standups is standup.Store, which the unit implements beside bot.Tx.
	Standups Part = "standups"
	// Files is files.Store (file links), which the unit implements beside
	// bot.Tx.
	Files Part = "files"
	// Projects is project.Store, which the unit implements beside bot.Tx.
	Projects Part = "projects"
	// Asks is ask.Store, which the unit implements beside bot.Tx.
	Asks Part = "asks"
	// Stats is bot.UsageCounter and stats.Store, which the unit implements
	// beside bot.Tx.
	Stats Part = "stats"
	// Exports is export.Store, which the unit implements beside bot.Tx.
	Exports Part = "exports"
	// Leases is bot.LeaseTx, which the unit implements beside bot.Tx.
	Leases Part = "leases"
	// Secrets is bot.SecretTx, which the unit implements beside bot.Tx.
	Secrets Part = "secrets"
	// Rates is bot.RateTx, which the unit implements beside bot.Tx.
	Rates Part = "rates"
)

// Run runs the contract against stores made by open, which returns a new,
// empty store for each test (closed by the test's cleanup). skip names the
// parts the store does not implement: a store for tests that keeps only
// jobs declares that here, and is held to the rest.
func Run(t *testing.T, open func(t *testing.T) bot.Store, skip ...Part) {
	parts := []struct {
		part  Part
		tests map[string]func(*testing.T, bot.Store)
	}{
		{Jobs, jobTests},
		{Outbox, outboxTests},
		{Inbox, inboxTests},
		{People, peopleTests},
		{Live, liveTests},
		{Tickets, ticketTests},
		{Meetings, meetingTests},
		{Bindings, bindingTests},
		{TaskDeps, taskDepTests},
		{Standups, standupTests},
		{Files, fileTests},
		{Projects, projectTests},
		{Asks, askTests},
		{Stats, statsTests},
		{Exports, exportTests},
		{Leases, leaseTests},
		{Secrets, secretTests},
		{Rates, rateTests},
	}
	for _, p := range parts {
		t.Run(string(p.part), func(t *testing.T) {
			if slices.Contains(skip, p.part) {
				t.Skipf("the store declares it does not implement %s", p.part)
			}
			names := make([]string, 0, len(p.tests))
			for name := range p.tests {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				t.Run(name, func(t *testing.T) { p.tests[name](t, open(t)) })
			}
		})
	}
}

// t0 is the suite's clock: whole milliseconds, as stores keep them.
var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func update(t *testing.T, s bot.Store, fn func(bot.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func view[T any](t *testing.T, s bot.Store, fn func(bot.Tx) (T, error)) T {
	t.Helper()
	var v T
	if err := s.View(context.Background(), func(tx bot.Tx) (err error) { v, err = fn(tx); return err }); err != nil {
		t.Fatal(err)
	}
	return v
}

// updateEach applies fn to each of xs in one unit.
func updateEach[T any](t *testing.T, s bot.Store, xs []T, fn func(bot.Tx, T) error) {
	t.Helper()
	update(t, s, func(tx bot.Tx) error {
		for _, x := range xs {
			if err := fn(tx, x); err != nil {
				return err
			}
		}
		return nil
	})
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if bot.ErrorCode(err) != code {
		t.Fatalf("%s: error %v, want %s", what, err, code)
	}
}

// ---- jobs ----

var jobTests = map[string]func(*testing.T, bot.Store){
	"schedule and dedup":           testScheduleDedup,
	"claim due, oldest first":      testClaimOrder,
	"lease blocks, expiry frees":   testLeaseExpiry,
	"claim stands":                 testClaimStands,
	"complete":                     testComplete,
	"fail, retry, dead":            testFailRetryDead,
	"cancel, reschedule, extend":   testCancelRescheduleExtend,
	"next job at":                  testNextJobAt,
	"nested undoes only its part":  testNested,
	"a failed unit writes nothing": testRollback,
}

func schedule(t *testing.T, s bot.Store, j *bot.Job) (dup bool) {
	t.Helper()
	update(t, s, func(tx bot.Tx) (err error) { dup, err = tx.ScheduleJob(j, t0); return err })
	return dup
}

func claim(t *testing.T, s bot.Store, now time.Time, owner string, limit int) []*bot.Job {
	t.Helper()
	var js []*bot.Job
	update(t, s, func(tx bot.Tx) (err error) { js, err = tx.ClaimJobs(now, time.Minute, owner, limit); return err })
	return js
}

func job(t *testing.T, s bot.Store, id int64) *bot.Job {
	t.Helper()
	return view(t, s, func(tx bot.Tx) (*bot.Job, error) { return tx.FindJobByID(id) })
}

func ids(js []*bot.Job) []int64 {
	out := make([]int64, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

func testScheduleDedup(t *testing.T, s bot.Store) {
	a := &bot.Job{Kind: "k", RunAt: t0, DedupKey: "once", Payload: []byte(`{"x":1}`), OwnerID: 7}
	if schedule(t, s, a) || a.ID == 0 || a.State != bot.JobPending {
		t.Fatalf("first = %+v", a)
	}
	if !schedule(t, s, &bot.Job{Kind: "k", RunAt: t0, DedupKey: "once"}) {
		t.Fatal("a second pending job with the key was stored")
	}
	got := job(t, s, a.ID)
	if got.Kind != "k" || string(got.Payload) != `{"x":1}` || !got.RunAt.Equal(t0) || got.OwnerID != 7 || got.State != bot.JobPending {
		t.Fatalf("stored = %+v", got)
	}
	found := view(t, s, func(tx bot.Tx) ([]*bot.Job, error) { return tx.FindJobs(bot.JobFilter{DedupKey: "once"}) })
	if len(found) != 1 || found[0].ID != a.ID {
		t.Fatalf("by key = %v", ids(found))
	}
	// Once the job is finished, the key is free again.
	update(t, s, func(tx bot.Tx) error { return tx.CompleteJob(a.ID, time.Time{}, t0) })
	if schedule(t, s, &bot.Job{Kind: "k", RunAt: t0, DedupKey: "once"}) {
		t.Fatal("the key of a finished job still blocks")
	}
	if schedule(t, s, &bot.Job{Kind: "k", RunAt: t0}) || schedule(t, s, &bot.Job{Kind: "k", RunAt: t0}) {
		t.Fatal("jobs without a key were taken for duplicates")
	}
}

func testClaimOrder(t *testing.T, s bot.Store) {
	late := &bot.Job{Kind: "k", RunAt: t0.Add(2 * time.Minute)}
	second := &bot.Job{Kind: "k", RunAt: t0}
	first := &bot.Job{Kind: "k", RunAt: t0.Add(-time.Minute)}
	third := &bot.Job{Kind: "k", RunAt: t0}
	for _, j := range []*bot.Job{late, second, first, third} {
		schedule(t, s, j)
	}
	got := claim(t, s, t0, "a", 2)
	if !slices.Equal(ids(got), []int64{first.ID, second.ID}) {
		t.Fatalf("claimed %v, want %v (oldest run time, then id, up to the limit)", ids(got), []int64{first.ID, second.ID})
	}
	for _, j := range got {
		if j.LeaseOwner != "a" || !j.LeaseUntil.Equal(t0.Add(time.Minute)) {
			t.Fatalf("claim = %+v, want leased to a until %v", j, t0.Add(time.Minute))
		}
	}
	if got := claim(t, s, t0, "a", 10); !slices.Equal(ids(got), []int64{third.ID}) {
		t.Fatalf("then %v, want only %d (the rest leased or not due)", ids(got), third.ID)
	}
}

func testLeaseExpiry(t *testing.T, s bot.Store) {
	j := &bot.Job{Kind: "k", RunAt: t0}
	schedule(t, s, j)
	if got := claim(t, s, t0, "a", 10); len(got) != 1 {
		t.Fatalf("claimed %v", ids(got))
	}
	if got := claim(t, s, t0.Add(59*time.Second), "b", 10); len(got) != 0 {
		t.Fatalf("claimed %v while a's lease holds", ids(got))
	}
	got := claim(t, s, t0.Add(time.Minute), "b", 10)
	if len(got) != 1 || got[0].LeaseOwner != "b" || !got[0].LeaseUntil.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("after the lease ran out: %+v", got)
	}
	if j := job(t, s, j.ID); j.LeaseOwner != "b" || j.Attempts != 0 {
		t.Fatalf("stored = %+v: a claim is not an attempt", j)
	}
}

func testClaimStands(t *testing.T, s bot.Store) {
	schedule(t, s, &bot.Job{Kind: "k", RunAt: t0})
	a := claim(t, s, t0, "a", 1)[0]
	stands := func(j *bot.Job) bool {
		return view(t, s, func(tx bot.Tx) (bool, error) { return bot.ClaimStands(tx, j) })
	}
	if !stands(a) {
		t.Fatal("a fresh claim does not stand")
	}
	b := claim(t, s, t0.Add(time.Minute), "b", 1)[0]
	if stands(a) || !stands(b) {
		t.Fatal("after b re-claimed the job, a's claim must not stand and b's must")
	}
	err := bot.UpdateClaimed(context.Background(), s, a, func(tx bot.Tx) error {
		return tx.CompleteJob(a.ID, time.Time{}, t0)
	})
	if !errors.Is(err, bot.ErrClaimLost) || job(t, s, a.ID).State != bot.JobPending {
		t.Fatalf("UpdateClaimed with a lost claim: %v, state %s", err, job(t, s, a.ID).State)
	}
	if err := bot.UpdateClaimed(context.Background(), s, b, func(tx bot.Tx) error {
		return tx.CompleteJob(b.ID, time.Time{}, t0)
	}); err != nil || job(t, s, b.ID).State != bot.JobDone {
		t.Fatalf("UpdateClaimed with the claim: %v", err)
	}
	if stands(b) {
		t.Fatal("the claim of a done job stands")
	}
	if stands(&bot.Job{ID: 999}) {
		t.Fatal("the claim of a job that does not exist stands")
	}
}

func testComplete(t *testing.T, s bot.Store) {
	once := &bot.Job{Kind: "k", RunAt: t0}
	every := &bot.Job{Kind: "k", RunAt: t0, Schedule: "cron:0 9 * * *", TZ: "UTC"}
	schedule(t, s, once)
	schedule(t, s, every)
	claim(t, s, t0, "a", 10)
	update(t, s, func(tx bot.Tx) error { return tx.FailJob(every.ID, "boom", t0, t0) })
	claim(t, s, t0, "a", 10)
	next := t0.Add(24 * time.Hour)
	update(t, s, func(tx bot.Tx) error {
		if err := tx.CompleteJob(once.ID, time.Time{}, t0); err != nil {
			return err
		}
		return tx.CompleteJob(every.ID, next, t0)
	})
	if j := job(t, s, once.ID); j.State != bot.JobDone || j.LeaseOwner != "" {
		t.Fatalf("one-off = %+v, want done", j)
	}
	if j := job(t, s, every.ID); j.State != bot.JobPending || !j.RunAt.Equal(next) || j.Attempts != 0 || j.LastError != "" || j.LeaseOwner != "" || !j.LeaseUntil.IsZero() {
		t.Fatalf("recurring = %+v, want pending at %v, attempts reset, no lease", j, next)
	}
	err := s.Update(context.Background(), func(tx bot.Tx) error { return tx.CompleteJob(once.ID, time.Time{}, t0) })
	wantCode(t, "completing a done job", err, bot.ENOTFOUND)
}

func testFailRetryDead(t *testing.T, s bot.Store) {
	j := &bot.Job{Kind: "k", RunAt: t0}
	schedule(t, s, j)
	claim(t, s, t0, "a", 1)
	retryAt := t0.Add(10 * time.Second)
	update(t, s, func(tx bot.Tx) error { return tx.FailJob(j.ID, "first", retryAt, t0) })
	if got := job(t, s, j.ID); got.State != bot.JobPending || got.Attempts != 1 || got.LastError != "first" || !got.RunAt.Equal(retryAt) || got.LeaseOwner != "" {
		t.Fatalf("after a failure = %+v", got)
	}
	if got := claim(t, s, retryAt.Add(-time.Millisecond), "a", 1); len(got) != 0 {
		t.Fatal("claimed before its retry time")
	}
	if got := claim(t, s, retryAt, "a", 1); len(got) != 1 || got[0].Attempts != 1 {
		t.Fatalf("retry claim = %+v", got)
	}
	update(t, s, func(tx bot.Tx) error { return tx.FailJob(j.ID, "last", time.Time{}, retryAt) })
	if got := job(t, s, j.ID); got.State != bot.JobDead || got.Attempts != 2 || got.LastError != "last" {
		t.Fatalf("dead = %+v", got)
	}
	if got := claim(t, s, t0.Add(time.Hour), "a", 10); len(got) != 0 {
		t.Fatal("a dead job was claimed")
	}
	dead := view(t, s, func(tx bot.Tx) ([]*bot.Job, error) { return tx.FindJobs(bot.JobFilter{State: bot.JobDead}) })
	if !slices.Equal(ids(dead), []int64{j.ID}) {
		t.Fatalf("dead jobs = %v", ids(dead))
	}
	now := t0.Add(time.Hour)
	update(t, s, func(tx bot.Tx) error { return tx.RetryJob(j.ID, now) })
	if got := job(t, s, j.ID); got.State != bot.JobPending || got.Attempts != 0 || !got.RunAt.Equal(now) {
		t.Fatalf("retried = %+v", got)
	}
	err := s.Update(context.Background(), func(tx bot.Tx) error { return tx.RetryJob(j.ID, now) })
	wantCode(t, "retrying a pending job", err, bot.ENOTFOUND)
	err = s.Update(context.Background(), func(tx bot.Tx) error { return tx.FailJob(999, "x", time.Time{}, now) })
	wantCode(t, "failing a job that does not exist", err, bot.ENOTFOUND)
}

func testCancelRescheduleExtend(t *testing.T, s bot.Store) {
	j := &bot.Job{Kind: "k", RunAt: t0}
	schedule(t, s, j)
	c := claim(t, s, t0, "a", 1)[0]
	err := s.Update(context.Background(), func(tx bot.Tx) error {
		return tx.ExtendJobLease(j.ID, "b", c.LeaseUntil, t0.Add(time.Hour))
	})
	wantCode(t, "extending another's lease", err, bot.ENOTFOUND)
	update(t, s, func(tx bot.Tx) error { return tx.ExtendJobLease(j.ID, "a", c.LeaseUntil, t0.Add(time.Hour)) })
	if got := claim(t, s, t0.Add(30*time.Minute), "b", 1); len(got) != 0 {
		t.Fatal("claimed within the extended lease")
	}
	later := t0.Add(2 * time.Hour)
	update(t, s, func(tx bot.Tx) error { return tx.RescheduleJob(j.ID, later) })
	if got := job(t, s, j.ID); !got.RunAt.Equal(later) || got.LeaseOwner != "" || !got.LeaseUntil.IsZero() {
		t.Fatalf("rescheduled = %+v, want at %v with no lease", got, later)
	}
	update(t, s, func(tx bot.Tx) error { return tx.CancelJob(j.ID, t0) })
	if got := job(t, s, j.ID); got.State != bot.JobCancel {
		t.Fatalf("cancelled = %+v", got)
	}
	err = s.Update(context.Background(), func(tx bot.Tx) error { return tx.CancelJob(j.ID, t0) })
	wantCode(t, "cancelling a cancelled job", err, bot.ENOTFOUND)
	err = s.Update(context.Background(), func(tx bot.Tx) error { return tx.RescheduleJob(j.ID, t0) })
	wantCode(t, "rescheduling a cancelled job", err, bot.ENOTFOUND)
	if got := claim(t, s, later, "a", 10); len(got) != 0 {
		t.Fatal("a cancelled job was claimed")
	}
}

func testNextJobAt(t *testing.T, s bot.Store) {
	next := func() time.Time { return view(t, s, func(tx bot.Tx) (time.Time, error) { return tx.NextJobAt() }) }
	if !next().IsZero() {
		t.Fatal("no job, but a next time")
	}
	schedule(t, s, &bot.Job{Kind: "k", RunAt: t0.Add(time.Hour)})
	soon := &bot.Job{Kind: "k", RunAt: t0}
	schedule(t, s, soon)
	if !next().Equal(t0) {
		t.Fatalf("next = %v, want %v", next(), t0)
	}
	claim(t, s, t0, "a", 1) // leased until t0+1m
	if !next().Equal(t0.Add(time.Minute)) {
		t.Fatalf("next = %v, want the lease's end %v", next(), t0.Add(time.Minute))
	}
	update(t, s, func(tx bot.Tx) error { return tx.CompleteJob(soon.ID, time.Time{}, t0) })
	if !next().Equal(t0.Add(time.Hour)) {
		t.Fatalf("next = %v, want %v", next(), t0.Add(time.Hour))
	}
}

func testNested(t *testing.T, s bot.Store) {
	var kept, undone bot.Job
	kept.Kind, kept.RunAt, undone.Kind, undone.RunAt = "kept", t0, "undone", t0
	update(t, s, func(tx bot.Tx) error {
		if _, err := tx.ScheduleJob(&kept, t0); err != nil {
			return err
		}
		err := tx.Nested(func() error {
			if _, err := tx.ScheduleJob(&undone, t0); err != nil {
				return err
			}
			return errors.New("undo")
		})
		if err == nil {
			t.Error("Nested hid fn's error")
		}
		return nil
	})
	got := claim(t, s, t0, "a", 10)
	if len(got) != 1 || got[0].Kind != "kept" {
		t.Fatalf("after an undone nested part: %+v", got)
	}
}

func testRollback(t *testing.T, s bot.Store) {
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx bot.Tx) error {
		if _, err := tx.ScheduleJob(&bot.Job{Kind: "k", RunAt: t0}, t0); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want fn's error unchanged", err)
	}
	if got := claim(t, s, t0, "a", 10); len(got) != 0 {
		t.Fatal("a failed unit's job was stored")
	}
}
