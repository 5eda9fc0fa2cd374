package ticket

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
)

// statsCap bounds the tickets one department's figures read, so that stats
// and the digest cost a bounded read whatever the history holds; figures
// over more say so.
const statsCap = 2000

// deptStats are one department's figures over a period.
type deptStats struct {
	dept               string
	open, openBreached int
	resolved           int // resolved in the period
	respMet, resoMet   int
	breaches           int
	ackWall, ackBiz    time.Duration // sums over the acknowledged
	resWall, resBiz    time.Duration // sums over the resolved
	acked              int
	capped             bool
}

// statsFor reads one department's figures: its open tickets, and those
// resolved since `since` (read newest first, stopping at since).
func (f *feature) statsFor(tx bot.Tx, d *bot.Department, since, now time.Time) (*deptStats, error) {
	s := &deptStats{dept: d.Name}
	st := ticket.From(tx)
	for off := 0; ; off += 500 {
		tks, err := st.FindTickets(ticket.Filter{Active: true, DeptID: d.ID, Offset: off, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, tk := range tks {
			s.open++
			if tk.ResponseBreached || tk.ResolutionBreached {
				s.openBreached++
			}
		}
		if len(tks) < 500 || off+500 >= statsCap {
			s.capped = s.capped || len(tks) == 500
			break
		}
	}
	for off := 0; off < statsCap; off += 500 {
		tks, err := st.FindTickets(ticket.Filter{DeptID: d.ID, Offset: off, Limit: 500})
		if err != nil {
			return nil, err
		}
		older := false
		for _, tk := range tks {
			end := tk.ResolvedAt
			if end.IsZero() {
				end = tk.ClosedAt
			}
			if end.Before(since) {
				older = true
				continue
			}
			s.resolved++
			if !tk.ResponseBreached {
				s.respMet++
			}
			if !tk.ResolutionBreached {
				s.resoMet++
			} else {
				s.breaches++
			}
			if tk.ResponseBreached {
				s.breaches++
			}
			if !tk.AckedAt.IsZero() {
				s.acked++
				s.ackWall += tk.AckedAt.Sub(tk.OpenedAt)
				s.ackBiz += f.businessBetween(d.Name, tk.OpenedAt, tk.AckedAt)
			}
			s.resWall += end.Sub(tk.OpenedAt)
			s.resBiz += f.businessBetween(d.Name, tk.OpenedAt, end)
		}
		if older || len(tks) < 500 {
			break
		}
		s.capped = off+500 >= statsCap
	}
	return s, nil
}

func (f *feature) businessBetween(dept string, a, b time.Time) time.Duration {
	if f.Calendar == nil || !b.After(a) {
		return 0
	}
	return f.Calendar.BusinessBetween(a, b, dept)
}

// text is the figures as lines for a reader.
func (s *deptStats) text(rd reader, business bool) string {
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
		return fmtDuration(sum/time.Duration(n), rd.lang)
	}
	var b strings.Builder
	b.WriteString(rd.t("%s: %d open (%d breached); %d resolved", "%s：未结 %d（超时 %d）；已解决 %d",
		s.dept, s.open, s.openBreached, s.resolved))
	if s.resolved > 0 {
		b.WriteString(rd.t("; SLA met: response %s, resolution %s; breaches %d",
			"；SLA 达成率：响应 %s，解决 %s；超时 %d 次", pct(s.respMet, s.resolved), pct(s.resoMet, s.resolved), s.breaches))
		b.WriteString(rd.t("; mean time to acknowledge %s, to resolve %s (wall clock)",
			"；平均受理用时 %s，平均解决用时 %s（自然时间）", mean(s.ackWall, s.acked), mean(s.resWall, s.resolved)))
		if business {
			b.WriteString(rd.t(", %s and %s in business hours", "，工作时间 %s 和 %s", mean(s.ackBiz, s.acked), mean(s.resBiz, s.resolved)))
		}
	}
	if s.capped {
		b.WriteString(rd.t(" (first %d tickets counted)", "（只统计了前 %d 个工单）", statsCap))
	}
	return b.String() + rd.t(".", "。")
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

// stats answers `ticket stats [dept] [week|month]`.
func (f *feature) stats(c *commands.Ctx) error {
	days, period := 7, bot.T("the last 7 days", "最近 7 天")
	var name []string
	for _, t := range c.Args {
		switch strings.ToLower(t.Text) {
		case "week", "weekly", "本周", "周", "一周":
			days, period = 7, bot.T("the last 7 days", "最近 7 天")
		case "month", "monthly", "本月", "月", "一个月":
			days, period = 30, bot.T("the last 30 days", "最近 30 天")
		default:
			name = append(name, t.Text)
		}
	}
	var depts []*bot.Department
	if len(name) > 0 {
		d, err := commands.FindDept(c, strings.Join(name, " "))
		if err != nil {
			return err
		}
		depts = []*bot.Department{d}
	} else {
		var err error
		if depts, err = c.Tx.ListDepartments(); err != nil {
			return err
		}
	}
	if len(depts) == 0 {
		return c.Usage(bot.T("There are no departments yet.", "目前还没有任何部门。"))
	}
	rd := readerOf(c)
	var b strings.Builder
	b.WriteString(c.T("Tickets, %s:", "工单统计（%s）：", period.In(c.Lang)))
	since := c.Now.AddDate(0, 0, -days)
	for _, d := range depts {
		s, err := f.statsFor(c.Tx, d, since, c.Now)
		if err != nil {
			return err
		}
		b.WriteString("\n• " + s.text(rd, f.Calendar != nil))
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

// digester sends each department head the week's figures of their
// department (the weekly digest), once per department and week.
type digester struct{ f *feature }

var _ bot.JobHandler = digester{}

// RunJob implements bot.JobHandler. Its read is bounded per department
// (statsCap); departments are few.
func (h digester) RunJob(ctx context.Context, tx bot.Tx, job *bot.Job, now time.Time) error {
	depts, err := tx.ListDepartments()
	if err != nil {
		return err
	}
	n := h.f.notifier()
	year, week := now.ISOWeek()
	for _, d := range depts {
		if d.HeadID == 0 {
			continue
		}
		head, err := tx.FindPersonByID(d.HeadID)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		s, err := h.f.statsFor(tx, d, now.AddDate(0, 0, -7), now)
		if err != nil {
			return err
		}
		if s.open == 0 && s.resolved == 0 {
			continue
		}
		key := fmt.Sprintf("ticket-digest/%d/%d-W%02d", d.ID, year, week)
		if _, err := n.Tell(tx, key, bot.Notice{To: head}, now, func(lang bot.Lang, loc *time.Location) bot.Message {
			rd := reader{lang, loc, now}
			return bot.Message{Text: rd.t("Your department's tickets this week:", "本部门本周工单：") + "\n" + s.text(rd, h.f.Calendar != nil)}
		}); err != nil {
			return err
		}
	}
	return nil
}
