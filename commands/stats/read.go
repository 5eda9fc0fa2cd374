package stats

import (
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/bot/ticket"
)

// Bounds on what one reading costs: the most-run commands named, and the
// announcements whose ledgers are summed (the earliest of the period).
const (
	topCommands      = 5
	maxAnnouncements = 500
)

// readFigures reads a period's figures for one department (0: all), with
// the departments' names. It is meant for a view, outside the writer: it
// costs the period's counters, two indexed counts per day for tasks, one
// ticket summary per department, and one ledger count per announcement.
func readFigures(tx bot.Tx, p stats.Period, deptID int64) (*stats.Figures, map[int64]string, error) {
	s := stats.From(tx)
	f := &stats.Figures{Period: p, DeptID: deptID}
	days := p.Days()
	for i, d := range days {
		end := p.To
		if i+1 < len(days) {
			end = days[i+1]
		}
		c, err := s.CountTasks(d, end, deptID)
		if err != nil {
			return nil, nil, err
		}
		f.Days = append(f.Days, stats.Day{Day: d.Format("2006-01-02"), TasksCreated: c.Created, TasksDone: c.Done})
		f.Tasks.Created += c.Created
		f.Tasks.Done += c.Done
		f.Tasks.DoneWithDue += c.DoneWithDue
		f.Tasks.DoneLate += c.DoneLate
	}
	rows, err := s.UsageRows(p.First(), p.Last(), deptID)
	if err != nil {
		return nil, nil, err
	}
	f.Add(rows)
	if f.Top, err = s.TopCommands(p.First(), p.Last(), deptID, topCommands); err != nil {
		return nil, nil, err
	}
	depts, err := tx.ListDepartments()
	if err != nil {
		return nil, nil, err
	}
	names := map[int64]string{}
	for _, d := range depts {
		names[d.ID] = d.Name
		if deptID != 0 && d.ID != deptID {
			continue
		}
		ts, err := ticket.From(tx).TicketStats(d.ID, p.From, p.To)
		if err != nil {
			return nil, nil, err
		}
		f.Tickets.Resolved += ts.Resolved
		f.Tickets.ResponseMet += ts.ResponseMet
		f.Tickets.ResolutionMet += ts.ResolutionMet
	}
	ids, err := s.AnnouncementsSent(p.From, p.To, deptID, maxAnnouncements)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		c, err := ask.From(tx).CountRecipients(id, -1)
		if err != nil {
			return nil, nil, err
		}
		f.Announce.Sent++
		f.Announce.Total += c.Total
		f.Announce.Answered += c.Answered
	}
	return f, names, nil
}
