// Package memstore is an in-memory bot.Store that keeps only jobs, for tests
// that cannot use SQLite: the scheduler's loop tests run in a
// testing/synctest bubble, where SQLite's I/O does not count as durably
// blocked, so virtual time would not advance past it. It keeps the jobs part
// of the store contract (storage/storetest), which its own test checks, so
// its claim rules are SQLite's; every other Tx method panics.
package memstore

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Store holds jobs in memory. Units run one at a time, under a lock; a unit
// or a Nested part that fails is undone from a copy taken before it.
type Store struct {
	mu     sync.Mutex
	jobs   map[int64]*bot.Job
	lastID int64
	claims int
}

var _ bot.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{jobs: map[int64]*bot.Job{}} }

// Update implements bot.Store.
func (m *Store) Update(ctx context.Context, fn func(bot.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	saved, lastID := m.snapshot(), m.lastID
	if err := fn(&tx{m: m}); err != nil {
		m.jobs, m.lastID = saved, lastID
		return err
	}
	return nil
}

// View implements bot.Store.
func (m *Store) View(ctx context.Context, fn func(bot.Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fn(&tx{m: m})
}

// Close implements bot.Store.
func (m *Store) Close() error { return nil }

// Job returns a copy of the stored job, and whether there is one.
func (m *Store) Job(id int64) (bot.Job, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return bot.Job{}, false
	}
	return *j, true
}

// Claims counts the ClaimJobs calls so far: how often a loop looked.
func (m *Store) Claims() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.claims
}

func (m *Store) snapshot() map[int64]*bot.Job {
	out := make(map[int64]*bot.Job, len(m.jobs))
	for id, j := range m.jobs {
		c := *j
		out[id] = &c
	}
	return out
}

// tx implements bot.JobTx and Nested; any other method panics through the
// nil embedded interface.
type tx struct {
	bot.Tx
	m *Store
}

func notFound(what string) error {
	return bot.Errorf(bot.ENOTFOUND, "Nothing to change: %s.", "要修改的记录不存在：%s。", what)
}

func (t *tx) Nested(fn func() error) error {
	saved, lastID := t.m.snapshot(), t.m.lastID
	if err := fn(); err != nil {
		t.m.jobs, t.m.lastID = saved, lastID
		return err
	}
	return nil
}

func (t *tx) pending(id int64) (*bot.Job, error) {
	j, ok := t.m.jobs[id]
	if !ok || j.State != bot.JobPending {
		return nil, notFound("no such pending job")
	}
	return j, nil
}

// ms keeps whole milliseconds, as SQLite does, so that a claim read back
// is recognised (bot.ClaimStands compares lease ends).
func ms(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Millisecond).UTC()
}

func (t *tx) ScheduleJob(j *bot.Job, now time.Time) (bool, error) {
	if j.DedupKey != "" {
		for _, o := range t.m.jobs {
			if o.DedupKey == j.DedupKey && o.State == bot.JobPending {
				return true, nil
			}
		}
	}
	t.m.lastID++
	j.ID, j.State, j.CreatedAt = t.m.lastID, bot.JobPending, ms(now)
	c := *j
	c.RunAt, c.Payload = ms(c.RunAt), slices.Clone(c.Payload)
	c.Attempts, c.LeaseOwner, c.LeaseUntil, c.LastError = 0, "", time.Time{}, ""
	t.m.jobs[j.ID] = &c
	return false, nil
}

func (t *tx) ClaimJobs(now time.Time, lease time.Duration, owner string, limit int) ([]*bot.Job, error) {
	t.m.claims++
	var due []*bot.Job
	for _, j := range t.m.jobs {
		if j.State == bot.JobPending && !j.RunAt.After(now) && !j.LeaseUntil.After(now) {
			due = append(due, j)
		}
	}
	slices.SortFunc(due, byRunAt)
	var out []*bot.Job
	for _, j := range due[:min(limit, len(due))] {
		j.LeaseOwner, j.LeaseUntil = owner, ms(now.Add(lease))
		c := *j
		out = append(out, &c)
	}
	return out, nil
}

