package workcal

// This file holds a deliberately small, hand-written iCalendar (RFC 5545)
// reader. workcal is a domain package and must not import third-party
// modules, and holiday feeds only need a tiny subset of the format: the
// VCALENDAR/VEVENT structure, line unfolding, TEXT unescaping, DATE and
// DATE-TIME values (with VALUE=DATE, TZID and the UTC "Z" form), DTEND
// (exclusive) or DURATION, and a handful of properties (SUMMARY,
// CATEGORIES, X-APPLE-SPECIAL-DAY, RRULE, STATUS). Everything else is
// skipped. See the package documentation for how events are classified.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	// maxFeedBytes bounds how much of a feed is read.
	maxFeedBytes = 8 << 20
	// maxEventDays bounds the span of a single event, so a corrupt DTEND
	// cannot make an import loop over centuries of days.
	maxEventDays = 366
)

// feedEntry is one classified event: the days first..last (inclusive day
// numbers) are off or working days, for the holiday called name.
type feedEntry struct {
	first, last int
	off         bool
	name        string
}

type dayKind int

const (
	kindUnmarked dayKind = iota
	kindOff
	kindWork
)

type icsEvent struct {
	line       int
	start, end *icsTime
	duration   string
	durLine    int
	summary    string
	hasSummary bool
	categories []string
	special    string
	rrule      bool
	cancelled  bool
}

// icsTime is a DATE (day set) or a DATE-TIME (instant set) value.
type icsTime struct {
	day     int
	instant time.Time
	isDate  bool
}

// parseICS reads a feed and returns its usable entries in feed order. It
// either succeeds for the whole feed or returns an error; a truncated or
// malformed feed yields nothing.
func parseICS(r io.Reader, loc *time.Location) ([]feedEntry, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFeedBytes+1))
	if err != nil {
		return nil, fmt.Errorf("workcal: reading iCalendar feed: %w", err)
	}
	if len(data) > maxFeedBytes {
		return nil, fmt.Errorf("workcal: iCalendar feed larger than %d bytes", maxFeedBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))

	type logical struct {
		n int
		s string
	}
	var lines []logical
	for i, raw := range strings.Split(string(data), "\n") {
		raw = strings.TrimSuffix(raw, "\r")
		if raw != "" && (raw[0] == ' ' || raw[0] == '\t') {
			// Folded line: the CRLF and the single leading white-space
			// character are removed (RFC 5545 §3.1). Folds may split a
			// UTF-8 sequence; joining the bytes repairs it.
			if len(lines) > 0 {
				lines[len(lines)-1].s += raw[1:]
			}
			continue
		}
		if strings.TrimSpace(raw) == "" {
			continue // tolerated, though not valid RFC 5545
		}
		lines = append(lines, logical{i + 1, raw})
	}

	var (
		stack  []string
		ev     *icsEvent
		events []*icsEvent
		sawCal bool
	)
	for _, ln := range lines {
		name, params, value, ok := parseProperty(ln.s)
		if !ok {
			return nil, fmt.Errorf("workcal: iCalendar line %d: malformed content line", ln.n)
		}
		switch name {
		case "BEGIN":
			comp := strings.ToUpper(strings.TrimSpace(value))
			if len(stack) == 0 && comp != "VCALENDAR" {
				return nil, fmt.Errorf("workcal: iCalendar line %d: expected BEGIN:VCALENDAR", ln.n)
			}
			if comp == "VCALENDAR" {
				sawCal = true
			}
			if comp == "VEVENT" && len(stack) > 0 && stack[len(stack)-1] == "VCALENDAR" {
				ev = &icsEvent{line: ln.n}
			}
			stack = append(stack, comp)
			continue
		case "END":
			comp := strings.ToUpper(strings.TrimSpace(value))
			if len(stack) == 0 || stack[len(stack)-1] != comp {
				return nil, fmt.Errorf("workcal: iCalendar line %d: unexpected END:%s", ln.n, comp)
			}
			stack = stack[:len(stack)-1]
			if comp == "VEVENT" && ev != nil && len(stack) > 0 && stack[len(stack)-1] == "VCALENDAR" {
				events = append(events, ev)
				ev = nil
			}
			continue
		}
		if ev == nil || stack[len(stack)-1] != "VEVENT" {
			continue // calendar properties, VTIMEZONE, VALARM, ...
		}
		switch name {
		case "DTSTART", "DTEND":
			t, err := parseICSTime(value, params, loc)
			if err != nil {
				return nil, fmt.Errorf("workcal: iCalendar line %d: %s: %w", ln.n, name, err)
			}
			if name == "DTSTART" {
				ev.start = t
			} else {
				ev.end = t
			}
		case "DURATION":
			ev.duration, ev.durLine = value, ln.n
		case "SUMMARY":
			if !ev.hasSummary {
				ev.summary, ev.hasSummary = unescapeText(value), true
			}
		case "CATEGORIES":
			for _, c := range splitText(value) {
				ev.categories = append(ev.categories, strings.TrimSpace(unescapeText(c)))
			}
		case "X-APPLE-SPECIAL-DAY":
			ev.special = strings.ToUpper(strings.TrimSpace(value))
		case "RRULE", "RDATE":
			ev.rrule = true
		case "STATUS":
			ev.cancelled = strings.EqualFold(strings.TrimSpace(value), "CANCELLED")
		}
	}
	if !sawCal {
		return nil, errors.New("workcal: not an iCalendar feed (no BEGIN:VCALENDAR)")
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("workcal: iCalendar feed truncated: %s not closed", stack[len(stack)-1])
	}

	type classified struct {
		ev          *icsEvent
		first, last int
		kind        dayKind
	}
	var all []classified
	anyMarked := false
	for _, ev := range events {
		if ev.cancelled || ev.rrule {
			continue
		}
		first, last, err := ev.days(loc)
		if err != nil {
			return nil, err
		}
		k := classify(ev)
		if k != kindUnmarked {
			anyMarked = true
		}
		all = append(all, classified{ev, first, last, k})
	}
	var out []feedEntry
	for _, c := range all {
		switch c.kind {
		case kindUnmarked:
			if anyMarked {
				continue // an informational event (a festival) in a marked feed
			}
			out = append(out, feedEntry{c.first, c.last, true, cleanName(c.ev.summary)})
		default:
			out = append(out, feedEntry{c.first, c.last, c.kind == kindOff, cleanName(c.ev.summary)})
		}
	}
	return out, nil
}

