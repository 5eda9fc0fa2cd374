package project

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/workcal"
)

// The delay-risk rule (Assess). Everything is counted in WORKING days of
// the work calendar, so weekends, statutory holidays (春节) and make-up
// working Saturdays (调休) are what the calendar says they are:
//
//   - Total, Done and Overdue count the project's tasks; cancelled tasks are
//     left out. Tickets are not work items of the projection.
//   - Pace is the tasks done (status done, by ClosedAt) in the last
//     PaceWindow working days before today (or since the project's start
//     when that is shorter), divided by those working days. Days off in
//     between are skipped, not counted as zero days, so the week of Spring
//     Festival does not drag the pace down. When that window holds fewer
//     than minPaceTasks finished tasks it widens back to the day the
//     minPaceTasks-th most recent task was done (never before the start):
//     the pace always rests on at least that many tasks, so one task in
//     ten days does not read as 0.1 a day and throw the projection months
//     out, while a real stall still lowers the pace day by day. A pace
//     needs at least minPaceDays working days since the start and
//     minPaceTasks tasks done since it; otherwise there is none (0).
//   - The critical path is the longest chain of OPEN tasks along their
//     dependencies (Blocks: Dependant waits for Blocker), each weighing its
//     remaining working days: Item.Days (1 when not given); a task in
//     progress or in review with a planned Item.Start counts only what is
//     left of its plan (Days minus the working days since Start, at least
//     one); a task planned to start later cannot start before its Start.
//     Work starts on the first working day from today (or from the
//     project's start when that is later); today counts when it is a
//     working day. A dependency cycle (impossible by construction: see
//     task.CheckBlock) is cut rather than followed.
//   - Projected is the later of the critical path's end and the pace
//     projection (the ceil(open/pace)-th working day counted the same way).
//     With no pace yet the critical path alone (that is, the estimates in
//     Days) is the projection: guessing a pace from nothing would be noise.
//     When everything is done, Projected is the day the last task closed.
//   - Milestones are worked roughly in due order, so a milestone's pace
//     projection spreads the open work of it and of every milestone due no
//     later than it; its critical path is the longest chain ending in one of
//     its open tasks, blockers elsewhere in the project included.
//   - Level: Met when there is work and all of it is done; Late when the
//     date has passed (now is after the end of that day) with work open;
//     AtRisk when Projected falls after the date — a warning BEFORE the
//     date is missed, or when the open work cannot be placed on the
//     calendar at all (beyond workcal.HorizonDays); otherwise OnTrack (also
//     with no date, or no tasks).
//   - Slip is the signed count of working days from the date to Projected
//     (positive: late; for Met, the day the last task closed).

// minPaceDays is how many working days a project must have run before its
// own pace is trusted over its estimates.
const minPaceDays = 3

// minPaceTasks is how many finished tasks a pace rests on at least: fewer
// in the recent window widen it (measurePace). Two or three events are
// about the least a rate can be read from; one is a coincidence of when a
// task happened to be closed.
const minPaceTasks = 3

// maxCountDays bounds day-by-day counting (working days between two dates),
// so a far-off or corrupt date costs a bounded loop.
const maxCountDays = 366 * 10