func byRunAt(a, b *bot.Job) int {
	if c := a.RunAt.Compare(b.RunAt); c != 0 {
		return c
	}
	return int(a.ID - b.ID)
}

func (t *tx) CompleteJob(id int64, next, now time.Time) error {
	j, err := t.pending(id)
	if err != nil {
		return err
	}
	if next.IsZero() {
		j.State = bot.JobDone
	} else {
		j.RunAt, j.Attempts, j.LastError = ms(next), 0, ""
	}
	j.LeaseOwner, j.LeaseUntil = "", time.Time{}
	return nil
}

func (t *tx) FailJob(id int64, errText string, retryAt, now time.Time) error {
	j, err := t.pending(id)
	if err != nil {
		return err
	}
	j.Attempts++
	j.LastError = errText
	if retryAt.IsZero() {
		j.State = bot.JobDead
	} else {
		j.RunAt = ms(retryAt)
	}
	j.LeaseOwner, j.LeaseUntil = "", time.Time{}
	return nil
}

func (t *tx) NextJobAt() (time.Time, error) {
	var next time.Time
	for _, j := range t.m.jobs {
		if j.State != bot.JobPending {
			continue
		}
		at := j.RunAt
		if j.LeaseUntil.After(at) {
			at = j.LeaseUntil
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, nil
}

func (t *tx) FindJobByID(id int64) (*bot.Job, error) {
	j, ok := t.m.jobs[id]
	if !ok {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no job %d.", "没有编号为 %d 的作业。", id)
	}
	c := *j
	return &c, nil
}

func (t *tx) FindJobs(f bot.JobFilter) ([]*bot.Job, error) {
	var out []*bot.Job
	for _, j := range slices.Sorted(maps.Keys(t.m.jobs)) {
		job := t.m.jobs[j]
		if (f.Kind != "" && job.Kind != f.Kind) || (f.State != "" && job.State != f.State) ||
			(f.OwnerID != 0 && job.OwnerID != f.OwnerID) ||
			(f.DedupKey != "" && (job.DedupKey != f.DedupKey || job.State != bot.JobPending)) {
			continue
		}
		c := *job
		out = append(out, &c)
	}
	slices.SortFunc(out, byRunAt)
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	return out[:min(limit, len(out))], nil
}

func (t *tx) CancelJob(id int64, now time.Time) error {
	j, ok := t.m.jobs[id]
	if !ok || (j.State != bot.JobPending && j.State != bot.JobDead) {
		return notFound("no pending or failed job")
	}
	j.State, j.LeaseOwner, j.LeaseUntil = bot.JobCancel, "", time.Time{}
	return nil
}

func (t *tx) RetryJob(id int64, now time.Time) error {
	j, ok := t.m.jobs[id]
	if !ok || j.State != bot.JobDead {
		return notFound("no failed job")
	}
	j.State, j.Attempts, j.RunAt, j.LeaseOwner, j.LeaseUntil = bot.JobPending, 0, ms(now), "", time.Time{}
	return nil
}

func (t *tx) RescheduleJob(id int64, runAt time.Time) error {
	j, err := t.pending(id)
	if err != nil {
		return err
	}
	j.RunAt, j.LeaseOwner, j.LeaseUntil = ms(runAt), "", time.Time{}
	return nil
}

func (t *tx) ExtendJobLease(id int64, owner string, leaseUntil, until time.Time) error {
	j, err := t.pending(id)
	if err != nil {
		return err
	}
	if j.LeaseOwner != owner || !j.LeaseUntil.Equal(ms(leaseUntil)) {
		return notFound("the claim no longer stands")
	}
	j.LeaseUntil = ms(until)
	return nil
}
