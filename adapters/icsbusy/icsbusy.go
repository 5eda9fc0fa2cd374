// Package icsbusy reads busy time from iCalendar URLs: a free/busy
// publication (VFREEBUSY, as CalDAV servers publish it) or a whole published
// calendar (VEVENTs, as Google Calendar's "secret address in iCal format",
// Outlook's "publish a calendar" and CalDAV exports give), with recurring
// events expanded. It is the bot.FreeBusy of bot.PlatformICal: an
// account's UserID is the URL (people[].calendar_url in the config).
//
// golang-ical (arran4/golang-ical) parses the file: unfolding, parameters,
// components. Times are read here, not with its GetStartAt, because that
// reads floating times and dates in the machine's zone; Tandem reads them in
// the configured zone. Recurrences (RRULE, RDATE, EXDATE, and RECURRENCE-ID
// overrides of single occurrences) are expanded with teambition/rrule-go in
// the event's own zone, so a weekly 09:00 stays 09:00 across a DST change.
package icsbusy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	ical "github.com/arran4/golang-ical"
	"github.com/teambition/rrule-go"

	"github.com/tandemhq/tandem/bot"
)

// Defaults.
const (
	// DefaultMaxBytes bounds one calendar file: a published calendar of
	// many years is a few MB.
	DefaultMaxBytes = 8 << 20
	// DefaultTimeout bounds one fetch; a conflict check waits for it.
	DefaultTimeout = 10 * time.Second
	// maxOccurrences bounds the occurrences of one recurring event within
	// the window asked, and maxSteps the occurrences walked to reach the
	// window's end (rrule-go counts from DTSTART): a daily event since 2000
	// is ten thousand steps, a rule denser than that for years is refused.
	maxOccurrences = 5000
	maxSteps       = 200_000
)

// Source is the bot.FreeBusy of iCalendar URLs.
type Source struct {
	// Client fetches the URLs (http.DefaultClient when nil).
	Client *http.Client
	// Location is the zone of floating times and all-day dates (the
	// configured default zone); UTC when nil.
	Location *time.Location
	// MaxBytes and Timeout bound each fetch (DefaultMaxBytes,
	// DefaultTimeout when zero).
	MaxBytes int64
	Timeout  time.Duration
}

var _ bot.FreeBusy = (*Source)(nil)

