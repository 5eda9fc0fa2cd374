// Package matrix is the chat surface of which departments work with which
// (高频互动部门, bot/interplay): `matrix [month:2026-11|week|from:… to:…]`
// answers with a heat map of the interactions between departments and the
// figures in words. The facts are read and the picture drawn in the
// command's prepare step, outside the writer; the unit checks who asks and
// replies. Definitions: docs/matrix.md.
package matrix

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/interplay"
	"github.com/tandemhq/tandem/bot/picture"
	"github.com/tandemhq/tandem/commands"
)

// Deps are what the matrix needs.
type Deps struct {
	// Painter draws the heat map; nil: words only.
	Painter     picture.Painter
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
	Log         *slog.Logger
}

type feature struct{ Deps }

// Module is the matrix command.
func Module(d Deps) commands.Module {
	f := &feature{d}
	return commands.Module{Name: "matrix", Commands: []*commands.Command{{
		Name:    "matrix",
		Aliases: []string{"协作矩阵", "部门矩阵"},
		Summary: bot.T("Which departments work with which: tasks, tickets and meetings across departments (heads and admins)",
			"部门协作矩阵：跨部门的任务、工单和会议（部门负责人和管理员）"),
		Usage: bot.T("matrix [month:2026-11 | week | from:2026-11-01 to:2026-11-15]",
			"协作矩阵 [月份：2026-11 | 本周 | 从：2026-11-01 到：2026-11-15]"),
		Prepare: f.prepare,
		Run:     f.run,
	}}}
}

// Sub is the matrix as a sub-command of another command (`stats matrix`
// / `统计 矩阵`, once the stats command takes it): the same prepare step and
// answer as the matrix command.
func Sub(d Deps) *commands.Sub {
	f := &feature{d}
	return &commands.Sub{Name: "matrix", Aliases: []string{"矩阵", "协作矩阵"},
		Usage: bot.T("stats matrix [month:2026-11 | week | from:2026-11-01 to:2026-11-15]",
			"统计 矩阵 [月份：2026-11 | 本周 | 从：2026-11-01 到：2026-11-15]"),
		Summary: bot.T("Which departments work with which (heads and admins)", "部门协作矩阵（部门负责人和管理员）"),
		Example: bot.T("stats matrix month:2026-11", "统计 矩阵 月份：2026-11"),
		Prepare: f.prepare, Run: f.run}
}

// maxSpan bounds a period: a year of activity is one read of each index.
const maxSpan = 366 * 24 * time.Hour

// period is [From, To) in the reader's zone, with how to name it.
type period struct {
	From, To time.Time
	Label    bot.Text
}

// parsePeriod reads the arguments: nothing (this month), month:YYYY-MM,
// week (the seven days to today), or from:/to: dates (both days
// included; to defaults to today). problem is set when they are wrong.
func parsePeriod(args []commands.Token, now time.Time, loc *time.Location) (p period, problem bot.Text) {
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	month := func(m time.Time) period {
		return period{From: m, To: m.AddDate(0, 1, 0), Label: bot.T(m.Format("January 2006"), m.Format("2006年1月"))}
	}
	p = month(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc))
	var from, to time.Time
	date := func(a commands.Token) (time.Time, bool) {
		d, err := time.ParseInLocation("2006-01-02", a.Text, loc)
		return d, err == nil
	}
	for _, a := range args {
		switch {
		case a.Key == "month" || a.Key == "月份" || a.Key == "月":
			m, err := time.ParseInLocation("2006-01", a.Text, loc)
			if err != nil {
				return p, bot.Tf("%q is not a month: write it like 2026-11.", "「%s」不是月份：请写成 2026-11 这样。", a.Text)
			}
			p = month(m)
		case a.Key == "" && (a.Text == "week" || a.Text == "本周" || a.Text == "周" || a.Text == "近一周"):
			first := today.AddDate(0, 0, -6)
			p = period{From: first, To: today.AddDate(0, 0, 1), Label: bot.T(
				fmt.Sprintf("the last 7 days (%s – %s)", first.Format("01-02"), today.Format("01-02")),
				fmt.Sprintf("最近 7 天（%s 至 %s）", first.Format("01-02"), today.Format("01-02")))}
		case a.Key == "from" || a.Key == "从" || a.Key == "起":
			d, ok := date(a)
			if !ok {
				return p, bot.Tf("%q is not a date: write it like 2026-11-01.", "「%s」不是日期：请写成 2026-11-01 这样。", a.Text)
			}
			from = d
		case a.Key == "to" || a.Key == "到" || a.Key == "止":
			d, ok := date(a)
			if !ok {
				return p, bot.Tf("%q is not a date: write it like 2026-11-15.", "「%s」不是日期：请写成 2026-11-15 这样。", a.Text)
			}
			to = d
		default:
			return p, bot.Tf("I don't understand %q here.", "这里看不懂「%s」。", a.Raw)
		}
	}
	if !to.IsZero() && from.IsZero() {
		return p, bot.T("Say from which day (from:2026-11-01).", "请写明从哪天开始（从：2026-11-01）。")
	}
	if !from.IsZero() {
		if to.IsZero() {
			to = today
		}
		if to.Before(from) {
			return p, bot.T("The period ends before it starts.", "结束日期早于开始日期。")
		}
		end := to.AddDate(0, 0, 1)
		if end.Sub(from) > maxSpan {
			return p, bot.T("A period is at most a year.", "时间段最长一年。")
		}
		p = period{From: from, To: end, Label: bot.T(
			fmt.Sprintf("%s – %s", from.Format("2006-01-02"), to.Format("2006-01-02")),
			fmt.Sprintf("%s 至 %s", from.Format("2006-01-02"), to.Format("2006-01-02")))}
	}
	return p, bot.Text{}
}

