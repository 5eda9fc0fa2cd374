package icsfeed_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	goical "github.com/emersion/go-ical"

	"github.com/tandemhq/tandem/adapters/httpserver"
	"github.com/tandemhq/tandem/adapters/icsfeed"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
)

// fakeStore is the few reads the feed makes, over maps; anything else
// panics (the embedded interfaces are nil). Until storage/sqlite implements
// meeting.Store, it stands in for it.
type fakeStore struct {
	people   map[int64]*bot.Person
	meetings []*meeting.Meeting
	attend   map[int64][]*meeting.Attendee
	versions map[int64]int
	filters  []meeting.Filter
}

func (s *fakeStore) Update(ctx context.Context, fn func(bot.Tx) error) error { return fn(fakeTx{s: s}) }
func (s *fakeStore) View(ctx context.Context, fn func(bot.Tx) error) error   { return fn(fakeTx{s: s}) }
func (s *fakeStore) Close() error                                            { return nil }

type fakeTx struct {
	bot.Tx
	meeting.Store
	s *fakeStore
}

func (t fakeTx) FindPersonByID(id int64) (*bot.Person, error) {
	if p := t.s.people[id]; p != nil {
		return p, nil
	}
	return nil, bot.Errorf(bot.ENOTFOUND, "no person", "没有此人")
}

func (t fakeTx) FeedVersion(id int64) (int, error) { return t.s.versions[id], nil }
func (t fakeTx) RevokeFeed(id int64, _ time.Time) (int, error) {
	t.s.versions[id]++
	return t.s.versions[id], nil
}

func (t fakeTx) FindMeetings(f meeting.Filter) ([]*meeting.Meeting, error) {
	t.s.filters = append(t.s.filters, f)
	var out []*meeting.Meeting
	for _, m := range t.s.meetings {
		mine := m.OrganizerID == f.PersonID || slices.ContainsFunc(t.s.attend[m.ID], func(a *meeting.Attendee) bool { return a.PersonID == f.PersonID })
		if mine {
			out = append(out, m)
		}
	}
	out = out[min(f.Offset, len(out)):]
	return out[:min(f.Limit, len(out))], nil
}

func (t fakeTx) Attendees(id int64) ([]*meeting.Attendee, error) { return t.s.attend[id], nil }
func (t fakeTx) Agenda(int64) ([]*meeting.AgendaItem, error)     { return nil, nil }

var key = []byte("0123456789abcdef0123456789abcdef")

// serve mounts the feed on a real HTTP server on a loopback port.
func serve(t *testing.T, s *fakeStore, configure ...func(*icsfeed.Feed)) (*icsfeed.Feed, string) {
	t.Helper()
	feed := &icsfeed.Feed{Store: s, Key: key, Options: icsfeed.Options{Domain: "tandem.example.com", Zone: time.UTC},
		Now: func() time.Time { return now },
		// Until the recurrence helper is wired: the stored rule as it is.
		Recurrence: func(m *meeting.Meeting, from, to time.Time) (icsfeed.Recurrence, error) {
			return icsfeed.Recurrence{RRule: m.Rule}, nil
		}}
	for _, c := range configure {
		c(feed)
	}
	srv := &httpserver.Server{Addr: "127.0.0.1:0", Routes: map[string]http.Handler{icsfeed.Route: feed}}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	feed.Base = srv.URL()
	return feed, srv.URL()
}

