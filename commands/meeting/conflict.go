package meeting

import (
	"context"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands"
)

const (
	// busyHorizon is how far ahead of the requested time busy time is read,
	// and so how far ahead free slots are offered.
	busyHorizon = 14 * 24 * time.Hour
	// maxSlots is how many free slots are offered.
	maxSlots = 3
	// maxTheirMeetings bounds one attendee's meetings read for a check.
	maxTheirMeetings = 100
)

// Calendars is where attendees' busy time comes from outside Tandem (the
// platforms' calendars and calendar URLs): bot.BusyReader, asked in the
// prepare step, outside the unit.
type Calendars = bot.BusyReader

// conflict is one attendee's busy time overlapping the meeting: another
// Tandem meeting ("M-3 Budget") or their calendar (What says what, when
// the source tells).
type conflict struct {
	handle string
	bot.Interval
	own bool // one of their Tandem meetings
}

// checked is what the prepare step of `meeting new` read: the attendees'
// conflicts with the requested time and the next slots free for all.
type checked struct {
	start, end time.Time
	conflicts  []conflict
	// unchecked are attendees whose calendars cannot be read (WeCom only);
	// failed says whose calendar did not answer, and why.
	unchecked []string
	failed    []failure
	slots     []time.Time
}

type failure struct {
	handle string
	why    bot.Text
}

// attendee is a person the prepare step found, with their accounts and
// their Tandem meetings as busy time.
type attendee struct {
	p     *bot.Person
	dept  string
	accts []bot.LinkedAccount
	own   []bot.Interval
}

// prepareNew reads, outside the unit, what `meeting new` needs to decide:
// the attendees' other meetings (a view) and their calendars' busy time
// (the network, through Calendars). A draft it cannot read is left to the
// command, which answers with the form.
func (f *feature) prepareNew(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
	return f.prepared(func(tx bot.Tx) (*draft, []*attendee, error) {
		now := ev.ReceivedAt
		sender, loc := f.senderOf(tx, ev)
		d, err := parseDraft(args, now, loc, false)
		if err != nil || d.start.IsZero() {
			return nil, nil, nil
		}
		if d.rule != "" {
			probe := meeting.Meeting{Start: d.start, TZ: loc.String(), Rule: d.rule, Holiday: d.holiday, Duration: d.dur}
			if d.start = f.firstOf(&probe, d.start, now); d.start.IsZero() {
				return nil, nil, nil
			}
		}
		persons := []*bot.Person{sender}
		for _, name := range d.mentions {
			persons = append(persons, lookup(tx, ev, name))
		}
		people, err := f.gather(tx, persons, d.start, 0)
		return d, people, err
	})
}

// prepared is a prepare step: read (in a view, which may run it again)
// gives the draft and its attendees, or a nil draft when there is nothing
// to check; then the calendars are asked outside any unit (check).
func (f *feature) prepared(read func(tx bot.Tx) (*draft, []*attendee, error)) bot.PrepareFunc {
	return func(ctx context.Context, view bot.Viewer) (any, error) {
		var d *draft
		var people []*attendee
		err := view.View(ctx, func(tx bot.Tx) (err error) {
			d, people, err = read(tx)
			return err
		})
		if err != nil || d == nil {
			return nil, err
		}
		return f.check(ctx, d, people)
	}
}

// prepareChange is prepareNew for `meeting change <id> <when> …`: the
// attendees who have not declined, those added and not those removed,
// their meetings but this one.
func (f *feature) prepareChange(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
	if len(args) < 2 {
		return nil
	}
	return f.prepared(func(tx bot.Tx) (*draft, []*attendee, error) {
		_, loc := f.senderOf(tx, ev)
		id, err := commands.ParseID(strings.TrimPrefix(strings.ToUpper(args[0].Text), "M-"))
		if err != nil {
			return nil, nil, nil
		}
		m, err := meeting.From(tx).FindMeetingByID(id)
		if err != nil {
			return nil, nil, nil // the command says what is wrong
		}
		d, err := parseDraft(args[1:], ev.ReceivedAt, loc, true)
		if err != nil || (d.start.IsZero() && d.dur == 0 && len(d.mentions) == 0) {
			return nil, nil, nil
		}
		if d.start.IsZero() {
			d.start = m.Start
		}
		if d.dur == 0 {
			d.dur = m.Duration
		}
		removed := map[int64]bool{}
		for _, name := range d.removed {
			if p := lookup(tx, ev, name); p != nil {
				removed[p.ID] = true
			}
		}
		as, err := meeting.From(tx).Attendees(m.ID)
		if err != nil {
			return nil, nil, err
		}
		var persons []*bot.Person
		for _, a := range as {
			if a.Answer != meeting.Declined && !removed[a.PersonID] {
				if p, err := tx.FindPersonByID(a.PersonID); err == nil {
					persons = append(persons, p)
				}
			}
		}
		for _, name := range d.mentions {
			persons = append(persons, lookup(tx, ev, name))
		}
		people, err := f.gather(tx, persons, d.start, m.ID)
		return d, people, err
	})
}

