package project

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
)

// Job kinds of the projects feature. Each project has one of each, keyed
// by project (checkKey, reviewKey), made by scheduleProjectJobs and
// cancelled when the project closes.
const (
	// JobCheck is the daily delay-risk check, on working days at
	// Config.CheckAt in the calendar's zone.
	JobCheck = "project.check"
	// JobReview is the weekly review, at the project's Review time.
	JobReview = "project.review"
)

// DefaultCheckAt is when the daily check runs when the config names no
// time (projects.check_at).
const DefaultCheckAt = 9*time.Hour + 30*time.Minute

// DefaultReview is the weekly review's time when neither the project nor
// the config names one (projects.review).
var DefaultReview = project.Weekly{Weekday: time.Friday, Clock: 16 * time.Hour}

// maxGroups bounds the chats one warning or review is posted in.
const maxGroups = 20

func checkJobKey(id int64) string  { return "project/" + strconv.FormatInt(id, 10) + "/check" }
func reviewJobKey(id int64) string { return "project/" + strconv.FormatInt(id, 10) + "/review" }

// lateReviewJobKey is the one-off review posted on the first working day
// after a review day that was not one (reviewer.FetchJob).
func lateReviewJobKey(id int64) string { return reviewJobKey(id) + "/late" }

// jobPayload names the project a job is for.
type jobPayload struct {
	Project int64 `json:"project"`
	// Week is set on a late review: the ISO week ("2026-W08") of the
	// review day it stands for, which keys what it posts.
	Week string `json:"week,omitempty"`
}

// jobs are the project job kinds; both read outside the writer
// (bot.JobFetcher).
func (f *feature) jobs() map[string]bot.JobHandler {
	return map[string]bot.JobHandler{JobCheck: checker{f: f}, JobReview: reviewer{f: f}}
}

// scheduleProjectJobs makes p's daily check and weekly review (a project
// whose review is off gets no review job). It is idempotent: a job with
// the same schedule is kept, one whose time changed is replaced
// (bot.EnsureJob), so it is also what reopen and a changed review time
// call.
func (f *feature) scheduleProjectJobs(c *commands.Ctx, p *project.Project) error {
	return f.ensureJobs(c.Tx, p, c.Now)
}

func (f *feature) ensureJobs(tx bot.Tx, p *project.Project, now time.Time) error {
	cal := f.workCal()
	loc := cal.Location()
	payload, err := json.Marshal(jobPayload{Project: p.ID})
	if err != nil {
		return err
	}
	checkAt := f.Config.CheckAt
	if checkAt <= 0 {
		checkAt = DefaultCheckAt
	}
	check := &bot.Job{Kind: JobCheck, Payload: payload, DedupKey: checkJobKey(p.ID), TZ: loc.String(),
		Schedule: "workdays:" + clock(checkAt), RunAt: nextCheck(cal, checkAt, now), OwnerID: p.LeadID}
	if err := bot.EnsureJob(tx, check, now); err != nil {
		return err
	}
	rv := f.reviewOf(p)
	if rv.Off {
		return bot.CancelJobs(tx, reviewJobKey(p.ID), now)
	}
	review := &bot.Job{Kind: JobReview, Payload: payload, DedupKey: reviewJobKey(p.ID), TZ: loc.String(),
		Schedule: fmt.Sprintf("cron:%d %d * * %d", int(rv.Clock%time.Hour/time.Minute), int(rv.Clock/time.Hour), int(rv.Weekday)),
		RunAt:    nextWeekly(rv, loc, now), OwnerID: p.LeadID}
	return bot.EnsureJob(tx, review, now)
}

// cancelJobs stops p's jobs (close).
func cancelJobs(tx bot.Tx, p *project.Project, now time.Time) error {
	for _, key := range []string{checkJobKey(p.ID), reviewJobKey(p.ID), lateReviewJobKey(p.ID)} {
		if err := bot.CancelJobs(tx, key, now); err != nil {
			return err
		}
	}
	return nil
}

// reviewOf is when p's weekly review goes: its own time, else the
// config's, else DefaultReview. A zero Weekly (Sunday midnight, not off)
// is taken as "not set".
func (f *feature) reviewOf(p *project.Project) project.Weekly {
	switch {
	case p.Review.Off || p.Review != (project.Weekly{}):
		return p.Review
	case f.Config.Review != (project.Weekly{}):
		return f.Config.Review
	}
	return DefaultReview
}