// days returns the inclusive range of day numbers the event covers.
func (ev *icsEvent) days(loc *time.Location) (first, last int, err error) {
	if ev.start == nil {
		return 0, 0, fmt.Errorf("workcal: iCalendar event at line %d has no DTSTART", ev.line)
	}
	end := ev.end
	if end == nil && ev.duration != "" {
		d, err := parseICSDuration(ev.duration)
		if err != nil {
			return 0, 0, fmt.Errorf("workcal: iCalendar line %d: DURATION: %w", ev.durLine, err)
		}
		if ev.start.isDate {
			if d%(24*time.Hour) != 0 {
				return 0, 0, fmt.Errorf("workcal: iCalendar line %d: DURATION of an all-day event must be whole days", ev.durLine)
			}
			end = &icsTime{isDate: true, day: ev.start.day + int(d/(24*time.Hour))}
		} else {
			end = &icsTime{instant: ev.start.instant.Add(d)}
		}
	}
	if ev.start.isDate {
		first = ev.start.day
	} else {
		first = dayNumber(ev.start.instant.In(loc))
	}
	last = first
	switch {
	case end == nil:
	case end.isDate:
		// DTEND of an all-day event is exclusive. DTEND equal to DTSTART
		// is tolerated as a one-day event.
		if end.day < first {
			return 0, 0, fmt.Errorf("workcal: iCalendar event at line %d ends before it starts", ev.line)
		}
		last = max(first, end.day-1)
	default:
		if !ev.start.isDate && end.instant.Before(ev.start.instant) {
			return 0, 0, fmt.Errorf("workcal: iCalendar event at line %d ends before it starts", ev.line)
		}
		last = max(first, dayNumber(end.instant.Add(-time.Nanosecond).In(loc)))
	}
	if last-first+1 > maxEventDays {
		return 0, 0, fmt.Errorf("workcal: iCalendar event at line %d spans more than %d days", ev.line, maxEventDays)
	}
	return first, last, nil
}

var (
	workSummaryMarkers = []string{"补班", "上班", "（班）", "(班)", "[班]", "【班】", "[加班]", "【加班】"}
	offSummaryMarkers  = []string{"（休）", "(休)", "[休]", "【休】", "假期", "放假"}
	workCategories     = []string{"WORKDAY", "WORKING DAY", "MAKE-UP WORKDAY", "补班", "上班", "班", "工作日"}
	offCategories      = []string{"HOLIDAY", "PUBLIC HOLIDAY", "假期", "放假", "休", "休息", "节假日"}
)

// classify decides whether an event marks days off or working days, in
// order of precedence: X-APPLE-SPECIAL-DAY, CATEGORIES, then the SUMMARY.
func classify(ev *icsEvent) dayKind {
	switch ev.special {
	case "WORK-HOLIDAY":
		return kindOff
	case "ALTERNATE-WORKDAY":
		return kindWork
	}
	for _, c := range ev.categories {
		for _, m := range workCategories {
			if strings.EqualFold(c, m) {
				return kindWork
			}
		}
		for _, m := range offCategories {
			if strings.EqualFold(c, m) {
				return kindOff
			}
		}
	}
	for _, m := range workSummaryMarkers {
		if strings.Contains(ev.summary, m) {
			return kindWork
		}
	}
	for _, m := range offSummaryMarkers {
		if strings.Contains(ev.summary, m) {
			return kindOff
		}
	}
	return kindUnmarked
}

