package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/tandemhq/tandem/adapters/icsfeed"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/workcal"
)

// openCalendarFeed makes the per-person iCalendar feed (adapters/icsfeed)
// with its signing key from the data directory and mounts it on routes.
// On PostgreSQL the key is the one kept in the database (bot.SecretTx):
// replicas on several machines must check each other's links, and the
// first replica to start after `tandem migrate` offers its file's key, so
// links handed out before the move keep working.
// Its links name http.public_url; without one, the server's own address
// once it listens (setFeedBase).
func (m *Main) openCalendarFeed(store bot.Store, cal *workcal.Calendar, zone *time.Location, routes map[string]http.Handler) error {
	key, err := icsfeed.EnsureKey(dataDir(m.Config))
	if err != nil {
		return fmt.Errorf("calendar feed key: %w", err)
	}
	if m.Config.Storage.Driver == "postgres" {
		if key, err = bot.KeepSecret(context.Background(), store, feedKeySecret, key); err != nil {
			return fmt.Errorf("calendar feed key: %w", err)
		}
	}
	m.CalendarFeed = &icsfeed.Feed{
		Store: store, Key: key, Base: m.Config.HTTP.PublicURL, Calendar: cal, Now: m.Now, Log: m.Log.With("feed", "calendar"),
		Options: icsfeed.Options{Domain: uidDomain(key), Zone: zone},
	}
	routes[icsfeed.Route] = m.CalendarFeed
	return nil
}

// feedKeySecret names the calendar feed's key among the shared secrets.
const feedKeySecret = "calendar-feed-key"

// setFeedBase gives the feed the server's address when no public URL is
// configured (a machine of one's own, the tests).
func (m *Main) setFeedBase() {
	if m.CalendarFeed != nil && m.CalendarFeed.Base == "" {
		m.CalendarFeed.Base = consoleURL(m.Server.URL())
	}
}

// uidDomain is the right side of this installation's event UIDs: derived
// from the feed key, so it stays the same across restarts and address
// changes and differs between installations (two Tandems' "meeting-7" are
// two events in one person's calendar).
func uidDomain(key []byte) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("tandem event uid"))
	return hex.EncodeToString(h.Sum(nil)[:8]) + ".tandem.invalid"
}

// feedLinks gives the meeting feature people's calendar links from the feed,
// which opens after the modules are built (it is mounted on the HTTP server).
type feedLinks struct{ m *Main }

func (l feedLinks) feed() (*icsfeed.Feed, error) {
	if l.m.CalendarFeed == nil {
		return nil, bot.Errorf(bot.EUNAVAILABLE, "Calendar links need Tandem's HTTP server, which is off here.",
			"日历链接需要 Tandem 的 HTTP 服务，此处未开启。")
	}
	return l.m.CalendarFeed, nil
}

// URL implements meeting.Feeds.
func (l feedLinks) URL(tx bot.Tx, personID int64) (string, error) {
	f, err := l.feed()
	if err != nil {
		return "", err
	}
	return f.URL(tx, personID)
}

// MeetingURL implements meeting.Feeds.
func (l feedLinks) MeetingURL(tx bot.Tx, personID, meetingID int64) (string, error) {
	f, err := l.feed()
	if err != nil {
		return "", err
	}
	return f.MeetingURL(tx, personID, meetingID)
}
