// Package project is the domain of projects: a project with a SMART goal, a
// lead, departments, members with project roles, milestones, the tasks and
// tickets attached to it, its timeline, and the store contract (Store) that
// storage implements. The pure rules that read a project's state — progress,
// the delay-risk rule and its critical path (risk.go), the weekly review and
// the close-out report — live here too, taking now and the work calendar
// as inputs. It imports bot, bot/task, bot/ticket and bot/workcal; the chat
// surface is commands/project.
package project

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
)

// Status is where a project is.
type Status string

// Project statuses: a project is active until closed; a closed project can
// be reopened by an admin.
const (
	Active Status = "active"
	Closed Status = "closed"
)

// Role is a member's role in a project.
type Role string

// Project roles. An admin changes the project itself (goal, dates,
// members, close); an editor adds and changes milestones and attaches work;
// a viewer reads status and pictures. The lead is always an admin.
const (
	Admin  Role = "admin"
	Editor Role = "editor"
	Viewer Role = "viewer"
)

// rank orders roles, so that "at least editor" is a comparison.
var rank = map[Role]int{Viewer: 1, Editor: 2, Admin: 3}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return rank[r] > 0 }

// AtLeast reports whether r grants what want grants.
func (r Role) AtLeast(want Role) bool { return rank[r] >= rank[want] && rank[r] > 0 }

// Label is the role in the reader's language.
func (r Role) Label(lang bot.Lang) string {
	switch r {
	case Admin:
		return bot.T("admin", "管理员").In(lang)
	case Editor:
		return bot.T("editor", "编辑者").In(lang)
	case Viewer:
		return bot.T("viewer", "查看者").In(lang)
	}
	return string(r)
}

// ParseRole reads admin/editor/viewer in English or Chinese.
func ParseRole(s string) (Role, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "admin", "管理员", "管理":
		return Admin, true
	case "editor", "edit", "编辑", "编辑者":
		return Editor, true
	case "viewer", "view", "read", "查看", "查看者", "只读":
		return Viewer, true
	}
	return "", false
}

// Goal is a project's goal written SMART: Text says specifically what will
// be achieved; Metric and Target make it measurable (Baseline is where the
// metric stands today, optional); the project's lead owns it and its end
// date bounds it in time. Missing reports what is still to be written.
type Goal struct {
	Text     string
	Metric   string // e.g. "signups", "签约客户数"
	Target   string // e.g. "5000", "≥ 20", "99.9%" — must hold a number
	Baseline string
}

// GoalPart names a part of a SMART goal that can be missing.
type GoalPart string

// The parts the bot asks for when they are missing.
const (
	Specific   GoalPart = "specific"   // the goal's text: what will be achieved
	Measurable GoalPart = "measurable" // a metric and a numeric target
	Owner      GoalPart = "owner"      // a lead
	TimeBound  GoalPart = "deadline"   // an end date
)

// Project is a piece of work with a goal, dates and people.
type Project struct {
	ID int64
	// Key is how people name the project in commands and how groups bind to
	// it (bot.Binding Kind "project", Ref Key): lower-case letters, digits
	// and '-', unique; "p<ID>" when the name gives none.
	Key       string
	Name      string
	Goal      Goal
	LeadID    int64 // 0 until named: the goal then lacks an owner
	CreatorID int64
	// DeptIDs are the departments taking part; their people may view the
	// project without being members.
	DeptIDs []int64
	// Start and End are dates (midnight in the work calendar's zone); End
	// is the last working day of the project, zero until set.
	Start, End time.Time
	Status     Status
	// Review is when the weekly review is posted to the project's groups;
	// Review.Off turns it off.
	Review Weekly
	// Result is the measured outcome stated when the project closed, set by
	// "project close result:<value>".
	Result string
	// WarnedSlip is the projected slip of the whole project, in working
	// days, that the last delay warning about it named (0: none sent);
	// WarnedAt when it was sent. As with Milestone.WarnedSlip, the daily
	// check warns again only when the slip grows.
	WarnedSlip int
	WarnedAt   time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ClosedAt   time.Time
}

// Ref is how people refer to the project in chat: its key.
func (p *Project) Ref() string { return p.Key }

// DefaultKey is the key of a project without a nicer one.
func DefaultKey(id int64) string { return "p" + strconv.FormatInt(id, 10) }

// Missing lists the parts of the SMART goal not yet written, in the order
// the bot asks for them.
func (p *Project) Missing() []GoalPart {
	var out []GoalPart
	if len([]rune(strings.TrimSpace(p.Goal.Text))) < 4 {
		out = append(out, Specific)
	}
	if strings.TrimSpace(p.Goal.Metric) == "" || !strings.ContainsAny(p.Goal.Target, "0123456789") {
		out = append(out, Measurable)
	}
	if p.LeadID == 0 {
		out = append(out, Owner)
	}
	if p.End.IsZero() {
		out = append(out, TimeBound)
	}
	return out
}

