package stats

import (
	"cmp"
	"slices"

	"github.com/tandemhq/tandem/bot"
)

// Figures are a period's numbers, for one department or all.
type Figures struct {
	Period Period
	DeptID int64 // 0: every department
	// Days has one entry per day of the period, in order.
	Days []Day
	// Total sums Days.
	Total Day
	// Platforms and Depts split the usage; most used first.
	Platforms []Split
	Depts     []Split
	Top       []NameCount
	// Tasks over the whole period.
	Tasks TaskCounts
	// Tickets are the SLA figures of the tickets resolved in the period.
	Tickets SLA
	// Announce are the announcements sent in the period and their ledgers.
	Announce Acks
}

// Day is one day's usage and task throughput.
type Day struct {
	Day                        string // YYYY-MM-DD
	Messages, Commands, Clicks int    // Messages counts every typed message, commands included
	TasksCreated, TasksDone    int
}

// Split is the usage of one platform or department.
type Split struct {
	Key                        string // the platform, or the department's id as text
	DeptID                     int64
	Messages, Commands, Clicks int
}

// SLA is what the tickets resolved in a period met (ticket.Stats).
type SLA struct {
	Resolved, ResponseMet, ResolutionMet int
}

// Acks sums the ledgers of the announcements sent in a period: Total
// recipients, Answered (acknowledged).
type Acks struct {
	Sent, Total, Answered int
}

// Rate is n over of as a fraction, and false when of is zero (no figure:
// shown as "—", never as 0 % or 100 %).
func Rate(n, of int) (float64, bool) {
	if of <= 0 {
		return 0, false
	}
	return float64(n) / float64(of), true
}

// LateRate is the overdue rate: of the tasks done in the period that had
// a due date, the share closed after it. (Open tasks past due at the end
// of a past period cannot be read from an index without scanning every
// task ever open then; closures late over closures with a due date can.)
func (t TaskCounts) LateRate() (float64, bool) { return Rate(t.DoneLate, t.DoneWithDue) }

// Add counts rows into f: its days (which must be set), totals and splits.
func (f *Figures) Add(rows []UsageRow) {
	index := map[string]int{}
	for i, d := range f.Days {
		index[d.Day] = i
	}
	plat := map[string]*Split{}
	dept := map[int64]*Split{}
	count := func(s *Split, r UsageRow) {
		switch r.Kind {
		case bot.UsageCommand:
			s.Commands += r.N
			s.Messages += r.N
		case bot.UsageMessage:
			s.Messages += r.N
		case bot.UsageClick:
			s.Clicks += r.N
		}
	}
	for _, r := range rows {
		var s Split
		count(&s, r)
		if i, ok := index[r.Day]; ok {
			f.Days[i].Messages += s.Messages
			f.Days[i].Commands += s.Commands
			f.Days[i].Clicks += s.Clicks
		}
		if plat[r.Platform] == nil {
			plat[r.Platform] = &Split{Key: r.Platform}
		}
		count(plat[r.Platform], r)
		if dept[r.DeptID] == nil {
			dept[r.DeptID] = &Split{DeptID: r.DeptID}
		}
		count(dept[r.DeptID], r)
	}
	f.Total = Day{}
	for _, d := range f.Days {
		f.Total.Messages += d.Messages
		f.Total.Commands += d.Commands
		f.Total.Clicks += d.Clicks
		f.Total.TasksCreated += d.TasksCreated
		f.Total.TasksDone += d.TasksDone
	}
	f.Platforms, f.Depts = sorted(plat), sorted(dept)
}

// sorted lists the splits most used first, then by key.
func sorted[K comparable](m map[K]*Split) []Split {
	out := make([]Split, 0, len(m))
	for _, s := range m {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Split) int {
		if c := cmp.Compare(b.Messages+b.Clicks, a.Messages+a.Clicks); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.DeptID, b.DeptID))
	})
	return out
}
