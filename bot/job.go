package bot

import (
	"context"
	"errors"
	"time"
)

// JobState is where a job is in its life.
type JobState string

// Job states.
const (
	JobPending JobState = "pending" // waiting for RunAt (or for a retry)
	JobDone    JobState = "done"    // ran; a one-off job is never run again
	JobDead    JobState = "dead"    // failed MaxAttempts times; admins can retry it
	JobCancel  JobState = "cancelled"
)

// Job is anything that must happen later: a reminder, a digest, an SLA check.
// It is a row, claimed with a lease when due, so it survives restarts and is
// never only an in-memory timer.
type Job struct {
	ID   int64
	Kind string // which JobHandler runs it, e.g. "reminder"
	// Payload is the handler's own data, usually JSON.
	Payload []byte
	RunAt   time.Time
	// DedupKey, when set, is unique among jobs that are not finished, so
	// scheduling the same logical job twice stores it once.
	DedupKey string
	// Schedule makes the job recurring: after each run it is pending again
	// at the next time the schedule gives. Forms:
	//   "cron:<5-field spec>"          robfig/cron standard spec
	//   "workdays:HH:MM"               every working day of the work calendar
	//   "lastworkday:HH:MM"            the last working day of each month
	//   "firstworkday:HH:MM"           the first working day of each month
	// "" means a one-off job.
	Schedule string
	// TZ is the IANA zone the schedule is read in.
	TZ         string
	State      JobState
	Attempts   int // failed attempts of the current run
	LeaseOwner string
	LeaseUntil time.Time
	LastError  string
	CreatedAt  time.Time
	// OwnerID is the person the job belongs to (0 for system jobs), so that
	// people can list and cancel their own.
	OwnerID int64
	// SubjectID is the person the job is for when that is not its owner (a
	// reminder's recipient), 0 for none. It is stored in an indexed column,
	// so that merging two people finds their jobs without reading every job.
	SubjectID int64
}

// JobFilter selects jobs. Zero fields do not filter.
type JobFilter struct {
	Kind    string
	State   JobState
	OwnerID int64
	// DedupKey finds the pending job with this key (keys are unique among
	// pending jobs) from an index, whatever the number of jobs.
	DedupKey string
	Limit    int
}

// JobTx stores jobs.
type JobTx interface {
	// ScheduleJob stores j as pending and sets j.ID. With a DedupKey that a
	// pending job already has, it stores nothing and returns dup=true.
	ScheduleJob(j *Job, now time.Time) (dup bool, err error)
	// ClaimJobs leases up to limit pending jobs whose RunAt is at or before
	// now and whose lease (if any) has expired, oldest RunAt first.
	ClaimJobs(now time.Time, lease time.Duration, owner string, limit int) ([]*Job, error)
	// CompleteJob records a successful run: a one-off job becomes done; a
	// recurring one is pending again at next with its attempts reset.
	CompleteJob(id int64, next time.Time, now time.Time) error
	// FailJob records a failed run: pending again at retryAt, or dead when
	// retryAt is zero.
	FailJob(id int64, errText string, retryAt time.Time, now time.Time) error
	// NextJobAt returns when the earliest pending job becomes claimable, or
	// the zero time if none is pending.
	NextJobAt() (time.Time, error)
	FindJobByID(id int64) (*Job, error)
	FindJobs(f JobFilter) ([]*Job, error)
	// CancelJob marks a pending or dead job cancelled; ENOTFOUND otherwise.
	CancelJob(id int64, now time.Time) error
	// RetryJob makes a dead job pending again at now, attempts reset.
	RetryJob(id int64, now time.Time) error
	// RescheduleJob moves a pending job to runAt (a snooze).
	RescheduleJob(id int64, runAt time.Time) error
	// ExtendJobLease moves the lease of a pending job that owner holds until
	// leaseUntil, to until; ENOTFOUND when that claim no longer stands.
	ExtendJobLease(id int64, owner string, leaseUntil, until time.Time) error
}

// JobHandler runs one due job inside the unit of work that also records its
// completion, so its effects (typically outgoing messages in the outbox) and
// the job's new state commit together: a job's effects happen exactly once.
// Handlers must only touch the database through tx, and be quick.
type JobHandler interface {
	RunJob(ctx context.Context, tx Tx, job *Job, now time.Time) error
}