// clock is "HH:MM" of a time of day.
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// at is the moment clock on day d (a date in its zone).
func at(d time.Time, clock time.Duration) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), int(clock/time.Hour), int(clock%time.Hour/time.Minute), 0, 0, d.Location())
}

// nextCheck is the first working day's checkAt after now.
func nextCheck(cal *workcal.Calendar, checkAt time.Duration, now time.Time) time.Time {
	today := dateOf(now, cal.Location())
	if t := at(today, checkAt); cal.IsWorkday(today) && t.After(now) {
		return t
	}
	if d := cal.NextWorkday(today); !d.IsZero() {
		return at(d, checkAt)
	}
	return at(addDays(today, 1), checkAt)
}

// nextWeekly is the first time of w after now, in loc.
func nextWeekly(w project.Weekly, loc *time.Location, now time.Time) time.Time {
	today := dateOf(now, loc)
	for i := 0; i <= 7; i++ {
		d := addDays(today, i)
		if t := at(d, w.Clock); d.Weekday() == w.Weekday && t.After(now) {
			return t
		}
	}
	return at(addDays(today, 7), w.Clock)
}

// payloadOf reads a job's payload.
func payloadOf(job *bot.Job) (jobPayload, error) {
	var p jobPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.Project == 0 {
		return p, fmt.Errorf("project job %d: bad payload %q", job.ID, job.Payload)
	}
	return p, nil
}

// errFetchOnly is RunJob's answer: the project jobs read outside the
// writer, so the scheduler runs them through FetchJob.
var errFetchOnly = errors.New("project jobs run through FetchJob")

// fetchOnly is the part the project jobs share as bot.JobFetchers.
type fetchOnly struct{}

// RunJob implements bot.JobHandler; the scheduler runs FetchJob instead.
func (fetchOnly) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error { return errFetchOnly }

// FetchTimeout implements bot.JobFetcher.
func (fetchOnly) FetchTimeout() time.Duration { return time.Minute }

// activeProject is project id while it is active; nil when it is gone or
// closed (a job that outlived its project does nothing).
func activeProject(tx bot.Tx, id int64) (*project.Project, error) {
	p, err := project.From(tx).FindProjectByID(id)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil, nil
	} else if err != nil || p.Status != project.Active {
		return nil, err
	}
	return p, nil
}

// readActive reads an active project's state in a view; nil when the
// project is gone or closed (a job that outlived its project does
// nothing).
func (f *feature) readActive(ctx context.Context, id int64, more func(tx bot.Tx, st *project.State) error) (*project.State, error) {
	if f.Store == nil {
		return nil, errors.New("the project jobs have no store to read (project.Deps.Store)")
	}
	var st *project.State
	err := f.Store.View(ctx, func(tx bot.Tx) error {
		st = nil
		p, err := activeProject(tx, id)
		if p == nil || err != nil {
			return err
		}
		if st, err = readState(tx, p, f.zone()); err != nil {
			return err
		}
		if more != nil {
			return more(tx, st)
		}
		return nil
	})
	return st, err
}

// groupLang is the language and zone of messages posted in groups.
func (f *feature) groupLang() (bot.Lang, *time.Location) {
	return bot.Defaults(f.DefaultLang, f.DefaultTZ)
}

// groupsOf are the chats bound to p.
func groupsOf(tx bot.Tx, p *project.Project) ([]bot.Destination, error) {
	bs, err := bot.Bindings(tx).BoundChats("project", p.Key, maxGroups)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Destination, len(bs))
	for i, b := range bs {
		out[i] = bot.Destination{Platform: b.Chat.Platform, Workspace: b.Chat.Workspace, ChatID: b.Chat.ChatID}
	}
	return out, nil
}

