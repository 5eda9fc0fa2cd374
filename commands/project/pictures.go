package project

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
)

// The pictures are built here as data (bot/picture) from a project's State
// and its Assessment, in the reader's language and zone; the Painter
// (adapters/draw) only draws them. Every function here is pure: the state,
// the calendar and the reader (now included) are its inputs.

// Bounds on what one picture shows, so that a project at MaxItems still
// gives a readable picture of bounded size: the rest is counted ("+N more")
// or named in the alt text.
const (
	maxCardsPerColumn = 12
	maxGanttRows      = 40
	// maxChartDays bounds the days a Gantt chart or a burndown spans; a
	// longer project shows the window that ends at its end (or today).
	maxChartDays = 200
)

// names maps person ids to how the reader sees them (handles), read with
// the state; a missing id shows nothing.
type names map[int64]string

// addDays is the date n days after d (calendar days, DST-safe).
func addDays(d time.Time, n int) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day()+n, 0, 0, 0, 0, d.Location())
}

// shortDay labels a day on an axis: "12-07" in both languages.
func shortDay(d time.Time) string { return d.Format("01-02") }

// dayWords is a date (midnight in the calendar's zone) for a reader: the
// day itself, never moved by the reader's zone.
func dayWords(d time.Time, rd commands.Reader) string {
	if d.IsZero() {
		return "—"
	}
	return commands.FormatDate(d, rd.Now, d.Location(), rd.Lang)
}

// cardTone is how a task's card, bar or line reads.
func taskTone(t *task.Task, now time.Time) picture.Tone {
	switch {
	case t.Status == task.Done:
		return picture.Good
	case t.Status == task.Cancelled:
		return picture.Muted
	case t.Overdue(now):
		return picture.Bad
	case t.Status == task.InProgress || t.Status == task.InReview:
		return picture.Active
	}
	return picture.Neutral
}

func levelTone(l project.Level) picture.Tone {
	switch l {
	case project.Met:
		return picture.Good
	case project.AtRisk:
		return picture.Warn
	case project.Late:
		return picture.Bad
	}
	return picture.Neutral
}

// levelWords is a level in the reader's language.
func levelWords(l project.Level, lang bot.Lang) string {
	switch l {
	case project.OnTrack:
		return bot.T("on track", "正常").In(lang)
	case project.AtRisk:
		return bot.T("at risk", "有延期风险").In(lang)
	case project.Late:
		return bot.T("late", "已逾期").In(lang)
	case project.Met:
		return bot.T("met", "已达成").In(lang)
	}
	return string(l)
}

// ticketColumn places a ticket on the task board's columns.
func ticketColumn(s ticket.Status) task.Status {
	switch s {
	case ticket.Open, ticket.Acked:
		return task.Todo
	case ticket.InProgress, ticket.Waiting:
		return task.InProgress
	}
	return task.Done
}

// boardPicture is the kanban board of a project's work by status: tasks,
// and tickets placed by where they stand; cancelled work is left out.
func boardPicture(st *project.State, rd commands.Reader, who names) picture.Board {
	order := []task.Status{task.Todo, task.InProgress, task.InReview, task.Done}
	cols := make([]picture.Column, len(order))
	index := map[task.Status]int{}
	for i, s := range order {
		cols[i] = picture.Column{Title: s.Label(rd.Lang), MoreLabel: bot.T("+%d more", "另有 %d 项").In(rd.Lang)}
		index[s] = i
	}
	add := func(s task.Status, c picture.Card) {
		i, ok := index[s]
		if !ok {
			return
		}
		if len(cols[i].Cards) >= maxCardsPerColumn {
			cols[i].More++
			return
		}
		cols[i].Cards = append(cols[i].Cards, c)
	}
	for _, to := range st.Tasks {
		t := to.Task
		var note []string
		if n := who[t.OwnerID]; n != "" {
			note = append(note, "@"+n)
		}
		if !t.Due.IsZero() && t.Status.Open() {
			note = append(note, shortDay(t.Due.In(rd.Loc)))
		}
		add(t.Status, picture.Card{Title: t.Ref() + " " + t.Title, Note: strings.Join(note, " · "), Tone: taskTone(t, rd.Now)})
	}
	for _, to := range st.Tickets {
		tk := to.Ticket
		tone := picture.Neutral
		switch ticketColumn(tk.Status) {
		case task.InProgress:
			tone = picture.Active
		case task.Done:
			tone = picture.Good
		}
		add(ticketColumn(tk.Status), picture.Card{Title: ticketRef(tk) + " " + tk.Title, Note: tk.Status.Label(rd.Lang), Tone: tone})
	}
	var counts []string
	for _, c := range cols {
		counts = append(counts, fmt.Sprintf("%s %d", c.Title, len(c.Cards)+c.More))
	}
	return picture.Board{
		Name:    "board.png",
		Title:   rd.T("%s — board", "%s — 看板", st.Project.Name),
		Alt:     rd.T("Board of %s: %s.", "%s 看板：%s。", st.Project.Name, rd.List(counts)),
		Columns: cols,
	}
}

