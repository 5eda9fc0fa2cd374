package meeting

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands"
)

const (
	// slotHorizon is how far ahead the next free slots are looked for.
	slotHorizon = 14 * 24 * time.Hour
	// slotStep is the grid free slots start on.
	slotStep = 30 * time.Minute
	// maxSlots is how many free slots are offered.
	maxSlots = 3
	// maxTheirMeetings bounds one attendee's meetings read for a check.
	maxTheirMeetings = 100
)

// busy is one attendee's busy interval: another Tandem meeting (ref set)
// or their calendar (ref empty).
type busy struct {
	Interval
	ref, title string
}

// conflict is one attendee's busy time overlapping the meeting.
type conflict struct {
	handle string
	busy
}

// checked is what the prepare step of `meeting new` read: the attendees'
// conflicts with the requested time and the next slots free for all.
type checked struct {
	start, end time.Time
	conflicts  []conflict
	// unchecked are attendees whose calendars cannot be read (WeCom);
	// failed those whose calendar did not answer.
	unchecked, failed []string
	slots             []time.Time
}

// attendee is a person the prepare step found, with their accounts.
type attendee struct {
	p     *bot.Person
	accts []bot.LinkedAccount
	busy  []busy
}

// prepareNew reads, outside the unit, what `meeting new` needs to decide:
// the attendees' other meetings (a view) and their calendars' busy time
// (the network, through FreeBusy). A draft it cannot read is left to the
// command, which answers with the form.
func (f *feature) prepareNew(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
	return func(ctx context.Context, view bot.Viewer) (any, error) {
		now := ev.ReceivedAt
		var d *draft
		var people []*attendee
		err := view.View(ctx, func(tx bot.Tx) error {
			d, people = nil, nil // View may run fn again
			_, loc := f.defaults()
			sender, err := tx.FindPersonByAccount(ev.SenderAccount())
			if err == nil {
				loc = sender.Location(loc)
			}
			if d, err = parseDraft(args, now, loc, false); err != nil || d.start.IsZero() {
				d = nil
				return nil
			}
			found := map[int64]bool{}
			add := func(p *bot.Person) error {
				if p == nil || found[p.ID] {
					return nil
				}
				found[p.ID] = true
				accts, err := tx.AccountsOf(p.ID)
				if err != nil {
					return err
				}
				people = append(people, &attendee{p: p, accts: accts})
				return nil
			}
			if sender != nil {
				if err := add(sender); err != nil {
					return err
				}
			}
			for _, name := range d.mentions {
				if err := add(lookup(tx, ev, name)); err != nil {
					return err
				}
			}
			for _, a := range people {
				if err := f.theirMeetings(tx, a, d.start, d.start.Add(slotHorizon)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || d == nil {
			return nil, err
		}
		return f.check(ctx, d, people), nil
	}
}

// lookup finds a mentioned person without registering anyone (a prepare
// step only reads): a platform mention by account, a plain name by handle.
func lookup(tx bot.Tx, ev *bot.Event, name string) *bot.Person {
	if id, ok := strings.CutPrefix(name, "<@"); ok {
		id = strings.TrimSuffix(id, ">")
		id, _, _ = strings.Cut(id, "|")
		p, err := tx.FindPersonByAccount(bot.Account{Platform: ev.Platform, Workspace: ev.Workspace, UserID: id})
		if err != nil {
			return nil
		}
		return p
	}
	h := strings.TrimPrefix(name, "@")
	ps, err := tx.FindPeopleByName(h)
	if err != nil {
		return nil
	}
	for _, p := range ps {
		if strings.EqualFold(p.Handle, h) {
			return p
		}
	}
	return nil
}

// theirMeetings adds a's scheduled Tandem meetings in [from, to) to their
// busy time.
func (f *feature) theirMeetings(tx bot.Tx, a *attendee, from, to time.Time) error {
	ms, err := meeting.From(tx).MeetingsOf(a.p.ID, from, to, maxTheirMeetings)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Status != meeting.Scheduled {
			continue
		}
		if declined(tx, m.ID, a.p.ID) {
			continue
		}
		for _, at := range f.occurrences(m, from, to) {
			a.busy = append(a.busy, busy{Interval{at, at.Add(m.Duration)}, m.Ref(), m.Title})
		}
	}
	return nil
}

// declined reports whether person declined meeting id: it does not keep
// them busy.
func declined(tx bot.Tx, id, person int64) bool {
	as, err := meeting.From(tx).Attendees(id)
	if err != nil {
		return false
	}
	for _, a := range as {
		if a.PersonID == person {
			return a.Answer == meeting.Declined
		}
	}
	return false
}

// check asks the calendars (outside any unit) and finds the conflicts
// and the next free slots.
func (f *feature) check(ctx context.Context, d *draft, people []*attendee) *checked {
	dur := d.dur
	if dur == 0 {
		dur = defaultDuration
	}
	ck := &checked{start: d.start, end: d.start.Add(dur)}
	var all []Interval
	for _, a := range people {
		if f.FreeBusy != nil {
			got, ok, err := f.FreeBusy.Busy(ctx, a.p, a.accts, d.start, d.start.Add(slotHorizon))
			switch {
			case err != nil:
				ck.failed = append(ck.failed, "@"+a.p.Handle)
			case !ok && onWeCom(a.accts):
				ck.unchecked = append(ck.unchecked, "@"+a.p.Handle)
			}
			for _, iv := range got {
				a.busy = append(a.busy, busy{Interval: iv})
			}
		} else if onWeCom(a.accts) {
			ck.unchecked = append(ck.unchecked, "@"+a.p.Handle)
		}
		for _, b := range a.busy {
			all = append(all, b.Interval)
			if overlaps(b.Interval, Interval{ck.start, ck.end}) {
				ck.conflicts = append(ck.conflicts, conflict{"@" + a.p.Handle, b})
			}
		}
	}
	if len(ck.conflicts) > 0 {
		_, loc := f.defaults()
		ck.slots = f.nextSlots(all, ck.start, dur, d.dept, loc)
	}
	return ck
}

// onWeCom reports whether someone is reached on WeCom only, whose
// calendars no server can read.
func onWeCom(accts []bot.LinkedAccount) bool {
	if len(accts) == 0 {
		return false
	}
	for _, a := range accts {
		if a.Platform != bot.PlatformWeCom {
			return false
		}
	}
	return true
}

func overlaps(a, b Interval) bool { return a.Start.Before(b.End) && b.Start.Before(a.End) }

// nextSlots are up to maxSlots starts after from, on a half-hour grid,
// where a meeting of dur lies in working time (the work calendar's hours
// for dept, else 09:00–18:00 on weekdays in loc) and overlaps no one's
// busy time.
func (f *feature) nextSlots(all []Interval, from time.Time, dur time.Duration, dept string, loc *time.Location) []time.Time {
	slices.SortFunc(all, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	start := from.Truncate(slotStep)
	if start.Before(from) {
		start = start.Add(slotStep)
	}
	var out []time.Time
	for c := start; c.Before(from.Add(slotHorizon)) && len(out) < maxSlots; c = c.Add(slotStep) {
		if c.Equal(from) || !f.working(c, dur, dept, loc) {
			continue
		}
		free := true
		for _, b := range all {
			if !b.Start.Before(c.Add(dur)) {
				break
			}
			if overlaps(b, Interval{c, c.Add(dur)}) {
				free = false
				break
			}
		}
		if free {
			out = append(out, c)
		}
	}
	return out
}

// working reports whether all of [c, c+dur) is working time.
func (f *feature) working(c time.Time, dur time.Duration, dept string, loc *time.Location) bool {
	if f.Calendar == nil {
		l := c.In(loc)
		e := c.Add(dur).In(loc)
		day0 := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
		wd := l.Weekday()
		return wd != time.Saturday && wd != time.Sunday && !l.Before(day0.Add(9*time.Hour)) &&
			!e.After(day0.Add(18*time.Hour))
	}
	for t := c; t.Before(c.Add(dur)); t = t.Add(15 * time.Minute) {
		if !f.Calendar.IsWorkingTime(t, dept) {
			return false
		}
	}
	return f.Calendar.IsWorkingTime(c.Add(dur-time.Minute), dept)
}
