package project

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/bot/workcal"
)

// WeeklyReview is the facts of a project's weekly review; the commands
// render them in the reader's language.
type WeeklyReview struct {
	Since, Now time.Time
	// Until is the end (exclusive, a date) of the look-ahead: the later of
	// seven days after today and the fifth working day after today, so a
	// week of holiday does not leave the look-ahead empty.
	Until time.Time
	// Done is the tasks finished in [Since, Now), in the order they closed.
	Done []TaskOf
	// Overdue is the open tasks whose due time has passed, earliest due
	// first.
	Overdue []TaskOf
	// Slipped is the open milestones whose slip grew past what the last
	// delay warning named (MilestoneRisk.SlipGrew), in due order.
	Slipped []MilestoneRisk
	// Risks is the milestones at risk or late, with their critical paths,
	// in due order.
	Risks []MilestoneRisk
	// NextTasks is the open tasks due in [Now, Until), earliest first;
	// NextMilestones the open milestones due from today to before Until.
	NextTasks      []TaskOf
	NextMilestones []MilestoneRisk
}

// Review gathers the weekly review of s from its assessment a (Assess at
// now): done since since, what slipped, the risks and the week ahead.
func Review(s State, a Assessment, cal *workcal.Calendar, since, now time.Time) WeeklyReview {
	cal = calendarOr(cal)
	r := &rules{cal: cal}
	today := r.day(now)
	until := r.day(today.AddDate(0, 0, 7))
	if fifth := cal.AddWorkdays(today, 5, ""); !fifth.IsZero() {
		until = latest(until, r.next(r.day(fifth)))
	}
	w := WeeklyReview{Since: since, Now: now, Until: until}
	for _, to := range s.Tasks {
		t := to.Task
		switch {
		case t == nil:
		case t.Status == task.Done && !t.ClosedAt.Before(since) && t.ClosedAt.Before(now):
			w.Done = append(w.Done, to)
		case t.Overdue(now):
			w.Overdue = append(w.Overdue, to)
		case t.Status.Open() && !t.Due.IsZero() && t.Due.Before(until):
			w.NextTasks = append(w.NextTasks, to)
		}
	}
	slices.SortStableFunc(w.Done, func(x, y TaskOf) int {
		return cmp.Or(x.Task.ClosedAt.Compare(y.Task.ClosedAt), cmp.Compare(x.Task.ID, y.Task.ID))
	})
	byDue := func(x, y TaskOf) int {
		return cmp.Or(x.Task.Due.Compare(y.Task.Due), cmp.Compare(x.Task.ID, y.Task.ID))
	}
	slices.SortStableFunc(w.Overdue, byDue)
	slices.SortStableFunc(w.NextTasks, byDue)
	for _, mr := range a.Milestones { // already in due order
		m := mr.Milestone
		if mr.Level == Met || m == nil {
			continue
		}
		if mr.SlipGrew() {
			w.Slipped = append(w.Slipped, mr)
		}
		if mr.Level == AtRisk || mr.Level == Late {
			w.Risks = append(w.Risks, mr)
		}
		if !m.Due.IsZero() && !r.day(m.Due).Before(today) && r.day(m.Due).Before(until) {
			w.NextMilestones = append(w.NextMilestones, mr)
		}
	}
	return w
}

// CloseoutReport is the facts of a project's close-out report.
type CloseoutReport struct {
	Goal   Goal
	Result string
	// GoalCheck compares Result with Goal.Target when both read as one
	// number each (see CompareTarget).
	GoalCheck TargetCheck
	// Start, End and Closed are the project's dates; Closed is when it
	// closed (the latest "closed" event, else Project.ClosedAt, else now).
	Start, End, Closed time.Time
	// Level and Slip are the assessment's at close: Met with the slip of
	// the last task closed, or Late / AtRisk with work left open.
	Level       Level
	Slip        int
	Done, Total int
	Milestones  []MilestoneOutcome
	// Warnings counts the delay warnings sent, Reopens the times the
	// project was reopened (from the timeline).
	Warnings, Reopens int
	Tickets           TicketCounts
	// Departments is the tasks done per department, most first; DeptID 0
	// ("no department") is last.
	Departments []DeptDone
}

// MilestoneOutcome is a milestone's due date against when it was met.
type MilestoneOutcome struct {
	Milestone *Milestone
	Met       bool
	MetAt     time.Time // the day its last task closed; zero when not met
	Slip      int       // working days after its due date (≤ 0: on time)
	Level     Level
}

// TicketCounts counts a project's tickets.
type TicketCounts struct {
	Total    int
	ByStatus map[ticket.Status]int
	// ResponseBreached and ResolutionBreached count tickets whose response
	// or resolution target passed unmet.
	ResponseBreached, ResolutionBreached int
}

// DeptDone is the tasks one department finished.
type DeptDone struct {
	DeptID int64 // 0: no department
	Done   int
}