// Assess applies the delay-risk rule to s at now. cal is the work calendar;
// nil means a weekends-only calendar in UTC.
func Assess(s State, cal *workcal.Calendar, now time.Time) Assessment {
	cal = calendarOr(cal)
	r := newRules(s, cal, now)
	a := Assessment{Now: now, Pace: r.pace, PaceDone: r.paceDone, PaceDays: r.paceDays}
	var lastClose time.Time
	var open []int64
	for _, t := range r.tasks {
		a.Total++
		switch {
		case t.Status == task.Done:
			a.Done++
			lastClose = latest(lastClose, t.ClosedAt)
		case t.Overdue(now):
			a.Overdue++
		}
		if t.Status.Open() {
			open = append(open, t.ID)
		}
	}
	p := s.Project
	var end time.Time
	if p != nil && !p.End.IsZero() {
		end = r.day(p.End)
		a.DaysLeft = r.workdaysBetween(r.today, r.next(end))
	}
	a.Critical, a.Projected, a.ByPace = r.projection(open, len(open))
	a.Level, a.Slip = r.level(end, a.Total, len(open), a.Projected, lastClose)
	if a.Level == Met {
		a.Projected, a.ByPace = r.dayOrZero(lastClose), false
	}

	// Milestones in due order (no due date last), cumulative open work.
	ms := slices.Clone(s.Milestones)
	slices.SortStableFunc(ms, func(x, y *Milestone) int {
		if x.Due.IsZero() != y.Due.IsZero() {
			if x.Due.IsZero() {
				return 1
			}
			return -1
		}
		return cmp.Or(x.Due.Compare(y.Due), cmp.Compare(x.ID, y.ID))
	})
	byMilestone := map[int64][]*task.Task{}
	for _, t := range r.tasks {
		byMilestone[r.milestoneOf[t.ID]] = append(byMilestone[r.milestoneOf[t.ID]], t)
	}
	cumulativeOpen := 0
	a.Milestones = make([]MilestoneRisk, 0, len(ms))
	for _, m := range ms {
		mr := MilestoneRisk{Milestone: m}
		var mOpen []int64
		var mLast time.Time
		for _, t := range byMilestone[m.ID] {
			mr.Total++
			if t.Status == task.Done {
				mr.Done++
				mLast = latest(mLast, t.ClosedAt)
			}
			if t.Status.Open() {
				mOpen = append(mOpen, t.ID)
			}
		}
		cumulativeOpen += len(mOpen)
		mr.Critical, mr.Projected, mr.ByPace = r.projection(mOpen, cumulativeOpen)
		var due time.Time
		if !m.Due.IsZero() {
			due = r.day(m.Due)
		}
		mr.Level, mr.Slip = r.level(due, mr.Total, len(mOpen), mr.Projected, mLast)
		if mr.Level == Met {
			mr.Projected, mr.ByPace = r.dayOrZero(mLast), false
		}
		a.Milestones = append(a.Milestones, mr)
	}
	return a
}

// SlipGrew reports whether a delay warning about the milestone is news: it
// is at risk or late and its slip is larger than the last warning named
// (Milestone.WarnedSlip). The daily check warns, and the weekly review
// lists it as slipped, only then — so nobody is told the same thing twice.
func (mr MilestoneRisk) SlipGrew() bool {
	return mr.Milestone != nil && (mr.Level == AtRisk || mr.Level == Late) &&
		mr.Slip > 0 && mr.Slip > mr.Milestone.WarnedSlip
}

// calendarOr returns cal, or a weekends-only calendar in UTC when nil.
func calendarOr(cal *workcal.Calendar) *workcal.Calendar {
	if cal != nil {
		return cal
	}
	c, err := workcal.New(workcal.Options{Location: time.UTC})
	if err != nil { // cannot happen with these options
		panic(err)
	}
	return c
}

// rules holds what Assess and its helpers share for one State and now.
type rules struct {
	cal         *workcal.Calendar
	now, today  time.Time
	workStart   time.Time // first working day open work can be done on
	tasks       []*task.Task
	byID        map[int64]*task.Task
	items       map[int64]*Item
	milestoneOf map[int64]int64
	blockers    map[int64][]int64 // open dependant → its open blockers
	pace        float64
	paceDone    int // the tasks and working days the pace was measured over
	paceDays    int
	finish      map[int64]int   // memo: working-day offset (from workStart) a task ends on, 1-based
	via         map[int64]int64 // the blocker that set a task's start (0: none)
	visiting    map[int64]bool
}

