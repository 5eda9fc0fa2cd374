package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/tandemhq/tandem/adapters/icsfeed"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
)

// feedNow is the clock of the feed's tests: before the 2026 National Day.
var feedNow = time.Date(2026, 9, 20, 4, 0, 0, 0, time.UTC)

// feedServer runs Tandem, its clock at feedNow, with one person, alice, and
// returns it with alice's id.
func feedServer(t *testing.T) (*Main, int64) {
	t.Helper()
	cfg, err := ParseConfig(strings.NewReader(`
http: {addr: "127.0.0.1:0"}
bot: {default_tz: Asia/Shanghai}
people:
  - {name: Alice, handle: alice, email: alice@example.com, accounts: ["console:alice"]}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Storage.Path = filepath.Join(t.TempDir(), "tandem.db")
	m := &Main{Config: cfg, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return feedNow }}
	if err := m.Run(); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	var id int64
	err = m.DB.View(context.Background(), func(tx bot.Tx) error {
		p, err := tx.FindPersonByAccount(bot.Account{Platform: bot.PlatformConsole, Workspace: "local", UserID: "alice"})
		if err == nil {
			id = p.ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m, id
}

func feedGet(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// Ensure the server mounts the calendar feed with a key of its own in the
// data directory (made once, mode 0600), links under its address, and a
// 404 for a link it did not give out.
func TestCalendarFeed_Mounted(t *testing.T) {
	m, alice := feedServer(t)
	keyPath := filepath.Join(dataDir(m.Config), icsfeed.KeyFile)
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("feed key: %v, mode %v; want 0600", err, st.Mode())
	}
	var url string
	if err := m.DB.View(context.Background(), func(tx bot.Tx) (err error) { url, err = m.CalendarFeed.URL(tx, alice); return err }); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, m.Server.URL()+"/calendar/") {
		t.Fatalf("link %q is not under the server's address %s", url, m.Server.URL())
	}
	forged := icsfeed.FeedURL(m.Server.URL(), []byte("not this server's key............"), alice, 0)
	if res, _ := feedGet(t, forged); res.StatusCode != http.StatusNotFound {
		t.Errorf("forged link: status %d, want 404", res.StatusCode)
	}

	// A weekly Monday 07:30 meeting in Shanghai, stored in SQLite, across
	// the National Day holiday (moved to the next working day).
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	err = m.DB.Update(context.Background(), func(tx bot.Tx) error {
		mt := &meeting.Meeting{Title: "跨部门周会", Start: time.Date(2026, 9, 28, 7, 30, 0, 0, shanghai), Duration: time.Hour,
			TZ: "Asia/Shanghai", OrganizerID: alice, Rule: "FREQ=WEEKLY;BYDAY=MO", Holiday: meeting.MoveToNextWorkday,
			Status: meeting.Scheduled, CreatedAt: feedNow, UpdatedAt: feedNow}
		if err := meeting.From(tx).CreateMeeting(mt); err != nil {
			return err
		}
		return meeting.From(tx).SetAttendee(&meeting.Attendee{MeetingID: mt.ID, PersonID: alice, Answer: meeting.Accepted, AnsweredAt: feedNow})
	})
	if err != nil {
		t.Fatal(err)
	}
	res, body := feedGet(t, url)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != icsfeed.ContentType {
		t.Fatalf("feed: %d %q\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	events := cal.Events()
	if len(events) != 2 || len(cal.Timezones()) != 1 {
		t.Fatalf("%d events, %d zones, want the series with its moved occurrence, and Shanghai:\n%s", len(events), len(cal.Timezones()), body)
	}
	for prop, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertyDtStart: "20260928T073000", ics.ComponentPropertyRrule: "FREQ=WEEKLY;BYDAY=MO",
		ics.ComponentPropertySummary: "跨部门周会",
	} {
		if p := events[0].GetProperty(prop); p == nil || p.Value != want {
			t.Errorf("%s = %v, want %s", prop, p, want)
		}
	}
	if p := events[1].GetProperty(ics.ComponentPropertyRecurrenceId); p == nil || p.Value != "20261005T073000" ||
		events[1].GetProperty(ics.ComponentPropertyDtStart).Value != "20261008T073000" {
		t.Errorf("Monday 10-05 should be held on Thursday 10-08:\n%s", body)
	}

	// Revoked: the old link is gone, a new one works.
	if err := m.DB.Update(context.Background(), func(tx bot.Tx) error {
		_, err := meeting.Feeds(tx).RevokeFeed(alice, feedNow)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if res, _ := feedGet(t, url); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoked link: status %d, want 404", res.StatusCode)
	}
}

// Ensure event UIDs are stable for one key and differ between installations.
func TestUIDDomain(t *testing.T) {
	a, b := []byte("key one, thirty-two bytes long.."), []byte("key two, thirty-two bytes long..")
	if uidDomain(a) != uidDomain(a) || uidDomain(a) == uidDomain(b) || !strings.HasSuffix(uidDomain(a), ".tandem.invalid") {
		t.Errorf("uidDomain: %q %q", uidDomain(a), uidDomain(b))
	}
}