// ticketRef is how a ticket is named on pictures and in words.
func ticketRef(tk *ticket.Ticket) string { return fmt.Sprintf("T-%d", tk.ID) }

// nthWorkday is the n-th working day counted from d (d itself first when
// it is a working day), n ≥ 1; with no calendar every day counts.
func nthWorkday(cal *workcal.Calendar, d time.Time, n int) time.Time {
	if n < 1 {
		n = 1
	}
	for i := 0; i < maxChartDays*2; i++ {
		if cal == nil || cal.IsWorkday(d) {
			n--
			if n == 0 {
				return d
			}
		}
		d = addDays(d, 1)
	}
	return d
}

// plannedSpans are the days each task's bar covers. A task starts on its
// planned start (the item's Start), else on the day it was attached or
// created, whichever is later, and never before the project starts; a task
// not started yet without a planned start is placed from today, as the
// critical path counts it (project.Assess). A task that waits for others
// starts the working day after its open blockers end, so a chain is drawn as
// the chain it is. A bar covers its planned working days; a finished task
// ends on the day it was closed; open work past its plan reaches today.
func plannedSpans(st *project.State, cal *workcal.Calendar, loc *time.Location, today time.Time) map[int64][2]time.Time {
	spans := make(map[int64][2]time.Time, len(st.Tasks))
	byID := make(map[int64]project.TaskOf, len(st.Tasks))
	for _, x := range st.Tasks {
		byID[x.Task.ID] = x
		it, t := x.Item, x.Task
		start := it.Start
		if start.IsZero() {
			start = latest(it.AddedAt, t.CreatedAt)
			start = latest(start, st.Project.Start)
			if t.Status == task.Todo {
				start = latest(start, today)
			}
		}
		start = dateOf(start, loc)
		end := nthWorkday(cal, start, max(it.Days, 1))
		if t.Status.Open() && end.Before(today) && !start.After(today) {
			// Open work past its plan reaches today: the overrun shows,
			// rather than a bar that ended as if the work were done, and
			// what waits for it moves on with it.
			end = today
		}
		spans[t.ID] = [2]time.Time{start, end}
	}
	// Push dependants after their open blockers; a pass per link of the
	// longest chain, bounded by the number of tasks (a cycle, which "task
	// block" refuses, would otherwise loop).
	for range len(st.Tasks) {
		moved := false
		for _, b := range st.Blocks {
			blocker, ok1 := byID[b.BlockerID]
			dep, ok2 := byID[b.DependantID]
			if !ok1 || !ok2 || !blocker.Task.Status.Open() || dep.Task.Status != task.Todo {
				continue
			}
			after := nthWorkday(cal, addDays(spans[b.BlockerID][1], 1), 1)
			if cur := spans[b.DependantID]; cur[0].Before(after) {
				spans[b.DependantID] = [2]time.Time{after, nthWorkday(cal, after, max(dep.Item.Days, 1))}
				moved = true
			}
		}
		if !moved {
			break
		}
	}
	for id, x := range byID {
		if t := x.Task; t.Status == task.Done && !t.ClosedAt.IsZero() {
			sp := spans[id]
			sp[1] = dateOf(t.ClosedAt, loc)
			if sp[1].Before(sp[0]) {
				sp[0] = sp[1]
			}
			spans[id] = sp
		}
	}
	return spans
}

