package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// BenchmarkRunDue measures a due job's whole way through the scheduler on a
// real SQLite file: claimed with a lease in a batch (Batch 200, the
// default), its handler run in a unit of its own that also records the
// completion, and that unit committed. The handler queues one outgoing
// message, as a reminder does. One op is one job, so ns/op is the cost per
// job; jobs/s is the same figure inverted.
//
// RunDue submits the units of a claimed batch together, so they share the
// store's commits: with synchronous=FULL one fsync is spread over up to a
// batch of jobs; NORMAL shows the cost without it.
func BenchmarkRunDue(b *testing.B) {
	for _, mode := range []string{"FULL", "NORMAL"} {
		b.Run("synchronous="+mode, func(b *testing.B) {
			db := sqlite.NewDB(filepath.Join(b.TempDir(), "jobs.db"))
			db.Synchronous = mode
			db.Log = slog.New(slog.DiscardHandler)
			if err := db.Open(); err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
			ctx := context.Background()
			payload := []byte(`{"text":"call the printer","to_person":1,"set_by":1}`)
			// All b.N jobs are due; they are stored before the timer starts.
			for stored := 0; stored < b.N; {
				n := min(b.N-stored, 10000)
				err := db.Update(ctx, func(tx bot.Tx) error {
					for i := range n {
						j := &bot.Job{Kind: "bench", Payload: payload, RunAt: now.Add(-time.Duration(stored+i) * time.Millisecond)}
						if _, err := tx.ScheduleJob(j, now); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				stored += n
			}
			handler := bot.JobHandlerFunc(func(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
				_, err := tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("job%d/%d", j.ID, j.RunAt.UnixMilli()),
					To:  bot.Destination{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "U1"},
					Msg: bot.Message{Text: "⏰ Reminder: call the printer"}}, now)
				return err
			})
			s := &scheduler.Scheduler{Store: db, Handlers: map[string]bot.JobHandler{"bench": handler},
				Owner: "bench", Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
			b.ResetTimer()
			for done := 0; done < b.N; {
				n, err := s.RunDue(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					b.Fatalf("nothing due after %d of %d jobs", done, b.N)
				}
				done += n
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
			var left []*bot.Job
			err := db.View(ctx, func(tx bot.Tx) (err error) {
				left, err = tx.FindJobs(bot.JobFilter{State: bot.JobPending, Limit: 1})
				return err
			})
			if err != nil || len(left) > 0 {
				b.Fatalf("jobs left pending: %v %v", left, err)
			}
		})
	}
}