func world() *fakeStore {
	w := weekly().Meeting
	review := &meeting.Meeting{ID: 8, Title: "Design review", Start: time.Date(2026, 9, 30, 14, 0, 0, 0, shanghai),
		Duration: time.Hour, TZ: "Asia/Shanghai", OrganizerID: bob.ID, Status: meeting.Scheduled}
	other := &meeting.Meeting{ID: 9, Title: "Not Alice's", Start: time.Date(2026, 9, 30, 16, 0, 0, 0, shanghai),
		Duration: time.Hour, TZ: "Asia/Shanghai", OrganizerID: bob.ID, Status: meeting.Scheduled}
	return &fakeStore{
		people:   map[int64]*bot.Person{1: alice, 2: bob, 3: carol},
		meetings: []*meeting.Meeting{w, review, other},
		attend: map[int64][]*meeting.Attendee{
			7: weekly().Attendees,
			8: {{MeetingID: 8, PersonID: alice.ID, Answer: meeting.Accepted}},
		},
		versions: map[int64]int{},
	}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func feedURL(t *testing.T, s bot.Store, feed *icsfeed.Feed, person int64) (url string) {
	t.Helper()
	err := s.View(context.Background(), func(tx bot.Tx) (err error) { url, err = feed.URL(tx, person); return err })
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// Ensure a person's link serves their meetings, organized or attended and
// no one else's, as text/calendar that a private cache may keep briefly, and
// that the series in it expands to Monday 07:30 in Shanghai.
func TestFeed_ServesThePersonsMeetings(t *testing.T) {
	s := world()
	feed, base := serve(t, s)
	url := feedURL(t, s, feed, alice.ID)
	if !strings.HasPrefix(url, base+"/calendar/1.") || !strings.HasSuffix(url, ".ics") {
		t.Fatalf("URL = %q", url)
	}
	res, body := get(t, url)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "max-age=900") {
		t.Errorf("Cache-Control = %q, want private with max-age=900", cc)
	}
	if rp := res.Header.Get("Referrer-Policy"); rp != "no-referrer" {
		t.Errorf("Referrer-Policy = %q", rp)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var uids []string
	for _, e := range cal.Events() {
		uids = append(uids, e.Id())
	}
	if want := []string{"meeting-7@tandem.example.com", "meeting-8@tandem.example.com"}; !slices.Equal(uids, want) {
		t.Errorf("feed holds %v, want %v (organized and attended, not meeting 9)", uids, want)
	}
	if !strings.Contains(body, "X-WR-CALNAME:Tandem · Alice") || !strings.Contains(body, "REFRESH-INTERVAL;VALUE=DURATION:PT1H") {
		t.Errorf("the feed should name itself and ask for hourly refreshes:\n%s", body)
	}
	if n := strings.Count(body, "BEGIN:VTIMEZONE"); n != 1 {
		t.Errorf("%d VTIMEZONEs for one zone", n)
	}
	// The feed's series, expanded by another library.
	gc, err := goical.NewDecoder(strings.NewReader(body)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	set, err := gc.Events()[0].RecurrenceSet(time.UTC)
	if err != nil || set == nil {
		t.Fatalf("series: %v", err)
	}
	occ := set.Between(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), true)
	if len(occ) < 9 {
		t.Fatalf("%d occurrences", len(occ))
	}
	for _, o := range occ {
		if l := o.In(shanghai); l.Weekday() != time.Monday || l.Format("15:04") != "07:30" {
			t.Errorf("occurrence on %s %s in Shanghai, want Monday 07:30", l.Weekday(), l.Format("15:04"))
		}
	}
	// HEAD answers the same without the body.
	hres, err := http.Head(url)
	if err != nil || hres.StatusCode != http.StatusOK {
		t.Errorf("HEAD: %v %v", hres, err)
	}
}

// Ensure every token the feed did not give out, or took back, is the same
// 404 as a path that does not exist: malformed, forged, signed with another
// key, naming nobody, and revoked.
func TestFeed_WrongOrRevokedTokenIs404(t *testing.T) {
	s := world()
	feed, base := serve(t, s)
	good := feedURL(t, s, feed, alice.ID)
	forged := good[:len(good)-6] + flip(good[len(good)-6]) + good[len(good)-5:]
	bobsID := strings.Replace(good, "/calendar/1.", "/calendar/2.", 1)
	for name, url := range map[string]string{
		"forged":          forged,
		"another's id":    bobsID,
		"another key":     icsfeed.FeedURL(base, []byte("another key, another server...."), alice.ID, 0),
		"nobody":          icsfeed.FeedURL(base, key, 42, 0), // rightly signed, but no such person
		"malformed":       base + "/calendar/abc.ics",
		"no extension":    strings.TrimSuffix(good, ".ics"),
		"leading zero id": strings.Replace(good, "/calendar/1.", "/calendar/01.", 1),
		"truncated mac":   good[:len(good)-8] + ".ics",
	} {
		if res, _ := get(t, url); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", name, res.StatusCode)
		}
	}
	if res, _ := get(t, good); res.StatusCode != http.StatusOK {
		t.Fatalf("the good link: %d", res.StatusCode)
	}
	s.Update(context.Background(), func(tx bot.Tx) error { _, err := meeting.Feeds(tx).RevokeFeed(alice.ID, now); return err })
	if res, _ := get(t, good); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoked link: status %d, want 404", res.StatusCode)
	}
	renewed := feedURL(t, s, feed, alice.ID)
	if renewed == good {
		t.Fatal("revoking did not change the link")
	}
	if res, _ := get(t, renewed); res.StatusCode != http.StatusOK {
		t.Errorf("new link after revoking: status %d", res.StatusCode)
	}
}

