// Package task is the domain of tasks: a task, its statuses and the moves
// between them, its priorities and history, who may change it, and the store
// contract (Store) that storage implements for it. It imports bot only; the
// chat surface is commands/task.
package task

import (
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Status is the state of a task.
type Status string

// Task statuses. The allowed transitions are in transitions.
const (
	Todo       Status = "todo"
	InProgress Status = "in_progress"
	InReview   Status = "in_review"
	Done       Status = "done"
	Cancelled  Status = "cancelled"
)

// transitions lists, for each status, the statuses it may move to. Work
// flows forward one step at a time; review can send work back; any open task
// can be cancelled; a finished or cancelled task is reopened to "todo".
var transitions = map[Status][]Status{
	Todo:       {InProgress, Cancelled},
	InProgress: {InReview, Done, Todo, Cancelled},
	InReview:   {Done, InProgress, Cancelled},
	Done:       {Todo},
	Cancelled:  {Todo},
}

// CanMoveTo reports whether a task in status s may move to next.
func (s Status) CanMoveTo(next Status) bool {
	for _, t := range transitions[s] {
		if t == next {
			return true
		}
	}
	return false
}

// Open reports whether work on the task is still expected.
func (s Status) Open() bool { return s != Done && s != Cancelled }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := transitions[s]; return ok }

// Label is the status in the person's language.
func (s Status) Label(lang bot.Lang) string {
	switch s {
	case Todo:
		return bot.T("to do", "待办").In(lang)
	case InProgress:
		return bot.T("in progress", "进行中").In(lang)
	case InReview:
		return bot.T("in review", "待审核").In(lang)
	case Done:
		return bot.T("done", "已完成").In(lang)
	case Cancelled:
		return bot.T("cancelled", "已取消").In(lang)
	}
	return string(s)
}

// Priority orders tasks; higher is more urgent.
type Priority int

// Priorities.
const (
	PriorityLow    Priority = 1
	PriorityNormal Priority = 2
	PriorityHigh   Priority = 3
	PriorityUrgent Priority = 4
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p >= PriorityLow && p <= PriorityUrgent }

// Label is the priority in the person's language.
func (p Priority) Label(lang bot.Lang) string {
	switch p {
	case PriorityLow:
		return bot.T("low", "低").In(lang)
	case PriorityNormal:
		return bot.T("normal", "中").In(lang)
	case PriorityHigh:
		return bot.T("high", "高").In(lang)
	case PriorityUrgent:
		return bot.T("urgent", "紧急").In(lang)
	}
	return strconv.Itoa(int(p))
}

// Task is a unit of work with an owner.
type Task struct {
	ID          int64
	Title       string
	Description string
	OwnerID     int64 // 0 when unassigned
	CreatorID   int64
	DeptID      int64 // 0 when no department
	ParentID    int64 // the task this is a subtask of; 0 for a top-level task
	Priority    Priority
	Status      Status
	Due         time.Time // zero when there is no due time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ClosedAt    time.Time // when it was last done or cancelled
}

// Ref is how people refer to the task in chat.
func (t *Task) Ref() string { return "#" + strconv.FormatInt(t.ID, 10) }

// Overdue reports whether the task is open and past its due time at now.
func (t *Task) Overdue(now time.Time) bool {
	return t.Status.Open() && !t.Due.IsZero() && now.After(t.Due)
}

// EventKind says what a history entry records.
type EventKind string

// Task history kinds.
const (
	Created     EventKind = "created"
	StatusSet   EventKind = "status"
	Assigned    EventKind = "owner"
	DueSet      EventKind = "due"
	PrioritySet EventKind = "priority"
	TitleSet    EventKind = "title"
	DescSet     EventKind = "description"
	DeptSet     EventKind = "department"
	Commented   EventKind = "comment"
	Progress    EventKind = "progress"
	SubAdded    EventKind = "subtask"   // To is the subtask's ref
	Blocked     EventKind = "blocked"   // To is the blocker's ref
	Unblocked   EventKind = "unblocked" // From is the blocker's ref
	Forced      EventKind = "forced"    // To lists the open blockers overridden
)

// Event is one entry in a task's history: who changed what, when. From and
// To hold the old and new values as text; comments and progress notes keep
// their text in To.
type Event struct {
	ID      int64
	TaskID  int64
	ActorID int64
	Kind    EventKind
	From    string
	To      string
	At      time.Time
}

// Filter selects tasks. Zero fields do not filter.
type Filter struct {
	OwnerID  int64
	DeptID   int64
	Statuses []Status
	OpenOnly bool
	// OverdueAt, when set, keeps only open tasks due before it.
	OverdueAt time.Time
	// Offset skips that many tasks of the list: pages after the first.
	Offset int
	Limit  int
}