// Weekly is a time of the week in the work calendar's zone.
type Weekly struct {
	Off     bool
	Weekday time.Weekday
	Clock   time.Duration // since midnight
}

// Member is a person's role in a project. The lead's row says admin.
type Member struct {
	ProjectID int64
	PersonID  int64
	Role      Role
	AddedAt   time.Time
}

// Milestone is a dated point of a project that attached work leads to.
type Milestone struct {
	ID        int64
	ProjectID int64
	Name      string
	Due       time.Time // a date: the milestone is met when its work is done by the end of that day
	DoneAt    time.Time // when its last open task closed; zero while open
	// WarnedSlip is the projected slip, in working days, the last delay
	// warning about this milestone named (0: none sent); a new warning goes
	// out only when the slip grows (see risk.go).
	WarnedSlip int
	WarnedAt   time.Time
}

// ItemKind is what kind of work an item attaches.
type ItemKind string

// Item kinds.
const (
	TaskItem   ItemKind = "task"
	TicketItem ItemKind = "ticket"
)

// Item attaches a task or a ticket to a project, optionally under a
// milestone. A task or ticket belongs to one project at most.
type Item struct {
	ProjectID   int64
	Kind        ItemKind
	RefID       int64 // the task's or ticket's id
	MilestoneID int64 // 0: none
	// Days is the planned length of a task in working days (1 unless
	// given); Start its planned first day (zero: the day it was attached
	// or created, whichever is later). The Gantt chart and the critical
	// path read them.
	Days    int
	Start   time.Time
	AddedAt time.Time
}

// MaxItems bounds the work attached to one project, so that reading a
// project's whole state (status, pictures, the daily risk check) stays a
// bounded read.
const MaxItems = 500

// EventKind says what a timeline entry records.
type EventKind string

// Timeline kinds.
const (
	Created      EventKind = "created"
	GoalSet      EventKind = "goal"
	DatesSet     EventKind = "dates"
	LeadSet      EventKind = "lead"
	MemberSet    EventKind = "member"
	MemberGone   EventKind = "member_removed"
	MilestoneSet EventKind = "milestone"
	MilestoneMet EventKind = "milestone_met"
	MilestoneCut EventKind = "milestone_removed"
	ItemAdded    EventKind = "item"
	ItemRemoved  EventKind = "item_removed"
	Warned       EventKind = "warned"
	Reviewed     EventKind = "reviewed"
	ClosedEvent  EventKind = "closed"
	Reopened     EventKind = "reopened"
	// Bound: a group chat was bound to the project (Text: the chat id).
	Bound EventKind = "bound"
)

// Event is one entry of a project's timeline.
type Event struct {
	ID        int64
	ProjectID int64
	ActorID   int64 // 0 for the bot
	Kind      EventKind
	Text      string
	At        time.Time
}

// Filter selects projects. Zero fields do not filter.
type Filter struct {
	Status Status
	// MemberID keeps projects the person is a member of (the lead
	// included).
	MemberID int64
	Offset   int
	Limit    int
}

// TaskOf is a task attached to a project, with its attachment.
type TaskOf struct {
	Item *Item
	Task *task.Task
}

// TicketOf is a ticket attached to a project, with its attachment.
type TicketOf struct {
	Item   *Item
	Ticket *ticket.Ticket
}

// Block is a dependency between two tasks of a project: Dependant waits
// for Blocker (task.Store's blocks, read for the project in one query).
type Block struct{ BlockerID, DependantID int64 }

