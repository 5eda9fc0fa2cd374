package workcal_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/workcal"
)

// crlf joins lines with CRLF, as RFC 5545 requires.
func crlf(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

// A small 2027 feed in the shipped convention. The dates are a test fixture,
// not the official 2027 schedule. It has folded lines, one of them folded in
// the middle of a UTF-8 sequence ("春" is E6 98 A5), a make-up day without
// DTEND, and a DURATION instead of DTEND.
var feed2027 = crlf(
	"BEGIN:VCALENDAR",
	"VERSION:2.0",
	"PRODID:-//test//2027//ZH",
	"X-WR-CALDESC:a description long enough that it has to be folded onto a",
	"  second line",
	"BEGIN:VEVENT",
	"UID:2027-yuandan@test",
	"DTSTART;VALUE=DATE:20270101",
	"DTEND;VALUE=DATE:20270104",
	"SUMMARY;LANGUAGE=zh_CN:元旦",
	"CATEGORIES:HOLIDAY",
	"END:VEVENT",
	"BEGIN:VEVENT",
	"UID:2027-chunjie@test",
	"DTSTART;VALUE=DATE:2027",
	" 0205",
	"DTEND;VALUE=DATE:20270212",
	"SUMMARY;LANGUAGE=zh_CN:\xe6\x98",
	" \xa5节",
	"X-APPLE-SPECIAL-DAY:WORK-HOLIDAY",
	"BEGIN:VALARM",
	"ACTION:DISPLAY",
	"TRIGGER:-PT15M",
	"DESCRIPTION:ignored",
	"END:VALARM",
	"END:VEVENT",
	"BEGIN:VEVENT",
	"UID:2027-chunjie-work@test",
	"DTSTART;VALUE=DATE:20270213",
	"SUMMARY:春节补班",
	"CATEGORIES:WORKDAY",
	"END:VEVENT",
	"BEGIN:VEVENT",
	"UID:2027-qingming@test",
	"DTSTART;VALUE=DATE:20270405",
	"DURATION:P1D",
	"SUMMARY:清明节",
	"X-APPLE-SPECIAL-DAY:WORK-HOLIDAY",
	"END:VEVENT",
	"END:VCALENDAR",
)

func TestImportICS2027(t *testing.T) {
	c := china(t)
	// Before the import 2027 is ordinary weekdays and weekends.
	if got := c.Describe(day(t, c, "2027-02-08")); got != "2027-02-08 workday" {
		t.Fatalf("before import: %q", got)
	}
	if err := c.ImportICS(strings.NewReader(feed2027)); err != nil {
		t.Fatal(err)
	}
	for date, want := range map[string]string{
		"2026-12-31": "2026-12-31 workday",
		"2027-01-01": "2027-01-01 off 元旦",
		"2027-01-03": "2027-01-03 off 元旦",
		"2027-01-04": "2027-01-04 workday",
		"2027-02-04": "2027-02-04 workday",
		"2027-02-05": "2027-02-05 off 春节",
		"2027-02-08": "2027-02-08 off 春节",
		"2027-02-11": "2027-02-11 off 春节", // DTEND 20270212 is exclusive
		"2027-02-12": "2027-02-12 workday",
		"2027-02-13": "2027-02-13 workday make-up day for 春节", // a Saturday
		"2027-02-14": "2027-02-14 off weekend",
		"2027-04-05": "2027-04-05 off 清明节",
		"2027-04-06": "2027-04-06 workday",
		"2026-02-14": "2026-02-14 workday make-up day for 春节", // earlier data untouched
	} {
		if got := c.Describe(day(t, c, date)); got != want {
			t.Errorf("Describe(%s) = %q, want %q", date, got, want)
		}
	}
	wantTime(t, "AddBusiness across 2027 春节",
		c.AddBusiness(at(t, c, "2027-02-04 17:00"), 2*time.Hour, ""), at(t, c, "2027-02-12 10:00"))

	// A later import overrides earlier data: the make-up day is cancelled
	// and 2027-02-12 becomes a holiday. This feed uses bare LF line ends.
	later := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20270212",
		"DTEND;VALUE=DATE:20270214",
		"SUMMARY:春节（休）",
		"X-APPLE-SPECIAL-DAY:WORK-HOLIDAY",
		"END:VEVENT",
		"END:VCALENDAR",
	}, "\n")
	if err := c.ImportICS(strings.NewReader(later)); err != nil {
		t.Fatal(err)
	}
	for date, want := range map[string]string{
		"2027-02-12": "2027-02-12 off 春节",
		"2027-02-13": "2027-02-13 off 春节",
	} {
		if got := c.Describe(day(t, c, date)); got != want {
			t.Errorf("after override: Describe(%s) = %q, want %q", date, got, want)
		}
	}
}

