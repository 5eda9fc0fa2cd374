// Package ticket is the domain of tickets between departments: a ticket,
// its lifecycle, its priorities, the SLA policy and escalation ladder it was
// opened under (snapshotted on the ticket), its SLA clock (a list of start,
// pause, resume and stop events per cycle), its timeline, and the store
// contract (Store) that storage implements. It imports bot and bot/workcal
// only; the chat surface is commands/ticket.
package ticket

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Status is where a ticket is in its lifecycle.
type Status string

// Ticket statuses: open → acknowledged → in progress → waiting (on the
// requester) → resolved → closed; a resolved or closed ticket is reopened
// to open, which starts a new SLA cycle.
const (
	Open       Status = "open"
	Acked      Status = "acked"
	InProgress Status = "in_progress"
	Waiting    Status = "waiting"
	Resolved   Status = "resolved"
	Closed     Status = "closed"
)

// transitions lists, for each status, the statuses it may move to.
var transitions = map[Status][]Status{
	Open:       {Acked, InProgress, Waiting, Resolved},
	Acked:      {InProgress, Waiting, Resolved},
	InProgress: {Waiting, Resolved},
	Waiting:    {InProgress, Resolved},
	Resolved:   {Closed, Open},
	Closed:     {Open},
}

// CanMoveTo reports whether a ticket in status s may move to next.
func (s Status) CanMoveTo(next Status) bool {
	for _, t := range transitions[s] {
		if t == next {
			return true
		}
	}
	return false
}

// Active reports whether the ticket is still being handled (its clock may
// run): not resolved and not closed.
func (s Status) Active() bool { return s != Resolved && s != Closed }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { _, ok := transitions[s]; return ok }

// Label is the status in the reader's language.
func (s Status) Label(lang bot.Lang) string {
	switch s {
	case Open:
		return bot.T("open", "待受理").In(lang)
	case Acked:
		return bot.T("acknowledged", "已受理").In(lang)
	case InProgress:
		return bot.T("in progress", "处理中").In(lang)
	case Waiting:
		return bot.T("waiting for the requester", "等待提报人").In(lang)
	case Resolved:
		return bot.T("resolved", "已解决").In(lang)
	case Closed:
		return bot.T("closed", "已关闭").In(lang)
	}
	return string(s)
}

// Priority is P1 (most urgent) to P4.
type Priority int

// Priorities.
const (
	P1 Priority = 1
	P2 Priority = 2
	P3 Priority = 3
	P4 Priority = 4
)

// Valid reports whether p is P1–P4.
func (p Priority) Valid() bool { return p >= P1 && p <= P4 }

// String is "P1"…"P4".
func (p Priority) String() string { return "P" + strconv.Itoa(int(p)) }

// Label is the priority as people say it: "P1 urgent", "P1 紧急".
func (p Priority) Label(lang bot.Lang) string {
	words := map[Priority]bot.Text{
		P1: bot.T("urgent", "紧急"), P2: bot.T("high", "高"), P3: bot.T("medium", "中"), P4: bot.T("low", "低"),
	}
	w, ok := words[p]
	if !ok {
		return p.String()
	}
	return p.String() + " " + w.In(lang)
}

// ParsePriority reads P1–P4 (any case), the English words urgent, high,
// medium (or normal), low, and the Chinese 紧急, 高, 中, 低.
func ParsePriority(s string) (Priority, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "p1", "1", "urgent", "紧急":
		return P1, true
	case "p2", "2", "high", "高":
		return P2, true
	case "p3", "3", "medium", "normal", "中":
		return P3, true
	case "p4", "4", "low", "低":
		return P4, true
	}
	return 0, false
}

// ClockMode is how an SLA target is counted.
type ClockMode string

// Clock modes.
const (
	// Business time: only the handling department's working hours on the
	// work calendar count (lunch breaks, weekends, statutory holidays out;
	// make-up days in).
	Business ClockMode = "business"
	// Wall-clock time: every minute counts (e.g. P1).
	Wall ClockMode = "wall"
)

// Target names one of a policy's two targets.
type Target string

// The SLA targets.
const (
	FirstResponse Target = "response"   // until acknowledged
	Resolution    Target = "resolution" // until resolved
)

// Policy is an SLA policy from the config, snapshotted on a ticket when it
// opens so that editing the config never rewrites a running clock.
type Policy struct {
	Name string `json:"name"`
	// What it matches (first match wins): a priority, and optionally a
	// category and a department ("" matches any).
	Priority Priority `json:"priority"`
	Category string   `json:"category,omitempty"`
	Dept     string   `json:"dept,omitempty"`
	// The targets, counted in Clock.
	FirstResponse time.Duration `json:"first_response"`
	Resolution    time.Duration `json:"resolution"`
	Clock         ClockMode     `json:"clock"`
	// Ladder is the escalation ladder of tickets under this policy.
	Ladder Ladder `json:"ladder"`
}

