package meeting

import (
	"time"

	"github.com/tandemhq/tandem/bot/meeting"
)

// maxOccurrences bounds the occurrences read from one series at a time.
const maxOccurrences = 200

// occurrences are the starts of m's occurrences that overlap [from, to):
// a one-off's start, or a series' from its schedule (NextRun, in its zone).
func (f *feature) occurrences(m *meeting.Meeting, from, to time.Time) []time.Time {
	if m.Rule == "" || f.NextRun == nil {
		if m.Start.Before(to) && m.Start.Add(m.Duration).After(from) {
			return []time.Time{m.Start}
		}
		return nil
	}
	_, dloc := f.defaults()
	loc := m.Location(dloc)
	at := from.Add(-m.Duration)
	if first := m.Start.Add(-time.Second); at.Before(first) {
		at = first
	}
	var out []time.Time
	for range maxOccurrences {
		next, err := f.NextRun(m.Rule, at, loc)
		if err != nil || next.IsZero() || !next.Before(to) {
			break
		}
		if next.Add(m.Duration).After(from) {
			out = append(out, next)
		}
		at = next
	}
	return out
}

// nextOccurrence is m's first occurrence that has not ended at now, or
// its start when it has none left.
func (f *feature) nextOccurrence(m *meeting.Meeting, now time.Time) time.Time {
	if m.Rule == "" {
		return m.Start
	}
	if occ := f.occurrences(m, now, now.AddDate(1, 0, 0)); len(occ) > 0 {
		return occ[0]
	}
	return m.Start
}