// viewer is which departments a person may see the matrix of: all (an
// admin), those they head (a head: the rows and columns of their
// departments), or none (ok false).
func viewer(tx bot.Tx, person *bot.Person) (only []int64, ok bool, err error) {
	if person == nil {
		return nil, false, nil
	}
	if person.Role == bot.RoleAdmin {
		return nil, true, nil
	}
	ds, err := tx.ListDepartments()
	if err != nil {
		return nil, false, err
	}
	for _, d := range ds {
		if d.HeadID == person.ID {
			only = append(only, d.ID)
		}
	}
	return only, len(only) > 0, nil
}

// prepared is what the prepare step read and drew outside the writer.
type prepared struct {
	p       period
	m       interplay.Matrix
	image   *bot.Image
	drawErr error
}

// prepare reads the period's facts in a view, builds the matrix and draws
// it, for a sender who may see it; the unit refuses the others and
// answers a malformed command.
func (f *feature) prepare(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
	return func(ctx context.Context, v bot.Viewer) (any, error) {
		var r *prepared
		var rd commands.Reader
		err := v.View(ctx, func(tx bot.Tx) error {
			person, err := tx.FindPersonByAccount(ev.SenderAccount())
			if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
				return err
			}
			only, ok, err := viewer(tx, person)
			if err != nil || !ok {
				return err
			}
			rd = commands.ReaderFor(person, ev, f.DefaultLang, f.DefaultTZ)
			p, problem := parsePeriod(args, rd.Now, rd.Loc)
			if problem.EN != "" {
				return nil
			}
			facts, err := interplay.From(tx).Interplay(p.From, p.To)
			if err != nil {
				return err
			}
			depts, err := tx.ListDepartments()
			if err != nil {
				return err
			}
			r = &prepared{p: p, m: interplay.Build(depts, facts, only)}
			return nil
		})
		if err != nil || r == nil {
			return r, err
		}
		if f.Painter != nil && !r.m.Empty() {
			r.image, r.drawErr = f.Painter.HeatMap(heatMap(r.m, r.p, rd))
		}
		return r, nil
	}
}

// run answers with what the prepare step read: the picture and the words.
func (f *feature) run(c *commands.Ctx) error {
	if _, ok, err := viewer(c.Tx, c.Person); err != nil {
		return err
	} else if !ok {
		return bot.Err(bot.EFORBIDDEN, bot.T("The collaboration matrix is for department heads and admins.",
			"部门协作矩阵仅部门负责人和管理员可查看。"))
	}
	if _, problem := parsePeriod(c.Args, c.Now, c.Loc); problem.EN != "" {
		return c.Usage(problem)
	}
	if c.PrepareErr != nil {
		return c.PrepareErr
	}
	r, ok := c.Prepared.(*prepared)
	if !ok || r == nil {
		return fmt.Errorf("matrix: nothing prepared (%T)", c.Prepared)
	}
	rd := commands.ReaderOf(c)
	if r.image != nil {
		c.Reply(bot.Message{Image: r.image})
	}
	c.Reply(bot.Message{Text: words(r.m, r.p, rd)})
	if r.drawErr != nil && f.Log != nil {
		f.Log.Warn("matrix: drawing failed", "err", r.drawErr)
	}
	return nil
}