// ganttPicture is the Gantt chart of a project's tasks and milestones
// against the work calendar: non-working days shaded, today marked, the
// critical path outlined, milestones as diamonds coloured by their level.
func ganttPicture(st *project.State, a project.Assessment, cal *workcal.Calendar, rd commands.Reader) picture.Gantt {
	loc := zoneOf(cal, st.Project)
	critical := map[int64]bool{}
	for _, id := range a.Critical {
		critical[id] = true
	}
	today := dateOf(rd.Now, loc)
	from, to := st.Project.Start, st.Project.End
	var rows []picture.Bar
	spans := plannedSpans(st, cal, loc, today)
	for _, x := range st.Tasks {
		if x.Task.Status == task.Cancelled {
			continue
		}
		s, e := spans[x.Task.ID][0], spans[x.Task.ID][1]
		from, to = earliest(from, s), latest(to, e)
		rows = append(rows, picture.Bar{Label: x.Task.Ref() + " " + x.Task.Title, Start: s, End: e,
			Tone: taskTone(x.Task, rd.Now), Critical: critical[x.Task.ID] && x.Task.Status.Open()})
	}
	var marks []picture.Mark
	for _, m := range a.Milestones {
		marks = append(marks, picture.Mark{Label: m.Milestone.Name, At: dateOf(m.Milestone.Due, loc), Tone: levelTone(m.Level)})
		from, to = earliest(from, m.Milestone.Due), latest(to, m.Milestone.Due)
	}
	if len(marks) == 0 { // no assessment of milestones (no rules yet): the state's own
		for _, m := range st.Milestones {
			tone := picture.Neutral
			if !m.DoneAt.IsZero() {
				tone = picture.Good
			}
			marks = append(marks, picture.Mark{Label: m.Name, At: dateOf(m.Due, loc), Tone: tone})
			from, to = earliest(from, m.Due), latest(to, m.Due)
		}
	}
	if !a.Projected.IsZero() {
		to = latest(to, a.Projected)
	}
	if from.IsZero() {
		from = today
	}
	if to.IsZero() || to.Before(from) {
		to = addDays(from, 14)
	}
	from, to = dateOf(from, loc), dateOf(to, loc)
	if days := int(to.Sub(from).Hours()/24 + 0.5); days > maxChartDays {
		from = addDays(to, -maxChartDays)
	}
	more := 0
	if len(rows) > maxGanttRows {
		// The open work on the critical path and the nearest bars matter
		// most: keep the critical ones first, then by start.
		slices.SortStableFunc(rows, func(x, y picture.Bar) int {
			if x.Critical != y.Critical {
				if x.Critical {
					return -1
				}
				return 1
			}
			return x.Start.Compare(y.Start)
		})
		more = len(rows) - maxGanttRows
		rows = rows[:maxGanttRows]
		slices.SortStableFunc(rows, func(x, y picture.Bar) int { return x.Start.Compare(y.Start) })
	}
	g := picture.Gantt{
		Name:     "gantt.png",
		Title:    rd.T("%s — plan", "%s — 甘特图", st.Project.Name),
		From:     from,
		To:       to,
		Off:      offDays(cal, from, to),
		OffLabel: rd.T("non-working day", "非工作日"),
		// The painter shows rows past what fits as one "+N more" row.
		MoreLabel:  bot.T("+%d more", "还有 %d 项").In(rd.Lang),
		TodayLabel: rd.T("today", "今天"),
		Rows:       rows,
		Marks:      marks,
		Legend: map[picture.Tone]string{
			picture.Neutral: rd.T("to do", "待办"),
			picture.Active:  rd.T("in progress", "进行中"),
			picture.Good:    rd.T("done", "已完成"),
			picture.Warn:    rd.T("at risk", "有风险"),
			picture.Bad:     rd.T("overdue", "已逾期"),
		},
	}
	if !today.Before(from) && !today.After(to) {
		g.Today = today
	}
	g.Alt = rd.T("Gantt chart of %s from %s to %s: %d tasks, %d milestones, %d on the critical path.",
		"%s 甘特图（%s 至 %s）：%d 个任务，%d 个里程碑，关键路径上 %d 个。",
		st.Project.Name, shortDay(from), shortDay(to), len(rows)+more, len(marks), len(a.Critical))
	if more > 0 {
		g.Alt += rd.T(" %d more tasks are not drawn.", "另有 %d 个任务未画出。", more)
	}
	return g
}

