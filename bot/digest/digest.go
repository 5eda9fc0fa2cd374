// Package digest is the domain of the daily digest: when each person's
// digest is due (their time, their zone, the work calendar) and the store
// contract (Store) for the next-digest times. It imports bot only; the chat
// surface and the sweep job are commands/digest.
package digest

import (
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Store is the digest feature's store contract, implemented by the same
// unit as bot.Tx (see From).
type Store interface {
	// DigestsDue returns up to limit people whose daily digest is on and
	// not scheduled yet (DigestNext zero), then those whose digest is due at
	// now, earliest first. It reads an index of the people whose digest is
	// on, so it costs what is due, not how many people there are.
	DigestsDue(now time.Time, limit int) ([]*bot.Person, error)
	// SetDigestNext sets when the person's next digest is due to next, if it
	// is still was (zero: not scheduled), and reports whether it did: a
	// sweep that read the person earlier leaves a change made since alone.
	SetDigestNext(personID int64, was, next time.Time) (bool, error)
}

// From returns the digest store of the unit tx, by type assertion (see
// task.From). A unit without one fails every call with an internal error.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("digest: the unit %T does not implement digest.Store", tx)}
}

type missing struct{ err error }

func (m missing) DigestsDue(time.Time, int) ([]*bot.Person, error)        { return nil, m.err }
func (m missing) SetDigestNext(int64, time.Time, time.Time) (bool, error) { return false, m.err }

// NextRun computes the next run of a schedule (see bot.Job) after a moment
// in a zone; cmd/tandem gives the scheduler's calendar-aware one.
type NextRun func(schedule string, after time.Time, loc *time.Location) (time.Time, error)

// Clock is the time of day of p's digest, "09:00" unless chosen.
func Clock(p *bot.Person) string {
	if p.Digest == "" {
		return "09:00"
	}
	return p.Digest
}

// Schedule is the job schedule (bot.Job.Schedule) of p's digest.
func Schedule(p *bot.Person) string { return "workdays:" + Clock(p) }

// Reschedule sets when p's next digest is due, after p (already updated)
// changed its time, its zone or turned it on: the next time after now in
// loc, so a digest comes at the time chosen and never because a time has
// passed. UpdatePerson cleared the old time if one of them changed; if none
// did, the time already set stands. Without next the digest job computes it
// within the minute.
func Reschedule(tx bot.Tx, p *bot.Person, now time.Time, loc *time.Location, next NextRun) error {
	if p.DigestOff || next == nil {
		return nil
	}
	at, err := next(Schedule(p), now, loc)
	if err != nil {
		return nil // no working day ahead in the calendar: the digest job decides
	}
	_, err = From(tx).SetDigestNext(p.ID, time.Time{}, at)
	return err
}