func newRules(s State, cal *workcal.Calendar, now time.Time) *rules {
	r := &rules{cal: cal, now: now, byID: map[int64]*task.Task{}, items: map[int64]*Item{},
		milestoneOf: map[int64]int64{}, blockers: map[int64][]int64{},
		finish: map[int64]int{}, via: map[int64]int64{}, visiting: map[int64]bool{}}
	r.today = r.day(now)
	for _, to := range s.Tasks {
		if to.Task == nil || to.Task.Status == task.Cancelled {
			continue
		}
		if _, dup := r.byID[to.Task.ID]; dup {
			continue
		}
		r.tasks = append(r.tasks, to.Task)
		r.byID[to.Task.ID] = to.Task
		if to.Item != nil {
			r.items[to.Task.ID] = to.Item
			r.milestoneOf[to.Task.ID] = to.Item.MilestoneID
		}
	}
	slices.SortFunc(r.tasks, func(x, y *task.Task) int { return cmp.Compare(x.ID, y.ID) })
	for _, b := range s.Blocks {
		dep, blk := r.byID[b.DependantID], r.byID[b.BlockerID]
		if dep == nil || blk == nil || !dep.Status.Open() || !blk.Status.Open() || b.BlockerID == b.DependantID {
			continue
		}
		r.blockers[b.DependantID] = append(r.blockers[b.DependantID], b.BlockerID)
	}
	for id := range r.blockers {
		slices.Sort(r.blockers[id])
		r.blockers[id] = slices.Compact(r.blockers[id])
	}

	var start time.Time
	if p := s.Project; p != nil {
		start = p.Start
		if start.IsZero() {
			start = p.CreatedAt
		}
	}
	from := r.today
	if !start.IsZero() && r.day(start).After(from) {
		from = r.day(start)
	}
	r.workStart = cal.AddWorkdays(from, 0, "")
	if !r.workStart.IsZero() {
		r.workStart = r.day(r.workStart)
	}
	r.measurePace(start)
	return r
}

// measurePace sets the pace: tasks done per working day over the last
// PaceWindow working days before today (or since start when shorter),
// widened back to the day of the minPaceTasks-th most recent finish when
// the window holds fewer.
func (r *rules) measurePace(start time.Time) {
	if start.IsZero() {
		return
	}
	start = r.day(start)
	windowStart, days := r.today, 0
	for days < PaceWindow {
		prev := r.cal.PrevWorkday(windowStart)
		if prev.IsZero() || r.day(prev).Before(start) {
			break
		}
		windowStart, days = r.day(prev), days+1
	}
	if days < minPaceDays {
		return
	}
	var finished []time.Time // the days tasks were done since start, newest first
	for _, t := range r.tasks {
		if t.Status == task.Done && !t.ClosedAt.Before(start) && t.ClosedAt.Before(r.today) {
			finished = append(finished, r.day(t.ClosedAt))
		}
	}
	if len(finished) < minPaceTasks {
		return
	}
	slices.SortFunc(finished, func(x, y time.Time) int { return y.Compare(x) })
	if nth := finished[minPaceTasks-1]; nth.Before(windowStart) {
		windowStart, days = nth, r.workdaysBetween(nth, r.today)
	}
	done := 0
	for _, d := range finished {
		if !d.Before(windowStart) {
			done++
		}
	}
	if days > 0 {
		r.pace, r.paceDone, r.paceDays = float64(done)/float64(days), done, days
	}
}

// projection returns the critical path of the open tasks ids (ending in
// one of them), the projected finish of that path and of open work at the
// pace (zero when nothing is open), and whether the pace, not the path,
// set it.
func (r *rules) projection(ids []int64, openForPace int) ([]int64, time.Time, bool) {
	if len(ids) == 0 || r.workStart.IsZero() {
		return nil, time.Time{}, false
	}
	var endID int64
	length := 0
	for _, id := range ids {
		if f := r.finishOf(id); f > length {
			endID, length = id, f
		}
	}
	var path []int64
	for id := endID; id != 0; id = r.via[id] {
		path = append(path, id)
	}
	slices.Reverse(path)
	days, byPace := length, false
	if r.pace > 0 && openForPace > 0 {
		if paced := int(math.Ceil(float64(openForPace)/r.pace - 1e-9)); paced > days {
			days, byPace = paced, true
		}
	}
	return path, r.nthWorkday(days), byPace
}