// offDays lists the non-working days in [from, to]; with no calendar none.
func offDays(cal *workcal.Calendar, from, to time.Time) []time.Time {
	if cal == nil {
		return nil
	}
	var out []time.Time
	for d := from; !d.After(to); d = addDays(d, 1) {
		if !cal.IsWorkday(d) {
			out = append(out, d)
		}
	}
	return out
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// burndownSpan is the days a burndown covers: the project's start (without
// one, the first work attached) to its end, or today when later; at most
// maxChartDays, ending at the last.
func burndownSpan(st *project.State, loc *time.Location, now time.Time) (from, to time.Time) {
	today := dateOf(now, loc)
	from, to = st.Project.Start, st.Project.End
	if from.IsZero() { // no start date: from the first work attached
		for _, x := range st.Tasks {
			from = earliest(from, x.Item.AddedAt)
		}
	}
	if from.IsZero() {
		from = today
	}
	if to.IsZero() {
		to = addDays(dateOf(from, loc), 14)
	}
	from, to = dateOf(from, loc), latest(dateOf(to, loc), today)
	if int(to.Sub(from).Hours()/24+0.5) > maxChartDays {
		from = addDays(to, -maxChartDays)
	}
	return from, to
}

// burndownPicture is the burndown chart as a picture for a reader.
func burndownPicture(st *project.State, cal *workcal.Calendar, rd commands.Reader) picture.Lines {
	from, to := burndownSpan(st, zoneOf(cal, st.Project), rd.Now)
	days := project.Burndown(*st, cal, from, to, rd.Now)
	l := picture.Lines{
		Name:  "burndown.png",
		Title: rd.T("%s — burndown", "%s — 燃尽图", st.Project.Name),
		YName: rd.T("open tasks", "未完成任务"),
	}
	ideal := picture.Series{Name: rd.T("ideal", "理想"), Tone: picture.Muted, Dashed: true}
	open := picture.Series{Name: rd.T("open", "未完成"), Tone: picture.Active}
	now := ""
	for i, d := range days {
		l.XNames = append(l.XNames, shortDay(d.Day))
		if !d.Workday {
			l.Shade = append(l.Shade, i)
		}
		ideal.Values = append(ideal.Values, d.Ideal)
		if d.Future {
			open.Values = append(open.Values, math.NaN())
			continue
		}
		open.Values = append(open.Values, float64(d.Remaining))
		now = fmt.Sprint(d.Remaining)
	}
	l.Series = []picture.Series{ideal, open}
	l.Alt = rd.T("Burndown of %s from %s to %s: %s tasks open now; the ideal line reaches zero on the last day.",
		"%s 燃尽图（%s 至 %s）：目前未完成 %s 个任务；理想线在最后一天归零。", st.Project.Name, shortDay(from), shortDay(to), now)
	if now == "" {
		l.Alt = rd.T("Burndown of %s from %s to %s: it has not started yet.", "%s 燃尽图（%s 至 %s）：项目尚未开始。",
			st.Project.Name, shortDay(from), shortDay(to))
	}
	return l
}

// zoneOf is the zone a project's dates are in: the calendar's, else its
// start date's.
func zoneOf(cal *workcal.Calendar, p *project.Project) *time.Location {
	if cal != nil {
		return cal.Location()
	}
	if !p.Start.IsZero() {
		return p.Start.Location()
	}
	return time.UTC
}
