package task

import (
	"fmt"

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

func (m missing) CreateTask(*Task) error             { return m.err }
func (m missing) FindTaskByID(int64) (*Task, error)  { return nil, m.err }
func (m missing) FindTasks(Filter) ([]*Task, error)  { return nil, m.err }
func (m missing) UpdateTask(*Task) error             { return m.err }
func (m missing) AddTaskEvent(*Event) error          { return m.err }
func (m missing) TaskEvents(int64) ([]*Event, error) { return nil, m.err }