// Closeout gathers the close-out report of s from its assessment a at
// now. events is the project's timeline; deptOf gives a person's
// department (0: none) for tasks that name no department of their own.
func Closeout(s State, a Assessment, events []*Event, deptOf func(personID int64) int64, now time.Time) CloseoutReport {
	c := CloseoutReport{Level: a.Level, Slip: a.Slip, Done: a.Done, Total: a.Total, Closed: now}
	if p := s.Project; p != nil {
		c.Goal, c.Result, c.Start, c.End = p.Goal, p.Result, p.Start, p.End
		if !p.ClosedAt.IsZero() {
			c.Closed = p.ClosedAt
		}
		c.GoalCheck = CompareTarget(p.Goal.Target, p.Result)
	}
	var lastClosed time.Time
	for _, e := range events {
		switch e.Kind {
		case Warned:
			c.Warnings++
		case Reopened:
			c.Reopens++
		case ClosedEvent:
			lastClosed = latest(lastClosed, e.At)
		}
	}
	if !lastClosed.IsZero() {
		c.Closed = lastClosed
	}
	for _, mr := range a.Milestones {
		o := MilestoneOutcome{Milestone: mr.Milestone, Met: mr.Level == Met, Slip: mr.Slip, Level: mr.Level}
		if o.Met {
			o.MetAt = mr.Projected
		}
		c.Milestones = append(c.Milestones, o)
	}
	c.Tickets.ByStatus = map[ticket.Status]int{}
	for _, to := range s.Tickets {
		t := to.Ticket
		if t == nil {
			continue
		}
		c.Tickets.Total++
		c.Tickets.ByStatus[t.Status]++
		if t.ResponseBreached {
			c.Tickets.ResponseBreached++
		}
		if t.ResolutionBreached {
			c.Tickets.ResolutionBreached++
		}
	}
	done := map[int64]int{}
	for _, to := range s.Tasks {
		t := to.Task
		if t == nil || t.Status != task.Done {
			continue
		}
		dept := t.DeptID
		if dept == 0 && t.OwnerID != 0 && deptOf != nil {
			dept = deptOf(t.OwnerID)
		}
		done[dept]++
	}
	for id, n := range done {
		c.Departments = append(c.Departments, DeptDone{DeptID: id, Done: n})
	}
	slices.SortFunc(c.Departments, func(x, y DeptDone) int {
		if (x.DeptID == 0) != (y.DeptID == 0) {
			if x.DeptID == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(y.Done, x.Done), cmp.Compare(x.DeptID, y.DeptID))
	})
	return c
}

// TargetCheck is a goal's target compared with the stated result.
type TargetCheck struct {
	// Comparable is true only when the target and the result each hold
	// exactly one number, with a percent sign on both or on neither: "5000"
	// vs "4800 signups" compares; "20–30", "5000 by March" vs "4800" or
	// "20%" vs "25" do not, and no verdict is given.
	Comparable       bool
	Target, Achieved float64
	// AtMost is true when the target is a ceiling ("≤ 200ms", "at most 3",
	// "不超过 200"): then lower is better. Otherwise higher is better.
	AtMost bool
	Met    bool // Achieved reaches Target in the right direction
}

// numberPattern finds numbers: digits with optional thousands separators
// ("5,000") and decimals, and an optional multiplier: k/K (not followed by
// a letter, so "5km" is not 5000 m), 万 or 亿.
var numberPattern = regexp.MustCompile(`(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(万|亿|[kK]\b)?`)

// ceilingWords mark a target that must not be exceeded.
var ceilingWords = []string{"≤", "<", "at most", "no more than", "under ", "below", "max", "不超过", "至多", "最多", "以内", "以下", "低于", "小于"}

// CompareTarget compares a goal's target with a stated result. It is
// deliberately conservative: a verdict is given only when each side reads
// as exactly one number in the same unit kind (see TargetCheck), because a
// wrong "target met" in a close-out report is worse than none.
func CompareTarget(target, result string) TargetCheck {
	target, result = normalizeNumbers(target), normalizeNumbers(result)
	t, okT := oneNumber(target)
	v, okR := oneNumber(result)
	if !okT || !okR || strings.Contains(target, "%") != strings.Contains(result, "%") {
		return TargetCheck{}
	}
	c := TargetCheck{Comparable: true, Target: t, Achieved: v}
	lower := strings.ToLower(target)
	for _, w := range ceilingWords {
		if strings.Contains(lower, w) {
			c.AtMost = true
			break
		}
	}
	if c.AtMost {
		c.Met = v <= t
	} else {
		c.Met = v >= t
	}
	return c
}

// oneNumber reads the only number in s; ok is false when there is none or
// more than one.
func oneNumber(s string) (float64, bool) {
	m := numberPattern.FindAllStringSubmatch(s, 2)
	if len(m) != 1 {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(m[0][1], ",", "")+m[0][2], 64)
	if err != nil {
		return 0, false
	}
	switch m[0][3] {
	case "k", "K":
		f *= 1e3
	case "万":
		f *= 1e4
	case "亿":
		f *= 1e8
	}
	return f, true
}

// normalizeNumbers turns full-width digits and signs (５，０００．５％) into
// ASCII so that numbers typed with a Chinese input method read the same.
func normalizeNumbers(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '，':
			return ','
		case r == '．':
			return '.'
		case r == '％':
			return '%'
		case r == '＜':
			return '<'
		}
		return r
	}, s)
}
