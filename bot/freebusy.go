package bot

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// PlatformICal is the pseudo-platform of an iCalendar URL configured for a
// person (people[].calendar_url): its "account" is the URL itself, so the
// iCalendar source is a FreeBusy like a platform's.
const PlatformICal = "ical"

// Interval is a span of busy time [Start, End): the end is not included, so
// a meeting that ends at 10:00 does not clash with one that starts at 10:00.
type Interval struct {
	Start, End time.Time
	// What it is, when the source says (a Tandem meeting's "M-7", an
	// event's summary in a published calendar); free/busy APIs say nothing.
	What string
	// AllDay marks an all-day event (a day off, a trip): busy from the
	// day's midnight to the next one, in the zone the source gave.
	AllDay bool
}

// Overlaps reports whether iv and [start, end) share any moment; touching
// ends (iv.End == start) do not.
func (iv Interval) Overlaps(start, end time.Time) bool {
	return iv.Start.Before(end) && start.Before(iv.End)
}

// FreeBusy is a calendar that answers when people are busy: one platform
// app's (Feishu calendar/v4/freebusy, DingTalk querySchedule), or the
// iCalendar URLs configured per person (PlatformICal, whose accounts' UserID
// is the URL). Calls reach the network: they are made outside units of work,
// by a command's prepare step.
//
// Busy returns, for each account it could read, the busy intervals that
// overlap [from, to), sorted by start; an account it cannot see is left out
// of the map (the caller says "not checked"). Errors: a *Error with
// EFORBIDDEN when the platform refuses for the want of a permission (its
// bilingual text names the scope the admin must grant); any other error is
// transient.
//
// Not every platform has one. WeCom has no server-side free/busy (the
// client-only JS-SDK checkSchedule, and oa/schedule reaches only calendars
// the app itself created), and Slack has no calendar API at all: for people
// there, only their Tandem meetings and a calendar_url are checked.
type FreeBusy interface {
	Busy(ctx context.Context, who []Account, from, to time.Time) (map[Account][]Interval, error)
}

// FreeBusyFinder finds the FreeBusy of a platform and workspace; cmd/tandem
// implements it over the configured platforms (FreeBusyRegistry).
type FreeBusyFinder interface {
	FreeBusy(platform, workspace string) (FreeBusy, bool)
}

// FreeBusyRegistry is Tandem's free/busy sources: one per platform app that
// has a calendar API, and the iCalendar URLs configured per person (by
// handle). The zero value has none and answers every question with "not
// checked".
type FreeBusyRegistry struct {
	// Apps are the platform apps' sources, by platform and workspace; a
	// source registered with Workspace "" serves every workspace of its
	// platform that has none of its own.
	Apps []FreeBusyApp
	// ICal reads the iCalendar URLs (nil: they are not checked).
	ICal FreeBusy
	// CalendarURLs are the iCalendar URLs by person handle (the config's
	// people[].calendar_url).
	CalendarURLs map[string]string
}

// FreeBusyApp is one platform app's FreeBusy.
type FreeBusyApp struct {
	Platform, Workspace string
	Source              FreeBusy
}

var _ FreeBusyFinder = (*FreeBusyRegistry)(nil)

// FreeBusy implements FreeBusyFinder: the app of that workspace, else the
// platform's only app without a workspace; PlatformICal is the iCalendar
// source.
func (r *FreeBusyRegistry) FreeBusy(platform, workspace string) (FreeBusy, bool) {
	if r == nil {
		return nil, false
	}
	if platform == PlatformICal {
		return r.ICal, r.ICal != nil
	}
	var fallback FreeBusy
	for _, a := range r.Apps {
		if a.Platform != platform || a.Source == nil {
			continue
		}
		if a.Workspace == workspace {
			return a.Source, true
		}
		if a.Workspace == "" {
			fallback = a.Source
		}
	}
	return fallback, fallback != nil
}

