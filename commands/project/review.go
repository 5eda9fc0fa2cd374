package project

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/commands"
)

// maxListed bounds each list of a review; the rest are counted.
const maxListed = 10

// taskList names tasks, at most maxListed, the rest counted.
func taskList(ts []project.TaskOf, rd commands.Reader) string {
	var out []string
	for i, x := range ts {
		if i == maxListed {
			out = append(out, rd.T("and %d more", "另有 %d 项", len(ts)-maxListed))
			break
		}
		out = append(out, x.Task.Ref()+" "+x.Task.Title)
	}
	if len(out) == 0 {
		return rd.T("none", "无")
	}
	return rd.List(out)
}

// riskWords is a milestone at risk: its due date, projection, slip and
// critical path.
func riskWords(st *project.State, m project.MilestoneRisk, rd commands.Reader) string {
	s := rd.T("%s (due %s) projected %s, %s", "%s（截止 %s）预计 %s，%s",
		m.Milestone.Name, dayWords(m.Milestone.Due, rd), dayWords(m.Projected, rd), slipWords(m.Slip, rd))
	if len(m.Critical) > 0 {
		s += rd.T("; critical path: %s", "；关键路径：%s", rd.List(taskNames(st, m.Critical)))
	}
	return s
}

// reviewWords is the weekly review for a reader: done this week, what
// slipped (overdue tasks, milestones whose slip grew), the risks and the
// week ahead.
func reviewWords(st *project.State, a project.Assessment, r project.WeeklyReview, rd commands.Reader) string {
	p := st.Project
	var b strings.Builder
	b.WriteString(rd.T("📋 Weekly review of %s (%s) — %s. Done %d/%d tasks.", "📋 %s（%s）周报——%s。已完成 %d/%d 个任务。",
		p.Name, p.Key, levelWords(a.Level, rd.Lang), a.Done, a.Total))
	if r.Since.Before(r.Now.AddDate(0, 0, -7)) || r.Now.Sub(r.Since) < 6*24*time.Hour {
		// Not the usual week: say since when.
		b.WriteString("\n" + rd.T("Done since %s (%d): %s", "%s以来完成（%d）：%s", dayWords(dateOf(r.Since, rd.Loc), rd), len(r.Done), taskList(r.Done, rd)))
	} else {
		b.WriteString("\n" + rd.T("Done this week (%d): %s", "本周完成（%d）：%s", len(r.Done), taskList(r.Done, rd)))
	}
	b.WriteString("\n" + rd.T("Slipped: %d overdue — %s", "延误：逾期 %d 项——%s", len(r.Overdue), taskList(r.Overdue, rd)))
	for _, m := range r.Slipped {
		b.WriteString("\n• " + rd.T("milestone %s slipped: ", "里程碑「%s」延后：", m.Milestone.Name) + riskWords(st, m, rd))
	}
	if len(r.Risks) == 0 && !slipping(a.Level) {
		b.WriteString("\n" + rd.T("Risks: none — every milestone is on track.", "风险：无——所有里程碑进展正常。"))
	} else {
		b.WriteString("\n" + rd.T("Risks:", "风险："))
		for _, m := range r.Risks {
			b.WriteString("\n• " + riskWords(st, m, rd))
		}
		if slipping(a.Level) && a.Slip > 0 {
			b.WriteString("\n• " + rd.T("the project: projected %s, %s", "整个项目：预计 %s 完成，%s", dayWords(a.Projected, rd), slipWords(a.Slip, rd)))
		}
	}
	if len(r.NextTasks) == 0 && len(r.NextMilestones) > 0 {
		// Only milestones: not "(0): none" above the milestone it lists.
		b.WriteString("\n" + rd.T("Next week:", "下周到期："))
	} else {
		b.WriteString("\n" + rd.T("Next week (%d): %s", "下周到期（%d）：%s", len(r.NextTasks), taskList(r.NextTasks, rd)))
	}
	for _, m := range r.NextMilestones {
		b.WriteString("\n• " + rd.T("milestone %s due %s", "里程碑「%s」%s 到期", m.Milestone.Name, dayWords(m.Milestone.Due, rd)))
	}
	return b.String()
}

// reviewRead is a review read and drawn outside the unit: the words are
// written in the unit for each reader, the burndown drawn here for the
// groups' language and the lead's.
type reviewRead struct {
	st     *project.State
	a      project.Assessment
	facts  project.WeeklyReview
	images map[bot.Lang]*bot.Image
}