// post sends compose's message to p's groups (in the default language)
// under key, and tells the lead (in theirs) — or, when toLead is false, the
// lead only when p has no group. It returns how many were reached.
func (f *feature) post(tx bot.Tx, p *project.Project, key string, toLead bool, now time.Time,
	compose func(rd commands.Reader, group bool) bot.Message) (int, error) {
	chats, err := groupsOf(tx, p)
	if err != nil {
		return 0, err
	}
	lang, loc := f.groupLang()
	for i, to := range chats {
		m := compose(commands.Reader{Lang: lang, Loc: loc, Now: now}, true).ForReader(lang, loc)
		if _, err := tx.Enqueue(&bot.Outgoing{Key: key + "/chat/" + strconv.Itoa(i), To: to, Msg: m}, now); err != nil {
			return 0, err
		}
	}
	n := len(chats)
	if !toLead && n > 0 {
		return n, nil
	}
	leadID := p.LeadID
	if leadID == 0 {
		leadID = p.CreatorID
	}
	lead, err := tx.FindPersonByID(leadID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return n, nil
	} else if err != nil {
		return n, err
	}
	ok, err := bot.NotifierOr(f.Notifier, f.DefaultLang, f.DefaultTZ).Tell(tx, key+"/lead", bot.Notice{To: lead, Urgent: true}, now,
		func(lang bot.Lang, loc *time.Location) bot.Message {
			return compose(commands.Reader{Lang: lang, Loc: loc, Now: now}, false)
		})
	if ok {
		n++
	}
	return n, err
}

// checker runs the daily delay-risk check.
type checker struct {
	fetchOnly
	f *feature
}

var _ bot.JobFetcher = checker{}

// warning is one delay warning the check decided on, outside the unit.
type warning struct {
	milestone *project.MilestoneRisk // nil: the whole project
	slip      int
}

// FetchJob implements bot.JobFetcher: the project's state is read and
// assessed in a view; the unit then warns about what newly slipped, marks
// milestones met, and records both. Nothing runs on a day off (the
// schedule skips them; this guards a job run late across a holiday).
//
// A warning is sent when a milestone (or the project) is projected late
// by more working days than its last warning named (WarnedSlip), and the
// new slip is recorded in the same unit as the messages; a second run of
// the same job (a retry, a replay after a crash) reads the recorded slip
// and sends nothing, and the messages' keys name the slip, so even a
// replayed unit stores each message once.
func (h checker) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	f := h.f
	pl, err := payloadOf(job)
	if err != nil {
		return nil, err
	}
	id, cal := pl.Project, f.workCal()
	if !cal.IsWorkday(now) {
		return nil, nil
	}
	st, err := f.readActive(ctx, id, nil)
	if err != nil || st == nil {
		return nil, err
	}
	a := project.Assess(*st, cal, now)
	return func(tx bot.Tx) error { return f.applyCheck(tx, st, a, now) }, nil
}

// applyCheck is the check's unit: it re-reads the project and its
// milestones (small rows) so that what it compares with is what is stored
// now, not what the view saw.
func (f *feature) applyCheck(tx bot.Tx, st *project.State, a project.Assessment, now time.Time) error {
	s := project.From(tx)
	p, err := activeProject(tx, st.Project.ID)
	if p == nil || err != nil {
		return err
	}
	stored, err := s.Milestones(p.ID)
	if err != nil {
		return err
	}
	byID := map[int64]*project.Milestone{}
	for _, m := range stored {
		m.Due = m.Due.In(f.zone())
		byID[m.ID] = m
	}
	// warnedNow are the milestones warned about in this run: a project
	// warning that would say the same (the last milestone is due on the
	// project's end and projected for the same day) is recorded, not sent.
	var warnedNow []*project.MilestoneRisk
	for i := range a.Milestones {
		mr := &a.Milestones[i]
		m := byID[mr.Milestone.ID]
		if m == nil {
			continue
		}
		if mr.Level == project.Met && m.DoneAt.IsZero() {
			m.DoneAt = now
			if err := s.UpdateMilestone(m); err != nil {
				return err
			}
			if err := s.AddProjectEvent(&project.Event{ProjectID: p.ID, Kind: project.MilestoneMet, At: now,
				Text: fmt.Sprintf("milestone %q met (due %s)", m.Name, m.Due.Format(time.DateOnly))}); err != nil {
				return err
			}
			continue
		}
		mr.Milestone = m // what the last warning named is what is stored now
		if !mr.SlipGrew() {
			continue
		}
		if err := f.warn(tx, p, st, a, warning{milestone: mr, slip: mr.Slip}, now); err != nil {
			return err
		}
		m.WarnedSlip, m.WarnedAt = mr.Slip, now
		if err := s.UpdateMilestone(m); err != nil {
			return err
		}
		warnedNow = append(warnedNow, mr)
	}
	if slipping(a.Level) && a.Slip > p.WarnedSlip {
		if !f.saidByMilestone(p, a, warnedNow) {
			if err := f.warn(tx, p, st, a, warning{slip: a.Slip}, now); err != nil {
				return err
			}
		}
		p.WarnedSlip, p.WarnedAt, p.UpdatedAt = a.Slip, now, now
		return s.UpdateProject(p)
	}
	return nil
}