var (
	dayCountRE  = regexp.MustCompile(`\s*第\s*\d+\s*天\s*/\s*共\s*\d+\s*天\s*$`)
	nameAffixes = []string{
		"（休）", "(休)", "（班）", "(班)", "（补班）", "(补班)", "（上班）", "(上班)",
		"[放假]", "[加班]", "[补班]", "[班]", "[休]", "【放假】", "【加班】", "【补班】", "【班】", "【休】",
		"补班", "上班", "假期", "放假", "调休",
	}
)

// cleanName turns a SUMMARY into the holiday's name: "春节补班", "春节（休）",
// "春节 (补班)" and "春节假期 第1天/共8天" all become "春节".
func cleanName(s string) string {
	s = dayCountRE.ReplaceAllString(s, "")
	for {
		before := s
		s = strings.Trim(s, " \t-–—:：·")
		for _, a := range nameAffixes {
			s = strings.TrimSuffix(s, a)
			s = strings.TrimPrefix(s, a)
		}
		if s == before {
			return s
		}
	}
}

// parseProperty splits a content line into name, parameters and value. The
// value starts after the first colon that is not inside a quoted parameter.
func parseProperty(line string) (name string, params map[string]string, value string, ok bool) {
	inQuote := false
	colon := -1
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			inQuote = !inQuote
		case ':':
			if !inQuote {
				colon = i
			}
		}
		if colon >= 0 {
			break
		}
	}
	if colon <= 0 {
		return "", nil, "", false
	}
	head, value := line[:colon], line[colon+1:]
	var parts []string
	inQuote = false
	startIdx := 0
	for i := 0; i < len(head); i++ {
		switch head[i] {
		case '"':
			inQuote = !inQuote
		case ';':
			if !inQuote {
				parts = append(parts, head[startIdx:i])
				startIdx = i + 1
			}
		}
	}
	parts = append(parts, head[startIdx:])
	name = strings.ToUpper(strings.TrimSpace(parts[0]))
	if name == "" {
		return "", nil, "", false
	}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		if params == nil {
			params = map[string]string{}
		}
		params[strings.ToUpper(strings.TrimSpace(k))] = strings.Trim(v, `"`)
	}
	return name, params, value, true
}

func parseICSTime(value string, params map[string]string, loc *time.Location) (*icsTime, error) {
	value = strings.TrimSpace(value)
	if v, ok := params["VALUE"]; (ok && strings.EqualFold(v, "DATE")) || (!strings.Contains(value, "T") && len(value) == 8) {
		t, err := time.Parse("20060102", value)
		if err != nil {
			return nil, fmt.Errorf("bad DATE %q", value)
		}
		return &icsTime{isDate: true, day: dayNumberOf(t.Year(), t.Month(), t.Day())}, nil
	}
	if z, ok := strings.CutSuffix(value, "Z"); ok {
		t, err := time.Parse("20060102T150405", z)
		if err != nil {
			return nil, fmt.Errorf("bad DATE-TIME %q", value)
		}
		return &icsTime{instant: t}, nil
	}
	in := loc
	if tzid, ok := params["TZID"]; ok {
		// An unknown TZID (e.g. a Windows zone name) falls back to the
		// calendar's own zone.
		if l, err := time.LoadLocation(strings.TrimPrefix(tzid, "/")); err == nil {
			in = l
		}
	}
	t, err := time.ParseInLocation("20060102T150405", value, in)
	if err != nil {
		return nil, fmt.Errorf("bad DATE-TIME %q", value)
	}
	return &icsTime{instant: t}, nil
}

// parseICSDuration parses the RFC 5545 DURATION subset [+]P[nW][nD][T[nH][nM][nS]].
func parseICSDuration(s string) (time.Duration, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, fmt.Errorf("unsupported duration %q", s)
	}
	var total time.Duration
	inTime := false
	num := ""
	for _, r := range rest {
		switch {
		case r >= '0' && r <= '9':
			num += string(r)
			continue
		case r == 'T' && num == "" && !inTime:
			inTime = true
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("unsupported duration %q", s)
		}
		var unit time.Duration
		switch {
		case !inTime && r == 'W':
			unit = 7 * 24 * time.Hour
		case !inTime && r == 'D':
			unit = 24 * time.Hour
		case inTime && r == 'H':
			unit = time.Hour
		case inTime && r == 'M':
			unit = time.Minute
		case inTime && r == 'S':
			unit = time.Second
		}
		if unit == 0 {
			return 0, fmt.Errorf("unsupported duration %q", s)
		}
		total += time.Duration(n) * unit
		num = ""
	}
	if num != "" {
		return 0, fmt.Errorf("unsupported duration %q", s)
	}
	return total, nil
}

// splitText splits a multi-valued TEXT property on unescaped commas.
func splitText(v string) []string {
	var out []string
	start := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case ',':
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// unescapeText undoes RFC 5545 TEXT escaping (\\ \; \, \n \N).
func unescapeText(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(v[i])
			}
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
