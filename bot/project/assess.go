package project

import "time"

// State is everything the pure rules read about a project at one moment:
// one bounded read (MaxItems) made outside any write unit.
type State struct {
	Project    *Project
	Milestones []*Milestone
	Tasks      []TaskOf
	Tickets    []TicketOf
	Blocks     []Block
}

// Level is how a project or milestone stands.
type Level string

// Levels, from good to bad.
const (
	OnTrack Level = "on_track"
	AtRisk  Level = "at_risk" // projected to finish after its date, which has not passed
	Late    Level = "late"    // its date has passed with work open
	Met     Level = "met"     // all its work done (on time or not: see Slip)
)

// Assessment is what the delay-risk rule (Assess, risk.go) concludes about a
// project at now, against the work calendar.
type Assessment struct {
	Now time.Time
	// Done and Total count the project's tasks (cancelled ones left out);
	// Overdue the open ones past their due time.
	Done, Total, Overdue int
	// Pace is tasks finished per working day over the recent window
	// (PaceWindow working days, or since the start when shorter, widened
	// to hold at least three finished tasks: risk.go); 0 when there is
	// none yet. PaceDone tasks were finished in its PaceDays working days.
	Pace               float64
	PaceDone, PaceDays int
	// DaysLeft is the working days from today (inclusive when today is a
	// working day) to the project's end.
	DaysLeft int
	// Projected is the day the open work is projected to be finished: the
	// later of the pace-based projection and the critical path's end; zero
	// when it cannot be projected (no pace yet and no estimates).
	Projected time.Time
	// ByPace is set when the pace projection, not the critical path's end,
	// is Projected: the warning then names the pace it rests on.
	ByPace     bool
	Level      Level
	Slip       int     // working days Projected falls after End (≤ 0: none)
	Critical   []int64 // task ids on the critical path of the open work, first to last
	Milestones []MilestoneRisk
}

// MilestoneRisk is the assessment of one milestone.
type MilestoneRisk struct {
	Milestone   *Milestone
	Done, Total int
	Level       Level
	Projected   time.Time
	ByPace      bool    // the pace, not the critical path, set Projected
	Slip        int     // working days after its due date (≤ 0: none)
	Critical    []int64 // the critical path of its open work
}

// PaceWindow is how many recent working days the pace is measured over.
const PaceWindow = 10
