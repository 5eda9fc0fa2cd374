package meeting

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
)

// JobDigest posts an occurrence's minutes digest when it ends, unless it
// was sent by hand (`minutes <id> send` cancels it) or nothing was
// recorded; keyed by meeting and occurrence.
const JobDigest = "meeting.digest"

// digestJob is the end-of-meeting digest's payload.
type digestJob struct {
	Meeting    int64 `json:"meeting"`
	Occurrence int64 `json:"occurrence"`
}

// key is "meeting/3/digest/<occurrence ms>".
func (d digestJob) key() string {
	return "meeting/" + strconv.FormatInt(d.Meeting, 10) + "/digest/" + strconv.FormatInt(d.Occurrence, 10)
}

// scheduleDigest schedules the digest at the end of m's next occurrence
// after after.
func (f *feature) scheduleDigest(tx bot.Tx, m *meeting.Meeting, after, now time.Time) error {
	occ, ok, err := meeting.Next(m, f.Calendar, after)
	if err != nil || !ok {
		return err
	}
	d := digestJob{Meeting: m.ID, Occurrence: occ.Start.UnixMilli()}
	payload, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = tx.ScheduleJob(&bot.Job{Kind: JobDigest, Payload: payload, RunAt: occ.End, DedupKey: d.key(), OwnerID: m.OrganizerID}, now)
	return err
}

// cancelDigest cancels the pending digest of m's next occurrence, before m
// changes.
func (f *feature) cancelDigest(tx bot.Tx, m *meeting.Meeting, now time.Time) error {
	occ, ok, err := meeting.Next(m, f.Calendar, now)
	if err != nil || !ok {
		return err
	}
	return bot.CancelJobs(tx, digestJob{Meeting: m.ID, Occurrence: occ.Start.UnixMilli()}.key(), now)
}

// digester posts the digest at the end of an occurrence that has minutes,
// and schedules a series' next one.
type digester struct{ f *feature }

func (d digester) RunJob(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
	f := d.f
	var p digestJob
	m, occ, err := f.jobOccurrence(tx, j, &p, &p.Meeting, &p.Occurrence)
	if m == nil || err != nil {
		return err
	}
	if m.Rule != "" {
		if err := f.scheduleDigest(tx, m, occ, now); err != nil {
			return err
		}
	}
	dg, err := f.loadDigest(tx, m, occ)
	if err != nil || len(dg.minutes) == 0 {
		return err
	}
	n := f.notifier()
	_, _, err = f.postDigest(tx, dg, p.key(), now, func(person *bot.Person, compose func(bot.Lang, *time.Location) bot.Message) error {
		_, err := n.Tell(tx, p.key()+"/to/"+strconv.FormatInt(person.ID, 10), bot.Notice{To: person}, now, compose)
		return err
	})
	return err
}
