package meeting

import (
	"time"

	"github.com/tandemhq/tandem/bot/meeting"
)

// occurrences are the starts of m's occurrences that overlap [from, to),
// on the work calendar (bot/meeting: holidays move or skip, make-up days
// count). A rule that cannot be read has none.
func (f *feature) occurrences(m *meeting.Meeting, from, to time.Time) []time.Time {
	occ, err := meeting.Occurrences(m, f.Calendar, from, to)
	if err != nil && f.Log != nil {
		f.Log.Warn("meeting: unreadable rule", "meeting", m.ID, "rule", m.Rule, "err", err)
	}
	out := make([]time.Time, len(occ))
	for i, o := range occ {
		out[i] = o.Start
	}
	return out
}

// nextOccurrence is m's first occurrence that has not ended at now, or
// its start when it has none left.
func (f *feature) nextOccurrence(m *meeting.Meeting, now time.Time) time.Time {
	if m.Rule == "" {
		return m.Start
	}
	probe := *m
	probe.Status = meeting.Scheduled // a cancelled series still shows when it would have been
	if occ := f.occurrences(&probe, now, now.AddDate(1, 0, 1)); len(occ) > 0 {
		return occ[0]
	}
	return m.Start
}
