package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/postgres"
)

// scheduleJobs adds n jobs due at now.
func scheduleJobs(t testing.TB, db *postgres.DB, now time.Time, n int) {
	t.Helper()
	if err := db.Update(context.Background(), func(tx bot.Tx) error {
		for i := range n {
			if _, err := tx.ScheduleJob(&bot.Job{Kind: "x", RunAt: now.Add(-time.Duration(i%7) * time.Second)}, now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// claimUntilNone has claimers run units of claim, each as owner "w<n>",
// until one claims nothing; it returns how many times each job was claimed.
func claimUntilNone(t testing.TB, db *postgres.DB, claimers int, claim func(tx bot.Tx, owner string) ([]*bot.Job, error)) map[int64]int {
	t.Helper()
	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	errs := make(chan error, claimers)
	for w := range claimers {
		wg.Go(func() {
			for {
				var got []*bot.Job
				if err := db.Update(context.Background(), func(tx bot.Tx) (err error) {
					got, err = claim(tx, fmt.Sprint("w", w))
					return err
				}); err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					claimed[j.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	return claimed
}

// claimAll has claimers claim batches of batch jobs, each in a unit that is
// the claim alone (as the scheduler's), until none is left.
func claimAll(t testing.TB, db *postgres.DB, now time.Time, claimers, batch int) map[int64]int {
	t.Helper()
	return claimUntilNone(t, db, claimers, func(tx bot.Tx, owner string) ([]*bot.Job, error) {
		return tx.ClaimJobs(now, time.Hour, owner, batch)
	})
}

// Eight replicas' claimers over 1,000 jobs: each job is claimed exactly
// once, and no claim is refused and run again, because FOR UPDATE SKIP
// LOCKED under READ COMMITTED passes over what another claim holds. The
// SERIALIZABLE claim this replaced was run again hundreds of times here
// (docs/postgres.md).
func TestClaimJobs_ConcurrentClaimersNeverCollide(t *testing.T) {
	db := open(t, emptiedDatabase(t))
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const jobs = 1000
	scheduleJobs(t, db, now, jobs)
	claimed := claimAll(t, db, now, 8, 10)
	if len(claimed) != jobs {
		t.Errorf("%d jobs claimed, want %d", len(claimed), jobs)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("job %d claimed %d times", id, n)
		}
	}
	if r := db.Retries(); r != 0 {
		t.Errorf("%d units run again after a serialization failure, want none", r)
	}
}

// A claim still respects leases and due times, and runs the oldest first.
func TestClaimJobs_SkipLockedKeepsTheContract(t *testing.T) {
	db := open(t, emptiedDatabase(t))
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	var ids []int64
	if err := db.Update(ctx, func(tx bot.Tx) error {
		for _, at := range []time.Time{now.Add(-time.Minute), now.Add(-2 * time.Minute), now.Add(time.Minute)} {
			j := &bot.Job{Kind: "x", RunAt: at}
			if _, err := tx.ScheduleJob(j, now); err != nil {
				return err
			}
			ids = append(ids, j.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	claim := func(owner string) (got []int64) {
		if err := db.Update(ctx, func(tx bot.Tx) error {
			js, err := tx.ClaimJobs(now, time.Minute, owner, 10)
			got = nil
			for _, j := range js {
				got = append(got, j.ID)
				if j.LeaseOwner != owner {
					t.Errorf("job %d leased to %q, want %q", j.ID, j.LeaseOwner, owner)
				}
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := claim("a"); fmt.Sprint(got) != fmt.Sprint([]int64{ids[1], ids[0]}) {
		t.Errorf("first claim got %v, want the two due jobs oldest first %v", got, []int64{ids[1], ids[0]})
	}
	if got := claim("b"); len(got) != 0 {
		t.Errorf("second claim got %v while the leases hold, want none", got)
	}
}

// BenchmarkClaimJobs prints claims per second with 1, 2 and 4 claimers,
// each claiming batches of 10 from 2,000 due jobs:
//
//	TANDEM_TEST_PG_DSN=… go test ./storage/postgres -run '^$' -bench ClaimJobs
func BenchmarkClaimJobs(b *testing.B) {
	for _, claimers := range []int{1, 2, 4} {
		b.Run(fmt.Sprint("claimers=", claimers), func(b *testing.B) {
			db := open(b, emptiedDatabase(b))
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			const jobs = 2000
			var total time.Duration
			var claims int
			for b.Loop() {
				b.StopTimer()
				emptiedDatabase(b)
				scheduleJobs(b, db, now, jobs)
				b.StartTimer()
				start := time.Now()
				claims += len(claimAll(b, db, now, claimers, 10))
				total += time.Since(start)
			}
			b.ReportMetric(float64(claims)/total.Seconds(), "claims/s")
			b.ReportMetric(float64(db.Retries()), "retries")
		})
	}
}