// prepareReview reads an active project and gathers its review; nil when
// it is gone or closed.
func (f *feature) prepareReview(ctx context.Context, id int64, now time.Time, langs ...bot.Lang) (*reviewRead, error) {
	var lead *bot.Person
	since := now.AddDate(0, 0, -7) // the first review: the week before
	st, err := f.readActive(ctx, id, func(tx bot.Tx, st *project.State) error {
		lead = nil
		last, err := project.From(tx).RecentProjectEvents(id, project.Reviewed, 1)
		if err != nil {
			return err
		}
		if len(last) == 1 && last[0].At.Before(now) {
			since = last[0].At
		}
		if st.Project.LeadID != 0 {
			p, err := tx.FindPersonByID(st.Project.LeadID)
			if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
				return err
			}
			lead = p
		}
		return nil
	})
	if err != nil || st == nil {
		return nil, err
	}
	cal := f.workCal()
	r := &reviewRead{st: st, a: project.Assess(*st, cal, now), images: map[bot.Lang]*bot.Image{}}
	// Since the last review posted, not a fixed week: the work done on a
	// make-up Saturday after a Friday review, or in a week whose review
	// was skipped or came late, is in the next one.
	r.facts = project.Review(*st, r.a, cal, since, now)
	if f.Painter == nil {
		return r, nil
	}
	lang, loc := f.groupLang()
	if lead != nil && lead.Lang != "" {
		langs = append(langs, lead.Lang)
	}
	for _, l := range append([]bot.Lang{lang}, langs...) {
		if _, done := r.images[l]; done {
			continue
		}
		img, err := f.Painter.Lines(burndownPicture(st, cal, commands.Reader{Lang: l, Loc: loc, Now: now}))
		if err != nil {
			f.logWarn("project: drawing the review's burndown failed", "project", st.Project.Key, "err", err)
			continue
		}
		r.images[l] = img
	}
	return r, nil
}

// imageFor is the review's picture in lang, else in any language drawn.
func (r *reviewRead) imageFor(lang bot.Lang) *bot.Image {
	if img := r.images[lang]; img != nil {
		return img
	}
	for _, img := range r.images {
		return img
	}
	return nil
}

// postReview posts the review in p's groups and, when it has none (or
// toLead), to its lead, and writes it on the timeline.
func (f *feature) postReview(tx bot.Tx, p *project.Project, r *reviewRead, key string, toLead bool, now time.Time) error {
	st := *r.st
	st.Project = inZone(p, f.zone())
	if _, err := f.post(tx, p, key, toLead, now, func(rd commands.Reader, _ bool) bot.Message {
		return bot.Message{Text: reviewWords(&st, r.a, r.facts, rd), Image: r.imageFor(rd.Lang)}
	}); err != nil {
		return err
	}
	return project.From(tx).AddProjectEvent(&project.Event{ProjectID: p.ID, Kind: project.Reviewed, At: now,
		Text: fmt.Sprintf("weekly review: %d done, %d overdue, %d milestones slipped, %d at risk",
			len(r.facts.Done), len(r.facts.Overdue), len(r.facts.Slipped), len(r.facts.Risks))})
}

// reviewSub is `project review <key>`: the review posted now in the
// project's groups, and shown to whoever asked.
func (f *feature) reviewSub(sub func(string, []string, string, string, string, string, string, string, func(*commands.Ctx) error) *commands.Sub) *commands.Sub {
	s := sub("review", []string{"weekly", "周报", "回顾"}, "project review [<key>]", "项目 周报 [<代号>]",
		"Post the weekly review now in the project's groups", "立即在项目群发布周报",
		"project review q3", "项目 周报 q3", f.reviewNow)
	s.Prepare = func(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
		return func(ctx context.Context, v bot.Viewer) (any, error) {
			var id int64
			var rd commands.Reader
			err := v.View(ctx, func(tx bot.Tx) error {
				who, err := f.askerOf(tx, ev, args)
				if err == nil && who.mayView {
					id, rd = who.p.ID, who.rd
				}
				return err
			})
			if err != nil || id == 0 {
				return nil, err
			}
			return f.prepareReview(ctx, id, ev.ReceivedAt, rd.Lang)
		}
	}
	return s
}

// reviewNow answers `project review`: an editor posts the review in the
// groups (a viewer only sees it), and the sender gets it too.
func (f *feature) reviewNow(c *commands.Ctx) error {
	p, err := projectFor(c, project.Viewer, bot.T("read its review", "查看周报"))
	if err != nil {
		return err
	}
	if c.PrepareErr != nil {
		return c.PrepareErr
	}
	r, ok := c.Prepared.(*reviewRead)
	if !ok || r == nil {
		if p.Status == project.Closed {
			return bot.Errorf(bot.EINVALID, "%s is closed; `project report %s` shows its close-out report.",
				"%s 已结项；「项目 报告 %s」可查看结项报告。", p.Key, p.Key)
		}
		return fmt.Errorf("project review %s: nothing prepared (%T)", p.Key, c.Prepared)
	}
	rd := commands.ReaderOf(c)
	c.Reply(bot.Message{Text: reviewWords(r.st, r.a, r.facts, rd), Image: r.imageFor(rd.Lang)})
	if may, err := holds(c.Tx, p, c.Person, project.Editor); err != nil || !may {
		return err // a viewer reads the review; only editors post it
	}
	if chats, err := groupsOf(c.Tx, p); err != nil || len(chats) == 0 {
		return err // no group: the review shown is all there is to post
	}
	key := fmt.Sprintf("project/%d/review/in%d", p.ID, c.Event.ID)
	return f.postReview(c.Tx, p, r, key, false, c.Now)
}
