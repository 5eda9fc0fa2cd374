// Package export is the domain of exports: what can be exported (Kind), the
// period an export covers (Period, "month:2026-11"), who may export what
// (Scope), and the store contract (Store) that reads the rows of a period a
// page at a time from indexes. The sheets are built in commands/export and
// written by a sheet.Writer (bot/sheet, adapters/xlsx). It imports bot and
// the feature domains it reads.
package export

import (
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
)

// Kind is what an export lists.
type Kind string

// Kinds.
const (
	Tasks    Kind = "tasks"
	Tickets  Kind = "tickets"
	Meetings Kind = "meetings"
	Requests Kind = "requests" // asks of kind request
	Ledger   Kind = "ledger"   // one ask's recipients
	Stats    Kind = "stats"    // figures per department
)

// Kinds lists every kind, in help order.
var Kinds = []Kind{Tasks, Tickets, Meetings, Requests, Ledger, Stats}

// ParseKind reads a kind in English or Chinese.
func ParseKind(s string) (Kind, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "tasks", "task", "任务":
		return Tasks, true
	case "tickets", "ticket", "工单":
		return Tickets, true
	case "meetings", "meeting", "会议":
		return Meetings, true
	case "requests", "request", "申请", "审批":
		return Requests, true
	case "ledger", "recipients", "台账", "回执":
		return Ledger, true
	case "stats", "统计":
		return Stats, true
	}
	return "", false
}

// MaxRows caps one export: past it the rows are left out and the sheet
// says so. 100,000 rows is far below a spreadsheet's 1,048,576 and keeps a
// file well under bot.MaxFileBytes for the columns Tandem writes.
const MaxRows = 100_000

// PageSize is how many rows one read takes.
const PageSize = 1000

// Period is the span of time an export covers: [Since, Until).
type Period struct {
	Since, Until time.Time
	// Label names it in file names and titles: "2026-11".
	Label string
}

// Month is the calendar month of t in loc.
func Month(t time.Time, loc *time.Location) Period {
	t = t.In(loc)
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	return Period{Since: start, Until: start.AddDate(0, 1, 0), Label: start.Format("2006-01")}
}

// ParseMonth reads "2026-11" (also "2026/11", "2026年11月") as that month in
// loc.
func ParseMonth(s string, loc *time.Location) (Period, error) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("年", "-", "月", "", "/", "-").Replace(s)
	for _, layout := range []string{"2006-01", "2006-1"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return Month(t, loc), nil
		}
	}
	return Period{}, bot.Errorf(bot.EINVALID, "Give the month as YYYY-MM, e.g. month:2026-11.", "月份请写作 YYYY-MM，例如 月份：2026-11。")
}

// Query selects a page of a period's rows.
type Query struct {
	Since, Until time.Time
	// DeptID narrows to one department (0: every department).
	DeptID int64
	// OwnerID narrows tasks to one owner (0: anyone's).
	OwnerID int64
	// After pages: the next page starts after the row (At, ID) given.
	AfterAt time.Time
	AfterID int64
	Limit   int
}

// Next is q for the page after a row at `at` with id.
func (q Query) Next(at time.Time, id int64) Query {
	q.AfterAt, q.AfterID = at, id
	return q
}

// Store reads a period's rows for exports, each list from an index in the
// order (time, id) it pages by, outside write units.
type Store interface {
	// ExportTasks pages the tasks created in the period, by creation.
	ExportTasks(q Query) ([]*task.Task, error)
	// ExportTickets pages the tickets created in the period (by handling
	// department), by creation.
	ExportTickets(q Query) ([]*ticket.Ticket, error)
	// ExportMeetings pages the meetings that start (their first
	// occurrence) in the period, by start.
	ExportMeetings(q Query) ([]*meeting.Meeting, error)
	// ExportAsks pages the asks of kind created in the period (by the
	// department they are for), by creation.
	ExportAsks(kind ask.Kind, q Query) ([]*ask.Ask, error)
}

// From returns the export store of a unit (bot.Contract); a unit without
// one gets a Store whose every call fails with an internal error.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("export: the unit %T does not implement export.Store", tx)}
}

// missing is the Store of a unit without one: every call fails.
type missing struct{ err error }

func (m missing) ExportTasks(Query) ([]*task.Task, error)          { return nil, m.err }
func (m missing) ExportTickets(Query) ([]*ticket.Ticket, error)    { return nil, m.err }
func (m missing) ExportMeetings(Query) ([]*meeting.Meeting, error) { return nil, m.err }
func (m missing) ExportAsks(ask.Kind, Query) ([]*ask.Ask, error)   { return nil, m.err }
