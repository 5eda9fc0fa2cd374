package asks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
)

// remindSubject gathers the reminders one person gets in a round into one
// message (Notice.Subject): three asks waiting for them are one nudge.
const remindSubject = "asks/remind"

// reminder is the recurring job that reminds those who have not answered,
// on working days at RemindAt (a bot.JobFetcher sweep).
type reminder struct{ e *Engine }

var _ bot.JobFetcher = reminder{}

// RunJob implements bot.JobHandler; the scheduler runs FetchJob instead.
func (reminder) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error {
	return errors.New("ask.remind runs through FetchJob")
}

// FetchTimeout implements bot.JobFetcher.
func (reminder) FetchTimeout() time.Duration { return 10 * time.Minute }

// FetchJob implements bot.JobFetcher: the round commits as it goes.
func (r reminder) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	p, err := payloadOf(job)
	if err != nil {
		return nil, err
	}
	return nil, r.e.Remind(ctx, job, p.Ask, now)
}

// Remind runs one reminder round of an ask at now: nothing on a day that
// is not a working day (the job's schedule, "workdays:", moves on to the
// next one; a calendar changed since is checked here), after the deadline
// or once the ask ended. Otherwise the pending lines are read a page at a
// time, outside the writer, and each page reminded in a unit of its own
// (checking the job's claim): one reminder per person and day (the
// outbox key names the day, and a line reminded today is passed over, so
// a round run again reminds nobody twice), gathered with their other
// asks' reminders into one message; Reminders and RemindedAt recorded;
// one timeline entry for the round.
func (e *Engine) Remind(ctx context.Context, job *bot.Job, askID int64, now time.Time) error {
	var a *ask.Ask
	if err := e.d.Store.View(ctx, func(tx bot.Tx) (err error) { a, err = ask.From(tx).FindAsk(askID); return }); err != nil {
		return err
	}
	if a.Status != ask.Open || !e.isWorkday(now) || (!a.Deadline.IsZero() && !now.Before(a.Deadline)) {
		return nil
	}
	k, err := e.kind(a)
	if err != nil {
		return err
	}
	day := now.In(e.zone()).Format(time.DateOnly)
	reminded := 0
	for after := int64(0); ; {
		start := time.Now()
		var page []*ask.Recipient
		if err := e.d.Store.View(ctx, func(tx bot.Tx) (err error) {
			page, err = ask.From(tx).Recipients(a.ID, ask.RecipientFilter{State: ask.Pending, Step: -1, AfterPersonID: after, Limit: e.batch})
			return
		}); err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		err := bot.UpdateClaimed(ctx, e.d.Store, job, func(tx bot.Tx) error {
			for _, r := range page {
				if !r.RemindedAt.IsZero() && r.RemindedAt.In(e.zone()).Format(time.DateOnly) == day {
					continue
				}
				if err := e.remindOne(tx, k, a, r, day, now); err != nil {
					return err
				}
				reminded++
			}
			return nil
		})
		if err != nil {
			return err
		}
		after = page[len(page)-1].PersonID
		if len(page) < e.batch {
			break
		}
		if err := bot.Rest(ctx, time.Since(start)); err != nil {
			return err
		}
	}
	return bot.UpdateClaimed(ctx, e.d.Store, job, func(tx bot.Tx) error {
		// Native reads are only answered for so long: past that the poll
		// has nothing to ask, and it cannot end itself (a recurring job).
		if now.Sub(a.SentAt) > maxReadWindow {
			if err := bot.CancelJobs(tx, Key(a.ID, "reads"), now); err != nil {
				return err
			}
		}
		if reminded == 0 {
			return nil
		}
		return ask.From(tx).AddAskEvent(&ask.Event{AskID: a.ID, Kind: ask.Reminded,
			Text: bot.Tf("reminded %d people", "提醒了 %d 人", reminded).In(e.d.DefaultLang), At: now})
	})
}

// remindOne queues r's reminder for day and records it on the line.
func (e *Engine) remindOne(tx bot.Tx, k Kind, a *ask.Ask, r *ask.Recipient, day string, now time.Time) error {
	p, err := tx.FindPersonByID(r.PersonID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	key := fmt.Sprintf("ask/%d/remind/%d/%d/%s", a.ID, r.PersonID, r.Step, day)
	if _, err := e.d.Notifier.Tell(tx, key, bot.Notice{To: p, Subject: remindSubject}, now, func(lang bot.Lang, loc *time.Location) bot.Message {
		return bot.Message{Text: k.Reminder(a, r, lang, loc)}
	}); err != nil {
		return err
	}
	r.Reminders++
	r.RemindedAt = now
	return ask.From(tx).UpdateRecipient(r)
}
