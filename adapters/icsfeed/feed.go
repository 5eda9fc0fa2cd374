package icsfeed

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/adapters/httpserver"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/workcal"
)

// Route is the pattern cmd/tandem mounts the feed under: GET (and HEAD)
// /calendar/<token>.ics.
const Route = "GET /calendar/{file}"

// KeyFile holds the feed's signing key in the data directory: whoever has
// it can make anyone's feed URL. Made at first start, mode 0600, and kept;
// deleting it revokes every feed link at once.
const KeyFile = "calendar.secret"

// Feed defaults.
const (
	// DefaultMaxMeetings bounds one feed: the newest pages of a person's
	// meetings, read from the store's index by person.
	DefaultMaxMeetings = 500
	// DefaultPast is how far back a feed lists one-off meetings.
	DefaultPast = 90 * 24 * time.Hour
	// pageSize is how many meetings one read of the index takes.
	pageSize = 100
	// cacheFor is how long a client or proxy may keep a feed (Cache-Control):
	// about as often as Google and Outlook fetch a subscription anyway.
	cacheFor = 15 * time.Minute
)

// Feed serves each person's meetings (organized or attended) as an
// iCalendar feed at a signed URL. A token is the person's id and an HMAC
// over it and their feed version (meeting.FeedStore) with Key; revoking
// raises the version. A token that is malformed, forged, revoked, or names
// nobody is answered 404, the same answer as for a path that does not
// exist, so the feed tells nobody which ids are valid.
type Feed struct {
	Store bot.Store
	Key   []byte
	// Base is the public URL the feed is reached at (http.public_url).
	Base    string
	Options Options // Domain, Name prefix and Zone; Now and Refresh are set per request
	// Calendar is the work calendar series follow (holidays skipped or
	// moved, make-up days).
	Calendar *workcal.Calendar
	// Recurrence turns a series into iCalendar terms over a window; nil
	// means SeriesOf on Calendar (tests set their own).
	Recurrence func(m *meeting.Meeting, from, to time.Time) (Recurrence, error)
	Now        func() time.Time
	Log        *slog.Logger
	// MaxMeetings bounds a feed (DefaultMaxMeetings when 0).
	MaxMeetings int
	// Past is how far back one-offs are listed (DefaultPast when 0).
	Past time.Duration
}

// Token is person's feed token at version: their id, a dot, and the HMAC.
func Token(key []byte, personID int64, version int) string {
	id := strconv.FormatInt(personID, 10)
	return id + "." + base64.RawURLEncoding.EncodeToString(mac(key, personID, version))
}

func mac(key []byte, personID int64, version int) []byte {
	h := hmac.New(sha256.New, key)
	// The purpose first, so that this key signs nothing else by accident.
	h.Write([]byte("tandem calendar feed\x00" + strconv.FormatInt(personID, 10) + "\x00" + strconv.Itoa(version)))
	return h.Sum(nil)
}

// FeedURL is the address of person's feed at version under base.
func FeedURL(base string, key []byte, personID int64, version int) string {
	return strings.TrimRight(base, "/") + "/calendar/" + Token(key, personID, version) + ".ics"
}

// MeetingURL is the address of one meeting of person's feed, as an .ics
// to add to a calendar.
func (f *Feed) MeetingURL(tx bot.Tx, personID, meetingID int64) (string, error) {
	u, err := f.URL(tx, personID)
	if err != nil {
		return "", err
	}
	return u + "?meeting=" + strconv.FormatInt(meetingID, 10), nil
}

// URL is the current address of person's feed, read in tx: what the chat
// surface gives a person who asks for their link.
func (f *Feed) URL(tx bot.Tx, personID int64) (string, error) {
	version, err := meeting.Feeds(tx).FeedVersion(personID)
	if err != nil {
		return "", err
	}
	return FeedURL(f.Base, f.Key, personID, version), nil
}

// File is one or more meetings as an .ics file to attach to a message or
// offer as a download: the feed's UIDs and zone, without refresh hints, so
// a meeting imported from the file and seen again in the feed is one event.
func (f *Feed) File(events []Event, now time.Time) ([]byte, error) {
	o := f.Options
	o.Now, o.Refresh, o.Name = now, 0, ""
	var b bytes.Buffer
	err := Encode(&b, events, o)
	return b.Bytes(), err
}

// parseToken splits a token into the id and the MAC it claims.
func parseToken(file string) (int64, []byte, bool) {
	token, ok := strings.CutSuffix(file, ".ics")
	if !ok {
		return 0, nil, false
	}
	idPart, sigPart, ok := strings.Cut(token, ".")
	if !ok {
		return 0, nil, false
	}
	id, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != idPart {
		return 0, nil, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigPart)
	if err != nil || len(sig) != sha256.Size {
		return 0, nil, false
	}
	return id, sig, true
}

// errNoFeed is every refusal: one answer for all, see Feed.
var errNoFeed = errors.New("no such feed")