// Busy implements bot.FreeBusy: each account's UserID is a URL, fetched at
// the same time as the others. One URL that fails fails the call (the
// registry asks one URL per call).
func (s *Source) Busy(ctx context.Context, who []bot.Account, from, to time.Time) (map[bot.Account][]bot.Interval, error) {
	out := map[bot.Account][]bot.Interval{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for _, a := range who {
		wg.Go(func() {
			ivs, err := s.fetch(ctx, a.UserID, from, to)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			out[a] = ivs
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// ValidateURL checks a calendar_url: http, https or webcal, with a host.
func ValidateURL(raw string) error {
	_, err := fetchURL(raw)
	return err
}

func fetchURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("calendar_url %q is not a URL", redact(raw))
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "webcal", "webcals":
		u.Scheme = "https" // webcal:// is https:// for calendar apps
	default:
		return "", fmt.Errorf("calendar_url %q: want http, https or webcal", redact(raw))
	}
	return u.String(), nil
}

// redact keeps a URL's scheme and host: published calendar URLs carry a
// secret in their path or query, which must stay out of logs and replies.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host + "/…"
	}
	return "(unreadable URL)"
}

func (s *Source) fetch(ctx context.Context, raw string, from, to time.Time) ([]bot.Interval, error) {
	u, err := fetchURL(raw)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cmpOr(s.Timeout, DefaultTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("icsbusy: %s: %w", redact(raw), err)
	}
	req.Header.Set("Accept", "text/calendar")
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		// The error names the URL; keep only its host.
		return nil, fmt.Errorf("icsbusy: %s: the calendar could not be fetched", redact(raw))
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusNotFound:
		return nil, bot.Errorf(bot.EFORBIDDEN,
			"The calendar at %s refused to be read (HTTP %d): its calendar_url must be a published address (in Google Calendar, the secret address in iCal format).",
			"%s 上的日历拒绝读取（HTTP %d）：calendar_url 必须是公开发布的地址（Google 日历中为“iCal 格式的私密地址”）。",
			redact(raw), res.StatusCode)
	case res.StatusCode/100 != 2:
		return nil, fmt.Errorf("icsbusy: %s: HTTP %d", redact(raw), res.StatusCode)
	}
	max := cmpOr(s.MaxBytes, DefaultMaxBytes)
	body, err := io.ReadAll(io.LimitReader(res.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("icsbusy: %s: %w", redact(raw), err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("icsbusy: %s: the calendar is larger than %d bytes", redact(raw), max)
	}
	ivs, err := Parse(strings.NewReader(string(body)), s.loc(), from, to)
	if err != nil {
		return nil, fmt.Errorf("icsbusy: %s: %w", redact(raw), err)
	}
	return ivs, nil
}

func (s *Source) loc() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return time.UTC
}

func cmpOr[T comparable](v, fallback T) T {
	var zero T
	if v == zero {
		return fallback
	}
	return v
}

// Parse reads an iCalendar file and returns the busy intervals that overlap
// [from, to), sorted: the FREEBUSY periods of its VFREEBUSY components
// (FBTYPE=FREE ones are not busy) and the occurrences of its VEVENTs
// (cancelled and transparent ones are not busy). Floating times and all-day
// dates are read in loc.
func Parse(r io.Reader, loc *time.Location, from, to time.Time) ([]bot.Interval, error) {
	cal, err := ical.ParseCalendarWithOptions(r, ical.WithUnknownPropertyHandler(ical.AcceptUnknownPropertyHandler))
	if err != nil {
		return nil, fmt.Errorf("not an iCalendar file: %w", err)
	}
	var out []bot.Interval
	keep := func(iv bot.Interval) {
		if iv.End.After(iv.Start) && iv.Overlaps(from, to) {
			out = append(out, iv)
		}
	}
	var events []*ical.VEvent
	for _, c := range cal.Components {
		switch c := c.(type) {
		case *ical.VEvent:
			events = append(events, c)
		case *ical.VBusy:
			ivs, err := freeBusy(&c.ComponentBase)
			if err != nil {
				return nil, err
			}
			for _, iv := range ivs {
				keep(iv)
			}
		}
	}
	// Overrides of single occurrences (RECURRENCE-ID) replace the
	// occurrence they name in their series.
	overridden := map[string]map[int64]bool{}
	for _, ev := range events {
		if rid := ev.GetProperty(ical.ComponentPropertyRecurrenceId); rid != nil {
			t, _, err := readTime(rid, loc)
			if err != nil {
				return nil, fmt.Errorf("RECURRENCE-ID: %w", err)
			}
			uid := value(&ev.ComponentBase, ical.ComponentPropertyUniqueId)
			if overridden[uid] == nil {
				overridden[uid] = map[int64]bool{}
			}
			overridden[uid][t.Unix()] = true
		}
	}
	for _, ev := range events {
		cb := &ev.ComponentBase
		ivs, err := occurrences(cb, loc, from, to, overridden[value(cb, ical.ComponentPropertyUniqueId)])
		if err != nil {
			return nil, fmt.Errorf("event %q: %w", value(cb, ical.ComponentPropertySummary), err)
		}
		for _, iv := range ivs {
			keep(iv)
		}
	}
	bot.SortIntervals(out)
	return out, nil
}

func value(cb *ical.ComponentBase, p ical.ComponentProperty) string {
	if prop := cb.GetProperty(p); prop != nil {
		return prop.Value
	}
	return ""
}

// occurrences expands one VEVENT within [from, to).
func occurrences(cb *ical.ComponentBase, loc *time.Location, from, to time.Time, skip map[int64]bool) ([]bot.Interval, error) {
	if strings.EqualFold(value(cb, ical.ComponentPropertyStatus), "CANCELLED") ||
		strings.EqualFold(value(cb, ical.ComponentPropertyTransp), "TRANSPARENT") {
		return nil, nil
	}
	startProp := cb.GetProperty(ical.ComponentPropertyDtStart)
	if startProp == nil {
		return nil, errors.New("no DTSTART")
	}
	start, allDay, err := readTime(startProp, loc)
	if err != nil {
		return nil, fmt.Errorf("DTSTART: %w", err)
	}
	// The event's length: DTEND, else DURATION, else a day for a date and
	// nothing for a moment (RFC 5545 3.6.1). All-day events are counted
	// in days, so a day is a calendar day also across a DST change.
	var length time.Duration
	days := 0
	switch {
	case cb.GetProperty(ical.ComponentPropertyDtEnd) != nil:
		end, _, err := readTime(cb.GetProperty(ical.ComponentPropertyDtEnd), loc)
		if err != nil {
			return nil, fmt.Errorf("DTEND: %w", err)
		}
		if allDay {
			days = int(end.Sub(start).Round(24*time.Hour) / (24 * time.Hour))
		}
		length = end.Sub(start)
	case value(cb, ical.ComponentPropertyDuration) != "":
		length, err = parseDuration(value(cb, ical.ComponentPropertyDuration))
		if err != nil {
			return nil, fmt.Errorf("DURATION: %w", err)
		}
		if allDay && length%(24*time.Hour) == 0 {
			days = int(length / (24 * time.Hour))
		}
	case allDay:
		days, length = 1, 24*time.Hour
	}
	what := value(cb, ical.ComponentPropertySummary)
	interval := func(s time.Time) bot.Interval {
		end := s.Add(length)
		if allDay && days > 0 {
			end = s.AddDate(0, 0, days)
		}
		return bot.Interval{Start: s, End: end, What: what, AllDay: allDay}
	}
	rules := cb.GetProperties(ical.ComponentPropertyRrule)
	rdates := cb.GetProperties(ical.ComponentPropertyRdate)
	if len(rules) == 0 && len(rdates) == 0 {
		return []bot.Interval{interval(start)}, nil
	}
	set := &rrule.Set{}
	set.DTStart(start)
	for _, p := range rules {
		opt, err := rrule.StrToROptionInLocation(p.Value, start.Location())
		if err != nil {
			return nil, fmt.Errorf("RRULE: %w", err)
		}
		opt.Dtstart = start
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil, fmt.Errorf("RRULE: %w", err)
		}
		set.RRule(r)
	}
	if len(rules) == 0 {
		set.RDate(start) // DTSTART is the first occurrence, then the RDATEs
	}
	for _, p := range rdates {
		ts, err := readTimes(p, loc)
		if err != nil {
			return nil, fmt.Errorf("RDATE: %w", err)
		}
		for _, t := range ts {
			set.RDate(t)
		}
	}
	for _, p := range cb.GetProperties(ical.ComponentPropertyExdate) {
		ts, err := readTimes(p, loc)
		if err != nil {
			return nil, fmt.Errorf("EXDATE: %w", err)
		}
		for _, t := range ts {
			set.ExDate(t)
		}
	}
	// An occurrence that began before from may run into it.
	lookBack := from.Add(-length)
	if allDay {
		lookBack = from.AddDate(0, 0, -max(days, 1))
	}
	var out []bot.Interval
	next := set.Iterator()
	for n := 0; ; n++ {
		s, ok := next()
		if !ok || !s.Before(to) {
			break
		}
		if n >= maxSteps {
			return nil, fmt.Errorf("recurs too often to expand (more than %d times before the window ends)", maxSteps)
		}
		if s.Before(lookBack) || skip[s.Unix()] {
			continue
		}
		if out = append(out, interval(s)); len(out) >= maxOccurrences {
			break
		}
	}
	return out, nil
}

