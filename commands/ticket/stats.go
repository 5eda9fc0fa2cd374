package ticket

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
)

// stampTimes keeps on tk its cycle's times to first response and to
// resolution, wall-clock and in the handling department's business hours,
// so that stats are sums (ticket.Store.TicketStats) and never count the
// calendar per ticket. It is called whenever a move may set or clear
// AckedAt or ResolvedAt; a reopen clears them with the times.
func (f *feature) stampTimes(tx bot.Tx, tk *ticket.Ticket) {
	if tk.AckedAt.IsZero() && tk.ResolvedAt.IsZero() {
		tk.AckWall, tk.AckBusiness, tk.ResolveWall, tk.ResolveBusiness = 0, 0, 0, 0
		return
	}
	dept := deptName(tx, tk)
	tk.AckWall, tk.AckBusiness = f.took(dept, tk.OpenedAt, tk.AckedAt)
	tk.ResolveWall, tk.ResolveBusiness = f.took(dept, tk.OpenedAt, tk.ResolvedAt)
}

// took is the time from a to b, wall-clock and in business hours
// (ticket.NotCounted without a work calendar); zero when b is not yet.
func (f *feature) took(dept string, a, b time.Time) (wall, business time.Duration) {
	switch {
	case b.IsZero():
		return 0, 0
	case !b.After(a):
		return 0, 0
	case f.Calendar == nil:
		return b.Sub(a), ticket.NotCounted
	}
	return b.Sub(a), f.Calendar.BusinessBetween(a, b, dept)
}

// deptFigures are one department's figures for a reader.
type deptFigures struct {
	dept string
	s    ticket.Stats
}

// text is the figures as a line for a reader.
func (d deptFigures) text(rd reader) string {
	s := d.s
	pct := func(n, of int) string {
		if of == 0 {
			return "—"
		}
		return fmt.Sprintf("%d%%", (n*100+of/2)/of)
	}
	mean := func(sum time.Duration, n int) string {
		if n == 0 {
			return "—"
		}
		return fmtDuration(sum/time.Duration(n), rd.Lang)
	}
	var b strings.Builder
	b.WriteString(rd.T("%s: %d open (%d breached); %d resolved", "%s：未结 %d（超时 %d）；已解决 %d",
		d.dept, s.Open, s.OpenBreached, s.Resolved))
	if s.Resolved > 0 {
		b.WriteString(rd.T("; SLA met: response %s, resolution %s; breaches %d",
			"；SLA 达成率：响应 %s，解决 %s；超时 %d 次", pct(s.ResponseMet, s.Resolved), pct(s.ResolutionMet, s.Resolved), s.Breaches()))
		b.WriteString(rd.T("; mean time to acknowledge %s, to resolve %s (wall clock)",
			"；平均受理用时 %s，平均解决用时 %s（自然时间）", mean(s.AckWall, s.Acked), mean(s.ResolveWall, s.Resolved)))
		if s.AckCounted+s.ResolveCounted > 0 {
			b.WriteString(rd.T(", %s and %s in business hours", "，工作时间 %s 和 %s",
				mean(s.AckBusiness, s.AckCounted), mean(s.ResolveBusiness, s.ResolveCounted)))
		}
	}
	return b.String() + rd.T(".", "。")
}

// fmtDuration is "2h05m" / "2小时05分".
func fmtDuration(d time.Duration, lang bot.Lang) string {
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if lang == bot.LangZH {
		if h == 0 {
			return fmt.Sprintf("%d分钟", m)
		}
		return fmt.Sprintf("%d小时%02d分", h, m)
	}
	if h == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}

// statsRead is what the stats command's prepare step read: the period and
// each department's figures.
type statsRead struct {
	period bot.Text
	depts  []deptFigures
}

// errNoDepts is the prepare step's answer when no department is set up.
var errNoDepts = errors.New("no departments")

// statsArgs reads `ticket stats [department] [week|month]`: the period in
// days and its name, and the department's name ("" for every one).
func statsArgs(args []commands.Token) (days int, period bot.Text, dept string) {
	days, period = 7, bot.T("the last 7 days", "最近 7 天")
	var name []string
	for _, t := range args {
		switch strings.ToLower(t.Text) {
		case "week", "weekly", "本周", "周", "一周":
			days, period = 7, bot.T("the last 7 days", "最近 7 天")
		case "month", "monthly", "本月", "月", "一个月":
			days, period = 30, bot.T("the last 30 days", "最近 30 天")
		default:
			name = append(name, t.Text)
		}
	}
	return days, period, strings.Join(name, " ")
}

// prepareStats is the stats command's prepare step: the figures are read
// before the command's unit, outside the writer (View), as of the moment
// the event came (ev.ReceivedAt), each department's from indexes
// (TicketStats). The command then only formats them.
func (f *feature) prepareStats(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
	days, period, name := statsArgs(args)
	return func(ctx context.Context, view bot.Viewer) (any, error) {
		now := ev.ReceivedAt
		read := &statsRead{period: period}
		err := view.View(ctx, func(tx bot.Tx) error {
			read.depts = nil // View may run fn again
			var depts []*bot.Department
			if name != "" {
				d, err := commands.FindDeptIn(tx, name)
				if err != nil {
					return err
				}
				depts = []*bot.Department{d}
			} else {
				var err error
				if depts, err = tx.ListDepartments(); err != nil {
					return err
				}
			}
			if len(depts) == 0 {
				return errNoDepts
			}
			for _, d := range depts {
				s, err := ticket.From(tx).TicketStats(d.ID, now.AddDate(0, 0, -days), now)
				if err != nil {
					return err
				}
				read.depts = append(read.depts, deptFigures{d.Name, s})
			}
			return nil
		})
		return read, err
	}
}

