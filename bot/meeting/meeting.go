// Package meeting is the domain of meetings: a meeting and its occurrences,
// its recurrence on the work calendar, its attendees and their answers, its
// agenda, its minutes (points, decisions, action items that become tasks),
// and the store contract (Store) that storage implements. It imports bot,
// bot/workcal and bot/task only; the chat surface is commands/meeting.
package meeting

import (
	"fmt"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// HolidayRule says what becomes of an occurrence of a recurring meeting that
// falls on a day off.
type HolidayRule string

// Holiday rules.
const (
	MoveToNextWorkday HolidayRule = "move" // to the next working day, same time (the default)
	Skip              HolidayRule = "skip"
)

// Status is where a meeting is.
type Status string

// Meeting statuses.
const (
	Scheduled Status = "scheduled"
	Cancelled Status = "cancelled"
)

// Meeting is one meeting, or a series when Rule is set.
type Meeting struct {
	ID          int64
	Title       string
	Start       time.Time // the first occurrence
	Duration    time.Duration
	TZ          string // the zone its times and rule are read in (IANA name)
	Room        string
	Online      string // a link
	DeptID      int64  // the department it belongs to, if any
	OrganizerID int64
	// Group is the chat the meeting was created in or bound to (its
	// minutes digest is posted there); empty when there is none.
	Group bot.Destination
	// Rule is the recurrence in the form bot/meeting's recurrence parser
	// writes ("" for a one-off); Holiday what becomes of an occurrence on a
	// day off.
	Rule string
	// Until bounds a series: no occurrence (after a move off a holiday)
	// starts after it. Zero: the series goes on for ever. Lists and
	// conflict checks leave out a series that ended before their window.
	Until   time.Time
	Holiday HolidayRule
	Status  Status
	// Reminders are how long before each occurrence attendees are reminded
	// (e.g. 24h and 15m), counted on working time where configured.
	Reminders []time.Duration
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Ref is how people refer to a meeting: "M-7".
func (m *Meeting) Ref() string { return "M-" + strconv.FormatInt(m.ID, 10) }

// Subject names the meeting for live cards and coalesced notifications.
func (m *Meeting) Subject() string { return "meeting/" + strconv.FormatInt(m.ID, 10) }

// Location returns the meeting's zone (fallback when its name is unknown).
func (m *Meeting) Location(fallback *time.Location) *time.Location {
	if m.TZ != "" {
		if loc, err := time.LoadLocation(m.TZ); err == nil {
			return loc
		}
	}
	return fallback
}

// Answer is an attendee's reply to an invitation.
type Answer string

// Answers.
const (
	Pending  Answer = "pending"
	Accepted Answer = "accepted"
	Declined Answer = "declined"
)

// Attendee is one person invited to a meeting.
type Attendee struct {
	MeetingID  int64
	PersonID   int64
	Answer     Answer
	AnsweredAt time.Time
}

// AgendaItem is one item of a meeting's agenda.
type AgendaItem struct {
	ID        int64
	MeetingID int64
	Position  int
	Title     string
	OwnerID   int64         // 0: nobody in particular
	TimeBox   time.Duration // 0: none
	Links     []string      // material
}

// MinuteKind is what a line of minutes records.
type MinuteKind string

// Kinds of minutes.
const (
	Point    MinuteKind = "point"
	Decision MinuteKind = "decision"
	Action   MinuteKind = "action" // becomes a task (TaskID)
)

// Minute is one line of a meeting's minutes, for one occurrence.
type Minute struct {
	ID         int64
	MeetingID  int64
	Occurrence time.Time // the start of the occurrence it records
	Kind       MinuteKind
	Text       string
	OwnerID    int64     // actions: who does it
	Due        time.Time // actions: by when
	TaskID     int64     // actions: the task made of it
	AuthorID   int64
	CreatedAt  time.Time
}

// Filter selects meetings for lists, from indexes, paged.
type Filter struct {
	// PersonID lists meetings the person organizes or attends.
	PersonID int64
	DeptID   int64
	// From and To bound the first occurrence for one-offs; series are
	// listed while they have occurrences after From (Until zero: forever).
	From, To time.Time
	Offset   int
	Limit    int
}

// Store is the meetings' store contract (see bot.Contract).
type Store interface {
	CreateMeeting(m *Meeting) error
	// FindMeetingByID returns ENOTFOUND when there is none.
	FindMeetingByID(id int64) (*Meeting, error)
	UpdateMeeting(m *Meeting) error
	// FindMeetings lists scheduled meetings: series first (by first
	// occurrence), then one-offs by start.
	FindMeetings(f Filter) ([]*Meeting, error)
	// SetAttendee adds or updates one attendee's answer.
	SetAttendee(a *Attendee) error
	// Attendees lists a meeting's attendees, in the order invited.
	Attendees(meetingID int64) ([]*Attendee, error)
	// MeetingsOf lists the scheduled meetings person attends or
	// organizes that may have an occurrence overlapping [from, to): every
	// one-off in the window and every series that started before to. It
	// serves conflict checks and reads an index by person: series first
	// (by first occurrence), then one-offs by end; an invitation the
	// person declined does not count.
	MeetingsOf(personID int64, from, to time.Time, limit int) ([]*Meeting, error)
	AddAgendaItem(a *AgendaItem) error
	Agenda(meetingID int64) ([]*AgendaItem, error)
	DeleteAgendaItem(meetingID int64, position int) error
	AddMinute(m *Minute) error
	// Minutes lists one occurrence's minutes in the order written.
	Minutes(meetingID int64, occurrence time.Time) ([]*Minute, error)
	UpdateMinute(m *Minute) error
}

// From returns the meeting store of a unit (bot.Contract); a unit without
// one gets a Store whose every call fails with an internal error.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("meeting: the unit %T does not implement meeting.Store", tx)}
}

type missing struct{ err error }

func (m missing) CreateMeeting(*Meeting) error            { return m.err }
func (m missing) FindMeetingByID(int64) (*Meeting, error) { return nil, m.err }
func (m missing) UpdateMeeting(*Meeting) error            { return m.err }
func (m missing) FindMeetings(Filter) ([]*Meeting, error) { return nil, m.err }
func (m missing) SetAttendee(*Attendee) error             { return m.err }
func (m missing) Attendees(int64) ([]*Attendee, error)    { return nil, m.err }
func (m missing) MeetingsOf(int64, time.Time, time.Time, int) ([]*Meeting, error) {
	return nil, m.err
}
func (m missing) AddAgendaItem(*AgendaItem) error             { return m.err }
func (m missing) Agenda(int64) ([]*AgendaItem, error)         { return nil, m.err }
func (m missing) DeleteAgendaItem(int64, int) error           { return m.err }
func (m missing) AddMinute(*Minute) error                     { return m.err }
func (m missing) Minutes(int64, time.Time) ([]*Minute, error) { return nil, m.err }
func (m missing) UpdateMinute(*Minute) error                  { return m.err }
