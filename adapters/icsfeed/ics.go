// Package icsfeed adapts meetings to iCalendar (RFC 5545): it writes a
// meeting, or everyone's meetings of one person, as a calendar (Encode) and
// serves each person's meetings as a feed at a signed, unguessable URL that
// Google Calendar and Outlook subscribe to (Feed).
//
// It is an adapter: iCalendar is a technology, as a chat platform is, and
// only cmd/tandem wires it (it mounts the feed on the HTTP server and hands
// the chat surface a function that gives a person their link). It imports
// bot and bot/meeting only, and github.com/arran4/golang-ical, which
// serializes (folding, escaping) but knows nothing of time zones: the
// zone's VTIMEZONE is written here, from Go's own zone data.
package icsfeed

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
)

// ContentType is what a calendar is served and attached as.
const ContentType = "text/calendar; charset=utf-8"

// Recurrence is a series in iCalendar's terms: the rule, the occurrences it
// yields that are not held (a holiday skipped), and those held at another
// time (a holiday moved to the next working day).
type Recurrence struct {
	// RRule is the rule's value without "RRULE:", read in the meeting's
	// zone: "FREQ=WEEKLY;BYDAY=MO". Empty for a one-off.
	RRule   string
	Skipped []time.Time // the starts, as the rule yields them, of occurrences not held
	Moved   []Move
	// Extra are occurrences the rule does not yield (a make-up working
	// day): each is written as a VEVENT of its own (UID "meeting-7-<start>@…").
	Extra []time.Time
}

// Move is one occurrence held at another time than its rule says.
type Move struct {
	From time.Time // the start the rule yields (its RECURRENCE-ID)
	To   time.Time // when it is held
}

// Event is one meeting with what its VEVENT says about it.
type Event struct {
	Meeting    *meeting.Meeting
	Attendees  []*meeting.Attendee
	Agenda     []*meeting.AgendaItem
	People     map[int64]*bot.Person // the organizer, attendees and agenda owners: names and addresses
	Recurrence Recurrence
}

// Options are what a calendar says about itself.
type Options struct {
	// Domain is the right side of every UID ("meeting-7@Domain"): keep it
	// the same for an installation, or clients see new events.
	Domain string
	Name   string         // X-WR-CALNAME, the name a client shows for a feed
	Zone   *time.Location // for a meeting without a zone of its own
	Now    time.Time      // DTSTAMP
	// Refresh is how often a subscriber should fetch the feed again
	// (REFRESH-INTERVAL, X-PUBLISHED-TTL); zero for a one-off file.
	Refresh time.Duration
}

// localFormat is a DATE-TIME in a TZID's local time.
const localFormat = "20060102T150405"

// UID is the meeting's stable identity in every calendar that holds it.
func UID(m *meeting.Meeting, domain string) string {
	return "meeting-" + strconv.FormatInt(m.ID, 10) + "@" + domain
}

// Encode writes the events as one calendar. Each meeting is one VEVENT
// (a series carries its RRULE and EXDATEs), plus one VEVENT per moved
// occurrence with its RECURRENCE-ID, and each zone used has its VTIMEZONE.
func Encode(w io.Writer, events []Event, o Options) error {
	// CRLF whatever the OS: golang-ical ends lines with the host's newline,
	// and RFC 5545 (and Outlook) want CRLF.
	return Calendar(events, o).SerializeTo(w, ics.WithNewLineWindows)
}

// Calendar builds the calendar Encode writes.
func Calendar(events []Event, o Options) *ics.Calendar {
	if o.Zone == nil {
		o.Zone = time.UTC
	}
	if o.Domain == "" {
		o.Domain = "tandem.invalid"
	}
	cal := ics.NewCalendarFor("Tandem")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	if o.Name != "" {
		cal.SetXWRCalName(o.Name)
	}
	if o.Refresh > 0 {
		d := isoDuration(o.Refresh)
		cal.SetRefreshInterval(d) // golang-ical adds VALUE=DURATION
		cal.SetXPublishedTTL(d)
	}
	zones := zoneSpans{}
	var vevents []*ics.VEvent
	for _, e := range events {
		loc := e.Meeting.Location(o.Zone)
		zones.add(loc, e)
		vevents = append(vevents, eventComponents(e, loc, o)...)
	}
	for _, z := range zones.sorted() {
		cal.AddVTimezone(vtimezone(z.loc, z.from, z.until(o.Now)))
	}
	for _, v := range vevents {
		cal.AddVEvent(v)
	}
	return cal
}

// eventComponents is the meeting's VEVENT and one per moved occurrence.
func eventComponents(e Event, loc *time.Location, o Options) []*ics.VEvent {
	m := e.Meeting
	uid := UID(m, o.Domain)
	main := ics.NewEvent(uid)
	describe(main, e, loc, o, m.Start)
	if e.Recurrence.RRule != "" {
		main.AddRrule(withUntil(e.Recurrence.RRule, m.Until))
		for _, t := range sortedTimes(e.Recurrence.Skipped) {
			setTime(main, ics.ComponentPropertyExdate, t, loc, true)
		}
		// A moved occurrence is excluded here only through its override
		// below: EXDATE and a RECURRENCE-ID for one instance would make
		// clients drop it altogether.
	}
	out := []*ics.VEvent{main}
	if e.Recurrence.RRule == "" {
		return out
	}
	for _, mv := range e.Recurrence.Moved {
		over := ics.NewEvent(uid)
		setTime(over, ics.ComponentPropertyRecurrenceId, mv.From, loc, false)
		describe(over, e, loc, o, mv.To)
		out = append(out, over)
	}
	for _, t := range sortedTimes(e.Recurrence.Extra) {
		extra := ics.NewEvent(strings.Replace(uid, "@", "-"+t.UTC().Format(localFormat)+"Z@", 1))
		describe(extra, e, loc, o, t)
		out = append(out, extra)
	}
	return out
}

