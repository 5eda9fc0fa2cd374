package sqlite

import (
	"database/sql"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

const jobColumns = `id, kind, payload, run_at, dedup_key, schedule, tz, state, attempts, lease_owner, lease_until, last_error, owner_id, subject_id, created_at`

func scanJob(scan func(...any) error) (*bot.Job, error) {
	j := &bot.Job{}
	var runAt, leaseUntil, created int64
	var dedup sql.NullString
	var owner, subject sql.NullInt64
	var state string
	if err := scan(&j.ID, &j.Kind, &j.Payload, &runAt, &dedup, &j.Schedule, &j.TZ, &state, &j.Attempts,
		&j.LeaseOwner, &leaseUntil, &j.LastError, &owner, &subject, &created); err != nil {
		return nil, err
	}
	j.DedupKey, j.State, j.OwnerID, j.SubjectID = dedup.String, bot.JobState(state), owner.Int64, subject.Int64
	j.RunAt = time.UnixMilli(runAt).UTC()
	if leaseUntil > 0 {
		j.LeaseUntil = time.UnixMilli(leaseUntil).UTC()
	}
	j.CreatedAt = time.UnixMilli(created).UTC()
	return j, nil
}

func (t *tx) jobs(rows *sql.Rows, err error, what string) ([]*bot.Job, error) {
	if err != nil {
		return nil, internal(err, what)
	}
	defer rows.Close()
	var out []*bot.Job
	for rows.Next() {
		j, err := scanJob(rows.Scan)
		if err != nil {
			return nil, internal(err, what)
		}
		out = append(out, j)
	}
	return out, internal(rows.Err(), what)
}

// ScheduleJob implements bot.JobTx.
func (t *tx) ScheduleJob(j *bot.Job, now time.Time) (bool, error) {
	var dedup any
	if j.DedupKey != "" {
		dedup = j.DedupKey
	}
	if j.Payload == nil {
		j.Payload = []byte{}
	}
	res, err := t.exec(`INSERT INTO jobs (kind, payload, run_at, dedup_key, schedule, tz, state, owner_id, subject_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
		ON CONFLICT (dedup_key) WHERE state = 'pending' AND dedup_key IS NOT NULL DO NOTHING`,
		j.Kind, j.Payload, j.RunAt.UnixMilli(), dedup, j.Schedule, j.TZ, nullID(j.OwnerID), nullID(j.SubjectID), now.UnixMilli())
	if err != nil {
		return false, internal(err, "schedule job")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err == nil, internal(err, "schedule job")
	}
	j.State, j.CreatedAt = bot.JobPending, now.UTC()
	j.ID, err = res.LastInsertId()
	return false, internal(err, "schedule job")
}

// ClaimJobs implements bot.JobTx.
func (t *tx) ClaimJobs(now time.Time, lease time.Duration, owner string, limit int) ([]*bot.Job, error) {
	rows, err := t.query(t.claimJobsStatement(), owner, now.Add(lease).UnixMilli(), now.UnixMilli(), limit)
	js, err := t.jobs(rows, err, "claim jobs")
	// RETURNING gives no order guarantee; run the oldest first.
	sortJobs(js)
	return js, err
}

func sortJobs(js []*bot.Job) {
	for i := 1; i < len(js); i++ {
		for k := i; k > 0 && (js[k].RunAt.Before(js[k-1].RunAt) || js[k].RunAt.Equal(js[k-1].RunAt) && js[k].ID < js[k-1].ID); k-- {
			js[k], js[k-1] = js[k-1], js[k]
		}
	}
}

// CompleteJob implements bot.JobTx.
func (t *tx) CompleteJob(id int64, next time.Time, now time.Time) error {
	if next.IsZero() {
		res, err := t.exec(`UPDATE jobs SET state = 'done', lease_owner = '', lease_until = 0, finished_at = ? WHERE id = ? AND state = 'pending'`,
			now.UnixMilli(), id)
		return mustAffect(res, err, "complete job")
	}
	res, err := t.exec(`UPDATE jobs SET run_at = ?, attempts = 0, last_error = '', lease_owner = '', lease_until = 0
		WHERE id = ? AND state = 'pending'`, next.UnixMilli(), id)
	return mustAffect(res, err, "reschedule recurring job")
}

// FailJob implements bot.JobTx.
func (t *tx) FailJob(id int64, errText string, retryAt time.Time, now time.Time) error {
	if retryAt.IsZero() {
		res, err := t.exec(`UPDATE jobs SET state = 'dead', attempts = attempts + 1, last_error = ?, lease_owner = '', lease_until = 0, finished_at = ?
			WHERE id = ? AND state = 'pending'`, errText, now.UnixMilli(), id)
		return mustAffect(res, err, "fail job")
	}
	res, err := t.exec(`UPDATE jobs SET run_at = ?, attempts = attempts + 1, last_error = ?, lease_owner = '', lease_until = 0
		WHERE id = ? AND state = 'pending'`, retryAt.UnixMilli(), errText, id)
	return mustAffect(res, err, "retry job")
}

// NextJobAt implements bot.JobTx: the earliest run_at of an unleased pending
// job, or the earliest moment a lease runs out, whichever comes first. Both
// halves read an index (jobs_due, jobs_leased) and stop at the first row, so
// the answer costs the same with a million jobs pending.
func (t *tx) NextJobAt() (time.Time, error) {
	var free, leased sql.NullInt64
	if _, err := t.queryRow(`SELECT run_at FROM jobs WHERE state = 'pending' AND lease_until = 0 ORDER BY run_at LIMIT 1`,
		nil, &free); err != nil {
		return time.Time{}, internal(err, "next job")
	}
	if _, err := t.queryRow(`SELECT MAX(run_at, lease_until) FROM jobs WHERE state = 'pending' AND lease_until > 0 ORDER BY lease_until LIMIT 1`,
		nil, &leased); err != nil {
		return time.Time{}, internal(err, "next job")
	}
	switch {
	case !free.Valid:
		return fromMS(leased), nil
	case !leased.Valid || free.Int64 <= leased.Int64:
		return fromMS(free), nil
	}
	return fromMS(leased), nil
}

// FindJobByID implements bot.JobTx.
func (t *tx) FindJobByID(id int64) (*bot.Job, error) {
	rows, err := t.query(`SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id)
	js, err := t.jobs(rows, err, "find job")
	if err != nil {
		return nil, err
	}
	if len(js) == 0 {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no job %d.", "没有编号为 %d 的作业。", id)
	}
	return js[0], nil
}

// FindJobs implements bot.JobTx.
func (t *tx) FindJobs(f bot.JobFilter) ([]*bot.Job, error) {
	q, args := findJobsQuery(f)
	rows, err := t.query(q, args...)
	return t.jobs(rows, err, "find jobs")
}

func findJobsQuery(f bot.JobFilter) (string, []any) {
	var where []string
	var args []any
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
		if f.State != bot.JobPending {
			// Finished jobs ("admin jobs failed") from jobs_finished.
			where = append(where, "state != 'pending'")
		}
	}
	if f.OwnerID != 0 {
		where, args = append(where, "owner_id = ?"), append(args, f.OwnerID)
	}
	if f.DedupKey != "" {
		// The literal state is what lets SQLite use the partial index
		// jobs_dedup: a bound parameter does not imply its condition.
		where, args = append(where, "state = 'pending' AND dedup_key = ?"), append(args, f.DedupKey)
	}
	q := `SELECT ` + jobColumns + ` FROM jobs`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += " ORDER BY run_at, id LIMIT ?"
	return q, append(args, limit)
}

// CancelJob implements bot.JobTx.
func (t *tx) CancelJob(id int64, now time.Time) error {
	res, err := t.exec(`UPDATE jobs SET state = 'cancelled', lease_owner = '', lease_until = 0, finished_at = ?
		WHERE id = ? AND state IN ('pending', 'dead')`, now.UnixMilli(), id)
	return mustAffect(res, err, "cancel job")
}

// RetryJob implements bot.JobTx.
func (t *tx) RetryJob(id int64, now time.Time) error {
	res, err := t.exec(`UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, lease_owner = '', lease_until = 0, finished_at = NULL
		WHERE id = ? AND state = 'dead'`, now.UnixMilli(), id)
	return mustAffect(res, err, "retry job")
}

// ExtendJobLease implements bot.JobTx.
func (t *tx) ExtendJobLease(id int64, owner string, leaseUntil, until time.Time) error {
	res, err := t.exec(`UPDATE jobs SET lease_until = ? WHERE id = ? AND state = 'pending' AND lease_owner = ? AND lease_until = ?`,
		until.UnixMilli(), id, owner, leaseUntil.UnixMilli())
	return mustAffect(res, err, "extend job lease")
}

// RescheduleJob implements bot.JobTx.
func (t *tx) RescheduleJob(id int64, runAt time.Time) error {
	res, err := t.exec(`UPDATE jobs SET run_at = ?, lease_owner = '', lease_until = 0 WHERE id = ? AND state = 'pending'`,
		runAt.UnixMilli(), id)
	return mustAffect(res, err, "reschedule job")
}
