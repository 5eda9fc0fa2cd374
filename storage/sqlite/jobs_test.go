package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

func mustScheduleJob(tb testing.TB, db *sqlite.DB, j *bot.Job) {
	tb.Helper()
	mustUpdate(tb, db, func(tx bot.Tx) error {
		dup, err := tx.ScheduleJob(j, t0)
		if dup {
			return fmt.Errorf("job %+v stored as a dup", j)
		}
		return err
	})
}

func claimJobs(tb testing.TB, db *sqlite.DB, now time.Time, owner string, limit int) []int64 {
	tb.Helper()
	var ids []int64
	mustUpdate(tb, db, func(tx bot.Tx) error {
		ids = nil
		js, err := tx.ClaimJobs(now, time.Minute, owner, limit)
		for _, j := range js {
			if j.LeaseOwner != owner || !j.LeaseUntil.Equal(now.Add(time.Minute)) {
				return fmt.Errorf("claimed job without the lease: %+v", j)
			}
			ids = append(ids, j.ID)
		}
		return err
	})
	return ids
}

func findJob(tb testing.TB, db *sqlite.DB, id int64) *bot.Job {
	tb.Helper()
	var j *bot.Job
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) { j, err = tx.FindJobByID(id); return err }); err != nil {
		tb.Fatal(err)
	}
	return j
}

func nextJobAt(tb testing.TB, db *sqlite.DB) time.Time {
	tb.Helper()
	var next time.Time
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) { next, err = tx.NextJobAt(); return err }); err != nil {
		tb.Fatal(err)
	}
	return next
}

// Ensure a job is stored with all its fields, and a dedup key stores one
// pending job.
func TestJobs_Schedule(t *testing.T) {
	db := MustOpenDB(t, "")
	p := mustPerson(t, db, "Ann")
	j := &bot.Job{Kind: "remind", Payload: []byte(`{"text":"tea"}`), RunAt: t0.Add(time.Hour), DedupKey: "remind:1",
		Schedule: "workdays:09:30", TZ: "Asia/Shanghai", OwnerID: p.ID}
	mustScheduleJob(t, db, j)
	got := findJob(t, db, j.ID)
	if string(got.Payload) != `{"text":"tea"}` || !got.RunAt.Equal(j.RunAt) || got.DedupKey != "remind:1" || got.Schedule != "workdays:09:30" ||
		got.TZ != "Asia/Shanghai" || got.OwnerID != p.ID || got.State != bot.JobPending || !got.CreatedAt.Equal(t0) || got.Attempts != 0 {
		t.Fatalf("stored %+v", got)
	}
	mustUpdate(t, db, func(tx bot.Tx) error {
		again := &bot.Job{Kind: "remind", RunAt: t0, DedupKey: "remind:1"}
		if dup, err := tx.ScheduleJob(again, t0); !dup || err != nil || again.ID != 0 {
			return fmt.Errorf("same key again: dup=%v err=%v id=%d", dup, err, again.ID)
		}
		return nil
	})
}

// Ensure claims take due, unleased jobs oldest first (ties by id), up to
// the limit, and a lease keeps others off until it runs out.
func TestJobs_Claim(t *testing.T) {
	db := MustOpenDB(t, "")
	for _, at := range []time.Duration{-time.Minute, -2 * time.Minute, -2 * time.Minute, time.Minute, -time.Hour} {
		mustScheduleJob(t, db, &bot.Job{Kind: "k", RunAt: t0.Add(at)})
	}
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.CancelJob(5, t0) })

	if got := claimJobs(t, db, t0, "A", 2); !slices.Equal(got, []int64{2, 3}) {
		t.Fatalf("first claim = %v, want the two oldest, 2 then 3", got)
	}
	if got := claimJobs(t, db, t0, "B", 10); !slices.Equal(got, []int64{1}) {
		t.Fatalf("second claim = %v, want only the unleased due job", got)
	}
	if got := claimJobs(t, db, t0.Add(59*time.Second), "B", 10); len(got) != 0 {
		t.Fatalf("claimed %v under lease", got)
	}
	if got := claimJobs(t, db, t0.Add(time.Minute), "B", 10); !slices.Equal(got, []int64{2, 3, 1, 4}) {
		t.Fatalf("claim when the leases ran out = %v, want 2, 3, 1, 4", got)
	}
	if j := findJob(t, db, 2); j.LeaseOwner != "B" || !j.LeaseUntil.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("lease not stored: %+v", j)
	}
}

