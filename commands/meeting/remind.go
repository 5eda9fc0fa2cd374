package meeting

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
)

// remindJob is a reminder's payload: meeting, occurrence (Unix ms) and how
// long before it.
type remindJob struct {
	Meeting    int64 `json:"meeting"`
	Occurrence int64 `json:"occurrence"`
	Before     int64 `json:"before_ms"`
}

// key names one reminder: "meeting/3/remind/<occurrence ms>/<before ms>",
// so each fires once and a change finds it to cancel it.
func (r remindJob) key() string {
	return "meeting/" + strconv.FormatInt(r.Meeting, 10) + "/remind/" + strconv.FormatInt(r.Occurrence, 10) + "/" +
		strconv.FormatInt(r.Before, 10)
}

// reminderTimes are when the reminders of the occurrence at occ come:
// each offset before it (later than now).
func (f *feature) reminderTimes(m *meeting.Meeting, occ time.Time) []time.Duration {
	if len(m.Reminders) > 0 {
		return m.Reminders
	}
	return f.reminders()
}

// scheduleReminders schedules the reminders of m's next occurrence that
// are still to come.
func (f *feature) scheduleReminders(tx bot.Tx, m *meeting.Meeting, now time.Time) error {
	occ := f.nextOccurrence(m, now)
	if !occ.After(now) {
		return nil
	}
	for _, before := range f.reminderTimes(m, occ) {
		at := occ.Add(-before)
		if !at.After(now) {
			continue
		}
		r := remindJob{Meeting: m.ID, Occurrence: occ.UnixMilli(), Before: before.Milliseconds()}
		payload, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := tx.ScheduleJob(&bot.Job{Kind: JobRemind, Payload: payload, RunAt: at, DedupKey: r.key(),
			OwnerID: m.OrganizerID}, now); err != nil {
			return err
		}
	}
	return nil
}

// cancelReminders cancels the pending reminders of m's next occurrence
// (found by their keys, from an index).
func (f *feature) cancelReminders(tx bot.Tx, m *meeting.Meeting, now time.Time) error {
	occ := f.nextOccurrence(m, now)
	for _, before := range f.reminderTimes(m, occ) {
		r := remindJob{Meeting: m.ID, Occurrence: occ.UnixMilli(), Before: before.Milliseconds()}
		jobs, err := tx.FindJobs(bot.JobFilter{DedupKey: r.key()})
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if err := tx.CancelJob(j.ID, now); err != nil {
				return err
			}
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
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return err
	}
	m, err := meeting.From(tx).FindMeetingByID(p.Meeting)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	occ := time.UnixMilli(p.Occurrence)
	// A moved or cancelled meeting's old reminder says nothing.
	if m.Status != meeting.Scheduled || !f.isOccurrence(m, occ) {
		return nil
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
			rd := reader{lang, loc, now}
			text := rd.t("Reminder: %s %s starts %s.", "提醒：会议 %s「%s」将于 %s 开始。", m.Ref(), m.Title, rd.time(occ))
			if lines := v.agendaLines(rd); len(lines) > 0 {
				text += "\n" + rd.t("Agenda:", "议程：") + "\n" + strings.Join(lines, "\n")
			}
			return bot.Message{Text: text, Card: v.card(now, loc, lang)}
		}); err != nil {
			return err
		}
	}
	if m.Rule != "" && time.Duration(p.Before)*time.Millisecond == f.smallestReminder(m) {
		return f.scheduleReminders(tx, m, occ.Add(time.Second))
	}
	return nil
}

func (f *feature) smallestReminder(m *meeting.Meeting) time.Duration {
	ts := f.reminderTimes(m, m.Start)
	small := ts[0]
	for _, t := range ts {
		small = min(small, t)
	}
	return small
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
	if f.Notifier != nil {
		return f.Notifier
	}
	lang, loc := f.defaults()
	return &bot.Notifier{DefaultLang: lang, DefaultTZ: loc}
}