// freeBusy reads a VFREEBUSY's FREEBUSY periods.
func freeBusy(cb *ical.ComponentBase) ([]bot.Interval, error) {
	var out []bot.Interval
	for _, p := range cb.GetProperties(ical.ComponentPropertyFreebusy) {
		if t := p.ICalParameters["FBTYPE"]; len(t) > 0 && strings.EqualFold(t[0], "FREE") {
			continue
		}
		for period := range strings.SplitSeq(p.Value, ",") {
			a, b, ok := strings.Cut(strings.TrimSpace(period), "/")
			if !ok {
				return nil, fmt.Errorf("FREEBUSY %q: want START/END or START/DURATION", period)
			}
			// Periods are in UTC (RFC 5545 3.8.2.6).
			start, err := time.Parse("20060102T150405Z", a)
			if err != nil {
				return nil, fmt.Errorf("FREEBUSY %q: %w", period, err)
			}
			end, err := time.Parse("20060102T150405Z", b)
			if err != nil {
				d, derr := parseDuration(b)
				if derr != nil {
					return nil, fmt.Errorf("FREEBUSY %q: %w", period, err)
				}
				end = start.Add(d)
			}
			out = append(out, bot.Interval{Start: start, End: end})
		}
	}
	return out, nil
}

// readTime reads a DATE or DATE-TIME property: UTC ("…Z"), in its TZID, or
// floating (in loc); a DATE is midnight in loc and allDay.
func readTime(p *ical.IANAProperty, loc *time.Location) (t time.Time, allDay bool, err error) {
	ts, err := readTimes(p, loc)
	if err != nil {
		return time.Time{}, false, err
	}
	if len(ts) == 0 {
		return time.Time{}, false, errors.New("no value")
	}
	return ts[0], isDate(p), nil
}