// saidByMilestone reports whether one of the milestones just warned about
// says what the project's warning would: due on the project's end day and
// projected for the same day as the whole project.
func (f *feature) saidByMilestone(p *project.Project, a project.Assessment, warned []*project.MilestoneRisk) bool {
	loc := f.zone()
	end := dateOf(p.End, loc)
	for _, mr := range warned {
		if dateOf(mr.Milestone.Due, loc).Equal(end) && dateOf(mr.Projected, loc).Equal(dateOf(a.Projected, loc)) {
			return true
		}
	}
	return false
}

func slipping(l project.Level) bool { return l == project.AtRisk || l == project.Late }

// warn tells the lead and posts in the project's groups that w slipped,
// naming the critical path and the projected date against the due date,
// and writes it on the timeline.
func (f *feature) warn(tx bot.Tx, p *project.Project, st *project.State, a project.Assessment, w warning, now time.Time) error {
	// p was read in the unit: its dates are instants; the timeline names
	// them as days of the calendar's zone, as the milestones' are.
	what, due, projected, critical, byPace := "project", p.End.In(f.zone()), a.Projected, a.Critical, a.ByPace
	key := "project/" + strconv.FormatInt(p.ID, 10) + "/warn/"
	if mr := w.milestone; mr != nil {
		what, due, projected, critical, byPace = "milestone "+strconv.Quote(mr.Milestone.Name), mr.Milestone.Due, mr.Projected, mr.Critical, mr.ByPace
		key += "m" + strconv.FormatInt(mr.Milestone.ID, 10)
	} else {
		key += "project"
	}
	key += "/slip" + strconv.Itoa(w.slip)
	if _, err := f.post(tx, p, key, true, now, func(rd commands.Reader, _ bool) bot.Message {
		return bot.Message{Text: warningWords(st, a, w, rd)}
	}); err != nil {
		return err
	}
	return project.From(tx).AddProjectEvent(&project.Event{ProjectID: p.ID, Kind: project.Warned, At: now,
		Text: fmt.Sprintf("%s projected %s, due %s: %d working day%s late; critical path %s; %s", what,
			projected.Format(time.DateOnly), due.Format(time.DateOnly), w.slip, plural(w.slip), strings.Join(taskNames(st, critical), ", "),
			basisNote(a, byPace))})
}

// basisWords say, as a sentence, what a projection rests on, so that
// whoever reads a warning can judge how far to trust it: the pace and the
// tasks and working days it was measured over, or the estimates along the
// critical path.
func basisWords(a project.Assessment, byPace bool, rd commands.Reader) string {
	if byPace {
		return rd.T("At the recent pace: %d task%s done in the last %d working day%s.",
			"按近期进度推算：最近 %[3]d 个工作日完成 %[1]d 项任务。",
			a.PaceDone, plural(a.PaceDone), a.PaceDays, plural(a.PaceDays))
	}
	return rd.T("By the estimates along the critical path.", "按关键路径上的工期估算推算。")
}

// basisNote is basisWords for the timeline (English, one clause).
func basisNote(a project.Assessment, byPace bool) string {
	if byPace {
		return fmt.Sprintf("pace %d done in %d working day%s", a.PaceDone, a.PaceDays, plural(a.PaceDays))
	}
	return "by the estimates"
}