// ServeHTTP answers GET /calendar/<token>.ics, and with ?meeting=<id> one
// of the person's meetings alone: the link an invitation offers to add that
// meeting to a calendar (the same UID as in the feed, so importing it and
// subscribing show one event).
func (f *Feed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := f.now()
	var only int64
	if q := r.URL.Query().Get("meeting"); q != "" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil || id <= 0 {
			http.NotFound(w, r)
			return
		}
		only = id
	}
	body, err := f.render(r.Context(), r.PathValue("file"), only, now)
	if errors.Is(err, errNoFeed) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		f.log().Error("calendar feed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	// private: the feed is one person's; no-transform: proxies must not
	// recompress or rewrite it. Refreshed about as often as clients poll.
	h.Set("Cache-Control", "private, no-transform, max-age="+strconv.Itoa(int(cacheFor/time.Second)))
	h.Set("Content-Disposition", `inline; filename="tandem.ics"`)
	// The URL is the credential: keep it out of referrers and indexes.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// render checks the token and writes the person's calendar. Everything is
// read in one view, outside the writer; the calendar is written after it.
func (f *Feed) render(ctx context.Context, file string, only int64, now time.Time) ([]byte, error) {
	personID, sig, ok := parseToken(file)
	if !ok {
		return nil, errNoFeed
	}
	var events []Event
	var person *bot.Person
	err := f.Store.View(ctx, func(tx bot.Tx) error {
		events, person = nil, nil
		// The version is read (0 for anybody unknown) and the MAC checked
		// before the person is looked up, so a forged token costs the
		// same whether its id names somebody or not.
		version, err := meeting.Feeds(tx).FeedVersion(personID)
		if err != nil {
			return err
		}
		if !hmac.Equal(sig, mac(f.Key, personID, version)) {
			return errNoFeed
		}
		person, err = tx.FindPersonByID(personID)
		if err != nil && bot.ErrorCode(err) == bot.ENOTFOUND {
			return errNoFeed
		}
		if err != nil {
			return err
		}
		events, err = f.load(tx, personID, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if only != 0 {
		events = slices.DeleteFunc(events, func(e Event) bool { return e.Meeting.ID != only })
		if len(events) == 0 {
			return nil, errNoFeed // not one of theirs: as for any other refusal
		}
	}
	o := f.Options
	o.Now, o.Refresh = now, time.Hour
	o.Name = "Tandem · " + person.Name
	var b bytes.Buffer
	if err := Encode(&b, events, o); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// load reads the person's meetings page by page from the store's index
// by person, each with its attendees, agenda and the people they name.
func (f *Feed) load(tx bot.Tx, personID int64, now time.Time) ([]Event, error) {
	store := meeting.From(tx)
	limit := f.MaxMeetings
	if limit <= 0 {
		limit = DefaultMaxMeetings
	}
	past := f.Past
	if past <= 0 {
		past = DefaultPast
	}
	from := now.Add(-past)
	recurrence := f.Recurrence
	if recurrence == nil {
		recurrence = func(m *meeting.Meeting, from, to time.Time) (Recurrence, error) {
			return SeriesOf(m, f.Calendar, from, to)
		}
	}
	people := map[int64]*bot.Person{}
	person := func(id int64) error {
		if id == 0 || people[id] != nil {
			return nil
		}
		p, err := tx.FindPersonByID(id)
		if err != nil && bot.ErrorCode(err) == bot.ENOTFOUND {
			return nil // merged away since: left out
		}
		people[id] = p
		return err
	}
	var events []Event
	for len(events) < limit {
		page, err := store.FindMeetings(meeting.Filter{PersonID: personID, From: from, Offset: len(events), Limit: min(pageSize, limit-len(events))})
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			e := Event{Meeting: m, People: people}
			if e.Attendees, err = store.Attendees(m.ID); err != nil {
				return nil, err
			}
			if e.Agenda, err = store.Agenda(m.ID); err != nil {
				return nil, err
			}
			ids := []int64{m.OrganizerID}
			for _, a := range e.Attendees {
				ids = append(ids, a.PersonID)
			}
			for _, a := range e.Agenda {
				ids = append(ids, a.OwnerID)
			}
			for _, id := range ids {
				if err := person(id); err != nil {
					return nil, err
				}
			}
			if m.Rule != "" {
				// The window a subscriber looks at: from the listed past
				// to a year ahead; the feed is fetched again long before.
				if e.Recurrence, err = recurrence(m, from, now.AddDate(1, 0, 0)); err != nil {
					f.log().Warn("calendar feed: a series' rule cannot be written", "meeting", m.ID, "err", err)
				}
			}
			events = append(events, e)
		}
		if len(page) < pageSize {
			break
		}
	}
	return events, nil
}

func (f *Feed) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Feed) log() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.Default()
}

// EnsureKey returns the feed's signing key kept in the data directory dir
// (KeyFile), creating it at first start.
func EnsureKey(dir string) ([]byte, error) {
	secret, err := httpserver.EnsureSecret(filepath.Join(dir, KeyFile), "the calendar feed key")
	return []byte(secret), err
}