// Ensure NextJobAt is the earliest run time, or a lease's end when the job
// is leased, and zero when nothing is pending.
func TestJobs_NextJobAt(t *testing.T) {
	db := MustOpenDB(t, "")
	if next := nextJobAt(t, db); !next.IsZero() {
		t.Fatalf("empty: %v", next)
	}
	mustScheduleJob(t, db, &bot.Job{Kind: "k", RunAt: t0.Add(5 * time.Minute)})
	if next := nextJobAt(t, db); !next.Equal(t0.Add(5 * time.Minute)) {
		t.Fatalf("one job: %v", next)
	}
	mustScheduleJob(t, db, &bot.Job{Kind: "k", RunAt: t0.Add(-time.Minute)})
	if next := nextJobAt(t, db); !next.Equal(t0.Add(-time.Minute)) {
		t.Fatalf("a due job: %v", next)
	}
	claimJobs(t, db, t0, "A", 10)
	if next := nextJobAt(t, db); !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("leased until t0+1m: %v", next)
	}
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.CompleteJob(2, time.Time{}, t0) })
	if next := nextJobAt(t, db); !next.Equal(t0.Add(5 * time.Minute)) {
		t.Fatalf("after completing the leased job: %v", next)
	}
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.CancelJob(1, t0) })
	if next := nextJobAt(t, db); !next.IsZero() {
		t.Fatalf("nothing pending: %v", next)
	}
}

// Ensure completing a recurring job makes it pending again at the next time
// with its failures forgotten, and a one-off job done for good.
func TestJobs_Complete(t *testing.T) {
	db := MustOpenDB(t, "")
	mustScheduleJob(t, db, &bot.Job{Kind: "digest", RunAt: t0, Schedule: "cron:0 * * * *"})
	mustScheduleJob(t, db, &bot.Job{Kind: "remind", RunAt: t0})
	claimJobs(t, db, t0, "A", 10)
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.FailJob(1, "boom", t0.Add(10*time.Second), t0) })
	claimJobs(t, db, t0.Add(10*time.Second), "A", 10)
	mustUpdate(t, db, func(tx bot.Tx) error {
		return tx.CompleteJob(1, t0.Add(time.Hour), t0.Add(10*time.Second))
	})
	if j := findJob(t, db, 1); j.State != bot.JobPending || !j.RunAt.Equal(t0.Add(time.Hour)) || j.Attempts != 0 || j.LastError != "" ||
		j.LeaseOwner != "" || !j.LeaseUntil.IsZero() {
		t.Fatalf("recurring after completion: %+v", j)
	}

	mustUpdate(t, db, func(tx bot.Tx) error { return tx.CompleteJob(2, time.Time{}, t0) })
	if j := findJob(t, db, 2); j.State != bot.JobDone || j.LeaseOwner != "" {
		t.Fatalf("one-off after completion: %+v", j)
	}
	if got := claimJobs(t, db, t0.Add(24*time.Hour), "A", 10); !slices.Equal(got, []int64{1}) {
		t.Fatalf("claimed %v a day later, want only the recurring job", got)
	}
	err := db.Update(context.Background(), func(tx bot.Tx) error { return tx.CompleteJob(2, time.Time{}, t0) })
	if bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Fatalf("completing a done job: %v", err)
	}
}