// BusyQuery is one person whose busy time is asked: their accounts and
// their handle (for the calendar URL).
type BusyQuery struct {
	PersonID int64
	Handle   string
	Accounts []Account
}

// BusyReport is what the sources said about a set of people.
type BusyReport struct {
	// Busy holds each person's busy intervals from every source that
	// answered, sorted by start.
	Busy map[int64][]Interval
	// Checked says whose calendar at least one source read.
	Checked map[int64]bool
	// Failed are the sources that could not be read, per person: the
	// error's text (bot.ErrorText) is what to show.
	Failed []BusyFailure
}

// BusyFailure is one source that failed for one person.
type BusyFailure struct {
	PersonID int64
	Platform string
	Err      error
}

// Busy asks every source that knows someone of people, each source once
// and all at the same time, for their busy time in [from, to). A source
// that fails is reported in Failed and the others still count: a conflict
// check should say what it could not see, not give up. It returns an error
// only when ctx ends first.
func (r *FreeBusyRegistry) Busy(ctx context.Context, people []BusyQuery, from, to time.Time) (BusyReport, error) {
	rep := BusyReport{Busy: map[int64][]Interval{}, Checked: map[int64]bool{}}
	type batch struct {
		source FreeBusy
		owner  map[Account][]int64
	}
	type key struct {
		source FreeBusy
		url    string
	}
	var batches []*batch
	bySource := map[key]*batch{}
	add := func(a Account, person int64) {
		src, ok := r.FreeBusy(a.Platform, a.Workspace)
		if !ok {
			return
		}
		// A platform app answers for all its accounts in one call; each
		// calendar URL is a server of its own, asked (and failing) alone.
		k := key{source: src}
		if a.Platform == PlatformICal {
			k.url = a.UserID
		}
		b := bySource[k]
		if b == nil {
			b = &batch{source: src, owner: map[Account][]int64{}}
			bySource[k] = b
			batches = append(batches, b)
		}
		if !slices.Contains(b.owner[a], person) {
			b.owner[a] = append(b.owner[a], person)
		}
	}
	for _, p := range people {
		for _, a := range p.Accounts {
			add(a, p.PersonID)
		}
		if r != nil && p.Handle != "" && r.CalendarURLs[p.Handle] != "" {
			add(Account{Platform: PlatformICal, UserID: r.CalendarURLs[p.Handle]}, p.PersonID)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, b := range batches {
		wg.Go(func() {
			who := make([]Account, 0, len(b.owner))
			for a := range b.owner {
				who = append(who, a)
			}
			slices.SortFunc(who, func(x, y Account) int { return cmp.Compare(x.String(), y.String()) })
			got, err := b.source.Busy(ctx, who, from, to)
			mu.Lock()
			defer mu.Unlock()
			for _, a := range who {
				for _, id := range b.owner[a] {
					if err != nil {
						rep.Failed = append(rep.Failed, BusyFailure{PersonID: id, Platform: a.Platform, Err: err})
						continue
					}
					if ivs, ok := got[a]; ok {
						rep.Checked[id] = true
						rep.Busy[id] = append(rep.Busy[id], ivs...)
					}
				}
			}
		})
	}
	wg.Wait()
	for id := range rep.Busy {
		SortIntervals(rep.Busy[id])
	}
	slices.SortStableFunc(rep.Failed, func(x, y BusyFailure) int {
		return cmp.Or(cmp.Compare(x.PersonID, y.PersonID), cmp.Compare(x.Platform, y.Platform))
	})
	rep.Failed = slices.CompactFunc(rep.Failed, func(x, y BusyFailure) bool {
		return x.PersonID == y.PersonID && x.Platform == y.Platform
	})
	return rep, ctx.Err()
}

// SortIntervals sorts intervals by start, then end.
func SortIntervals(ivs []Interval) {
	slices.SortStableFunc(ivs, func(x, y Interval) int {
		return cmp.Or(x.Start.Compare(y.Start), x.End.Compare(y.End))
	})
}
