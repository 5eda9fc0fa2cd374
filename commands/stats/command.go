package stats

import (
	"context"
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/commands"
)

// usageText is the form of the command, in the answer to a malformed one.
var usageText = bot.T("Usage: `stats [week|month|month:2026-11|from:2026-11-01 to:2026-11-30] [dept:Sales]`.",
	"用法：「统计 [week|month|month:2026-11|from:2026-11-01 to:2026-11-30] [部门：销售部]」。")

func (f *feature) command() *commands.Command {
	return &commands.Command{
		Name:     "stats",
		Aliases:  []string{"统计", "数据", "数据监控"},
		Summary:  bot.T("Usage figures: messages, commands, tasks, tickets' SLA, announcements", "数据监控：消息、命令、任务、工单 SLA、公告确认"),
		Fallback: "usage",
		Subs: []*commands.Sub{{
			Name:    "usage",
			Aliases: []string{"用量", "概况"},
			Usage:   bot.T("stats [week|month:2026-11|from:<date> to:<date>] [dept:<department>]", "统计 [week|month:2026-11|from:<日期> to:<日期>] [部门：<部门>]"),
			Summary: bot.T("A period's figures in words and a chart (admins: any department; others: their own)",
				"某段时间的数据（文字和图表；管理员可看任意部门，其他人看本部门）"),
			Example: bot.T("stats month:2026-11 dept:Sales", "统计 month:2026-11 部门：销售部"),
			Prepare: f.prepare,
			Run:     f.show,
		}},
	}
}

// query is what a stats command asks for.
type query struct {
	word, month, from, to, dept string
}

// parseQuery reads the arguments; a word it does not know is EINVALID with
// the usage, in both languages.
func parseQuery(args []commands.Token) (query, error) {
	var q query
	bad := func(what string) (query, error) {
		return q, bot.Err(bot.EINVALID, bot.Text{EN: fmt.Sprintf("I can't read %q here. %s", what, usageText.EN),
			ZH: fmt.Sprintf("无法识别「%s」。%s", what, usageText.ZH)})
	}
	for _, a := range args {
		switch a.Key {
		case "month", "月", "月份":
			q.month = a.Text
		case "from", "从", "自":
			q.from = a.Text
		case "to", "到", "至":
			q.to = a.Text
		case "dept", "department", "部门":
			q.dept = a.Text
		case "":
			if q.word != "" {
				return bad(a.Raw)
			}
			q.word = a.Text
		default:
			return bad(a.Raw)
		}
	}
	return q, nil
}

// period reads q's period at now in the counters' zone.
func (f *feature) period(q query, now time.Time) (stats.Period, error) {
	p, err := stats.ParsePeriod(q.word, q.month, q.from, q.to, now, f.zone())
	if err != nil {
		t := bot.ErrorText(err)
		return p, bot.Err(bot.EINVALID, bot.Text{EN: t.EN + " " + usageText.EN, ZH: t.ZH + usageText.ZH})
	}
	return p, nil
}

// scope is the department asker may see the figures of: the one named
// (admins any; others only their own), else everything for an admin and
// their own department for anyone else. Works in a view or a unit.
func scope(tx bot.Tx, asker *bot.Person, deptName string) (*bot.Department, error) {
	if asker == nil {
		return nil, bot.Errorf(bot.EFORBIDDEN, "Only admins and a department's people can see its figures.", "只有管理员和本部门的人可以查看部门数据。")
	}
	admin := asker.Role == bot.RoleAdmin
	if deptName != "" {
		d, err := commands.FindDeptIn(tx, deptName)
		if err != nil {
			return nil, err
		}
		if !admin && asker.DeptID != d.ID {
			return nil, bot.Errorf(bot.EFORBIDDEN, "Only admins and the people of %s can see its figures.", "只有管理员和%s的成员可以查看该部门的数据。", d.Name)
		}
		return d, nil
	}
	if admin {
		return nil, nil // everyone
	}
	if asker.DeptID == 0 {
		return nil, bot.Errorf(bot.EFORBIDDEN, "You are in no department, and only admins see the whole organisation's figures.",
			"你不属于任何部门，只有管理员可以查看全组织的数据。")
	}
	return tx.FindDepartmentByID(asker.DeptID)
}

// prepared is what the prepare step read and drew.
type prepared struct {
	fig     *stats.Figures
	names   map[int64]string
	chart   *bot.Image
	drawErr error
}

// prepare reads the figures in a view and draws the chart, before the
// unit and outside it. A malformed query or a refusal prepares nothing:
// the unit, which checks both again, gives the answer people read.
func (f *feature) prepare(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
	q, err := parseQuery(args)
	if err != nil {
		return nil
	}
	return func(ctx context.Context, v bot.Viewer) (any, error) {
		p, err := f.period(q, ev.ReceivedAt)
		if err != nil {
			return nil, nil
		}
		var r prepared
		var rd commands.Reader
		err = v.View(ctx, func(tx bot.Tx) error {
			asker, err := tx.FindPersonByAccount(ev.SenderAccount())
			if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
				return err
			}
			d, err := scope(tx, asker, q.dept)
			if err != nil {
				return nil // refused in the unit
			}
			rd = f.readerFor(asker, ev)
			r.fig, r.names, err = readFigures(tx, p, deptID(d))
			return err
		})
		if err != nil || r.fig == nil {
			return nil, err
		}
		r.chart, r.drawErr = f.draw(r.fig, rd)
		return &r, nil
	}
}

func deptID(d *bot.Department) int64 {
	if d == nil {
		return 0
	}
	return d.ID
}

// readerFor is how the unit will answer: the person's language, else the
// message's, in their zone (bot.Bot's rule).
func (f *feature) readerFor(person *bot.Person, ev *bot.Event) commands.Reader {
	return commands.ReaderFor(person, ev, f.DefaultLang, f.DefaultTZ)
}

// show answers with what the prepare step read, after checking the query
// and who asks again in the unit.
func (f *feature) show(c *commands.Ctx) error {
	q, err := parseQuery(c.Args)
	if err != nil {
		return err
	}
	// As of when the event came, as the prepare step read it: a retry by
	// the sweep after midnight still answers about the same days.
	p, err := f.period(q, c.Event.ReceivedAt)
	if err != nil {
		return err
	}
	d, err := scope(c.Tx, c.Person, q.dept)
	if err != nil {
		return err
	}
	if c.PrepareErr != nil {
		return c.PrepareErr
	}
	r, ok := c.Prepared.(*prepared)
	if !ok || r.fig == nil || r.fig.Period.Label() != p.Label() || r.fig.DeptID != deptID(d) {
		return fmt.Errorf("stats: nothing prepared for %s (%T)", p.Label(), c.Prepared)
	}
	rd := commands.ReaderOf(c)
	c.Reply(bot.Message{Text: words(r.fig, r.names, d, rd)})
	if r.chart != nil {
		c.Reply(bot.Message{Image: r.chart})
	}
	if r.drawErr != nil {
		f.logWarn("stats: drawing failed", "err", r.drawErr)
	}
	return nil
}