// finishOf is the 1-based working-day offset from workStart on which task
// id ends: the later of its blockers' ends and its planned start, plus its
// remaining days. A dependency cycle is cut at the edge that closes it.
func (r *rules) finishOf(id int64) int {
	if f, ok := r.finish[id]; ok {
		return f
	}
	r.visiting[id] = true
	begin, via := r.release(id), int64(0)
	for _, b := range r.blockers[id] {
		if r.visiting[b] { // a cycle: ignore this edge
			continue
		}
		if f := r.finishOf(b); f > begin {
			begin, via = f, b
		}
	}
	delete(r.visiting, id)
	r.finish[id], r.via[id] = begin+r.remaining(id), via
	return r.finish[id]
}

// release is the working-day offset before which a task cannot start: its
// planned Item.Start when that is after workStart and it has not started.
func (r *rules) release(id int64) int {
	it := r.items[id]
	if it == nil || it.Start.IsZero() || r.byID[id].Status != task.Todo {
		return 0
	}
	return r.workdaysBetween(r.workStart, r.day(it.Start))
}

// remaining is the working days a task still needs.
func (r *rules) remaining(id int64) int {
	days := 1
	it := r.items[id]
	if it != nil && it.Days > 0 {
		days = min(it.Days, maxCountDays) // a typo of 10000 days must not overflow a chain's sum
	}
	if t := r.byID[id]; t.Status != task.Todo && it != nil && !it.Start.IsZero() {
		elapsed := r.workdaysBetween(r.day(it.Start), r.today)
		days = max(1, days-elapsed)
	}
	return days
}

// nthWorkday is the n-th working day counting workStart as the first.
func (r *rules) nthWorkday(n int) time.Time {
	if n <= 1 {
		return r.workStart
	}
	d := r.cal.AddWorkdays(r.workStart, n-1, "")
	if d.IsZero() {
		return d
	}
	return r.day(d)
}

// level decides the Level and Slip against due (a date; zero: none).
func (r *rules) level(due time.Time, total, open int, projected, lastClose time.Time) (Level, int) {
	switch {
	case total > 0 && open == 0:
		if due.IsZero() || lastClose.IsZero() {
			return Met, 0
		}
		return Met, r.slip(due, r.day(lastClose))
	case due.IsZero() || open == 0:
		return OnTrack, 0
	case r.today.After(due):
		return Late, r.slip(due, latest(projected, r.today))
	case projected.IsZero():
		// Open work that cannot be placed within the calendar's horizon
		// (workcal.HorizonDays) will not be done by any date.
		return AtRisk, 0
	case projected.After(due):
		return AtRisk, r.slip(due, projected)
	}
	return OnTrack, r.slip(due, projected)
}

// slip is the signed working days from due to day: positive when day is
// after due (the working days in (due, day]), negative when before.
func (r *rules) slip(due, day time.Time) int {
	if day.IsZero() {
		return 0
	}
	if day.After(due) {
		return r.workdaysBetween(r.next(due), r.next(day))
	}
	return -r.workdaysBetween(r.next(day), r.next(due))
}

// workdaysBetween counts the working days in [from, to) (dates), day by
// day up to maxCountDays: the calendar answers per day, and spans are
// project-sized.
func (r *rules) workdaysBetween(from, to time.Time) int {
	n := 0
	for d, i := from, 0; d.Before(to) && i < maxCountDays; d, i = r.next(d), i+1 {
		if r.cal.IsWorkday(d) {
			n++
		}
	}
	return n
}

// day is midnight of the day containing t in the calendar's zone.
func (r *rules) day(t time.Time) time.Time {
	y, m, d := t.In(r.cal.Location()).Date()
	return r.cal.Date(y, m, d)
}

// dayOrZero is day(t), or zero for the zero time.
func (r *rules) dayOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return r.day(t)
}

// next is midnight of the day after the date d.
func (r *rules) next(d time.Time) time.Time {
	y, m, dd := d.In(r.cal.Location()).Date()
	return r.cal.Date(y, m, dd+1)
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