// Ladder is an escalation ladder: steps at a fraction of a target, each
// taken exactly once per ticket and cycle.
type Ladder struct {
	Name  string `json:"name"`
	Steps []Step `json:"steps"`
	// RepeatFrom, when > 0, is the 1-based step from which the ladder
	// repeats every RepeatEvery (counted like the target) after its last
	// step, until the ticket is resolved, or, with UntilAck, acknowledged.
	RepeatFrom  int           `json:"repeat_from,omitempty"`
	RepeatEvery time.Duration `json:"repeat_every,omitempty"`
	UntilAck    bool          `json:"until_ack,omitempty"`
	// AckTimeout re-arms the ladder when an acknowledged ticket sits
	// untouched that long (counted like the target): 0 never.
	AckTimeout time.Duration `json:"ack_timeout,omitempty"`
}

// Step is one rung of a ladder: at Fraction of Target (0.75, 1, 1.5) tell
// Notify: "owner", "manager" (the owner's; the head when there is none),
// "head" (the handling department's), "group" (the department's bound
// chats), "management" (the admins), "requester", "requester_manager" (the
// requester's manager; nobody when there is none), or "@handle".
type Step struct {
	Fraction float64  `json:"fraction"`
	Target   Target   `json:"target"`
	Notify   []string `json:"notify"`
}