func isDate(p *ical.IANAProperty) bool {
	if v := p.ICalParameters["VALUE"]; len(v) > 0 {
		return strings.EqualFold(v[0], "DATE")
	}
	return len(strings.TrimSpace(p.Value)) == 8
}

// readTimes reads a property's comma-separated DATE or DATE-TIME values.
func readTimes(p *ical.IANAProperty, loc *time.Location) ([]time.Time, error) {
	zone := loc
	if tz := p.ICalParameters["TZID"]; len(tz) > 0 {
		zone = Zone(tz[0], loc)
	}
	var out []time.Time
	for v := range strings.SplitSeq(p.Value, ",") {
		v = strings.TrimSpace(v)
		var t time.Time
		var err error
		switch {
		case len(v) == 8:
			t, err = time.ParseInLocation("20060102", v, loc)
		case strings.HasSuffix(v, "Z"):
			t, err = time.Parse("20060102T150405Z", v)
		default:
			t, err = time.ParseInLocation("20060102T150405", v, zone)
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not a date or time", v)
		}
		out = append(out, t)
	}
	return out, nil
}

// windowsZones maps the Windows zone names Outlook and Exchange write as
// TZID to IANA names, for the zones Tandem's users are in most.
var windowsZones = map[string]string{
	"China Standard Time":     "Asia/Shanghai",
	"Taipei Standard Time":    "Asia/Taipei",
	"Tokyo Standard Time":     "Asia/Tokyo",
	"Korea Standard Time":     "Asia/Seoul",
	"Singapore Standard Time": "Asia/Singapore",
	"India Standard Time":     "Asia/Kolkata",
	"GMT Standard Time":       "Europe/London",
	"W. Europe Standard Time": "Europe/Berlin",
	"Romance Standard Time":   "Europe/Paris",
	"Eastern Standard Time":   "America/New_York",
	"Central Standard Time":   "America/Chicago",
	"Pacific Standard Time":   "America/Los_Angeles",
	"UTC":                     "UTC",
}

// Zone resolves a TZID: an IANA name (also with the "/" prefix some
// exporters add), a common Windows zone name, else fallback. A custom
// VTIMEZONE under a name neither knows is read as fallback: Tandem reads
// zones from the system's database, not from the file's rules.
func Zone(tzid string, fallback *time.Location) *time.Location {
	name := strings.Trim(strings.TrimSpace(tzid), `"`)
	if iana, ok := windowsZones[name]; ok {
		name = iana
	}
	for _, n := range []string{name, strings.TrimPrefix(name, "/")} {
		if loc, err := time.LoadLocation(n); err == nil && n != "" && n != "Local" {
			return loc
		}
	}
	return fallback
}

// parseDuration reads an RFC 5545 duration ("PT1H30M", "P1D", "-PT15M",
// "P2W"). Written here because neither library exports one: golang-ical
// only writes durations and rrule-go has none.
func parseDuration(s string) (time.Duration, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	sign := time.Duration(1)
	if strings.HasPrefix(v, "-") {
		sign, v = -1, v[1:]
	}
	v = strings.TrimPrefix(v, "+")
	if !strings.HasPrefix(v, "P") || len(v) < 3 {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	var d time.Duration
	inTime := false
	num := ""
	units := map[bool]map[byte]time.Duration{
		false: {'W': 7 * 24 * time.Hour, 'D': 24 * time.Hour},
		true:  {'H': time.Hour, 'M': time.Minute, 'S': time.Second},
	}
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == 'T':
			inTime = true
		case c >= '0' && c <= '9':
			num += string(c)
		default:
			unit, ok := units[inTime][c]
			n, err := strconv.Atoi(num)
			if !ok || err != nil {
				return 0, fmt.Errorf("%q is not a duration", s)
			}
			d += time.Duration(n) * unit
			num = ""
		}
	}
	if num != "" {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	return sign * d, nil
}
