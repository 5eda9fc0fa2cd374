package bot

import (
	"strconv"
	"time"
)

// TaskStatus is the state of a task.
type TaskStatus string

// Task statuses. The allowed transitions are in taskTransitions.
const (
	TaskTodo       TaskStatus = "todo"
	TaskInProgress TaskStatus = "in_progress"
	TaskInReview   TaskStatus = "in_review"
	TaskDone       TaskStatus = "done"
	TaskCancelled  TaskStatus = "cancelled"
)

// taskTransitions lists, for each status, the statuses it may move to. Work
// flows forward one step at a time; review can send work back; any open task
// can be cancelled; a finished or cancelled task is reopened to "todo".
var taskTransitions = map[TaskStatus][]TaskStatus{
	TaskTodo:       {TaskInProgress, TaskCancelled},
	TaskInProgress: {TaskInReview, TaskDone, TaskTodo, TaskCancelled},
	TaskInReview:   {TaskDone, TaskInProgress, TaskCancelled},
	TaskDone:       {TaskTodo},
	TaskCancelled:  {TaskTodo},
}

// CanMoveTo reports whether a task in status s may move to next.
func (s TaskStatus) CanMoveTo(next TaskStatus) bool {
	for _, t := range taskTransitions[s] {
		if t == next {
			return true
		}
	}
	return false
}

// Open reports whether work on the task is still expected.
func (s TaskStatus) Open() bool { return s != TaskDone && s != TaskCancelled }

// Valid reports whether s is a known status.
func (s TaskStatus) Valid() bool { _, ok := taskTransitions[s]; return ok }

// Label is the status in the person's language.
func (s TaskStatus) Label(lang Lang) string {
	switch s {
	case TaskTodo:
		return T("to do", "待办").In(lang)
	case TaskInProgress:
		return T("in progress", "进行中").In(lang)
	case TaskInReview:
		return T("in review", "待审核").In(lang)
	case TaskDone:
		return T("done", "已完成").In(lang)
	case TaskCancelled:
		return T("cancelled", "已取消").In(lang)
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
func (p Priority) Label(lang Lang) string {
	switch p {
	case PriorityLow:
		return T("low", "低").In(lang)
	case PriorityNormal:
		return T("normal", "中").In(lang)
	case PriorityHigh:
		return T("high", "高").In(lang)
	case PriorityUrgent:
		return T("urgent", "紧急").In(lang)
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
	Priority    Priority
	Status      TaskStatus
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

// TaskEventKind says what a history entry records.
type TaskEventKind string

// Task history kinds.
const (
	TaskCreated     TaskEventKind = "created"
	TaskStatusSet   TaskEventKind = "status"
	TaskAssigned    TaskEventKind = "owner"
	TaskDueSet      TaskEventKind = "due"
	TaskPrioritySet TaskEventKind = "priority"
	TaskTitleSet    TaskEventKind = "title"
	TaskDescSet     TaskEventKind = "description"
	TaskDeptSet     TaskEventKind = "department"
	TaskCommented   TaskEventKind = "comment"
	TaskProgress    TaskEventKind = "progress"
)

// TaskEvent is one entry in a task's history: who changed what, when. From and
// To hold the old and new values as text; comments and progress notes keep
// their text in To.
type TaskEvent struct {
	ID      int64
	TaskID  int64
	ActorID int64
	Kind    TaskEventKind
	From    string
	To      string
	At      time.Time
}

// TaskFilter selects tasks. Zero fields do not filter.
type TaskFilter struct {
	OwnerID  int64
	DeptID   int64
	Statuses []TaskStatus
	OpenOnly bool
	// OverdueAt, when set, keeps only open tasks due before it.
	OverdueAt time.Time
	// Offset skips that many tasks of the list: pages after the first.
	Offset int
	Limit  int
}