// Ticket is one request from one department to another.
type Ticket struct {
	ID       int64
	Title    string
	Category string
	Priority Priority
	Impact   string // who or what is affected ("3 customers")
	Need     string // the support needed ("lab test")
	Status   Status
	// DeptID is the handling department; OwnerID the person handling it
	// (0 until routed or assigned).
	DeptID      int64
	OwnerID     int64
	RequesterID int64
	// Origin is the chat the ticket was opened from, where its live card
	// was answered.
	Origin bot.Destination
	// Policy is the SLA policy (with its ladder) as it was when the ticket
	// opened; Cycle counts openings (1, then 2 after a reopen…).
	Policy Policy
	Cycle  int
	// ResponseBreached and ResolutionBreached say that a target passed
	// unmet in the current cycle (the "breached" list filter).
	ResponseBreached   bool
	ResolutionBreached bool
	// WarRoom is the group opened for a P1, if one was.
	WarRoom bot.Destination
	// LastRung is the last rung of the ladder told in cycle LastRungCycle,
	// recorded in the unit that queues its notices, so that finding what
	// was told costs one row (Fired), not a read of the timeline.
	LastRung      Rung
	LastRungCycle int
	// The current cycle's times to first response and to resolution,
	// wall-clock and in business hours, kept when they happen so that
	// stats are sums read from an index (Stats). A business time is
	// NotCounted when it was not counted (no work calendar, or before the
	// upgrade that added it); zero until the moment comes.
	AckWall, AckBusiness         time.Duration
	ResolveWall, ResolveBusiness time.Duration

	OpenedAt   time.Time // of the current cycle
	AckedAt    time.Time // first response in the current cycle; zero until then
	ResolvedAt time.Time
	ClosedAt   time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// NotCounted is a business time that was not counted (see Ticket.AckBusiness).
const NotCounted time.Duration = -1

// Fired is the last rung told in the ticket's current cycle (Start for
// none: a reopen starts the ladder again).
func (t *Ticket) Fired() Rung {
	if t.LastRungCycle != t.Cycle {
		return Start
	}
	return t.LastRung
}

// SetFired records r as the last rung told in the current cycle.
func (t *Ticket) SetFired(r Rung) { t.LastRung, t.LastRungCycle = r, t.Cycle }

// Ref is how people refer to a ticket: "T-12".
func (t *Ticket) Ref() string { return "T-" + strconv.FormatInt(t.ID, 10) }

// ClockKind is a change to a ticket's SLA clock.
type ClockKind string

// Clock events: the clock starts when a cycle opens, pauses while the
// ticket waits on the requester, resumes on their reply, and stops when it
// is resolved. Acknowledgement stops the first-response target only.
const (
	ClockStart  ClockKind = "start"
	ClockPause  ClockKind = "pause"
	ClockResume ClockKind = "resume"
	ClockAck    ClockKind = "ack"
	ClockStop   ClockKind = "stop"
)

// ClockEvent is one entry of a ticket's clock.
type ClockEvent struct {
	TicketID int64
	Cycle    int
	Kind     ClockKind
	At       time.Time
}

// EventKind is an entry on a ticket's timeline.
type EventKind string

// Timeline entries. From and To hold values (status codes, handles, RFC
// 3339 times), put into sentences for whoever reads them.
const (
	Opened     EventKind = "opened"
	StatusSet  EventKind = "status"
	Assigned   EventKind = "assigned"
	Commented  EventKind = "commented"
	Escalated  EventKind = "escalated" // To: the step ("2/3 100% resolution")
	Breached   EventKind = "breached"  // To: the target
	Reopened   EventKind = "reopened"
	TaskLinked EventKind = "task" // To: the task id a playbook created
	WarRoomSet EventKind = "war_room"
	// StoodIn: the ticket went to a delegate (To, a person id) because
	// the one it was meant for (From) is on leave (standup.StandIn).
	StoodIn EventKind = "stood_in"
)

// Event is one entry on a ticket's timeline.
type Event struct {
	ID       int64
	TicketID int64
	ActorID  int64 // 0 for the bot itself (an escalation)
	Kind     EventKind
	From, To string
	At       time.Time
}

// Filter selects tickets for lists and search. Every form is answered from
// an index in the order shown, and paged.
type Filter struct {
	// Active selects tickets being handled (not resolved or closed), most
	// urgent first (priority, then opened); otherwise resolved and closed
	// ones, most recently closed first.
	Active      bool
	OwnerID     int64
	RequesterID int64
	DeptID      int64
	Category    string
	// Breached selects tickets with a breached target in their cycle.
	Breached bool
	// Text matches words of the title (search): every word must match (a
	// Latin word as the start of a title word, a Chinese word anywhere in
	// the title); the matches come newest first, the other fields narrowing
	// them.
	Text   string
	Offset int
	Limit  int
}

// Stats are one department's figures: its active tickets now, and the
// tickets resolved in a window of time (in their current cycle; a closed
// one counts by when it was resolved). Durations are sums, to be divided
// by their counts.
type Stats struct {
	Open, OpenBreached int
	// Resolved counts the tickets resolved in the window; ResponseMet and
	// ResolutionMet those of them whose target was not breached, Acked
	// those that were acknowledged.
	Resolved, ResponseMet, ResolutionMet, Acked int
	// Wall-clock sums: opened to acknowledged (over Acked), opened to
	// resolved (over Resolved).
	AckWall, ResolveWall time.Duration
	// Business-hours sums over the tickets whose business time was
	// counted (AckCounted, ResolveCounted: see NotCounted).
	AckBusiness, ResolveBusiness time.Duration
	AckCounted, ResolveCounted   int
}

// Breaches counts the targets the window's resolved tickets missed.
func (s Stats) Breaches() int { return 2*s.Resolved - s.ResponseMet - s.ResolutionMet }

// Store is the tickets' store contract, implemented by the storage's unit
// next to bot.Tx (see bot.Contract).
type Store interface {
	// CreateTicket stores t and sets t.ID.
	CreateTicket(t *Ticket) error
	// FindTicketByID returns ENOTFOUND when there is none.
	FindTicketByID(id int64) (*Ticket, error)
	// UpdateTicket stores every field but ID and CreatedAt; ENOTFOUND when
	// there is no such ticket.
	UpdateTicket(t *Ticket) error
	// FindTickets lists tickets matching f (see Filter).
	FindTickets(f Filter) ([]*Ticket, error)
	// AddTicketEvent appends to a ticket's timeline and sets e.ID;
	// ENOTFOUND when the ticket (or actor) does not exist.
	AddTicketEvent(e *Event) error
	// TicketEvents returns a ticket's timeline, oldest first, up to limit
	// (limit <= 0: all of it).
	TicketEvents(ticketID int64, limit int) ([]*Event, error)
	// AddClockEvent appends to a ticket's clock; ENOTFOUND when the ticket
	// does not exist.
	AddClockEvent(e *ClockEvent) error
	// ClockEvents returns the clock of one cycle, in order of time (events
	// at one time in the order they were added).
	ClockEvents(ticketID int64, cycle int) ([]*ClockEvent, error)
	// LinkTicketTask records a task a playbook created for the ticket:
	// ECONFLICT when it is linked already, ENOTFOUND when the ticket or the
	// task does not exist.
	LinkTicketTask(ticketID, taskID int64) error
	// TicketTasks lists the tasks linked to a ticket, oldest (lowest id)
	// first.
	TicketTasks(ticketID int64) ([]int64, error)
	// TicketStats counts a department's active tickets and sums the
	// figures of those resolved in [since, until), from indexes: it costs
	// the department's active tickets and the window's resolved ones, never
	// a ticket's row.
	TicketStats(deptID int64, since, until time.Time) (Stats, error)
}

// From returns the ticket store of a unit (bot.Contract); a unit without
// one gets a Store whose every call fails with an internal error.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("ticket: the unit %T does not implement ticket.Store", tx)}
}

// missing is the Store of a unit without one: every call fails.
type missing struct{ err error }

func (m missing) CreateTicket(*Ticket) error                { return m.err }
func (m missing) FindTicketByID(int64) (*Ticket, error)     { return nil, m.err }
func (m missing) UpdateTicket(*Ticket) error                { return m.err }
func (m missing) FindTickets(Filter) ([]*Ticket, error)     { return nil, m.err }
func (m missing) AddTicketEvent(*Event) error               { return m.err }
func (m missing) TicketEvents(int64, int) ([]*Event, error) { return nil, m.err }
func (m missing) AddClockEvent(*ClockEvent) error           { return m.err }
func (m missing) ClockEvents(int64, int) ([]*ClockEvent, error) {
	return nil, m.err
}
func (m missing) LinkTicketTask(int64, int64) error  { return m.err }
func (m missing) TicketTasks(int64) ([]int64, error) { return nil, m.err }
func (m missing) TicketStats(int64, time.Time, time.Time) (Stats, error) {
	return Stats{}, m.err
}