// describe sets what every VEVENT of the meeting says, starting at start.
func describe(v *ics.VEvent, e Event, loc *time.Location, o Options, start time.Time) {
	m := e.Meeting
	v.SetDtStampTime(o.Now)
	if !m.UpdatedAt.IsZero() {
		v.SetLastModifiedAt(m.UpdatedAt)
	}
	setTime(v, ics.ComponentPropertyDtStart, start, loc, false)
	setTime(v, ics.ComponentPropertyDtEnd, start.Add(m.Duration), loc, false)
	v.SetSummary(m.Title)
	if m.Room != "" {
		v.SetLocation(m.Room)
	}
	if m.Online != "" {
		v.SetURL(m.Online)
	}
	if d := description(e); d != "" {
		v.SetDescription(d)
	}
	if m.Status == meeting.Cancelled {
		v.SetStatus(ics.ObjectStatusCancelled)
	} else {
		v.SetStatus(ics.ObjectStatusConfirmed)
	}
	// People are named by address in iCalendar; someone whose address is
	// unknown is left out rather than given a made-up one.
	if p := e.People[m.OrganizerID]; p != nil && p.Email != "" {
		v.SetOrganizer(p.Email, ics.WithCN(p.Name))
	}
	for _, a := range e.Attendees {
		if p := e.People[a.PersonID]; p != nil && p.Email != "" {
			v.AddAttendee(p.Email, ics.WithCN(p.Name), partStat(a.Answer), ics.ParticipationRoleReqParticipant)
		}
	}
}

// withUntil bounds rule at the series' end (Meeting.Until), in UTC as RFC
// 5545 requires with a zoned DTSTART; a rule that says its own end keeps it.
func withUntil(rule string, until time.Time) string {
	if until.IsZero() || strings.Contains(rule, "UNTIL=") || strings.Contains(rule, "COUNT=") {
		return rule
	}
	return rule + ";UNTIL=" + until.UTC().Format(localFormat) + "Z"
}

// description is the online link and the agenda, as plain text.
func description(e Event) string {
	var b strings.Builder
	if e.Meeting.Online != "" {
		fmt.Fprintf(&b, "%s\n", e.Meeting.Online)
	}
	if len(e.Agenda) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("Agenda · 议程\n")
	}
	for i, a := range e.Agenda {
		fmt.Fprintf(&b, "%d. %s", i+1, a.Title)
		var notes []string
		if p := e.People[a.OwnerID]; p != nil {
			notes = append(notes, p.Name)
		}
		if a.TimeBox > 0 {
			notes = append(notes, shortDuration(a.TimeBox))
		}
		if len(notes) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(notes, ", "))
		}
		for _, l := range a.Links {
			fmt.Fprintf(&b, " %s", l)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func partStat(a meeting.Answer) ics.ParticipationStatus {
	switch a {
	case meeting.Accepted:
		return ics.ParticipationStatusAccepted
	case meeting.Declined:
		return ics.ParticipationStatusDeclined
	}
	return ics.ParticipationStatusNeedsAction
}

// setTime writes t in loc's local time with its TZID, or in UTC for UTC.
// Local time is the point: a weekly rule is expanded in the zone of its
// DTSTART, so a Monday 07:30 meeting in Asia/Shanghai written as the UTC
// instant (Sunday 23:30Z) would recur on Sundays for a client that reads
// BYDAY=MO against it.
func setTime(v *ics.VEvent, p ics.ComponentProperty, t time.Time, loc *time.Location, add bool) {
	value, params := timeValue(t, loc)
	if add {
		v.AddProperty(p, value, params...)
		return
	}
	v.SetProperty(p, value, params...)
}

func timeValue(t time.Time, loc *time.Location) (string, []ics.PropertyParameter) {
	if loc == time.UTC {
		return t.UTC().Format(localFormat) + "Z", nil
	}
	return t.In(loc).Format(localFormat), []ics.PropertyParameter{ics.WithTZID(loc.String())}
}

func sortedTimes(ts []time.Time) []time.Time {
	out := slices.Clone(ts)
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// isoDuration writes d as an RFC 5545 duration, to the second.
func isoDuration(d time.Duration) string {
	s := int64(d / time.Second)
	out := "PT"
	if h := s / 3600; h > 0 {
		out += strconv.FormatInt(h, 10) + "H"
	}
	if m := s % 3600 / 60; m > 0 {
		out += strconv.FormatInt(m, 10) + "M"
	}
	if sec := s % 60; sec > 0 || out == "PT" {
		out += strconv.FormatInt(sec, 10) + "S"
	}
	return out
}

// shortDuration writes a time box as people do: "15m", "1h30m".
func shortDuration(d time.Duration) string {
	s := d.Round(time.Minute).String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
