package icsfeed_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	goical "github.com/emersion/go-ical"

	"github.com/tandemhq/tandem/adapters/icsfeed"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
)

var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	alice = &bot.Person{ID: 1, Name: "Alice", Email: "alice@example.com"}
	bob   = &bot.Person{ID: 2, Name: "Bob", Email: "bob@example.com"}
	carol = &bot.Person{ID: 3, Name: "Carol"} // no address known
	now   = time.Date(2026, 9, 20, 12, 0, 0, 0, time.UTC)
)

// weekly is an early-morning weekly meeting in Asia/Shanghai: Monday 07:30
// there is Sunday 23:30 UTC.
func weekly() icsfeed.Event {
	m := &meeting.Meeting{ID: 7, Title: "周会 Weekly review", TZ: "Asia/Shanghai", Duration: 45 * time.Minute,
		Start: time.Date(2026, 9, 28, 7, 30, 0, 0, shanghai), Room: "3F-A", Online: "https://meet.example.com/abc",
		OrganizerID: alice.ID, Rule: "FREQ=WEEKLY;BYDAY=MO", Holiday: meeting.Skip, Status: meeting.Scheduled,
		UpdatedAt: now}
	return icsfeed.Event{
		Meeting: m,
		Attendees: []*meeting.Attendee{
			{MeetingID: 7, PersonID: alice.ID, Answer: meeting.Accepted},
			{MeetingID: 7, PersonID: bob.ID, Answer: meeting.Declined},
			{MeetingID: 7, PersonID: carol.ID, Answer: meeting.Pending},
		},
		Agenda: []*meeting.AgendaItem{{Title: "Budget", OwnerID: bob.ID, TimeBox: 15 * time.Minute,
			Links: []string{"https://docs.example.com/b"}}},
		People: map[int64]*bot.Person{1: alice, 2: bob, 3: carol},
		Recurrence: icsfeed.Recurrence{
			RRule:   "FREQ=WEEKLY;BYDAY=MO",
			Skipped: []time.Time{time.Date(2026, 10, 5, 7, 30, 0, 0, shanghai)}, // National Day week
			Moved: []icsfeed.Move{{From: time.Date(2026, 10, 12, 7, 30, 0, 0, shanghai),
				To: time.Date(2026, 10, 13, 9, 0, 0, 0, shanghai)}},
		},
	}
}