// senderOf is the event's sender, if known, and their zone.
func (f *feature) senderOf(tx bot.Tx, ev *bot.Event) (*bot.Person, *time.Location) {
	_, loc := f.defaults()
	sender, err := tx.FindPersonByAccount(ev.SenderAccount())
	if err != nil {
		return nil, loc
	}
	return sender, sender.Location(loc)
}

// gather reads what a conflict check needs of each person (nil ones and
// repeats skipped): their accounts, department, and other scheduled Tandem
// meetings (but skip) from start over busyHorizon as busy time.
func (f *feature) gather(tx bot.Tx, persons []*bot.Person, start time.Time, skip int64) ([]*attendee, error) {
	var out []*attendee
	found := map[int64]bool{}
	for _, p := range persons {
		if p == nil || found[p.ID] {
			continue
		}
		found[p.ID] = true
		accts, err := tx.AccountsOf(p.ID)
		if err != nil {
			return nil, err
		}
		a := &attendee{p: p, accts: accts}
		if dep, err := tx.FindDepartmentByID(p.DeptID); p.DeptID != 0 && err == nil {
			a.dept = dep.Name
		}
		ms, err := meeting.From(tx).MeetingsOf(p.ID, start, start.Add(busyHorizon), maxTheirMeetings)
		if err != nil {
			return nil, err
		}
		// MeetingsOf leaves out what the person declined.
		a.own = meeting.OwnBusy(ms, skip, start, start.Add(busyHorizon), f.occurrences)
		out = append(out, a)
	}
	return out, nil
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
	return commands.FindHandle(tx, name)
}

// check asks the calendars (outside any unit) and finds the conflicts
// (meeting.Conflicts) and, when there are some, the next slots free for
// everyone in their working hours (meeting.NextSlots).
func (f *feature) check(ctx context.Context, d *draft, people []*attendee) (*checked, error) {
	dur := d.dur
	if dur == 0 {
		dur = defaultDuration
	}
	ck := &checked{start: d.start, end: d.start.Add(dur)}
	to := d.start.Add(busyHorizon)
	rep := bot.BusyReport{}
	if f.Calendars != nil {
		qs := make([]bot.BusyQuery, len(people))
		for i, a := range people {
			qs[i] = bot.BusyQuery{PersonID: a.p.ID, Handle: a.p.Handle}
			for _, acct := range a.accts {
				qs[i].Accounts = append(qs[i].Accounts, acct.Account)
			}
		}
		var err error
		if rep, err = f.Calendars.Busy(ctx, qs, d.start, to); err != nil {
			return nil, err
		}
	}
	handle := map[int64]string{}
	var who []meeting.Availability
	for _, a := range people {
		handle[a.p.ID] = "@" + a.p.Handle
		if !rep.Checked[a.p.ID] && onWeCom(a.accts) {
			ck.unchecked = append(ck.unchecked, "@"+a.p.Handle)
		}
		busy := append(append([]bot.Interval(nil), a.own...), rep.Busy[a.p.ID]...)
		who = append(who, meeting.Availability{PersonID: a.p.ID, Dept: a.dept, Busy: busy})
		for _, iv := range meeting.Conflicts(ck.start, ck.end, who[len(who)-1:]) {
			for _, w := range iv.With {
				ck.conflicts = append(ck.conflicts, conflict{handle: "@" + a.p.Handle, Interval: w, own: isOwn(w, a.own)})
			}
		}
	}
	for _, fl := range rep.Failed {
		ck.failed = append(ck.failed, failure{handle[fl.PersonID], bot.ErrorText(fl.Err)})
	}
	if len(ck.conflicts) > 0 {
		// A series keeps its days: a slot button sets its time, not its
		// weekday, so only slots on the first occurrence's day are offered.
		want := maxSlots
		if d.rule != "" {
			want = maxSlots * seriesSlotSearch
		}
		for _, s := range meeting.NextSlots(dur, who, f.Calendar, ck.start, want) {
			if s.End.After(to) || len(ck.slots) == maxSlots {
				break // past what was read: nobody's busy time is known there
			}
			if d.rule != "" && !sameDay(s.Start, d.start) {
				continue
			}
			ck.slots = append(ck.slots, s.Start)
		}
	}
	return ck, nil
}

func isOwn(iv bot.Interval, own []bot.Interval) bool {
	for _, o := range own {
		if o == iv {
			return true
		}
	}
	return false
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

// seriesSlotSearch is how many times more slots are looked at for a series,
// whose offers must fall on its first occurrence's day.
const seriesSlotSearch = 8

// sameDay says whether a and b are on the same date in b's zone.
func sameDay(a, b time.Time) bool {
	ay, am, ad := a.In(b.Location()).Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