// stats answers `ticket stats [dept] [week|month]` with what its prepare
// step read.
func (f *feature) stats(c *commands.Ctx) error {
	switch {
	case errors.Is(c.PrepareErr, errNoDepts):
		return c.Usage(bot.T("There are no departments yet.", "目前还没有任何部门。"))
	case bot.ErrorCode(c.PrepareErr) == bot.ENOTFOUND:
		// An unknown department (or a period it does not know, read as
		// part of the name): the known ones, and the form with its periods.
		return c.Usage(bot.ErrorText(c.PrepareErr))
	case c.PrepareErr != nil:
		return c.PrepareErr
	}
	read, ok := c.Prepared.(*statsRead)
	if !ok {
		return fmt.Errorf("ticket stats: nothing prepared (%T)", c.Prepared)
	}
	rd := readerOf(c)
	var b strings.Builder
	b.WriteString(c.T("Tickets, %s:", "工单统计（%s）：", read.period.In(c.Lang)))
	for _, d := range read.depts {
		b.WriteString("\n• " + d.text(rd))
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

// digester sends each department head the week's figures of their
// department (the weekly digest), once per department and week.
type digester struct{ f *feature }

var _ bot.JobFetcher = digester{}

// errDigestFetchOnly is RunJob's answer: the digest reads outside the
// writer, so the scheduler runs it through FetchJob.
var errDigestFetchOnly = errors.New("the ticket digest runs through FetchJob")

// RunJob implements bot.JobHandler; the scheduler runs FetchJob instead.
func (digester) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error { return errDigestFetchOnly }

// FetchTimeout implements bot.JobFetcher.
func (digester) FetchTimeout() time.Duration { return time.Minute }

// digestNote is one head's digest, read outside the writer.
type digestNote struct {
	dept   deptFigures
	deptID int64
	headID int64
}

// FetchJob implements bot.JobFetcher: the figures of every department with
// a head and tickets are read in a view (TicketStats, from indexes), and
// the unit that records the job's completion only queues the messages,
// keyed by department and ISO week so that a head gets one a week whatever
// runs again.
func (h digester) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	if h.f.Store == nil {
		return nil, errors.New("the ticket digest has no store to read (ticket.Deps.Store)")
	}
	if cal := h.f.Calendar; cal != nil && !cal.IsWorkday(now) {
		// A digest due on a day off (a holiday Monday) comes on the next
		// working day at the same time, once: the messages are keyed by
		// ISO week, and so is this deferral.
		return h.postpone(job, now), nil
	}
	var notes []digestNote
	err := h.f.Store.View(ctx, func(tx bot.Tx) error {
		notes = nil
		depts, err := tx.ListDepartments()
		if err != nil {
			return err
		}
		for _, d := range depts {
			if d.HeadID == 0 {
				continue
			}
			s, err := ticket.From(tx).TicketStats(d.ID, now.AddDate(0, 0, -7), now)
			if err != nil {
				return err
			}
			if s.Open == 0 && s.Resolved == 0 {
				continue
			}
			notes = append(notes, digestNote{deptFigures{d.Name, s}, d.ID, d.HeadID})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	year, week := now.ISOWeek()
	return func(tx bot.Tx) error {
		n := h.f.notifier()
		for _, note := range notes {
			head, err := tx.FindPersonByID(note.headID)
			if bot.ErrorCode(err) == bot.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			key := "ticket-digest/" + strconv.FormatInt(note.deptID, 10) + fmt.Sprintf("/%d-W%02d", year, week)
			if _, err := n.Tell(tx, key, bot.Notice{To: head}, now, func(lang bot.Lang, loc *time.Location) bot.Message {
				rd := reader{Lang: lang, Loc: loc, Now: now}
				return bot.Message{Text: rd.T("Your department's tickets this week:", "本部门本周工单：") + "\n" + note.dept.text(rd)}
			}); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// postpone schedules the digest due at now, a day off, for the same time on
// the next working day, as a one-off run of the same kind.
func (h digester) postpone(job *bot.Job, now time.Time) func(bot.Tx) error {
	cal := h.f.Calendar
	day := cal.NextWorkday(now)
	if day.IsZero() {
		return func(bot.Tx) error { return nil }
	}
	local := now.In(day.Location())
	at := time.Date(day.Year(), day.Month(), day.Day(), local.Hour(), local.Minute(), 0, 0, day.Location())
	year, week := now.ISOWeek()
	return func(tx bot.Tx) error {
		_, err := tx.ScheduleJob(&bot.Job{Kind: JobDigest, TZ: job.TZ, RunAt: at,
			DedupKey: fmt.Sprintf("ticket-digest/deferred/%d-W%02d", year, week)}, now)
		return err
	}
}
