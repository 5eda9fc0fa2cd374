package icsbusy_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/icsbusy"
	"github.com/tandemhq/tandem/bot"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func sh(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, shanghai) }

func parseFile(t *testing.T, name string, loc *time.Location, from, to time.Time) []bot.Interval {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ivs, err := icsbusy.Parse(f, loc, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return ivs
}

func describe(ivs []bot.Interval) string {
	var b strings.Builder
	for _, iv := range ivs {
		fmt.Fprintf(&b, "%s–%s %s", iv.Start.In(shanghai).Format("01-02 15:04"), iv.End.In(shanghai).Format("01-02 15:04"), iv.What)
		if iv.AllDay {
			b.WriteString(" (all day)")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Ensure a published calendar becomes busy time: a weekly event in its
// TZID expanded (with an EXDATE left out and a RECURRENCE-ID override
// moved), all-day events from midnight to midnight, a daily all-day rule,
// UTC with a DURATION, a Windows zone name, a floating time in the
// configured zone; transparent and cancelled events are not busy.
func TestParse_Calendar(t *testing.T) {
	got := describe(parseFile(t, "calendar.ics", shanghai, sh(3, 1, 0, 0), sh(4, 5, 0, 0)))
	want := `03-02 07:30–03-02 08:30 Early sync
03-10 14:00–03-10 14:45 Call with New York
03-11 00:00–03-13 00:00 Trip to Shenzhen (all day)
03-13 10:00–03-13 11:00 From Outlook
03-13 15:00–03-13 15:30 Floating
03-16 16:00–03-16 17:00 Early sync (moved)
03-23 07:30–03-23 08:30 Early sync
03-30 07:30–03-30 08:30 Early sync
04-01 00:00–04-02 00:00 Off-site (all day)
04-02 00:00–04-03 00:00 Off-site (all day)
04-03 00:00–04-04 00:00 Off-site (all day)
`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// Ensure the window clips: an all-day event that began before it but runs
// into it is kept, one that ended at its start (back to back) is not, and
// floating times follow the configured zone.
func TestParse_Window(t *testing.T) {
	got := describe(parseFile(t, "calendar.ics", shanghai, sh(3, 12, 12, 0), sh(3, 13, 10, 0)))
	if got != "03-11 00:00–03-13 00:00 Trip to Shenzhen (all day)\n" {
		t.Fatalf("got\n%s", got)
	}
	if got := describe(parseFile(t, "calendar.ics", shanghai, sh(3, 13, 0, 0), sh(3, 13, 10, 0))); got != "" {
		t.Fatalf("back to back with the trip's end: got\n%s", got)
	}
	ny, _ := time.LoadLocation("America/New_York")
	// 15:00 floating in New York is 03:00 the next day in Shanghai.
	got = describe(parseFile(t, "calendar.ics", ny, sh(3, 14, 0, 0), sh(3, 14, 6, 0)))
	if got != "03-14 03:00–03-14 03:30 Floating\n" {
		t.Fatalf("floating in New York: got\n%s", got)
	}
}

// Ensure a VFREEBUSY's periods (end or duration) are busy, tentative ones
// too, and FBTYPE=FREE ones are not.
func TestParse_FreeBusy(t *testing.T) {
	got := describe(parseFile(t, "freebusy.ics", shanghai, sh(3, 1, 0, 0), sh(4, 1, 0, 0)))
	want := "03-02 09:00–03-02 10:00 \n03-02 14:00–03-02 14:30 \n03-03 09:00–03-03 09:30 \n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParse_Broken(t *testing.T) {
	for name, body := range map[string]string{
		"not ical":     "<html>sign in</html>",
		"bad DTSTART":  "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:tomorrow\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"bad RRULE":    "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260302T010000Z\r\nRRULE:FREQ=SOMETIMES\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"bad duration": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260302T010000Z\r\nDURATION:1 hour\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	} {
		if _, err := icsbusy.Parse(strings.NewReader(body), shanghai, sh(3, 1, 0, 0), sh(4, 1, 0, 0)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// Ensure an endless rule is expanded only within the window, and one too
// dense to walk to the window is refused rather than walked for minutes.
func TestParse_EndlessRule(t *testing.T) {
	rule := func(start string) string {
		return "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:" + start + "\r\nDURATION:PT1M\r\nRRULE:FREQ=MINUTELY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	if _, err := icsbusy.Parse(strings.NewReader(rule("20200101T010000Z")), shanghai, sh(3, 2, 9, 0), sh(3, 2, 10, 0)); err == nil ||
		!strings.Contains(err.Error(), "recurs too often") {
		t.Fatalf("err %v", err)
	}
	ivs, err := icsbusy.Parse(strings.NewReader(rule("20260301T000000Z")), shanghai, sh(3, 2, 9, 0), sh(3, 2, 10, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(ivs) != 60 || !ivs[0].Start.Equal(sh(3, 2, 9, 0)) {
		t.Fatalf("%d intervals, first %v", len(ivs), ivs[0].Start)
	}
}

func serve(t *testing.T, tls bool, h http.HandlerFunc) (*httptest.Server, *icsbusy.Source) {
	srv := httptest.NewUnstartedServer(h)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &icsbusy.Source{Client: srv.Client(), Location: shanghai}
}

// Ensure the source fetches each URL (webcal:// as https://) and answers
// per account, and a refusal is a bilingual forbidden error that names the
// host but not the URL's secret.
func TestSource_Busy(t *testing.T) {
	cal, _ := os.ReadFile("testdata/freebusy.ics")
	srv, src := serve(t, true, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/secret-token/basic.ics" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/calendar")
		w.Write(cal)
	})
	url := strings.Replace(srv.URL, "https://", "webcal://", 1) + "/secret-token/basic.ics"
	a := bot.Account{Platform: bot.PlatformICal, UserID: url}
	got, err := src.Busy(context.Background(), []bot.Account{a}, sh(3, 2, 0, 0), sh(3, 3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(got[a]) != 2 {
		t.Fatalf("busy %v", got)
	}
	bad := bot.Account{Platform: bot.PlatformICal, UserID: srv.URL + "/secret-token/other.ics"}
	_, err = src.Busy(context.Background(), []bot.Account{bad}, sh(3, 2, 0, 0), sh(3, 3, 0, 0))
	if bot.ErrorCode(err) != bot.EFORBIDDEN {
		t.Fatalf("err %v", err)
	}
	text := bot.ErrorText(err)
	if strings.Contains(text.EN+text.ZH, "secret-token") || !strings.Contains(text.EN, "HTTP 404") || !strings.Contains(text.ZH, "日历拒绝读取") {
		t.Fatalf("text %+v", text)
	}
}

func TestSource_TooLarge(t *testing.T) {
	srv, src := serve(t, false, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("X", 2048)))
	})
	src.MaxBytes = 1024
	_, err := src.Busy(context.Background(), []bot.Account{{Platform: bot.PlatformICal, UserID: srv.URL + "/c.ics"}}, sh(3, 2, 0, 0), sh(3, 3, 0, 0))
	if err == nil || !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Fatalf("err %v", err)
	}
}

func TestValidateURL(t *testing.T) {
	for _, ok := range []string{"https://calendar.google.com/calendar/ical/x/private-y/basic.ics", "webcal://p01.icloud.com/published/2/abc", "http://caldav.local/cal.ics"} {
		if err := icsbusy.ValidateURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "calendar.google.com/x.ics", "ftp://host/x.ics", "file:///etc/passwd"} {
		if err := icsbusy.ValidateURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestZone(t *testing.T) {
	for tzid, want := range map[string]string{
		"Asia/Shanghai": "Asia/Shanghai", "/Europe/London": "Europe/London", "China Standard Time": "Asia/Shanghai",
		`"America/New_York"`: "America/New_York", "Custom Zone 1": "UTC",
	} {
		if got := icsbusy.Zone(tzid, time.UTC).String(); got != want {
			t.Errorf("%s: %s, want %s", tzid, got, want)
		}
	}
}