func TestImportPublicFeedStyles(t *testing.T) {
	newCal := func() *workcal.Calendar {
		c, err := workcal.New(workcal.Options{Location: time.FixedZone("CST", 8*3600)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	// Apple's China feed: marked spans plus unmarked festivals (ignored),
	// some recurring.
	apple := newCal()
	err := apple.ImportICS(strings.NewReader(crlf(
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"X-WR-CALNAME:中国大陆节假日",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20260925",
		"DTEND;VALUE=DATE:20260928",
		"SUMMARY;LANGUAGE=zh_CN:中秋节（休）",
		"CATEGORIES:節慶",
		"X-APPLE-SPECIAL-DAY:WORK-HOLIDAY",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20260920",
		"SUMMARY:国庆节（班）",
		"X-APPLE-SPECIAL-DAY:ALTERNATE-WORKDAY",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20260126",
		"SUMMARY;LANGUAGE=zh_CN:腊八节",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20260101",
		"SUMMARY;LANGUAGE=zh_CN:元旦",
		"RRULE:FREQ=YEARLY;COUNT=6",
		"END:VEVENT",
		"END:VCALENDAR",
	)))
	if err != nil {
		t.Fatal(err)
	}
	for date, want := range map[string]string{
		"2026-09-25": "2026-09-25 off 中秋节",
		"2026-09-27": "2026-09-27 off 中秋节",
		"2026-09-20": "2026-09-20 workday make-up day for 国庆节",
		"2026-01-26": "2026-01-26 workday", // festival, not a day off
		"2026-01-02": "2026-01-02 workday", // recurring event skipped
	} {
		if got := apple.Describe(day(t, apple, date)); got != want {
			t.Errorf("apple: Describe(%s) = %q, want %q", date, got, want)
		}
	}

	// One VEVENT per day, "…假期"/"…补班" summaries, no DTEND, blank lines.
	perDay := newCal()
	err = perDay.ImportICS(strings.NewReader(crlf(
		"BEGIN:VCALENDAR",
		"",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20260215",
		"SUMMARY:春节假期",
		"DESCRIPTION:假期第1天 / 共9天",
		"END:VEVENT",
		"",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20260214",
		"SUMMARY:春节补班",
		"DESCRIPTION:补班第1天 / 共2天",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20260216",
		"SUMMARY:春节 (补班) 第1天/共2天",
		"END:VEVENT",
		"END:VCALENDAR",
	)))
	if err != nil {
		t.Fatal(err)
	}
	for date, want := range map[string]string{
		"2026-02-15": "2026-02-15 off 春节",
		"2026-02-14": "2026-02-14 workday make-up day for 春节",
		"2026-02-16": "2026-02-16 workday make-up day for 春节",
	} {
		if got := perDay.Describe(day(t, perDay, date)); got != want {
			t.Errorf("per-day feed: Describe(%s) = %q, want %q", date, got, want)
		}
	}

	// A plain holiday feed with no marks at all: every event is a day off,
	// including timed events (read in their own zone) and escaped text.
	plain := newCal()
	err = plain.ImportICS(strings.NewReader(crlf(
		"BEGIN:VCALENDAR",
		"BEGIN:VEVENT",
		"DTSTART;VALUE=DATE:20261225",
		"DTEND;VALUE=DATE:20261226",
		"SUMMARY:Christmas Day\\, observed",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART:20261230T160000Z",
		"DTEND:20261231T160000Z",
		"SUMMARY:Company day",
		"END:VEVENT",
		"BEGIN:VEVENT",
		`DTSTART;TZID="Asia/Shanghai":20261229T000000`,
		"DURATION:PT24H",
		"SUMMARY:Inventory",
		"STATUS:CANCELLED",
		"END:VEVENT",
		"END:VCALENDAR",
	)))
	if err != nil {
		t.Fatal(err)
	}
	for date, want := range map[string]string{
		"2026-12-25": "2026-12-25 off Christmas Day, observed",
		"2026-12-31": "2026-12-31 off Company day", // 16:00Z is midnight in UTC+8
		"2026-12-30": "2026-12-30 workday",
		"2026-12-29": "2026-12-29 workday", // cancelled
	} {
		if got := plain.Describe(day(t, plain, date)); got != want {
			t.Errorf("plain feed: Describe(%s) = %q, want %q", date, got, want)
		}
	}
}

func TestImportICSErrorsApplyNothing(t *testing.T) {
	event := func(lines ...string) string {
		return crlf(append(append([]string{"BEGIN:VCALENDAR", "BEGIN:VEVENT"}, lines...), "END:VEVENT", "END:VCALENDAR")...)
	}
	for name, feed := range map[string]string{
		"empty":          "",
		"not ical":       "hello\r\n",
		"truncated":      crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "DTSTART;VALUE=DATE:20260309", "SUMMARY:假期"),
		"mismatched END": crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "END:VCALENDAR"),
		"no DTSTART":     event("SUMMARY:假期"),
		"bad date":       event("DTSTART;VALUE=DATE:2026-03-09", "SUMMARY:假期"),
		"end before":     event("DTSTART;VALUE=DATE:20260310", "DTEND;VALUE=DATE:20260309", "SUMMARY:假期"),
		"huge span":      event("DTSTART;VALUE=DATE:20260309", "DTEND;VALUE=DATE:99990101", "SUMMARY:假期"),
		"bad duration":   event("DTSTART;VALUE=DATE:20260309", "DURATION:P1Y", "SUMMARY:假期"),
		"no events":      crlf("BEGIN:VCALENDAR", "VERSION:2.0", "END:VCALENDAR"),
		"malformed line": crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "no colon here", "END:VEVENT", "END:VCALENDAR"),
	} {
		c := china(t)
		// The truncated feed would otherwise make 2026-03-09 a holiday.
		if err := c.ImportICS(strings.NewReader(feed)); err == nil {
			t.Errorf("%s: no error", name)
		}
		if !c.IsWorkday(day(t, c, "2026-03-09")) || c.IsWorkday(day(t, c, "2026-02-16")) {
			t.Errorf("%s: a failed import changed the calendar", name)
		}
	}
}