// Ensure a feed reads the person's meetings in pages and stops at its bound.
func TestFeed_PagedAndBounded(t *testing.T) {
	s := world()
	for i := range 5 {
		s.meetings = append(s.meetings, &meeting.Meeting{ID: int64(20 + i), Title: "1:1", OrganizerID: alice.ID,
			Start: now.Add(time.Duration(i) * time.Hour), Duration: time.Hour, Status: meeting.Scheduled})
	}
	feed, _ := serve(t, s, func(f *icsfeed.Feed) { f.MaxMeetings = 4 })
	_, body := get(t, feedURL(t, s, feed, alice.ID))
	if n := strings.Count(body, "BEGIN:VEVENT"); n != 4 {
		t.Errorf("%d VEVENTs, want 4 meetings of the 7", n)
	}
	for _, f := range s.filters {
		if f.Limit <= 0 || f.Limit > 100 || f.PersonID != alice.ID || !f.From.Equal(now.Add(-icsfeed.DefaultPast)) {
			t.Errorf("FindMeetings(%+v): want alice's, from %v, paged", f, now.Add(-icsfeed.DefaultPast))
		}
	}
}

// Ensure the signing key is made once, readable by its owner only, and kept.
func TestEnsureKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := icsfeed.EnsureKey(dir)
	if err != nil || len(k1) < 32 {
		t.Fatalf("key %q: %v", k1, err)
	}
	st, err := os.Stat(filepath.Join(dir, icsfeed.KeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, st.Mode())
	}
	k2, err := icsfeed.EnsureKey(dir)
	if err != nil || string(k1) != string(k2) {
		t.Errorf("second start got another key (%v)", err)
	}
	os.Chmod(filepath.Join(dir, icsfeed.KeyFile), 0o644)
	if _, err := icsfeed.EnsureKey(dir); err == nil {
		t.Errorf("a key others can read must be refused")
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// Ensure a meeting's .ics file names it with the feed's UID, so importing
// the file and subscribing to the feed show one event, and asks for no
// refreshes.
func TestFeed_FileMatchesFeedUID(t *testing.T) {
	s := world()
	feed, _ := serve(t, s)
	file, err := feed.File([]icsfeed.Event{weekly()}, now)
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, feedURL(t, s, feed, alice.ID))
	uid := "UID:" + icsfeed.UID(weekly().Meeting, "tandem.example.com")
	if !strings.Contains(string(file), uid) || !strings.Contains(body, uid) {
		t.Errorf("file and feed should both carry %s", uid)
	}
	if strings.Contains(string(file), "REFRESH-INTERVAL") || strings.Contains(string(file), "X-WR-CALNAME") {
		t.Errorf("a file is not a subscription:\n%s", file)
	}
}

// Ensure ?meeting=<id> serves that one meeting of the person's, with the
// feed's UID, and 404 for a meeting that is not theirs or a bad id.
func TestFeed_OneMeeting(t *testing.T) {
	s := world()
	feed, _ := serve(t, s)
	url := feedURL(t, s, feed, alice.ID)
	res, body := get(t, url+"?meeting=8")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if evs := cal.Events(); len(evs) != 1 || evs[0].Id() != "meeting-8@tandem.example.com" {
		t.Errorf("one meeting's file holds %d events", len(evs))
	}
	for _, q := range []string{"?meeting=9", "?meeting=abc", "?meeting=-1"} {
		if res, _ := get(t, url+q); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", q, res.StatusCode)
		}
	}
}
