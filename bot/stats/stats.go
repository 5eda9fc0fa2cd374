// Package stats is usage analytics (数据监控): what the bot counted as it
// handled events (bot.UsageCounter), and the figures over a period read
// from it and from the other features' stores — task throughput and late
// closures, ticket SLA, announcement acknowledgements.
package stats

import (
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// UsageRow is the sum of the counters of one day, department, platform
// and kind over every command.
type UsageRow struct {
	Day      string // YYYY-MM-DD
	DeptID   int64
	Platform string
	Kind     bot.UsageKind
	N        int
}

// NameCount is how often one command ran.
type NameCount struct {
	Name string
	N    int
}

// TaskCounts are the tasks of one span: created in it, done in it, and
// of those done the ones that had a due date and were closed after it.
type TaskCounts struct {
	Created, Done, DoneWithDue, DoneLate int
}

// Store is the figures' store contract, implemented by the storage's unit
// next to bot.Tx (see bot.Contract). Every read is a range over an index
// of the period: it costs the period's rows, never the table's.
type Store interface {
	// UsageRows sums the usage counters of the days [from, to] (YYYY-MM-DD)
	// over commands, by day, department, platform and kind; deptID 0 reads
	// every department.
	UsageRows(from, to string, deptID int64) ([]UsageRow, error)
	// TopCommands are the limit most-run commands of the days [from, to].
	TopCommands(from, to string, deptID int64, limit int) ([]NameCount, error)
	// CountTasks counts the tasks created and done in [from, to), of one
	// department (0: all).
	CountTasks(from, to time.Time, deptID int64) (TaskCounts, error)
	// AnnouncementsSent lists (up to limit) the ids of the asks of kind
	// "announce" sent in [from, to), of one department (0: all).
	AnnouncementsSent(from, to time.Time, deptID int64, limit int) ([]int64, error)
}

// From returns the figures' store of a unit (bot.Contract); a unit
// without one gets a Store whose every call fails with an internal error.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("stats: the unit %T does not implement stats.Store", tx)}
}

type missing struct{ err error }

func (m missing) UsageRows(string, string, int64) ([]UsageRow, error) { return nil, m.err }
func (m missing) TopCommands(string, string, int64, int) ([]NameCount, error) {
	return nil, m.err
}
func (m missing) CountTasks(time.Time, time.Time, int64) (TaskCounts, error) {
	return TaskCounts{}, m.err
}
func (m missing) AnnouncementsSent(time.Time, time.Time, int64, int) ([]int64, error) {
	return nil, m.err
}