// warningWords is a delay warning for a reader.
func warningWords(st *project.State, a project.Assessment, w warning, rd commands.Reader) string {
	p := st.Project
	var b strings.Builder
	if mr := w.milestone; mr != nil {
		b.WriteString(rd.T("⚠️ %s: milestone %s (due %s) is projected for %s — %s. Done %d/%d.",
			"⚠️ %s：里程碑「%s」（截止 %s）预计 %s 才能完成——%s。已完成 %d/%d。",
			p.Name, mr.Milestone.Name, dayWords(mr.Milestone.Due, rd), dayWords(mr.Projected, rd), slipWords(w.slip, rd), mr.Done, mr.Total))
		b.WriteString("\n" + basisWords(a, mr.ByPace, rd))
		if len(mr.Critical) > 0 {
			b.WriteString("\n" + rd.T("Critical path: %s.", "关键路径：%s。", rd.List(taskNames(st, mr.Critical))))
		}
	} else {
		b.WriteString(rd.T("⚠️ %s (end %s) is projected to finish %s — %s. Done %d/%d.",
			"⚠️ %s（结束日期 %s）预计 %s 才能完成——%s。已完成 %d/%d。",
			p.Name, dayWords(p.End, rd), dayWords(a.Projected, rd), slipWords(w.slip, rd), a.Done, a.Total))
		b.WriteString("\n" + basisWords(a, a.ByPace, rd))
		if len(a.Critical) > 0 {
			b.WriteString("\n" + rd.T("Critical path: %s.", "关键路径：%s。", rd.List(taskNames(st, a.Critical))))
		}
	}
	b.WriteString("\n" + rd.T("`project status %s` shows the details.", "「项目 状态 %s」可查看详情。", p.Key))
	return b.String()
}

// reviewer posts the weekly review.
type reviewer struct {
	fetchOnly
	f *feature
}

var _ bot.JobFetcher = reviewer{}

// FetchJob implements bot.JobFetcher: the state is read and assessed, the
// review's facts gathered and its burndown drawn (in the groups' language
// and the lead's), all outside the unit; the unit posts them, keyed by
// project and ISO week so a week's review goes out once.
//
// On a day the work calendar says is not a working day (a Friday inside
// Spring Festival) nothing is posted: a one-off late review is scheduled
// for the first working day after, at the review's time, unless the next
// regular review comes first (a long holiday), and the weekly job keeps
// its weekday. Either way the review covers the work since the last one
// posted (prepareReview), so a skipped week is not lost.
func (h reviewer) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	f := h.f
	pl, err := payloadOf(job)
	if err != nil {
		return nil, err
	}
	id, cal := pl.Project, f.workCal()
	if pl.Week == "" && !cal.IsWorkday(now) {
		return func(tx bot.Tx) error { return f.deferReview(tx, id, now) }, nil
	}
	r, err := f.prepareReview(ctx, id, now)
	if err != nil || r == nil {
		return nil, err
	}
	week := pl.Week
	if week == "" {
		week = isoWeek(now.In(cal.Location()))
	}
	key := fmt.Sprintf("project/%d/review/%s", id, week)
	return func(tx bot.Tx) error {
		p, err := activeProject(tx, id)
		if p == nil || err != nil {
			return err
		}
		return f.postReview(tx, p, r, key, false, now)
	}, nil
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// isoWeek is t's ISO week, "2026-W08".
func isoWeek(t time.Time) string {
	year, week := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", year, week)
}

// deferReview schedules the late review of a review day that is not a
// working day (see reviewer.FetchJob): on the first working day after now,
// at the review's time, standing for now's ISO week.
func (f *feature) deferReview(tx bot.Tx, id int64, now time.Time) error {
	p, err := activeProject(tx, id)
	if p == nil || err != nil {
		return err
	}
	rv := f.reviewOf(p)
	if rv.Off {
		return nil
	}
	cal := f.workCal()
	loc := cal.Location()
	late := nextCheck(cal, rv.Clock, now) // the first working day's review time after now
	if !late.Before(nextWeekly(rv, loc, now)) {
		return nil // the next regular review comes first, and covers this week's work
	}
	payload, err := json.Marshal(jobPayload{Project: id, Week: isoWeek(now.In(loc))})
	if err != nil {
		return err
	}
	_, err = tx.ScheduleJob(&bot.Job{Kind: JobReview, Payload: payload, DedupKey: lateReviewJobKey(id), TZ: loc.String(),
		RunAt: late, OwnerID: p.LeadID}, now)
	return err
}