func encode(t *testing.T, events []icsfeed.Event, o icsfeed.Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := icsfeed.Encode(&b, events, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func opts() icsfeed.Options {
	return icsfeed.Options{Domain: "tandem.example.com", Zone: time.UTC, Now: now}
}

// Ensure a series is written with a local DTSTART and its TZID, a
// VTIMEZONE for that TZID, its RRULE, an EXDATE for the skipped holiday and
// an override for the moved occurrence, and its people with their answers,
// as golang-ical's parser reads them back.
func TestEncode_SeriesParsedByGolangIcal(t *testing.T) {
	out := encode(t, []icsfeed.Event{weekly()}, opts())
	if !strings.Contains(out, "\r\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Fatalf("lines must end in CRLF:\n%q", out)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, out)
	}
	tzs := cal.Timezones()
	if len(tzs) != 1 || tzs[0].GetProperty(ics.ComponentPropertyTzid).Value != "Asia/Shanghai" {
		t.Fatalf("VTIMEZONEs = %v, want one for Asia/Shanghai\n%s", tzs, out)
	}
	if !strings.Contains(out, "BEGIN:STANDARD\r\nDTSTART:20260927T073000\r\nTZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\nTZNAME:CST\r\nEND:STANDARD") {
		t.Errorf("Asia/Shanghai's observance is not +0800 from the day before the first occurrence:\n%s", out)
	}
	events := cal.Events()
	if len(events) != 2 {
		t.Fatalf("%d VEVENTs, want the series and its moved occurrence", len(events))
	}
	series, moved := events[0], events[1]
	if series.Id() != "meeting-7@tandem.example.com" || moved.Id() != series.Id() {
		t.Errorf("UIDs %q, %q: want both meeting-7@tandem.example.com", series.Id(), moved.Id())
	}
	start := series.GetProperty(ics.ComponentPropertyDtStart)
	if start.Value != "20260928T073000" || first(start.ICalParameters["TZID"]) != "Asia/Shanghai" {
		t.Errorf("DTSTART = %q %v, want 20260928T073000 with TZID=Asia/Shanghai", start.Value, start.ICalParameters)
	}
	if end := series.GetProperty(ics.ComponentPropertyDtEnd); end.Value != "20260928T081500" {
		t.Errorf("DTEND = %q, want 20260928T081500", end.Value)
	}
	if r := series.GetProperty(ics.ComponentPropertyRrule); r == nil || r.Value != "FREQ=WEEKLY;BYDAY=MO" {
		t.Errorf("RRULE = %v", r)
	}
	ex := series.GetProperties(ics.ComponentPropertyExdate)
	if len(ex) != 1 || ex[0].Value != "20261005T073000" || first(ex[0].ICalParameters["TZID"]) != "Asia/Shanghai" {
		t.Errorf("EXDATE = %v, want 20261005T073000 in Asia/Shanghai", ex)
	}
	rid := moved.GetProperty(ics.ComponentPropertyRecurrenceId)
	if rid == nil || rid.Value != "20261012T073000" || first(rid.ICalParameters["TZID"]) != "Asia/Shanghai" {
		t.Errorf("RECURRENCE-ID = %v, want 20261012T073000 in Asia/Shanghai", rid)
	}
	if s := moved.GetProperty(ics.ComponentPropertyDtStart); s.Value != "20261013T090000" {
		t.Errorf("moved DTSTART = %q, want 20261013T090000", s.Value)
	}
	if moved.HasProperty(ics.ComponentPropertyRrule) {
		t.Errorf("an override carries no RRULE")
	}
	for prop, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertySummary:  "周会 Weekly review",
		ics.ComponentPropertyLocation: "3F-A",
		ics.ComponentPropertyUrl:      "https://meet.example.com/abc",
		ics.ComponentPropertyStatus:   "CONFIRMED",
	} {
		if p := series.GetProperty(prop); p == nil || p.Value != want {
			t.Errorf("%s = %v, want %q", prop, p, want)
		}
	}
	desc := series.GetProperty(ics.ComponentPropertyDescription).Value
	if !strings.Contains(desc, "1. Budget (Bob, 15m) https://docs.example.com/b") || !strings.Contains(desc, "https://meet.example.com/abc") {
		t.Errorf("DESCRIPTION = %q: want the link and the agenda", desc)
	}
	if org := series.GetProperty(ics.ComponentPropertyOrganizer); org == nil || org.Value != "mailto:alice@example.com" {
		t.Errorf("ORGANIZER = %v", org)
	}
	answers := map[string]ics.ParticipationStatus{}
	for _, a := range series.Attendees() {
		answers[a.Email()] = a.ParticipationStatus()
	}
	want := map[string]ics.ParticipationStatus{"alice@example.com": "ACCEPTED", "bob@example.com": "DECLINED"}
	if len(answers) != len(want) || answers["alice@example.com"] != want["alice@example.com"] || answers["bob@example.com"] != want["bob@example.com"] {
		t.Errorf("attendees = %v, want %v (Carol has no address and is left out)", answers, want)
	}
}

// Ensure a weekly Monday 07:30 meeting in Asia/Shanghai stays on Monday
// 07:30 local when another library (go-ical with rrule-go) expands it,
// without the holiday it skips; and that the same rule over a UTC DTSTART,
// what golang-ical's SetStartAt writes, would move it to Tuesday: the
// reason for TZID.
func TestEncode_EarlyMorningShanghaiStaysOnMonday(t *testing.T) {
	out := encode(t, []icsfeed.Event{weekly()}, opts())
	cal, err := goical.NewDecoder(strings.NewReader(out)).Decode()
	if err != nil {
		t.Fatalf("go-ical: %v\n%s", err, out)
	}
	var series *goical.Event
	for _, e := range cal.Events() {
		if e.Props.Get(goical.PropRecurrenceID) == nil {
			series = &e
		}
	}
	if series == nil {
		t.Fatal("no series")
	}
	set, err := series.RecurrenceSet(time.UTC)
	if err != nil || set == nil {
		t.Fatalf("recurrence set: %v", err)
	}
	got := set.Between(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), true)
	var days []string
	for _, o := range got {
		l := o.In(shanghai)
		if l.Weekday() != time.Monday || l.Hour() != 7 || l.Minute() != 30 {
			t.Errorf("occurrence %v is %s %s in Shanghai, want Monday 07:30", o, l.Weekday(), l.Format("15:04"))
		}
		days = append(days, l.Format("01-02"))
	}
	if want := "09-28 10-12 10-19 10-26"; strings.Join(days, " ") != want {
		t.Errorf("occurrences %v, want %s (10-05 skipped; 10-12's override is a separate VEVENT)", days, want)
	}

	// The pitfall, shown with the same rule: DTSTART as a UTC instant.
	utc := strings.Replace(out, "DTSTART;TZID=Asia/Shanghai:20260928T073000", "DTSTART:20260927T233000Z", 1)
	cal, err = goical.NewDecoder(strings.NewReader(utc)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	set, err = cal.Events()[0].RecurrenceSet(time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if o := set.After(time.Date(2026, 9, 28, 0, 0, 0, 0, time.UTC), true); o.In(shanghai).Weekday() != time.Tuesday {
		t.Errorf("with a UTC DTSTART the rule gave %v: the test no longer shows why TZID is needed", o.In(shanghai))
	}
}

// Ensure a zone with daylight saving gets each transition as its own
// STANDARD or DAYLIGHT onset, in the local time before it.
func TestEncode_DaylightSavingZone(t *testing.T) {
	e := weekly()
	e.Meeting.TZ = "America/New_York"
	e.Meeting.Start = time.Date(2026, 1, 5, 9, 0, 0, 0, mustZone("America/New_York"))
	e.Recurrence = icsfeed.Recurrence{RRule: "FREQ=WEEKLY;BYDAY=MO"}
	out := encode(t, []icsfeed.Event{e}, opts())
	for _, want := range []string{
		"BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nEND:DAYLIGHT",
		"BEGIN:STANDARD\r\nDTSTART:20261101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\nEND:STANDARD",
		"DTSTART;TZID=America/New_York:20260105T090000",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	// An open series is covered five years past now, not forever.
	if !strings.Contains(out, "DTSTART:20310309T020000") || strings.Contains(out, "DTSTART:20320314T020000") {
		t.Errorf("transitions should run to five years from now")
	}
	// A series with an end says so in UTC, and its zone is covered to then.
	e.Meeting.Until = time.Date(2027, 12, 31, 9, 0, 0, 0, mustZone("America/New_York"))
	bounded := encode(t, []icsfeed.Event{e}, opts())
	if !strings.Contains(bounded, "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20271231T140000Z") {
		t.Errorf("no UNTIL in UTC:\n%s", bounded)
	}
	if !strings.Contains(bounded, "DTSTART:20271107T020000") || strings.Contains(bounded, "DTSTART:20280312T020000") {
		t.Errorf("a bounded series' zone should be covered to its end and no further:\n%s", bounded)
	}
	cal, err := goical.NewDecoder(strings.NewReader(out)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	set, _ := cal.Events()[0].RecurrenceSet(time.UTC)
	summer := set.After(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), true)
	if summer.UTC().Hour() != 13 {
		t.Errorf("July occurrence at %v UTC, want 13:00 (09:00 EDT)", summer.UTC())
	}
}

// Ensure a one-off in UTC is written as UTC without a VTIMEZONE, a
// cancelled meeting says so, and the UID depends on the meeting only.
func TestEncode_OneOffCancelledAndStableUID(t *testing.T) {
	m := &meeting.Meeting{ID: 9, Title: "Retro", Start: time.Date(2026, 9, 30, 6, 0, 0, 0, time.UTC),
		Duration: time.Hour, Status: meeting.Cancelled}
	a := encode(t, []icsfeed.Event{{Meeting: m}}, opts())
	o := opts()
	o.Now = now.Add(48 * time.Hour)
	b := encode(t, []icsfeed.Event{{Meeting: m}}, o)
	cal, err := ics.ParseCalendar(strings.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ev := cal.Events()[0]
	if v := ev.GetProperty(ics.ComponentPropertyDtStart).Value; v != "20260930T060000Z" {
		t.Errorf("DTSTART = %q, want UTC", v)
	}
	if len(cal.Timezones()) != 0 || ev.HasProperty(ics.ComponentPropertyRrule) {
		t.Errorf("a UTC one-off needs no VTIMEZONE and no RRULE:\n%s", a)
	}
	if ev.GetProperty(ics.ComponentPropertyStatus).Value != "CANCELLED" {
		t.Errorf("a cancelled meeting must say STATUS:CANCELLED")
	}
	b2, _ := ics.ParseCalendar(strings.NewReader(b))
	if b2.Events()[0].Id() != ev.Id() || a == b {
		t.Errorf("UID changed with the time written (%q, %q), or DTSTAMP did not", ev.Id(), b2.Events()[0].Id())
	}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
