package task

import (
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Store is the task feature's store contract: its tables, reached from the
// same unit as everything else (a bot.Tx that also implements Store). The
// method names carry the feature's name because one transaction implements
// every feature's contract. Methods return *bot.Error with ENOTFOUND when a
// looked-up row does not exist.
type Store interface {
	CreateTask(t *Task) error
	FindTaskByID(id int64) (*Task, error)
	// FindTasks returns matching tasks. Open ones come most urgent first:
	// overdue, then by due time (undated last), then priority, then id;
	// done and cancelled ones most recently closed first. Every form of the
	// filter is answered from an index, in its order, so a page costs its
	// offset and size whatever the number of tasks; a filter must not mix
	// open and closed statuses.
	FindTasks(f Filter) ([]*Task, error)
	UpdateTask(t *Task) error
	AddTaskEvent(e *Event) error
	TaskEvents(taskID int64) ([]*Event, error)

	// SubTasks returns a page of parent's subtasks in the order they were
	// made (by id), from an index on the parent.
	SubTasks(parentID int64, offset, limit int) ([]*Task, error)
	// SubTaskProgress counts parent's subtasks done of those not cancelled,
	// from the same index.
	SubTaskProgress(parentID int64) (Checklist, error)
	// AddTaskBlock records that blocker blocks dependant (dependant waits for
	// it); ECONFLICT when it already does. The caller checks for cycles
	// (CheckBlock) and bounds the lists (MaxBlockers).
	AddTaskBlock(blockerID, dependantID int64, at time.Time) error
	// RemoveTaskBlock removes it; ENOTFOUND when there is none.
	RemoveTaskBlock(blockerID, dependantID int64) error
	// TaskBlockers returns the tasks that block id, by id; TaskDependants the
	// tasks that id blocks. Each is read from its own index, and both stay
	// short: "task block" refuses more than MaxBlockers either way.
	TaskBlockers(id int64) ([]*Task, error)
	TaskDependants(id int64) ([]*Task, error)
}

// From returns the task store of the unit tx. It is a type assertion: the
// store that hands out bot.Tx implements every feature's contract on the
// same transaction (storage/sqlite asserts it at compile time). A unit that
// does not is a wiring mistake; its Store then fails every call with an
// internal error naming the unit's type, which the caller returns like any
// store error (the user sees the generic apology), rather than panicking.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("task: the unit %T does not implement task.Store", tx)}
}

// missing is the Store of a unit without one: every call fails.
type missing struct{ err error }

func (m missing) CreateTask(*Task) error                     { return m.err }
func (m missing) FindTaskByID(int64) (*Task, error)          { return nil, m.err }
func (m missing) FindTasks(Filter) ([]*Task, error)          { return nil, m.err }
func (m missing) UpdateTask(*Task) error                     { return m.err }
func (m missing) AddTaskEvent(*Event) error                  { return m.err }
func (m missing) TaskEvents(int64) ([]*Event, error)         { return nil, m.err }
func (m missing) SubTasks(int64, int, int) ([]*Task, error)  { return nil, m.err }
func (m missing) SubTaskProgress(int64) (Checklist, error)   { return Checklist{}, m.err }
func (m missing) AddTaskBlock(int64, int64, time.Time) error { return m.err }
func (m missing) RemoveTaskBlock(int64, int64) error         { return m.err }
func (m missing) TaskBlockers(int64) ([]*Task, error)        { return nil, m.err }
func (m missing) TaskDependants(int64) ([]*Task, error)      { return nil, m.err }