// JobFetcher is a JobHandler whose job must first reach the network (a
// platform's directory) or read more than a unit should (a sweep). A unit of
// work holds the single writer, so network calls and long reads never run
// inside one: FetchJob runs outside, with the job's lease extended to cover
// FetchTimeout, and returns what to apply inside the unit that also records
// the completion. A sweep may instead commit small units of its own as it
// goes, each checking ClaimStands. The scheduler runs fetches beside its
// loop, so a slow platform does not hold back reminders; RunJob is not used.
type JobFetcher interface {
	JobHandler
	FetchJob(ctx context.Context, job *Job, now time.Time) (apply func(tx Tx) error, err error)
	FetchTimeout() time.Duration
}

// ClaimStands reports whether j is still pending under the claim it was
// handed out with (the same lease owner and lease end). A JobFetcher that
// commits units of its own while it runs (a sweep done in small batches, so
// that commands get the writer in between) checks it in each of them: only
// the process that holds the job's lease may write on its behalf.
func ClaimStands(tx JobTx, j *Job) (bool, error) {
	cur, err := tx.FindJobByID(j.ID)
	if ErrorCode(err) == ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return cur.State == JobPending && cur.LeaseOwner == j.LeaseOwner && cur.LeaseUntil.Equal(j.LeaseUntil), nil
}

// ErrClaimLost is UpdateClaimed's answer when the job is no longer the
// caller's to run.
var ErrClaimLost = errors.New("the job's claim no longer stands")

// UpdateClaimed runs fn in a unit of store, as Update does, if j's claim
// still stands (ClaimStands) in that unit; otherwise it writes nothing and
// returns ErrClaimLost. A nil j is not checked (a sweep run by hand).
func UpdateClaimed(ctx context.Context, store Store, j *Job, fn func(Tx) error) error {
	return store.Update(ctx, func(tx Tx) error {
		if j != nil {
			if ok, err := ClaimStands(tx, j); err != nil {
				return err
			} else if !ok {
				return ErrClaimLost
			}
		}
		return fn(tx)
	})
}

// Rest pauses a sweep that works in batches (digests, pruning) for as long
// as its last batch took, or until ctx ends. A sweep then uses at most about
// half of one core: on a small machine a sweep running flat out took the CPU
// that commands waiting for the writer needed (cmd/digestload: p99 60 ms
// during a run without rests, 29 ms with them).
func Rest(ctx context.Context, busy time.Duration) error {
	t := time.NewTimer(busy)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CancelJobs cancels the jobs with key, found by their key (an index), not
// by a scan of their kind.
func CancelJobs(tx JobTx, key string, now time.Time) error {
	jobs, err := tx.FindJobs(JobFilter{DedupKey: key})
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if err := tx.CancelJob(j.ID, now); err != nil {
			return err
		}
	}
	return nil
}

// EnsureJob keeps a recurring system job (one with a DedupKey) in step with
// the code: it stores j unless a pending job with its key exists, and
// replaces that job when its schedule differs (a new release changed it).
func EnsureJob(tx JobTx, j *Job, now time.Time) error {
	cur, err := tx.FindJobs(JobFilter{DedupKey: j.DedupKey})
	if err != nil {
		return err
	}
	for _, c := range cur {
		if c.Schedule == j.Schedule && c.TZ == j.TZ {
			return nil
		}
		if err := tx.CancelJob(c.ID, now); err != nil {
			return err
		}
	}
	_, err = tx.ScheduleJob(j, now)
	return err
}

// JobHandlerFunc adapts a function to JobHandler.
type JobHandlerFunc func(ctx context.Context, tx Tx, job *Job, now time.Time) error

// RunJob implements JobHandler.
func (f JobHandlerFunc) RunJob(ctx context.Context, tx Tx, job *Job, now time.Time) error {
	return f(ctx, tx, job, now)
}

// Rate is a limit of N events per Per.
type Rate struct {
	N   int
	Per time.Duration
}

// RateLimits are a platform's documented sending limits, declared by its
// Sender so the outbox keeps to them instead of learning them from 429s.
type RateLimits struct {
	PerApp  Rate // all messages of the app (workspace, tenant)
	PerChat Rate // messages into one chat or channel
	PerUser Rate // direct messages to one user
}

// RateLimited is implemented by senders that declare their limits.
type RateLimited interface {
	Limits() RateLimits
}
