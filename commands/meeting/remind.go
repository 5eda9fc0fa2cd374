package meeting

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands"
)

// remindJob is a reminder's payload: meeting, occurrence and when the
// reminder comes (Unix ms).
type remindJob struct {
	Meeting    int64 `json:"meeting"`
	Occurrence int64 `json:"occurrence"`
	At         int64 `json:"at"`
	// Last marks the occurrence's last reminder, after which a series
	// schedules the next occurrence's.
	Last bool `json:"last,omitempty"`
}

// key names one reminder: "meeting/3/remind/<occurrence ms>/<at ms>", so
// each fires once and a change finds it to cancel it.
func (r remindJob) key() string {
	return "meeting/" + strconv.FormatInt(r.Meeting, 10) + "/remind/" + strconv.FormatInt(r.Occurrence, 10) + "/" +
		strconv.FormatInt(r.At, 10)
}

// reminderJobs are the reminders of m's next occurrence after now: each
// of its reminder durations before it, on working time for its department
// (meeting.ReminderTimes), those still to come.
func (f *feature) reminderJobs(tx bot.Tx, m *meeting.Meeting, now time.Time) []remindJob {
	occ, ok, err := meeting.Next(m, f.Calendar, now)
	if err != nil || !ok {
		return nil
	}
	reminders := m.Reminders
	if len(reminders) == 0 {
		reminders = f.reminders()
	}
	dept := ""
	if d, err := tx.FindDepartmentByID(m.DeptID); m.DeptID != 0 && err == nil {
		dept = d.Name
	}
	times := meeting.ReminderTimes(occ, reminders, f.Calendar, dept)
	var out []remindJob
	for i, at := range times {
		if at.After(now) {
			out = append(out, remindJob{Meeting: m.ID, Occurrence: occ.Start.UnixMilli(), At: at.UnixMilli(), Last: i == len(times)-1})
		}
	}
	return out
}

// scheduleReminders schedules the reminders of m's next occurrence that
// are still to come; when none is (the meeting is too close), those of
// the occurrence after it.
// The reminder job passes the occurrence it reminded of as after, to
// schedule the next one's.
func (f *feature) scheduleReminders(tx bot.Tx, m *meeting.Meeting, after, now time.Time) error {
	jobs := f.reminderJobs(tx, m, after)
	if len(jobs) == 0 && m.Rule != "" {
		if occ, ok, err := meeting.Next(m, f.Calendar, after); err == nil && ok {
			jobs = f.reminderJobs(tx, m, occ.Start)
		}
	}
	for _, r := range jobs {
		payload, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := tx.ScheduleJob(&bot.Job{Kind: JobRemind, Payload: payload, RunAt: time.UnixMilli(r.At), DedupKey: r.key(),
			OwnerID: m.OrganizerID}, now); err != nil {
			return err
		}
	}
	return nil
}

// cancelReminders cancels the pending reminders of m's next occurrence
// (found by their keys, from an index), before m changes.
func (f *feature) cancelReminders(tx bot.Tx, m *meeting.Meeting, now time.Time) error {
	jobs := f.reminderJobs(tx, m, now)
	if m.Rule != "" {
		if occ, ok, err := meeting.Next(m, f.Calendar, now); err == nil && ok {
			jobs = append(jobs, f.reminderJobs(tx, m, occ.Start)...)
		}
	}
	for _, r := range jobs {
		if err := bot.CancelJobs(tx, r.key(), now); err != nil {
			return err
		}
	}
	return nil
}

// reminder tells every attendee who has not declined, with the agenda,
// that an occurrence is coming; after a series' last reminder of an
// occurrence it schedules the next occurrence's.
type reminder struct{ f *feature }

func (r reminder) RunJob(ctx context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
	f := r.f
	var p remindJob
	m, occ, err := f.jobOccurrence(tx, j, &p, &p.Meeting, &p.Occurrence)
	if m == nil || err != nil {
		return err
	}
	v, err := f.load(tx, m, occ)
	if err != nil {
		return err
	}
	v.next = occ
	as, err := meeting.From(tx).Attendees(m.ID)
	if err != nil {
		return err
	}
	n := f.notifier()
	for _, a := range as {
		if a.Answer == meeting.Declined {
			continue
		}
		person, err := tx.FindPersonByID(a.PersonID)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		key := p.key() + "/to/" + strconv.FormatInt(a.PersonID, 10)
		if _, err := n.Tell(tx, key, bot.Notice{To: person, Urgent: true}, now, func(lang bot.Lang, loc *time.Location) bot.Message {
			rd := commands.Reader{Lang: lang, Loc: loc, Now: now}
			text := rd.T("Reminder: %s %s starts %s.", "提醒：会议 %s「%s」将于 %s 开始。", m.Ref(), m.Title, rd.Time(occ))
			if lines := v.agendaLines(rd); len(lines) > 0 {
				text += "\n" + rd.T("Agenda:", "议程：") + "\n" + strings.Join(lines, "\n")
			}
			return bot.Message{Text: text, Card: v.card(now, loc, lang)}
		}); err != nil {
			return err
		}
	}
	if m.Rule != "" && p.Last {
		return f.scheduleReminders(tx, m, occ, now)
	}
	return nil
}

// jobOccurrence reads a job's payload into p (whose meeting and
// occurrence fields are id and occMs) and its meeting, and returns the
// meeting (nil when it is gone, cancelled or no longer has that
// occurrence: a moved or cancelled meeting's old job does nothing) and the
// occurrence's start.
func (f *feature) jobOccurrence(tx bot.Tx, j *bot.Job, p any, id, occMs *int64) (*meeting.Meeting, time.Time, error) {
	if err := json.Unmarshal(j.Payload, p); err != nil {
		return nil, time.Time{}, err
	}
	m, err := meeting.From(tx).FindMeetingByID(*id)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil, time.Time{}, nil
	} else if err != nil {
		return nil, time.Time{}, err
	}
	occ := time.UnixMilli(*occMs)
	if m.Status != meeting.Scheduled || !f.isOccurrence(m, occ) {
		return nil, occ, nil
	}
	return m, occ, nil
}

// isOccurrence reports whether m still has an occurrence at occ.
func (f *feature) isOccurrence(m *meeting.Meeting, occ time.Time) bool {
	for _, o := range f.occurrences(m, occ, occ.Add(time.Minute)) {
		if o.Equal(occ) {
			return true
		}
	}
	return false
}

func (f *feature) notifier() *bot.Notifier {
	return bot.NotifierOr(f.Notifier, f.DefaultLang, f.DefaultTZ)
}