// Ensure a failure counts an attempt and either retries at the given time
// or, with a zero retry time, dead-letters the job so it is never claimed.
func TestJobs_Fail(t *testing.T) {
	db := MustOpenDB(t, "")
	mustScheduleJob(t, db, &bot.Job{Kind: "k", RunAt: t0})
	claimJobs(t, db, t0, "A", 10)
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.FailJob(1, "timeout", t0.Add(30*time.Second), t0) })
	if j := findJob(t, db, 1); j.State != bot.JobPending || j.Attempts != 1 || j.LastError != "timeout" ||
		!j.RunAt.Equal(t0.Add(30*time.Second)) || j.LeaseOwner != "" || !j.LeaseUntil.IsZero() {
		t.Fatalf("after a retryable failure: %+v", j)
	}
	if got := claimJobs(t, db, t0.Add(29*time.Second), "A", 10); len(got) != 0 {
		t.Fatalf("claimed %v before the retry time", got)
	}
	if got := claimJobs(t, db, t0.Add(30*time.Second), "A", 10); !slices.Equal(got, []int64{1}) {
		t.Fatalf("claimed %v at the retry time", got)
	}
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.FailJob(1, "timeout again", time.Time{}, t0.Add(30*time.Second)) })
	if j := findJob(t, db, 1); j.State != bot.JobDead || j.Attempts != 2 || j.LastError != "timeout again" {
		t.Fatalf("dead-lettered: %+v", j)
	}
	if got := claimJobs(t, db, t0.Add(time.Hour), "A", 10); len(got) != 0 {
		t.Fatalf("claimed a dead job: %v", got)
	}
	if next := nextJobAt(t, db); !next.IsZero() {
		t.Fatalf("NextJobAt with only a dead job: %v", next)
	}
	err := db.Update(context.Background(), func(tx bot.Tx) error { return tx.FailJob(1, "x", t0, t0) })
	if bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Fatalf("failing a dead job: %v", err)
	}
}

// Ensure NextJobAt finds an unleased job even behind many leased ones.
func TestJobs_NextJobAtBehindManyLeases(t *testing.T) {
	db := MustOpenDB(t, "")
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	mustUpdate(t, db, func(tx bot.Tx) error {
		for i := 0; i < 70; i++ {
			if _, err := tx.ScheduleJob(&bot.Job{Kind: "k", RunAt: base}, base); err != nil {
				return err
			}
		}
		if _, err := tx.ClaimJobs(base, time.Minute, "other", 100); err != nil {
			return err
		}
		_, err := tx.ScheduleJob(&bot.Job{Kind: "k", RunAt: base.Add(10 * time.Second)}, base)
		return err
	})
	var next time.Time
	db.View(context.Background(), func(tx bot.Tx) (err error) { next, err = tx.NextJobAt(); return })
	if !next.Equal(base.Add(10 * time.Second)) {
		t.Fatalf("NextJobAt = %v, want %v", next, base.Add(10*time.Second))
	}
}

// Ensure FindJobs by dedup key returns the pending job with that key only:
// not other pending jobs, nor a finished job that had the key.
func TestJobs_FindByDedupKey(t *testing.T) {
	db := MustOpenDB(t, "")
	old := &bot.Job{Kind: "directory", DedupKey: "system/directory", RunAt: t0}
	mustScheduleJob(t, db, old)
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.CancelJob(old.ID, t0) })
	current := &bot.Job{Kind: "directory", Schedule: "0 3 * * *", DedupKey: "system/directory", RunAt: t0.Add(time.Hour)}
	mustScheduleJob(t, db, current)
	mustScheduleJob(t, db, &bot.Job{Kind: "directory", DedupKey: "import/once", RunAt: t0})
	mustScheduleJob(t, db, &bot.Job{Kind: "directory", RunAt: t0})
	mustUpdate(t, db, func(tx bot.Tx) error {
		jobs, err := tx.FindJobs(bot.JobFilter{DedupKey: "system/directory"})
		if err != nil {
			return err
		}
		if len(jobs) != 1 || jobs[0].ID != current.ID || jobs[0].Schedule != current.Schedule {
			return fmt.Errorf("found %+v, want only the pending job %d", jobs, current.ID)
		}
		if jobs, err = tx.FindJobs(bot.JobFilter{DedupKey: "nobody/has-this"}); err != nil || len(jobs) != 0 {
			return fmt.Errorf("an unknown key found %+v, %v", jobs, err)
		}
		return nil
	})
}