// Store is what storage implements for projects.
type Store interface {
	// CreateProject stores p and sets p.ID; when p.Key is empty it becomes
	// DefaultKey(p.ID). ECONFLICT when the key is taken. The lead (when
	// set) becomes an admin member, here and in UpdateProject.
	CreateProject(p *Project) error
	// FindProjectByID and FindProjectByKey return ENOTFOUND when there is
	// none.
	FindProjectByID(id int64) (*Project, error)
	FindProjectByKey(key string) (*Project, error)
	// UpdateProject stores every field but ID, Key and CreatedAt, the
	// departments included; ENOTFOUND when there is no such project.
	UpdateProject(p *Project) error
	// FindProjects lists a page of projects matching f, by id.
	FindProjects(f Filter) ([]*Project, error)

	// SetMember adds a member or changes their role.
	SetMember(m *Member) error
	// RemoveMember removes one; ENOTFOUND when they are not a member.
	RemoveMember(projectID, personID int64) error
	// Members lists a project's members, admins first, then by when they
	// were added.
	Members(projectID int64) ([]*Member, error)
	// MemberRole is a person's role in a project; ok is false when they are
	// not a member.
	MemberRole(projectID, personID int64) (role Role, ok bool, err error)

	// AddMilestone stores m and sets m.ID; ECONFLICT when the project has
	// a milestone of that name already.
	AddMilestone(m *Milestone) error
	// UpdateMilestone stores every field but ID and ProjectID.
	UpdateMilestone(m *Milestone) error
	// Milestones lists a project's milestones by due date, then id.
	Milestones(projectID int64) ([]*Milestone, error)
	// RemoveMilestone deletes a milestone; the work attached under it stays
	// in the project, under no milestone. It returns how many items it
	// detached; ENOTFOUND when there is no such milestone.
	RemoveMilestone(id int64) (detached int, err error)

	// AddItem attaches work: ECONFLICT when that task or ticket is in a
	// project already, ENOTFOUND when it does not exist.
	AddItem(it *Item) error
	// UpdateItem changes an item's milestone, days and start.
	UpdateItem(it *Item) error
	// RemoveItem detaches work; ENOTFOUND when it is not attached.
	RemoveItem(kind ItemKind, refID int64) error
	// ItemOf returns the attachment of a task or ticket; ENOTFOUND when it
	// is in no project.
	ItemOf(kind ItemKind, refID int64) (*Item, error)
	// CountItems counts a project's attached items (against MaxItems).
	CountItems(projectID int64) (int, error)
	// ProjectTasks returns every task attached to a project with its
	// attachment, by task id; ProjectTickets the same for tickets; and
	// ProjectBlocks the dependencies between the project's tasks. Each is
	// one query over an index on the project; MaxItems bounds them.
	ProjectTasks(projectID int64) ([]TaskOf, error)
	ProjectTickets(projectID int64) ([]TicketOf, error)
	ProjectBlocks(projectID int64) ([]Block, error)

	// AddProjectEvent appends to the timeline and sets e.ID.
	AddProjectEvent(e *Event) error
	// ProjectEvents returns the timeline, oldest first, up to limit
	// (limit <= 0: all of it).
	ProjectEvents(projectID int64, limit int) ([]*Event, error)
	// RecentProjectEvents returns the newest entries of the timeline,
	// newest first, up to limit (> 0); with kind set, only entries of that
	// kind (the last review: kind Reviewed, limit 1). It walks the
	// project's index backwards, so it costs the entries it returns (and,
	// with a kind, those newer than them), not the timeline.
	RecentProjectEvents(projectID int64, kind EventKind, limit int) ([]*Event, error)
	// CountProjectEvents is the length of the timeline.
	CountProjectEvents(projectID int64) (int, error)
}

// From returns the project store of a unit (bot.Contract); a unit without
// one gets a Store whose every call fails with an internal error.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("project: the unit %T does not implement project.Store", tx)}
}

// missing is the Store of a unit without one: every call fails.
type missing struct{ err error }

func (m missing) CreateProject(*Project) error                { return m.err }
func (m missing) FindProjectByID(int64) (*Project, error)     { return nil, m.err }
func (m missing) FindProjectByKey(string) (*Project, error)   { return nil, m.err }
func (m missing) UpdateProject(*Project) error                { return m.err }
func (m missing) FindProjects(Filter) ([]*Project, error)     { return nil, m.err }
func (m missing) SetMember(*Member) error                     { return m.err }
func (m missing) RemoveMember(int64, int64) error             { return m.err }
func (m missing) Members(int64) ([]*Member, error)            { return nil, m.err }
func (m missing) MemberRole(int64, int64) (Role, bool, error) { return "", false, m.err }
func (m missing) AddMilestone(*Milestone) error               { return m.err }
func (m missing) UpdateMilestone(*Milestone) error            { return m.err }
func (m missing) RemoveMilestone(int64) (int, error)          { return 0, m.err }
func (m missing) Milestones(int64) ([]*Milestone, error)      { return nil, m.err }
func (m missing) AddItem(*Item) error                         { return m.err }
func (m missing) UpdateItem(*Item) error                      { return m.err }
func (m missing) RemoveItem(ItemKind, int64) error            { return m.err }
func (m missing) ItemOf(ItemKind, int64) (*Item, error)       { return nil, m.err }
func (m missing) CountItems(int64) (int, error)               { return 0, m.err }
func (m missing) ProjectTasks(int64) ([]TaskOf, error)        { return nil, m.err }
func (m missing) ProjectTickets(int64) ([]TicketOf, error)    { return nil, m.err }
func (m missing) ProjectBlocks(int64) ([]Block, error)        { return nil, m.err }
func (m missing) AddProjectEvent(*Event) error                { return m.err }
func (m missing) ProjectEvents(int64, int) ([]*Event, error)  { return nil, m.err }
func (m missing) RecentProjectEvents(int64, EventKind, int) ([]*Event, error) {
	return nil, m.err
}
func (m missing) CountProjectEvents(int64) (int, error) { return 0, m.err }
