package workcal

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Interval is a half-open span [Start, End) of wall-clock time within one day,
// both measured from midnight: 09:00–12:00 is {9 * time.Hour, 12 * time.Hour}.
// End may be 24h (midnight at the end of the day); intervals never cross
// midnight.
type Interval struct {
	Start, End time.Duration
}

// String formats the interval as "09:00-12:00" (seconds are shown when set).
func (iv Interval) String() string {
	return clockString(iv.Start) + "-" + clockString(iv.End)
}

func (iv Interval) length() time.Duration { return iv.End - iv.Start }

func clockString(d time.Duration) string {
	h, m, s := d/time.Hour, (d%time.Hour)/time.Minute, (d%time.Minute)/time.Second
	if s != 0 || d%time.Second != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// DefaultHours returns the business hours used when Options.Hours is nil:
// 09:00–12:00 and 13:30–18:00 (the lunch break is not working time).
func DefaultHours() []Interval {
	return []Interval{
		{9 * time.Hour, 12 * time.Hour},
		{13*time.Hour + 30*time.Minute, 18 * time.Hour},
	}
}

// ParseHours parses a schedule written as comma-separated clock ranges, e.g.
// "09:00-12:00, 13:30-18:00" (an en dash "–" is accepted too). Clocks are
// HH:MM or HH:MM:SS; "24:00" is the end of the day. The result is validated
// like Options.Hours.
func ParseHours(s string) ([]Interval, error) {
	var out []Interval
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, b, ok := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
		if !ok {
			return nil, fmt.Errorf("workcal: business hours %q: want START-END", part)
		}
		start, err := parseClock(strings.TrimSpace(a))
		if err != nil {
			return nil, err
		}
		end, err := parseClock(strings.TrimSpace(b))
		if err != nil {
			return nil, err
		}
		out = append(out, Interval{start, end})
	}
	return normalizeHours(out)
}

func parseClock(s string) (time.Duration, error) {
	fields := strings.Split(s, ":")
	if len(fields) < 2 || len(fields) > 3 {
		return 0, fmt.Errorf("workcal: clock %q: want HH:MM", s)
	}
	var v [3]int
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || len(f) == 0 || len(f) > 2 {
			return 0, fmt.Errorf("workcal: clock %q: want HH:MM", s)
		}
		v[i] = n
	}
	if v[1] > 59 || v[2] > 59 || v[0] > 24 || (v[0] == 24 && (v[1] != 0 || v[2] != 0)) {
		return 0, fmt.Errorf("workcal: clock %q out of range", s)
	}
	return time.Duration(v[0])*time.Hour + time.Duration(v[1])*time.Minute + time.Duration(v[2])*time.Second, nil
}

// normalizeHours copies, sorts and validates a schedule: it must not be
// empty, every interval must lie within [00:00, 24:00] with Start < End, and
// intervals must not overlap (touching is allowed).
func normalizeHours(in []Interval) ([]Interval, error) {
	if len(in) == 0 {
		return nil, errors.New("workcal: empty business hours")
	}
	out := slices.Clone(in)
	slices.SortFunc(out, func(a, b Interval) int { return cmp.Compare(a.Start, b.Start) })
	for i, iv := range out {
		if iv.Start < 0 || iv.End > 24*time.Hour || iv.Start >= iv.End {
			return nil, fmt.Errorf("workcal: invalid business interval %s", iv)
		}
		if i > 0 && iv.Start < out[i-1].End {
			return nil, fmt.Errorf("workcal: business intervals %s and %s overlap", out[i-1], iv)
		}
	}
	return out, nil
}
