package icsfeed

import (
	"fmt"
	"slices"
	"time"

	ics "github.com/arran4/golang-ical"
)

// zoneFuture is how far past the feed's own time a VTIMEZONE spells out a
// zone's transitions. Subscribers fetch the feed again long before then, and
// Google and Outlook resolve an IANA TZID with their own rules anyway; the
// VTIMEZONE is what RFC 5545 requires and what other clients read.
const zoneFuture = 5 * 365 * 24 * time.Hour

// zoneSpan is the stretch of time a calendar uses one zone over.
type zoneSpan struct {
	loc        *time.Location
	from, last time.Time
	open       bool // a series with no end: its zone is needed into the future
}

// until is the end of the stretch the VTIMEZONE must cover.
func (z *zoneSpan) until(now time.Time) time.Time {
	end := z.last
	if z.open && now.Add(zoneFuture).After(end) {
		end = now.Add(zoneFuture)
	}
	return end
}

type zoneSpans map[string]*zoneSpan

func (zs zoneSpans) add(loc *time.Location, e Event) {
	if loc == time.UTC {
		return // written as UTC ("Z"), no VTIMEZONE
	}
	first, last := e.Meeting.Start, e.Meeting.Start.Add(e.Meeting.Duration)
	for _, mv := range e.Recurrence.Moved {
		first, last = earliest(first, mv.To), latest(last, mv.To.Add(e.Meeting.Duration))
	}
	for _, t := range e.Recurrence.Extra {
		first, last = earliest(first, t), latest(last, t.Add(e.Meeting.Duration))
	}
	if e.Recurrence.RRule != "" && !e.Meeting.Until.IsZero() {
		last = latest(last, e.Meeting.Until.Add(e.Meeting.Duration))
	}
	z := zs[loc.String()]
	if z == nil {
		z = &zoneSpan{loc: loc, from: first, last: last}
		zs[loc.String()] = z
	}
	z.from, z.last = earliest(z.from, first), latest(z.last, last)
	z.open = z.open || (e.Recurrence.RRule != "" && e.Meeting.Until.IsZero())
}

func (zs zoneSpans) sorted() []*zoneSpan {
	out := make([]*zoneSpan, 0, len(zs))
	for _, z := range zs {
		out = append(out, z)
	}
	slices.SortFunc(out, func(a, b *zoneSpan) int {
		if a.loc.String() < b.loc.String() {
			return -1
		}
		return 1
	})
	return out
}

// vtimezone describes loc from before from until until: the observance in
// force at from, then each transition in between as its own STANDARD or
// DAYLIGHT with its onset (RFC 5545 §3.6.5, a DTSTART in the local time
// before the onset, without RRULE).
//
// Written by hand: Go's time package holds the zone data but exposes only
// the bounds of the zone in force at an instant (Time.ZoneBounds), and
// neither golang-ical nor go-ical makes a VTIMEZONE from a time.Location.
func vtimezone(loc *time.Location, from, until time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	// Start a day early so that the first occurrence's own day is covered
	// whatever its offset.
	at := from.Add(-24 * time.Hour).In(loc)
	name, offset := at.Zone()
	observance(tz, at.IsDST(), at.Format(localFormat), offset, offset, name)
	for {
		_, end := at.ZoneBounds()
		if end.IsZero() || end.After(until) {
			return tz
		}
		before := offset
		at = end.In(loc)
		name, offset = at.Zone()
		onset := end.In(time.FixedZone("", before)).Format(localFormat)
		observance(tz, at.IsDST(), onset, before, offset, name)
	}
}

func observance(tz *ics.VTimezone, dst bool, dtstart string, from, to int, name string) {
	base := ics.ComponentBase{}
	base.SetProperty(ics.ComponentPropertyDtStart, dtstart)
	base.SetProperty(ics.ComponentProperty("TZOFFSETFROM"), utcOffset(from))
	base.SetProperty(ics.ComponentProperty("TZOFFSETTO"), utcOffset(to))
	if name != "" {
		base.SetProperty(ics.ComponentProperty("TZNAME"), name)
	}
	if dst {
		tz.Components = append(tz.Components, &ics.Daylight{ComponentBase: base})
	} else {
		tz.Components = append(tz.Components, &ics.Standard{ComponentBase: base})
	}
}

// utcOffset writes seconds east of UTC as ±hhmm (or ±hhmmss).
func utcOffset(seconds int) string {
	sign := '+'
	if seconds < 0 {
		sign, seconds = '-', -seconds
	}
	out := fmt.Sprintf("%c%02d%02d", sign, seconds/3600, seconds%3600/60)
	if s := seconds % 60; s != 0 {
		out += fmt.Sprintf("%02d", s)
	}
	return out
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
