package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// completeConcurrently schedules n jobs, claims them, and completes each in
// a unit of its own, eight at a time, as the scheduler's workers do (a read
// of the job, then its update), on ctx; it returns the units run again.
func completeConcurrently(t *testing.T, ctx context.Context, n int) int64 {
	t.Helper()
	db := open(t, emptiedDatabase(t))
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var claimed []*bot.Job
	if err := db.Update(context.Background(), func(tx bot.Tx) (err error) {
		for i := range n {
			if _, err := tx.ScheduleJob(&bot.Job{Kind: "x", RunAt: now, DedupKey: fmt.Sprint("j", i)}, now); err != nil {
				return err
			}
		}
		claimed, err = tx.ClaimJobs(now, time.Hour, "me", n)
		return err
	}); err != nil || len(claimed) != n {
		t.Fatalf("claimed %d of %d: %v", len(claimed), n, err)
	}
	before := db.Retries()
	var wg sync.WaitGroup
	slots := make(chan struct{}, 8)
	for _, j := range claimed {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := db.Update(ctx, func(tx bot.Tx) error {
				if ok, err := bot.ClaimStands(tx, j); err != nil || !ok {
					return fmt.Errorf("claim of %d: %v %v", j.ID, ok, err)
				}
				return tx.CompleteJob(j.ID, time.Time{}, now)
			}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	return db.Retries() - before
}

// Ensure job units marked bot.SnapshotUnit, run several at once on
// neighbouring rows, are not refused for serialization: at SERIALIZABLE
// the same units are (predicate locks per index page make neighbours
// conflict), which is why the scheduler marks them.
func TestUpdate_SnapshotUnitsOnNeighbouringJobsAreNotRefused(t *testing.T) {
	if n := completeConcurrently(t, bot.SnapshotUnit(context.Background()), 300); n != 0 {
		t.Errorf("snapshot units: %d run again, want 0", n)
	}
	n := completeConcurrently(t, context.Background(), 300)
	t.Logf("the same units at SERIALIZABLE: %d run again", n)
	if n == 0 {
		t.Log("(no refusal this time at SERIALIZABLE either: the comparison did not reproduce on this run)")
	}
}

// Ensure a snapshot unit still cannot lose an update: units that read a
// row and write it back changed, racing on one row, are refused and run
// again, and every change lands.
func TestUpdate_SnapshotUnitsLoseNoUpdate(t *testing.T) {
	db := open(t, emptiedDatabase(t))
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	job := &bot.Job{Kind: "x", RunAt: now.Add(time.Hour)}
	if err := db.Update(context.Background(), func(tx bot.Tx) (err error) {
		_, err = tx.ScheduleJob(job, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	id := job.ID
	// Each unit reads the job's run_at and moves it a minute later: a
	// read-modify-write, the shape a lost update needs.
	const units = 8
	ctx := bot.SnapshotUnit(context.Background())
	var wg sync.WaitGroup
	for range units {
		wg.Go(func() {
			if err := db.Update(ctx, func(tx bot.Tx) error {
				j, err := tx.FindJobByID(id)
				if err != nil {
					return err
				}
				return tx.RescheduleJob(id, j.RunAt.Add(time.Minute))
			}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var j *bot.Job
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) { j, err = tx.FindJobByID(id); return err }); err != nil {
		t.Fatal(err)
	}
	if want := now.Add(time.Hour + units*time.Minute); !j.RunAt.Equal(want) {
		t.Errorf("run_at %v after %d moves, want %v: an update was lost", j.RunAt, units, want)
	}
}
