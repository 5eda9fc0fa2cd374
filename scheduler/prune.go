package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// JobPrune is the job kind of the pruning sweep.
const JobPrune = "prune"

// pruneSweep is how often the pruning job runs. Rows are pruned days after
// they are finished, so an hour late costs nothing; running often keeps each
// run short.
const pruneSweep = "cron:17 * * * *"

// pruneBatch is how many rows one unit deletes: a few milliseconds of the
// writer, so commands interleave with a sweep that has a backlog to clear.
const pruneBatch = 500

// Retention is how long finished rows are kept.
type Retention struct {
	// Inbox keeps handled inbound events for deduplication: at least as
	// long as any platform redelivers (Feishu's last retry comes after
	// about 7 hours).
	Inbox time.Duration
	// Sent keeps messages the platform accepted.
	Sent time.Duration
	// Jobs keeps done and cancelled jobs.
	Jobs time.Duration
	// Dead keeps jobs and messages that failed for good, for admins
	// (`admin jobs failed`, `admin outbox failed`).
	Dead time.Duration
}

// DefaultRetention is what runs without configuration.
func DefaultRetention() Retention {
	return Retention{Inbox: 72 * time.Hour, Sent: 7 * 24 * time.Hour, Jobs: 30 * 24 * time.Hour, Dead: 90 * 24 * time.Hour}
}

// PruneStep deletes up to limit rows that are no longer needed at now and
// returns how many it deleted.
type PruneStep struct {
	Name  string
	Prune func(tx bot.Tx, now time.Time, limit int) (int, error)
}

// PruneSteps are the tables that would otherwise grow forever, with their
// retention. A table that is added and grows adds its step here.
func PruneSteps(r Retention) []PruneStep {
	return []PruneStep{
		{"inbox", func(tx bot.Tx, now time.Time, n int) (int, error) { return tx.PruneInbox(now.Add(-r.Inbox), n) }},
		{"outbox sent", func(tx bot.Tx, now time.Time, n int) (int, error) {
			return tx.PruneOutbox(bot.OutboxSent, now.Add(-r.Sent), n)
		}},
		{"outbox dead", func(tx bot.Tx, now time.Time, n int) (int, error) {
			return tx.PruneOutbox(bot.OutboxDead, now.Add(-r.Dead), n)
		}},
		{"jobs done", func(tx bot.Tx, now time.Time, n int) (int, error) {
			return tx.PruneJobs(bot.JobDone, now.Add(-r.Jobs), n)
		}},
		{"jobs cancelled", func(tx bot.Tx, now time.Time, n int) (int, error) {
			return tx.PruneJobs(bot.JobCancel, now.Add(-r.Jobs), n)
		}},
		{"jobs dead", func(tx bot.Tx, now time.Time, n int) (int, error) {
			return tx.PruneJobs(bot.JobDead, now.Add(-r.Dead), n)
		}},
		// Live cards are edited for as long as dead letters are kept.
		// Pictures are needed only until their messages went out (hours at
		// most, quiet hours included), so they go with sent messages: a
		// dead message retried by an admin after that goes without it.
		{"card copies", func(tx bot.Tx, now time.Time, n int) (int, error) { return tx.PruneCardCopies(now.Add(-r.Dead), n) }},
		{"media", func(tx bot.Tx, now time.Time, n int) (int, error) { return tx.PruneMedia(now.Add(-r.Sent), n) }},
		{"link codes", func(tx bot.Tx, now time.Time, n int) (int, error) { return tx.PruneLinkCodes(now, n) }},
		// DingTalk's (timestamp, sign) pairs are kept until their window
		// has passed; after that they can never verify again.
		{"nonces", func(tx bot.Tx, now time.Time, n int) (int, error) { return tx.PruneNonces(now, n) }},
		// Shared rate buckets (Dispatcher.SharedLimits) are forgotten once
		// full for as long as the in-memory Limiter's; a store that keeps
		// none has none to forget.
		{"rate buckets", func(tx bot.Tx, now time.Time, n int) (int, error) {
			r, ok := bot.Contract[bot.RateTx](tx)
			if !ok {
				return 0, nil
			}
			return r.ForgetFullBuckets(now.Add(-DefaultLimiterIdle), n)
		}},
	}
}

// Pruner deletes finished rows off the hot path: it is the recurring system
// job JobPrune, a bot.JobFetcher that runs beside the scheduler's loop and
// commits one small unit per batch (each checking that the job's claim
// stands), so commands get the writer between batches.
type Pruner struct {
	Store bot.Store
	Steps []PruneStep
	// Batch is how many rows a unit deletes (default pruneBatch).
	Batch int
}

var _ bot.JobFetcher = (*Pruner)(nil)

// Job is the recurring job that runs the pruner; cmd keeps it scheduled
// with bot.EnsureJob.
func (p *Pruner) Job(now time.Time) *bot.Job {
	return &bot.Job{Kind: JobPrune, Schedule: pruneSweep, TZ: "UTC", DedupKey: "system/prune", RunAt: now}
}

// RunJob implements bot.JobHandler; the scheduler runs FetchJob instead.
func (p *Pruner) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error {
	return errors.New("pruning runs through FetchJob")
}

// FetchTimeout implements bot.JobFetcher; what is left waits for the next
// run.
func (p *Pruner) FetchTimeout() time.Duration { return 5 * time.Minute }

// FetchJob implements bot.JobFetcher: the batches commit as they go.
func (p *Pruner) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	return nil, p.Prune(ctx, job, now)
}

// Prune runs every step until it has nothing left to delete at now, one
// unit per batch, resting between batches as long as each took (bot.Rest).
// With a job, each unit first checks its claim (bot.UpdateClaimed).
func (p *Pruner) Prune(ctx context.Context, job *bot.Job, now time.Time) error {
	batch := p.Batch
	if batch <= 0 {
		batch = pruneBatch
	}
	for _, step := range p.Steps {
		for n := batch; n >= batch; {
			start := time.Now()
			err := bot.UpdateClaimed(ctx, p.Store, job, func(tx bot.Tx) (err error) {
				n, err = step.Prune(tx, now, batch)
				return err
			})
			if err != nil {
				return fmt.Errorf("prune %s: %w", step.Name, err)
			}
			if n >= batch {
				if err := bot.Rest(ctx, time.Since(start)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
